"""An uploaded usage file, kept in the database until its job has run.

The file is written as `UsageImportChunk` rows of `CHUNK_BYTES` each, zlib-compressed (a
CSV export shrinks about tenfold, so a 1 GB file is some 100 MB of rows), and read back
as a stream that fetches one piece at a time: neither side ever holds the file whole,
and any worker that reaches the database can read it.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from typing import IO

from tracking.models import UsageImportChunk, UsageImportJob

CHUNK_BYTES = 4 * 1024 * 1024
# Fast compression: the point is to move and store less, not to store least.
COMPRESSION_LEVEL = 1


def pieces(source: IO[bytes] | bytes) -> Iterator[bytes]:
    """The upload in pieces of at most `CHUNK_BYTES`."""
    if isinstance(source, bytes | bytearray):
        for start in range(0, len(source), CHUNK_BYTES):
            yield bytes(source[start : start + CHUNK_BYTES])
        return
    while True:
        piece = source.read(CHUNK_BYTES)
        if not piece:
            return
        yield piece


def store(*, job: UsageImportJob, first: bytes, rest: Iterator[bytes]) -> tuple[int, int]:
    """Write the file's pieces for `job` (in the caller's transaction). Returns its size in
    bytes and its number of lines (a line-feed count: an estimate of the rows)."""
    size = lines = 0
    last = b""
    for seq, piece in enumerate(_chain(first, rest)):
        UsageImportChunk.objects.bulk_create(
            [
                UsageImportChunk(
                    organization_id=job.organization_id,
                    job=job,
                    seq=seq,
                    data=zlib.compress(piece, COMPRESSION_LEVEL),
                )
            ]
        )
        size += len(piece)
        lines += piece.count(b"\n")
        last = piece
    if last and not last.endswith(b"\n"):
        lines += 1
    return size, lines


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


class _ChunkReader(io.RawIOBase):
    """The stored file as a readable stream, one piece fetched at a time."""

    def __init__(self, job_id: int) -> None:
        self._ids = iter(
            UsageImportChunk.objects.filter(job_id=job_id)
            .order_by("seq")
            .values_list("pk", flat=True)
        )
        self._buffer = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:  # type: ignore[no-untyped-def]
        while not self._buffer:
            pk = next(self._ids, None)
            if pk is None:
                return 0
            data = UsageImportChunk.objects.filter(pk=pk).values_list("data", flat=True).get()
            self._buffer = memoryview(zlib.decompress(data))
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def open_stored(job_id: int) -> IO[bytes]:
    return io.BufferedReader(_ChunkReader(job_id), buffer_size=1024 * 1024)


def discard(job_id: int) -> None:
    UsageImportChunk.objects.filter(job_id=job_id).delete()
