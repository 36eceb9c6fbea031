"""A finished sweep's grid as a CSV or Parquet download: shared by the sweep pages and the
API so both serve the same file.

The body is streamed (`planner.sweep_export`): the stored archive is copied out of the
database a slice at a time into a temporary file, and rows are produced a block at a time
while the response is sent, so one download holds a few megabytes whatever the grid.

An organization has at most ``SWEEP_DOWNLOADS_PER_ORGANIZATION`` downloads running at
once (2 unless configured): each takes a slot in a Redis sorted set for as long as its
body is being sent, refreshed while it runs, so a slot a killed worker never gave back
lapses after `SLOT_STALE_SECONDS`. One more download is refused with
`DownloadLimitError` (a 429 on pages and in the API). If Redis cannot be reached the limit
fails open, like the API's rate limits (`accounts.availability`). Without Redis (the
embedded setup) slots are counted in the process.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import StreamingHttpResponse

from accounts.availability import CACHE_ERRORS
from planner import sweep_export, sweep_selectors
from planner.models import Sweep

logger = logging.getLogger(__name__)

CONTENT_TYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}
DEFAULT_DOWNLOADS_PER_ORGANIZATION = 2
SLOT_STALE_SECONDS = 300
SLOT_REFRESH_SECONDS = 60
RETRY_AFTER_SECONDS = 30


class DownloadLimitError(Exception):
    """Too many downloads of this organization's sweeps are running; try again shortly."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            f"Your organization already has {limit} sweep download"
            f"{'s' if limit != 1 else ''} in progress, the most allowed at once. "
            "Try again when one has finished."
        )


def downloads_per_organization() -> int:
    return int(
        getattr(settings, "SWEEP_DOWNLOADS_PER_ORGANIZATION", DEFAULT_DOWNLOADS_PER_ORGANIZATION)
    )


# --- slots -------------------------------------------------------------------------------

_local_lock = threading.Lock()
_local_slots: dict[int, int] = {}


def _redis_client() -> Any | None:
    """The default cache's Redis client, or None when the cache is not Redis."""
    cache = caches["default"]
    get_client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if get_client is None:
        return None
    return get_client(None, write=True)


class _Slot:
    """One running download of an organization."""

    def __init__(self, organization_id: int) -> None:
        self.organization_id = organization_id
        self.key = caches["default"].make_key(f"sweep-downloads:{organization_id}")
        self.token = uuid.uuid4().hex
        self.kind = "none"  # "redis", "local", or "none" (the limit failed open)
        self.refreshed = time.monotonic()

    def acquire(self, limit: int) -> None:
        try:
            client = _redis_client()
        except CACHE_ERRORS as exc:
            logger.warning("Sweep download limit not applied (%s)", exc.__class__.__name__)
            return
        if client is None:
            with _local_lock:
                if _local_slots.get(self.organization_id, 0) >= limit:
                    raise DownloadLimitError(limit)
                _local_slots[self.organization_id] = _local_slots.get(self.organization_id, 0) + 1
            self.kind = "local"
            return
        now = time.time()
        try:
            pipe = client.pipeline(transaction=True)
            pipe.zremrangebyscore(self.key, "-inf", now - SLOT_STALE_SECONDS)
            pipe.zadd(self.key, {self.token: now})
            pipe.zcard(self.key)
            pipe.expire(self.key, SLOT_STALE_SECONDS)
            _, _, count, _ = pipe.execute()
            if count > limit:
                client.zrem(self.key, self.token)
                raise DownloadLimitError(limit)
        except CACHE_ERRORS as exc:
            # Fail open: an outage of Redis must not stop downloads.
            logger.warning("Sweep download limit not applied (%s)", exc.__class__.__name__)
            return
        self.kind = "redis"

    def keep_alive(self) -> None:
        if self.kind != "redis" or time.monotonic() - self.refreshed < SLOT_REFRESH_SECONDS:
            return
        self.refreshed = time.monotonic()
        try:
            client = _redis_client()
            client.zadd(self.key, {self.token: time.time()}, xx=True)
            client.expire(self.key, SLOT_STALE_SECONDS)
        except CACHE_ERRORS:
            logger.warning("Could not refresh a sweep download slot", exc_info=True)

    def release(self) -> None:
        kind, self.kind = self.kind, "none"
        if kind == "local":
            with _local_lock:
                left = _local_slots.get(self.organization_id, 1) - 1
                if left > 0:
                    _local_slots[self.organization_id] = left
                else:
                    _local_slots.pop(self.organization_id, None)
        elif kind == "redis":
            try:
                _redis_client().zrem(self.key, self.token)
            except CACHE_ERRORS:
                logger.warning("Could not release a sweep download slot", exc_info=True)


class _StreamedBody:
    """The response body: the rows, then (when the body was sent or the client went away)
    the temporary copy of the archive and the download slot are given back. Django calls
    `close` when the response is closed, whether or not the body was iterated."""

    def __init__(
        self, chunks: Iterable[bytes], *, slot: _Slot, cleanups: list[Callable[[], None]]
    ) -> None:
        self._chunks = chunks
        self._slot = slot
        self._cleanups = cleanups
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self._slot.keep_alive()
            yield chunk

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
            for cleanup in self._cleanups:
                cleanup()
        finally:
            self._slot.release()


def sweep_download_response(*, sweep: Sweep, fmt: str) -> StreamingHttpResponse | None:
    """The download of ``sweep``'s results as ``fmt`` ("csv" or "parquet"); None until the
    sweep has results. Raises `DownloadLimitError` when the organization already has the
    most downloads running."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"unknown download format {fmt!r}")
    slot = _Slot(sweep.organization_id)
    slot.acquire(downloads_per_organization())
    cleanups: list[Callable[[], None]] = []
    try:
        file = sweep_selectors.sweep_result_file(sweep=sweep)
        if file is None:
            slot.release()
            return None
        cleanups.append(file.close)
        archive, layout = sweep_export.open_archive(file)
        cleanups.insert(0, archive.close)
        encode = sweep_export.csv_stream if fmt == "csv" else sweep_export.parquet_stream
        body = _StreamedBody(encode(archive, layout), slot=slot, cleanups=cleanups)
    except BaseException:
        for cleanup in cleanups:
            cleanup()
        slot.release()
        raise
    response = StreamingHttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="sweep-{sweep.pk}.{fmt}"'
    return response
