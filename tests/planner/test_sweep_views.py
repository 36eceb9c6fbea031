"""Sweep pages for the owner, a teammate, a read-only viewer and an outsider."""

from __future__ import annotations

import csv
import io
import json
import re

import pyarrow.parquet as pq
import pytest
from django.urls import reverse

from accounts.csvsafe import safe_cell
from planner import sweep_services
from planner.models import Sweep, SweepChunk, SweepStatus
from tests.factories import sweep_catalog_version, sweep_spec_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def version(db):
    return sweep_catalog_version()


@pytest.fixture
def done_sweep(cast, version):
    return sweep_services.sweep_start(
        organization=cast.org,
        actor=cast.owner,
        name="=HYPERLINK sweep",
        catalog_version=version,
        spec=sweep_spec_for(version),
        chunk_size=25,
    )


@pytest.fixture
def make_sweep(cast, version):
    """A sweep row of `cast.org` on `version`, without running anything."""

    def make(*, name, total_points=5, chunks_total=1, **fields):
        return Sweep.objects.create(
            organization=cast.org,
            name=name,
            catalog_version=version,
            spec={},
            total_points=total_points,
            chunks_total=chunks_total,
            **fields,
        )

    return make


def post_form(client, version, spec, name="Capacity grid"):
    return client.post(
        reverse("planner:sweep_create"),
        {"name": name, "catalog_version": version.pk, "workload": "", "spec": json.dumps(spec)},
    )


@pytest.mark.parametrize("who", ["owner", "teammate"])
def test_writers_start_a_sweep_from_the_form_and_it_runs_embedded(cast, version, who):
    client = cast.client_for(getattr(cast, who))
    page = client.get(reverse("planner:sweep_create"))
    assert page.status_code == 200
    assert b"api_offer_ids" in page.content

    response = post_form(client, version, sweep_spec_for(version))

    sweep = Sweep.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("planner:sweep_detail", args=[sweep.pk])
    sweep.refresh_from_db()
    assert sweep.status == SweepStatus.SUCCEEDED  # on_commit ran the chunks in-process
    assert sweep.created_by == getattr(cast, who)
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert (
        b"60 of" in detail.content.replace(b"\n", b" ").replace(b"  ", b" ")
        or b">60<" in detail.content
    )
    assert b"Cheapest option" in detail.content
    assert b"results.csv" in detail.content


def test_viewer_cannot_start_or_cancel(cast, version, done_sweep, make_sweep):
    client = cast.client_for(cast.viewer)
    assert client.get(reverse("planner:sweep_create")).status_code == 403
    assert post_form(client, version, sweep_spec_for(version)).status_code == 403
    running = make_sweep(name="r", status=SweepStatus.RUNNING)
    assert client.post(reverse("planner:sweep_cancel", args=[running.pk])).status_code == 403
    running.refresh_from_db()
    assert running.status == SweepStatus.RUNNING
    assert Sweep.objects.count() == 2
    # but may read everything
    for name in ("sweep_detail", "sweep_progress", "sweep_csv", "sweep_parquet"):
        assert client.get(reverse(f"planner:{name}", args=[done_sweep.pk])).status_code == 200
    assert client.get(reverse("planner:sweep_list")).status_code == 200


def test_outsider_gets_404_everywhere(cast, version, done_sweep):
    client = cast.client_for(cast.outsider)
    for name in (
        "sweep_detail",
        "sweep_progress",
        "sweep_csv",
        "sweep_parquet",
        "sweep_cancel",
    ):
        url = reverse(f"planner:{name}", args=[done_sweep.pk])
        response = client.post(url) if name == "sweep_cancel" else client.get(url)
        assert response.status_code == 404, name
    listing = client.get(reverse("planner:sweep_list"))
    assert listing.status_code == 200
    assert done_sweep.name.encode() not in listing.content


def test_anonymous_is_sent_to_login(client, done_sweep):
    response = client.get(reverse("planner:sweep_detail", args=[done_sweep.pk]))
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_list_shows_the_orgs_sweeps_with_bounded_queries(
    cast, done_sweep, make_sweep, django_assert_max_num_queries
):
    for i in range(5):
        make_sweep(name=f"s{i}", created_by=cast.teammate)
    client = cast.client_for(cast.teammate)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("planner:sweep_list"))
    assert response.status_code == 200
    assert len(re.findall(rb'href="/sweeps/\d+/"', response.content)) == 6


def test_owner_cancels_a_running_sweep(cast, make_sweep):
    sweep = make_sweep(name="r", total_points=20, chunks_total=2, status=SweepStatus.RUNNING)
    SweepChunk.objects.create(organization=cast.org, sweep=sweep, index=0, start=0, stop=10)
    response = cast.client_for(cast.owner).post(reverse("planner:sweep_cancel", args=[sweep.pk]))
    assert response.status_code == 302
    sweep.refresh_from_db()
    assert sweep.status == SweepStatus.CANCELLED
    assert SweepChunk.objects.get(sweep=sweep).status == "skipped"


def test_progress_partial_polls_while_running_and_refreshes_when_done(cast, done_sweep, make_sweep):
    running = make_sweep(
        name="r",
        total_points=200,
        done_points=50,
        chunks_total=4,
        chunks_done=1,
        status=SweepStatus.RUNNING,
    )
    client = cast.client_for(cast.teammate)
    partial = client.get(
        reverse("planner:sweep_progress", args=[running.pk]), HTTP_HX_REQUEST="true"
    )
    assert partial.status_code == 200
    assert b'hx-trigger="every 1s"' in partial.content
    assert b'value="50" max="200"' in partial.content
    finished = client.get(
        reverse("planner:sweep_progress", args=[done_sweep.pk]), HTTP_HX_REQUEST="true"
    )
    assert finished["HX-Refresh"] == "true"


def test_validation_error_names_the_field_and_writes_nothing(cast, version):
    client = cast.client_for(cast.owner)
    spec = sweep_spec_for(version, volumes={"min": 1e9, "max": 1e6, "num": 5})
    response = post_form(client, version, spec)
    assert response.status_code == 200
    assert b"volumes.max" in response.content
    assert b"inverted" in response.content
    assert not Sweep.objects.exists()
    assert not SweepChunk.objects.exists()


def test_csv_download_has_one_row_per_point_and_neutralised_names(cast, version):
    spec = sweep_spec_for(version)
    spec["selfhost"][0]["name"] = "=cmd|' /C calc'!A0"
    sweep = sweep_services.sweep_start(
        organization=cast.org, actor=cast.owner, name="csv", catalog_version=version, spec=spec
    )
    response = cast.client_for(cast.teammate).get(reverse("planner:sweep_csv", args=[sweep.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, body = rows[0], rows[1:]
    assert len(body) == 60
    assert header[:3] == ["volume_tokens_per_month", "input_share", "utilization"]
    assert header[-1] == "cheapest"
    assert len(header) == 3 + 2 + 2 + 2 + 1
    assert "selfhost_monthly:=cmd|' /C calc'!A0" in header  # not at the start of the cell
    assert all(not row[-1].startswith("=") for row in body)
    assert float(body[0][0]) == 1e7
    assert float(body[0][1]) == pytest.approx(0.2)
    assert safe_cell("=SUM(A1)") == "'=SUM(A1)"
    assert safe_cell("@x") == "'@x"
    assert safe_cell("GPU -") == "GPU -"
    assert all(len(cell.split(".")[1]) == 2 for cell in body[5][3:7])  # money to the cent


def test_parquet_download_has_the_grid(cast, done_sweep):
    response = cast.client_for(cast.owner).get(
        reverse("planner:sweep_parquet", args=[done_sweep.pk])
    )
    assert response.status_code == 200
    table = pq.read_table(io.BytesIO(b"".join(response.streaming_content)))
    assert table.num_rows == 60
    assert table.column_names[:3] == ["volume_tokens_per_month", "input_share", "utilization"]
    assert table.column_names[-1] == "cheapest"
    assert len(table.column_names) == 10
    done_sweep.refresh_from_db()
    cheapest = table.column("cheapest").to_pylist()
    assert set(cheapest) <= set(done_sweep.summary["option_names"])
    wins = done_sweep.summary["wins"]
    assert {name: cheapest.count(name) for name in wins} == wins


def test_downloads_404_until_the_sweep_has_results(cast, make_sweep):
    queued = make_sweep(name="q")
    client = cast.client_for(cast.owner)
    assert client.get(reverse("planner:sweep_csv", args=[queued.pk])).status_code == 404
    assert client.get(reverse("planner:sweep_parquet", args=[queued.pk])).status_code == 404
