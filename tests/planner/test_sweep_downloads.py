"""Sweep downloads: streamed a block of points at a time, byte for byte the file the
row-by-row writer made, and only a few at once per organization (issue 16, item 7)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.http import StreamingHttpResponse
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.csvsafe import safe_cell
from planner import sweep_downloads, sweep_export, sweep_selectors
from planner.sweep_services import sweep_chunk_run, sweep_finalize, sweep_start
from tests.factories import sweep_catalog_version, sweep_spec_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_download_slots_left")]


def run_sweep(org, **overrides):
    """A finished sweep of `org` (3 volumes x 4 shares x 5 utilizations unless overridden)."""
    version = sweep_catalog_version(api_offers=3, gpu_offers=2)
    spec = sweep_spec_for(version, **overrides)
    spec["selfhost"][1]["name"] = "=HYPERLINK(evil), with a comma"
    sweep = sweep_start(
        organization=org, actor=None, name="Download", catalog_version=version, spec=spec
    )
    for index in range(sweep.chunks_total):
        sweep_chunk_run(sweep_id=sweep.pk, index=index)
    sweep_finalize(sweep_id=sweep.pk)
    sweep.refresh_from_db()
    return sweep


# --- the files as the row-by-row code wrote them, from the whole grid in memory ----------


def columns_of(grid):
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


def reference_csv(grid) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(c) for c in columns_of(grid)])
    labels = [safe_cell(str(n)) for n in grid["option_names"]]
    v, s, u = grid["cheapest"].shape
    for vi in range(v):
        for si in range(s):
            for ui in range(u):
                writer.writerow(
                    [
                        repr(float(grid["volumes"][vi])),
                        repr(float(grid["input_shares"][si])),
                        repr(float(grid["utilizations"][ui])),
                        *(f"{x:.2f}" for x in grid["api_monthly"][vi, si]),
                        *(f"{x:.2f}" for x in grid["selfhost_monthly"][vi, ui]),
                        *(str(int(x)) for x in grid["replicas"][vi, ui]),
                        labels[grid["cheapest"][vi, si, ui]],
                    ]
                )
    return buffer.getvalue().encode()


def reference_table(grid) -> pa.Table:
    v, s, u = grid["cheapest"].shape
    names = [str(n) for n in grid["option_names"]]
    n_api = int(grid["n_api"])
    vi, si, ui = (idx.reshape(-1) for idx in np.indices((v, s, u)))
    columns = {
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
    return pa.table(columns)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- streaming ---------------------------------------------------------------------------


def test_csv_download_is_streamed_and_equals_the_row_by_row_file(cast):
    sweep = run_sweep(cast.org)
    response = cast.client_for(cast.viewer).get(reverse("planner:sweep_csv", args=[sweep.pk]))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    content = body(response)
    assert content == reference_csv(sweep_selectors.sweep_grid(sweep=sweep))
    assert len(content.splitlines()) == 1 + 60
    assert b"'=HYPERLINK" in content


def test_parquet_download_is_streamed_and_holds_the_same_table(cast):
    sweep = run_sweep(cast.org)
    response = cast.client_for(cast.viewer).get(reverse("planner:sweep_parquet", args=[sweep.pk]))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    table = pq.read_table(io.BytesIO(body(response)))
    assert table.equals(reference_table(sweep_selectors.sweep_grid(sweep=sweep)))


@pytest.mark.parametrize(
    "block_points",
    [
        1,  # one utilization at a time, the volume's self-host slice spooled to disk
        4,  # part of a (volume, share) row
        5,  # one whole share per block
        13,  # two shares
        20,  # one whole volume
        47,  # two volumes
        1000,  # everything in one block
    ],
)
def test_every_block_layout_gives_the_same_file(cast, monkeypatch, block_points):
    sweep = run_sweep(cast.org)
    grid = sweep_selectors.sweep_grid(sweep=sweep)
    # The archive is copied out of the database in many slices, the spool goes to disk.
    monkeypatch.setattr(sweep_selectors, "RESULT_READ_BYTES", 997)
    monkeypatch.setattr(sweep_selectors, "RESULT_SPOOL_MEMORY_BYTES", 1500)
    monkeypatch.setattr(sweep_export, "SPOOL_MEMORY_BYTES", 16)

    file = sweep_selectors.sweep_result_file(sweep=sweep)
    archive, layout = sweep_export.open_archive(file)
    csv_bytes = b"".join(sweep_export.csv_stream(archive, layout, block_points=block_points))
    parquet = b"".join(sweep_export.parquet_stream(archive, layout, block_points=block_points))
    file.close()

    assert csv_bytes == reference_csv(grid)
    assert pq.read_table(io.BytesIO(parquet)).equals(reference_table(grid))


def test_rows_are_produced_a_block_at_a_time(cast, monkeypatch):
    sweep = run_sweep(cast.org)
    monkeypatch.setattr(sweep_export, "CSV_BLOCK_POINTS", 20)
    reads = []
    original = sweep_export._NpyStream.read

    def counting_read(self, count):
        reads.append(count)
        return original(self, count)

    monkeypatch.setattr(sweep_export._NpyStream, "read", counting_read)
    response = cast.client_for(cast.viewer).get(reverse("planner:sweep_csv", args=[sweep.pk]))
    assert reads == []  # nothing of the grid is read before the body is sent
    chunks = iter(response.streaming_content)
    header = next(chunks)
    assert header.startswith(b"volume_tokens_per_month,")
    assert header.count(b"\n") == 1
    first = next(chunks)
    assert first.count(b"\n") == 20  # one volume of 4 x 5 points, not the whole grid
    assert sum(reads) < 60 * 3  # a block's items from each array, not the grid's
    rest = b"".join(chunks)
    assert rest.count(b"\n") == 40


def test_values_the_fast_printer_cannot_print_exactly_are_printed_row_by_row():
    # Half cents that float rounding could tip, NaN, infinities, -0.0, negatives and
    # amounts beyond 2^50 cents: the block holding one is written with Python's own
    # formatting, the others with NumPy; all of it equal to the row-by-row file.
    awkward = [0.125, 1.005, 2.675, 0.285, 1e300, float("nan"), float("inf"), -0.0, -3.5]
    rng = np.random.default_rng(7)
    v, s, u, n_api, n_cfg = 6, 3, 4, 2, 2
    api = np.round(rng.random((v, s, n_api)) * 10.0 ** rng.integers(0, 9, (v, s, n_api)), 3)
    api.reshape(-1)[: len(awkward)] = awkward
    selfhost = rng.random((v, u, n_cfg)) * 1e6
    selfhost[-1, -1, -1] = 123_456_789_012.345
    grid = {
        "volumes": np.geomspace(1e6, 1e12, v),
        "input_shares": np.linspace(0.1, 0.9, s),
        "utilizations": np.array([0.1, 1 / 3, 0.5, 1.0]),
        "option_names": np.array(["A, quoted", '"B"', "=C", "D"]),
        "n_api": np.array(n_api),
        "cheapest": rng.integers(0, 4, (v, s, u)).astype(np.uint8),
        "api_monthly": api,
        "selfhost_monthly": selfhost,
        "replicas": rng.integers(1, 10**12, (v, u, n_cfg)),
    }
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **grid)
    buffer.seek(0)
    archive, layout = sweep_export.open_archive(buffer)
    for block_points in (5, 12, 1000):
        produced = b"".join(sweep_export.csv_stream(archive, layout, block_points=block_points))
        assert produced == reference_csv(grid)


# --- at most a few at once per organization ----------------------------------------------


@pytest.fixture
def one_download_at_a_time(settings):
    settings.SWEEP_DOWNLOADS_PER_ORGANIZATION = 1


def test_a_slot_left_over_from_an_earlier_run_is_cleared(
    cast, one_download_at_a_time, no_download_slots_left
):
    sweep = run_sweep(cast.org)
    url = reverse("planner:sweep_csv", args=[sweep.pk])
    sweep_downloads._Slot(cast.org.pk).acquire(1)  # as an earlier run left it
    assert cast.client_for(cast.viewer).get(url).status_code == 429
    no_download_slots_left()  # what the fixture does before and after every test here
    response = cast.client_for(cast.viewer).get(url)
    assert response.status_code == 200
    body(response)


def test_one_download_too_many_is_refused_with_429_until_one_finishes(cast, one_download_at_a_time):
    sweep = run_sweep(cast.org)
    rival = run_sweep(cast.other_org)
    url = reverse("planner:sweep_csv", args=[sweep.pk])
    running = cast.client_for(cast.owner).get(url)  # its body is not sent yet
    assert running.status_code == 200

    refused = cast.client_for(cast.viewer).get(url)
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(sweep_downloads.RETRY_AFTER_SECONDS)
    assert b"already has 1 sweep download in progress" in refused.content
    parquet = cast.client_for(cast.viewer).get(reverse("planner:sweep_parquet", args=[sweep.pk]))
    assert parquet.status_code == 429

    # Another organization has its own slots.
    other = cast.client_for(cast.outsider).get(reverse("planner:sweep_csv", args=[rival.pk]))
    assert other.status_code == 200
    body(other)

    body(running)  # the first download finishes and gives its slot back
    again = cast.client_for(cast.viewer).get(url)
    assert again.status_code == 200
    assert body(again) == reference_csv(sweep_selectors.sweep_grid(sweep=sweep))


def test_a_download_closed_early_gives_its_slot_back(cast, one_download_at_a_time):
    sweep = run_sweep(cast.org)
    first = sweep_downloads.sweep_download_response(sweep=sweep, fmt="parquet")
    next(iter(first))
    # The client went away: the server closes the response. (Closing it also sends
    # request_finished, whose connection cleanup must not run inside the test's transaction.)
    request_finished.disconnect(close_old_connections)
    try:
        first.close()
    finally:
        request_finished.connect(close_old_connections)
    url = reverse("planner:sweep_csv", args=[sweep.pk])
    assert cast.client_for(cast.viewer).get(url).status_code == 200


def test_a_slot_a_killed_worker_never_gave_back_lapses(cast, one_download_at_a_time):
    sweep = run_sweep(cast.org)
    url = reverse("planner:sweep_csv", args=[sweep.pk])
    slot = sweep_downloads._Slot(cast.org.pk)
    slot.acquire(1)  # taken and never released
    assert cast.client_for(cast.viewer).get(url).status_code == 429
    client = sweep_downloads._redis_client()
    stale = sweep_downloads.SLOT_STALE_SECONDS + 1
    client.zincrby(slot.key, -stale, slot.token)  # as if taken that long ago
    assert cast.client_for(cast.viewer).get(url).status_code == 200


def test_the_limit_fails_open_when_redis_is_down(cast, one_download_at_a_time, monkeypatch):
    sweep = run_sweep(cast.org)

    def unreachable():
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(sweep_downloads, "_redis_client", unreachable)
    url = reverse("planner:sweep_csv", args=[sweep.pk])
    first = cast.client_for(cast.owner).get(url)
    second = cast.client_for(cast.viewer).get(url)
    assert first.status_code == second.status_code == 200
    assert body(first) == body(second)
