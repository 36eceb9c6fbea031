"""Selectors that read sweeps: lists, progress, the stored grid and its downloads."""

from __future__ import annotations

import io
import tempfile
from typing import IO, Any

import numpy as np
from django.db.models import BinaryField
from django.db.models.functions import Substr

from accounts.models import Organization
from planner.models import Sweep
from planner.models.sweeps import FINISHED_STATUSES

LIST_DEFERRED = ("result", "spec", "summary")


def sweeps_for_org(*, organization: Organization):
    """The organization's sweeps, newest first, without their (large) results."""
    return (
        Sweep.objects.for_org(organization)
        .defer(*LIST_DEFERRED)
        .select_related("catalog_version__catalog", "created_by")
    )


def sweeps_running(*, organization: Organization):
    """Sweeps still queued or running, oldest first: what the dashboard watches."""
    return (
        sweeps_for_org(organization=organization)
        .exclude(status__in=FINISHED_STATUSES)
        .order_by("created_at", "pk")
    )


def sweep_progress(*, sweep_id: int) -> dict[str, Any]:
    """Status and counters, read fresh (used by the 1 s progress poll)."""
    return (
        Sweep.objects.filter(pk=sweep_id)
        .values("status", "done_points", "total_points", "chunks_done", "chunks_total", "error")
        .get()
    )


def sweep_grid(*, sweep: Sweep) -> dict[str, np.ndarray]:
    """The stored result archive as arrays (empty dict until the sweep succeeded)."""
    blob = Sweep.objects.filter(pk=sweep.pk).values_list("result", flat=True).get()
    if not blob:
        return {}
    with np.load(io.BytesIO(bytes(blob))) as archive:
        return {key: archive[key] for key in archive.files}


RESULT_READ_BYTES = 1024 * 1024
RESULT_SPOOL_MEMORY_BYTES = 8 * 1024 * 1024


def sweep_result_file(*, sweep: Sweep) -> IO[bytes] | None:
    """A copy of the stored result archive, read from the database a megabyte at a time into
    a temporary file (in memory while small), positioned at its start; None until the sweep
    has a result. The caller closes it.

    A large result never sits whole in a web worker's memory, and the file can be read
    after the request's tenant scope has ended (a streamed download is sent after its view
    returned).
    """
    out = tempfile.SpooledTemporaryFile(max_size=RESULT_SPOOL_MEMORY_BYTES)  # noqa: SIM115
    position = 1  # SQL strings count from 1
    try:
        while True:
            piece = (
                Sweep.objects.filter(pk=sweep.pk)
                .annotate(
                    piece=Substr("result", position, RESULT_READ_BYTES, output_field=BinaryField())
                )
                .values_list("piece", flat=True)
                .first()
            )
            if not piece:
                break
            out.write(piece)
            if len(piece) < RESULT_READ_BYTES:
                break
            position += RESULT_READ_BYTES
    except BaseException:
        out.close()
        raise
    if not out.tell():
        out.close()
        return None
    out.seek(0)
    return out
