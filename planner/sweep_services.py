"""Services that change sweeps: start, compute a chunk, finalize, cancel, fail.

Every background step may run twice (acks_late redelivery, a retry after a crash): each
one filters on the state it expects before updating, so a second run changes nothing.
Progress counters only ever grow, through ``F()`` increments made in the same
transaction that marks a chunk done.
"""

from __future__ import annotations

import io
import itertools
import logging
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.audit import record
from accounts.availability import BROKER_ERRORS, require_broker
from accounts.models import Organization
from planner.bridge.plans import api_traffic_snapshot
from planner.bridge.sweeps import (
    SweepChunkResult,
    SweepSpec,
    SweepSpecError,
    chunk_bounds,
    clean_sweep_spec,
    engine_spec,
    evaluate_chunk,
    grid_size,
    summarize,
)
from planner.models import Sweep, SweepChunk, SweepStatus, Workload
from planner.models.sweeps import ACTIVE_STATUSES, ChunkStatus
from planner.sweep_admission import first_chunk_indices, next_chunk_index, sweep_admit

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_POINTS = 125_000
MAP_MAX_ROWS = 24  # volumes shown in the summary's cheapest-option map
MAP_MAX_COLUMNS = 12  # utilizations shown
MAP_MAX_SLICES = 50  # values of the heatmap's other axis it can be sliced at
FRONTIER_JSON_LIMIT = 400
REDUCED_COSTS_BLOCK_POINTS = 65_536
BREAKEVEN_MAX_ENTRIES = 4_000_000  # beyond this the archive leaves the break-even table out


def chunk_points() -> int:
    return int(getattr(settings, "SWEEP_CHUNK_POINTS", DEFAULT_CHUNK_POINTS))


def chunk_task_id(sweep_id: int, index: int) -> str:
    return f"sweep-{sweep_id}-chunk-{index}"


# --- start -------------------------------------------------------------------------------


def sweep_start(
    *,
    organization: Organization,
    actor: Any,
    name: str,
    catalog_version: Any,
    spec: object,
    workload: Workload | None = None,
    chunk_size: int | None = None,
) -> Sweep:
    """Validate, save the sweep and its chunks, and queue the chunks once committed.

    Raises `SweepSpecError` naming the field, `SweepQuotaError` when the organization is
    at a sweep quota (`planner.sweep_admission`), or `ServiceUnavailableError` when the task
    broker cannot be reached; nothing is written then. A few chunks are queued at first;
    each one recorded queues the next (fair to other organizations' sweeps).
    """
    from pricing.models import VersionStatus

    name = (name or "").strip()
    if not name:
        raise SweepSpecError("name", "required")
    if catalog_version is None or catalog_version.status != VersionStatus.PUBLISHED:
        raise SweepSpecError("catalog_version", "must be a published catalog version")
    if workload is not None and workload.organization_id != organization.pk:
        raise SweepSpecError("workload", "not found in this organization")
    cleaned = clean_sweep_spec(
        spec,
        version=catalog_version,
        default_input_share=None if workload is None else float(workload.input_share),
        default_cached_share=None if workload is None else float(workload.cached_share),
        default_peak_to_average=None if workload is None else float(workload.peak_to_average),
        default_availability_target=None
        if workload is None or workload.availability_target is None
        else float(workload.availability_target),
        default_traffic=None if workload is None else api_traffic_snapshot(workload),
    )
    total = grid_size(cleaned)
    bounds = chunk_bounds(total, chunk_size or chunk_points())
    require_broker()
    with transaction.atomic():
        sweep_admit(organization=organization, points=total)
        sweep = Sweep.objects.create(
            organization=organization,
            name=name[:120],
            catalog_version=catalog_version,
            workload=workload,
            spec=cleaned,
            total_points=total,
            chunks_total=len(bounds),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        SweepChunk.objects.bulk_create(
            SweepChunk(organization=organization, sweep=sweep, index=i, start=a, stop=b)
            for i, (a, b) in enumerate(bounds)
        )
        record(
            actor=actor,
            action="sweep.start",
            obj=sweep,
            organization=organization,
            changes={"points": total, "chunks": len(bounds), "catalog_version": catalog_version.pk},
        )
        sweep_id, count = sweep.pk, len(bounds)
        first = first_chunk_indices(count)
        transaction.on_commit(lambda: enqueue_chunks(sweep_id=sweep_id, indices=first))
    return sweep


QUEUEING_FAILED = (
    "Background workers were unavailable when this sweep was queued, so it did not run. "
    "Start it again."
)


def enqueue_chunks(*, sweep_id: int, indices: Any) -> None:
    from planner.tasks import sweep_chunk_compute

    try:
        for index in indices:
            sweep_chunk_compute.apply_async(
                args=(sweep_id, index), task_id=chunk_task_id(sweep_id, index)
            )
            SweepChunk.objects.filter(sweep_id=sweep_id, index=index).update(
                queued_at=timezone.now()
            )
    except BROKER_ERRORS:
        # The broker went away after `require_broker` passed: say so on the sweep instead
        # of leaving it queued forever (chunks already queued see the status and skip).
        logger.warning("Could not queue sweep %s", sweep_id, exc_info=True)
        sweep_fail(sweep_id=sweep_id, error=QUEUEING_FAILED)


# --- one chunk ---------------------------------------------------------------------------

_SPEC_CACHE: OrderedDict[int, SweepSpec] = OrderedDict()


def _cached_engine_spec(sweep_id: int, cleaned: Mapping[str, Any]) -> SweepSpec:
    """A worker prices many chunks of one sweep: build its spec (and tables) once."""
    spec = _SPEC_CACHE.get(sweep_id)
    if spec is None:
        spec = engine_spec(cleaned)
        _SPEC_CACHE[sweep_id] = spec
        while len(_SPEC_CACHE) > 8:
            _SPEC_CACHE.popitem(last=False)
    else:
        _SPEC_CACHE.move_to_end(sweep_id)
    return spec


def pack_cheapest(cheapest: np.ndarray) -> bytes:
    return zlib.compress(np.ascontiguousarray(cheapest, dtype=np.uint8).tobytes(), 1)


def unpack_cheapest(blob: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(zlib.decompress(bytes(blob)), dtype=np.uint8)


def sweep_chunk_run(*, sweep_id: int, index: int) -> str:
    """Compute chunk `index` of a sweep and record it, exactly once.

    Returns what happened: ``done``, ``duplicate`` (already done), ``skipped`` (the sweep
    is cancelled or finished) or ``missing``.
    """
    row = (
        SweepChunk.objects.filter(sweep_id=sweep_id, index=index)
        .values("pk", "start", "stop", "status", "sweep__status", "sweep__spec")
        .first()
    )
    if row is None:
        return "missing"
    if row["status"] != ChunkStatus.PENDING:
        if row["sweep__status"] in ACTIVE_STATUSES:
            _queue_what_a_dead_worker_did_not(sweep_id=sweep_id, index=index)
        return "duplicate"
    if row["sweep__status"] not in ACTIVE_STATUSES:
        return "skipped"
    if row["sweep__status"] == SweepStatus.QUEUED:
        sweep_mark_started(sweep_id=sweep_id)
    spec = _cached_engine_spec(sweep_id, row["sweep__spec"])
    # The break-even grid does not depend on volume: finalize computes it once.
    result = evaluate_chunk(spec, row["start"], row["stop"], with_breakeven=False)
    blob = pack_cheapest(result.cheapest)
    return _record_chunk(
        sweep_id=sweep_id, chunk_pk=row["pk"], points=row["stop"] - row["start"], blob=blob
    )


def _record_chunk(*, sweep_id: int, chunk_pk: int, points: int, blob: bytes) -> str:
    now = timezone.now()
    with transaction.atomic():
        # The sweep's row is locked before any chunk row, the order sweep_cancel takes them
        # in too: the other way round, a cancel racing a chunk deadlocks.
        active = Sweep.objects.select_for_update().filter(pk=sweep_id, status__in=ACTIVE_STATUSES)
        if not list(active.values_list("pk", flat=True)):  # cancelled or ended meanwhile
            return "skipped"
        marked = SweepChunk.objects.filter(pk=chunk_pk, status=ChunkStatus.PENDING).update(
            status=ChunkStatus.DONE, cheapest=blob, computed_at=now, attempts=F("attempts") + 1
        )
        index = SweepChunk.objects.filter(pk=chunk_pk).values_list("index", flat=True).get()
        if not marked:
            transaction.on_commit(
                lambda: _queue_what_a_dead_worker_did_not(sweep_id=sweep_id, index=index)
            )
            return "duplicate"
        Sweep.objects.filter(pk=sweep_id).update(
            status=SweepStatus.RUNNING,
            done_points=F("done_points") + points,
            chunks_done=F("chunks_done") + 1,
        )
        # The sweep's row lock is held until commit, so exactly one chunk transaction sees
        # the last increment.
        done, total = (
            Sweep.objects.filter(pk=sweep_id).values_list("chunks_done", "chunks_total").get()
        )
        following = next_chunk_index(done_index=index, count=total)
        if following is not None:  # this chunk's place in the queue goes to the next one
            transaction.on_commit(lambda: enqueue_chunks(sweep_id=sweep_id, indices=[following]))
        if done == total:
            transaction.on_commit(lambda: enqueue_finalize(sweep_id=sweep_id))
    return "done"


def _queue_what_a_dead_worker_did_not(*, sweep_id: int, index: int) -> None:
    """A redelivered chunk was recorded by a worker that may have died before it queued
    the next chunk or the finalize: queue the next one if it never reached the broker,
    and the finalize if every chunk is done (finalizing twice is a no-op), or the sweep
    would stay running for ever."""
    done, total = Sweep.objects.filter(pk=sweep_id).values_list("chunks_done", "chunks_total").get()
    following = next_chunk_index(done_index=index, count=total)
    if (
        following is not None
        and SweepChunk.objects.filter(
            sweep_id=sweep_id, index=following, status=ChunkStatus.PENDING, queued_at__isnull=True
        ).exists()
    ):
        enqueue_chunks(sweep_id=sweep_id, indices=[following])
    if done == total:
        enqueue_finalize(sweep_id=sweep_id)


def sweep_mark_started(*, sweep_id: int) -> None:
    Sweep.objects.filter(pk=sweep_id, status=SweepStatus.QUEUED).update(
        status=SweepStatus.RUNNING, started_at=timezone.now()
    )


def enqueue_finalize(*, sweep_id: int) -> None:
    from planner.tasks import sweep_finalize_task

    sweep_finalize_task.apply_async(args=(sweep_id,), task_id=f"sweep-{sweep_id}-finalize")


# --- finalize ----------------------------------------------------------------------------


def _sampled(size: int, most: int) -> np.ndarray:
    return np.unique(np.linspace(0, size - 1, min(size, most)).round().astype(np.int64))


def reduced_cost_parts(spec: SweepSpec) -> Iterator[tuple[str, np.ndarray]]:
    """Per-option costs without repeating what does not vary, one array at a time.

    API costs depend on (volume, share) only, self-host on (volume, utilization) only:
    two small engine sweeps with the other axis pinned give them exactly. Each is priced in
    blocks (one engine call over a million volumes holds several times its result) and
    handed over before the next is built, so the archive can be written one array at a time.
    """
    v, s, u = spec.shape
    n_o = len(spec.api_offers)
    n_c = len(spec.option_names) - n_o
    by_share = spec.with_axes(utilizations=spec.utilizations[:1])
    by_util = spec.with_axes(input_shares=spec.input_shares[:1])
    api_monthly = np.empty((v, s, n_o))
    for a, b in chunk_bounds(by_share.size, REDUCED_COSTS_BLOCK_POINTS):
        block = evaluate_chunk(by_share, a, b, with_breakeven=False)
        api_monthly.reshape(-1, n_o)[a:b] = block.api_monthly
    yield "api_monthly", api_monthly
    del api_monthly
    for name in ("selfhost_monthly", "replicas"):
        out = np.empty((v, u, n_c), dtype=np.float64 if name == "selfhost_monthly" else np.int64)
        for a, b in chunk_bounds(by_util.size, REDUCED_COSTS_BLOCK_POINTS):
            block = evaluate_chunk(by_util, a, b, with_breakeven=False)
            out.reshape(-1, n_c)[a:b] = getattr(block, name)
        yield name, out
        del out


def reduced_costs(spec: SweepSpec) -> dict[str, np.ndarray]:
    """`reduced_cost_parts` as one dict."""
    return dict(reduced_cost_parts(spec))


def skip_unstored_breakeven(spec: SweepSpec) -> bool:
    """Beyond `BREAKEVEN_MAX_ENTRIES` the archive leaves the break-even grid out, so do not
    build it: `summarize` reads the grid from the spec's per-spec cache, which gets an empty
    one here instead of shares x utilizations x offers x configs in float64 (512 MB at
    4 x 500 x 500 with 16 + 16 options, 2 GB at 1 x 1,000 x 1,000). True if skipped."""
    n_s, n_u = spec.input_shares.size, spec.utilizations.size
    n_o = len(spec.api_offers)
    entries = n_s * n_u * n_o * (len(spec.option_names) - n_o)
    if entries <= BREAKEVEN_MAX_ENTRIES:
        return False
    spec._prepared["breakeven"] = np.full((0, 0, 0, 0), np.nan)
    return True


def _result_archive(
    spec: SweepSpec,
    cheapest: np.ndarray,
    costs: Mapping[str, np.ndarray] | Iterable[tuple[str, np.ndarray]],
    breakeven: np.ndarray,
) -> memoryview:
    """The stored grid: an ``.npz`` archive (what ``np.savez_compressed`` writes), written
    one array at a time so a large grid's cost arrays are never all in memory at once."""
    small: dict[str, np.ndarray] = {
        "volumes": spec.volumes,
        "input_shares": spec.input_shares,
        "utilizations": spec.utilizations,
        "option_names": np.array(spec.option_names, dtype=str),
        "n_api": np.array(len(spec.api_offers)),
        "cheapest": cheapest.astype(np.uint8),
    }
    if 0 < breakeven.size <= BREAKEVEN_MAX_ENTRIES:
        small["breakeven"] = breakeven.astype(np.float32)
    parts = costs.items() if isinstance(costs, Mapping) else costs
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in itertools.chain(small.items(), parts):
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
            del array
    return buffer.getbuffer()  # not a copy of a file that can be 100 MB


def _summary_json(spec: SweepSpec, summary: Any, cheapest: np.ndarray) -> dict[str, Any]:
    names = list(spec.option_names)
    total = int(cheapest.size)
    v, s, u = spec.shape
    share_index = s // 2
    rows, cols = _sampled(v, MAP_MAX_ROWS), _sampled(u, MAP_MAX_COLUMNS)
    cell_map = cheapest[np.ix_(rows, [share_index], cols)][:, 0, :]
    # Per (share, utilization): the lowest volume at which self-hosting first wins.
    n_api = len(spec.api_offers)
    selfhost_wins = cheapest >= n_api
    any_win = selfhost_wins.any(axis=0)
    first = np.argmax(selfhost_wins, axis=0)
    median_first = [
        float(spec.volumes[first[share_index, j]]) if any_win[share_index, j] else None
        for j in range(u)
    ]
    flips = summary.frontier
    return {
        "heatmap": _heatmap_slices(spec, cheapest),
        "option_names": names,
        "n_api": n_api,
        "points": total,
        "shape": [v, s, u],
        "wins": summary.wins,
        "win_share": {k: round(c / total, 6) for k, c in summary.wins.items()},
        "map": {
            "input_share": float(spec.input_shares[share_index]),
            "volumes": [float(spec.volumes[i]) for i in rows],
            "utilizations": [float(spec.utilizations[j]) for j in cols],
            "cheapest": cell_map.tolist(),
        },
        "selfhost_from_volume": {
            "input_share": float(spec.input_shares[share_index]),
            "utilizations": [float(x) for x in spec.utilizations],
            "volumes": median_first,
        }
        if u <= 1000
        else None,
        "frontier_count": len(flips),
        "frontier": [
            {
                "input_share": f.input_share,
                "utilization": f.utilization,
                "volume_below": f.volume_below,
                "volume_above": f.volume_above,
                "from": f.from_option,
                "to": f.to_option,
            }
            for f in flips[:FRONTIER_JSON_LIMIT]
        ],
    }


def _heatmap_slices(spec: SweepSpec, cheapest: np.ndarray) -> dict[str, Any]:
    """The cheapest-option map at every (sampled) value of its other axis.

    Rows are volumes; columns are utilizations when the grid has several, else input
    shares; the map is sliced along input shares when both vary (the page picks one slice,
    by default the workload's share). Each slice also has, per column, the lowest volume at
    which a self-hosted option is cheapest (None: never in range), over the full volume
    axis."""
    v, s, u = spec.shape
    by_util = u > 1 or s == 1
    cells = cheapest if by_util else np.transpose(cheapest, (0, 2, 1))  # (v, slice, column)
    column_values = spec.utilizations if by_util else spec.input_shares
    slice_values = spec.input_shares if by_util else spec.utilizations
    rows = _sampled(v, MAP_MAX_ROWS)
    cols = _sampled(cells.shape[2], MAP_MAX_COLUMNS)
    slices = _sampled(cells.shape[1], MAP_MAX_SLICES)
    selfhost_wins = cells[:, slices, :] >= len(spec.api_offers)
    any_win = selfhost_wins.any(axis=0)
    first = np.argmax(selfhost_wins, axis=0)
    return {
        "columns": "utilizations" if by_util else "input_shares",
        "slice_axis": "input_shares" if by_util else "utilizations",
        "volumes": [float(spec.volumes[i]) for i in rows],
        "column_values": [float(column_values[j]) for j in cols],
        "slice_values": [float(slice_values[k]) for k in slices],
        "cheapest": [cells[np.ix_(rows, [k], cols)][:, 0, :].tolist() for k in slices],
        "selfhost_from_volume": [
            [float(spec.volumes[first[n, j]]) if any_win[n, j] else None for j in cols]
            for n in range(len(slices))
        ],
    }


def sweep_finalize(*, sweep_id: int) -> bool:
    """Assemble the chunks into the stored grid and summary, once. True if it did."""
    with transaction.atomic():
        sweep = Sweep.objects.select_for_update().defer("result").get(pk=sweep_id)
        if sweep.status != SweepStatus.RUNNING or sweep.chunks_done != sweep.chunks_total:
            return False
        spec = engine_spec(sweep.spec)
        blobs = list(
            SweepChunk.objects.filter(sweep_id=sweep_id, status=ChunkStatus.DONE)
            .order_by("index")
            .values_list("start", "stop", "cheapest")
        )
        empty = np.empty((0, 0))
        chunks = [
            SweepChunkResult(
                start=a,
                stop=b,
                api_monthly=empty,
                selfhost_monthly=empty,
                replicas=empty,
                cheapest=unpack_cheapest(blob).astype(np.int64),
                breakeven=empty,
            )
            for a, b, blob in blobs
        ]
        skip_unstored_breakeven(spec)
        summary = summarize(spec, chunks)  # checks the chunks cover the grid exactly once
        cheapest = summary.cheapest
        archive = _result_archive(spec, cheapest, reduced_cost_parts(spec), summary.breakeven)
        sweep.summary = _summary_json(spec, summary, cheapest)
        sweep.result = archive
        sweep.result_bytes = len(archive)
        sweep.status = SweepStatus.SUCCEEDED
        sweep.finished_at = timezone.now()
        sweep.save(update_fields=["summary", "result", "result_bytes", "status", "finished_at"])
        # The archive holds the grid now; the per-chunk copies are no longer needed.
        SweepChunk.objects.filter(sweep_id=sweep_id).update(cheapest=None)
    return True


# --- cancel and fail --------------------------------------------------------------------


def sweep_cancel(*, sweep: Sweep, actor: Any) -> bool:
    """Stop a queued or running sweep. Chunks not yet recorded are skipped (their tasks
    see the status and stop) and revoked at the broker. False if it had already ended."""
    with transaction.atomic():
        cancelled = Sweep.objects.filter(pk=sweep.pk, status__in=ACTIVE_STATUSES).update(
            status=SweepStatus.CANCELLED, finished_at=timezone.now()
        )
        if not cancelled:
            return False
        pending = list(
            SweepChunk.objects.filter(sweep=sweep, status=ChunkStatus.PENDING).values_list(
                "index", flat=True
            )
        )
        SweepChunk.objects.filter(sweep=sweep, status=ChunkStatus.PENDING).update(
            status=ChunkStatus.SKIPPED
        )
        record(
            actor=actor,
            action="sweep.cancel",
            obj=sweep,
            organization=sweep.organization,
            changes={"skipped_chunks": len(pending)},
        )
        ids = [chunk_task_id(sweep.pk, i) for i in pending]
        transaction.on_commit(lambda: _revoke(ids))
    sweep.refresh_from_db(fields=["status", "finished_at"])
    return True


def _revoke(task_ids: list[str]) -> None:
    from config.celery import app

    if not task_ids or app.conf.task_always_eager:
        return
    try:
        app.control.revoke(task_ids)
    except Exception:  # the status check in each task stops them anyway
        logger.warning(
            "could not broadcast revoke for %d sweep chunks", len(task_ids), exc_info=True
        )


def sweep_fail(*, sweep_id: int, error: str) -> bool:
    with transaction.atomic():
        failed = Sweep.objects.filter(pk=sweep_id, status__in=ACTIVE_STATUSES).update(
            status=SweepStatus.FAILED, error=error[:2000], finished_at=timezone.now()
        )
        if failed:
            SweepChunk.objects.filter(sweep_id=sweep_id, status=ChunkStatus.PENDING).update(
                status=ChunkStatus.SKIPPED
            )
    return bool(failed)
