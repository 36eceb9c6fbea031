"""Selectors that read sweeps: lists, progress, the stored grid and its downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import numpy as np

from accounts.csvsafe import safe_cell
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


def result_columns(grid: dict[str, np.ndarray]) -> list[str]:
    names = [str(n) for n in grid["option_names"]]
    n_api = int(grid["n_api"])
    return [
        "volume_tokens_per_month",
        "input_share",
        "utilization",
        *(f"api_monthly:{n}" for n in names[:n_api]),
        *(f"selfhost_monthly:{n}" for n in names[n_api:]),
        *(f"replicas:{n}" for n in names[n_api:]),
        "cheapest",
    ]


def _volume_block(grid: dict[str, np.ndarray], v: int) -> dict[str, np.ndarray]:
    """Every point with volume index `v`, flattened in grid order (share, utilization)."""
    s, u = grid["input_shares"].size, grid["utilizations"].size
    return {
        "volume": np.full(s * u, grid["volumes"][v]),
        "share": np.repeat(grid["input_shares"], u),
        "utilization": np.tile(grid["utilizations"], s),
        "api": np.repeat(grid["api_monthly"][v], u, axis=0),  # (s*u, O)
        "selfhost": np.tile(grid["selfhost_monthly"][v], (s, 1)),  # (s*u, C)
        "replicas": np.tile(grid["replicas"][v], (s, 1)),
        "cheapest": grid["cheapest"][v].reshape(-1),
    }


def sweep_csv_chunks(*, grid: dict[str, np.ndarray]) -> Iterator[str]:
    """CSV text in pieces: a header, then one row per grid point (money to the cent)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(c) for c in result_columns(grid)])
    labels = [safe_cell(str(n)) for n in grid["option_names"]]
    for v in range(grid["volumes"].size):
        block = _volume_block(grid, v)
        money = np.hstack([block["api"], block["selfhost"]])
        for i in range(block["cheapest"].size):
            writer.writerow(
                [
                    repr(float(block["volume"][i])),
                    repr(float(block["share"][i])),
                    repr(float(block["utilization"][i])),
                    *(f"{x:.2f}" for x in money[i]),
                    *(str(int(x)) for x in block["replicas"][i]),
                    labels[block["cheapest"][i]],
                ]
            )
        if buffer.tell() > 256 * 1024 or v == grid["volumes"].size - 1:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    rest = buffer.getvalue()
    if rest:
        yield rest


def sweep_parquet_bytes(*, grid: dict[str, np.ndarray]) -> bytes:
    """The grid as one Parquet table, one row per point."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    v, s, u = grid["cheapest"].shape
    names = [str(n) for n in grid["option_names"]]
    n_api = int(grid["n_api"])
    vi, si, ui = (idx.reshape(-1) for idx in np.indices((v, s, u)))
    columns: dict[str, Any] = {
        "volume_tokens_per_month": grid["volumes"][vi],
        "input_share": grid["input_shares"][si],
        "utilization": grid["utilizations"][ui],
    }
    for o, name in enumerate(names[:n_api]):
        columns[f"api_monthly:{name}"] = grid["api_monthly"][vi, si, o]
    for c, name in enumerate(names[n_api:]):
        columns[f"selfhost_monthly:{name}"] = grid["selfhost_monthly"][vi, ui, c]
    for c, name in enumerate(names[n_api:]):
        columns[f"replicas:{name}"] = grid["replicas"][vi, ui, c]
    columns["cheapest"] = pa.DictionaryArray.from_arrays(
        pa.array(grid["cheapest"].reshape(-1).astype(np.int32)), pa.array(names)
    )
    table = pa.table(columns)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()
