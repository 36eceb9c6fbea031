"""/api/v1/orgs/<slug>/sweeps/: start, progress, cancel, summary and CSV/Parquet downloads."""

from __future__ import annotations

import csv
import io

import pyarrow.parquet as pq
import pytest

from planner import sweep_services
from planner.models import Sweep, SweepChunk, SweepStatus
from tests.api.conftest import assert_error
from tests.factories import WorkloadFactory, sweep_catalog_version, sweep_spec_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/acme/sweeps/"


@pytest.fixture
def version(db):
    return sweep_catalog_version()


def body_for(version, **overrides):
    return {"name": "Grid", "catalog_version": version.pk, "spec": sweep_spec_for(version)} | (
        overrides
    )


@pytest.fixture
def queued(cast, version):
    # Outside on_commit capture the chunks are never queued: the sweep stays "queued".
    return sweep_services.sweep_start(
        organization=cast.org,
        actor=cast.owner,
        name="Queued",
        catalog_version=version,
        spec=sweep_spec_for(version),
        chunk_size=25,
    )


@pytest.fixture
def done(cast, version, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sweep = sweep_services.sweep_start(
            organization=cast.org,
            actor=cast.owner,
            name="Done",
            catalog_version=version,
            spec=sweep_spec_for(version),
            chunk_size=25,
        )
    sweep.refresh_from_db()
    assert sweep.status == SweepStatus.SUCCEEDED
    return sweep


@pytest.mark.parametrize("who", ["owner", "teammate"])
def test_writers_start_a_sweep(api, cast, version, who, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(who).post(URL, body_for(version), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["total_points"], body["chunks_total"]) == ("queued", 60, 1)
    assert set(body["spec"]) >= {"volumes", "input_shares", "utilizations", "selfhost"}
    sweep = Sweep.objects.get(pk=body["id"])
    assert sweep.organization == cast.org
    assert sweep.status == SweepStatus.SUCCEEDED  # the eager chunk ran on commit


def test_bad_spec_is_400_naming_the_spec_field_nothing_written(api, version):
    spec = sweep_spec_for(version, volumes={"min": 10, "max": 1})
    error = assert_error(
        api("owner").post(URL, body_for(version, spec=spec), format="json"),
        400,
        "validation_error",
        "spec.volumes.max",
    )
    assert "inverted" in error["fields"]["spec.volumes.max"][0]
    assert not Sweep.objects.exists()
    assert not SweepChunk.objects.exists()


def test_other_orgs_workload_is_400_naming_field(api, cast, version):
    theirs = WorkloadFactory(organization=cast.other_org)
    assert_error(
        api("owner").post(URL, body_for(version, workload=theirs.pk), format="json"),
        400,
        "validation_error",
        "workload",
    )
    assert not Sweep.objects.exists()


def test_create_sweep_is_idempotent(api, version):
    client = api("owner")
    first = client.post(URL, body_for(version), format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    again = client.post(URL, body_for(version), format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Sweep.objects.count() == 1
    assert_error(
        client.post(
            URL, body_for(version, name="Other"), format="json", HTTP_IDEMPOTENCY_KEY="s-1"
        ),
        422,
        "idempotency_conflict",
    )
    assert Sweep.objects.count() == 1


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_members_list_and_follow_progress(
    api, cast, version, queued, who, django_assert_max_num_queries
):
    for _ in range(5):
        sweep_services.sweep_start(
            organization=cast.org,
            actor=cast.owner,
            name="More",
            catalog_version=version,
            spec=sweep_spec_for(version),
        )
    client = api(who)
    # savepoint + token + cleanup + membership + page + release
    with django_assert_max_num_queries(6):
        response = client.get(URL)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 6
    Sweep.objects.filter(pk=queued.pk).update(status=SweepStatus.RUNNING, done_points=25)
    detail = client.get(f"{URL}{queued.pk}/").json()
    assert (detail["status"], detail["done_points"], detail["total_points"]) == (
        "running",
        25,
        60,
    )
    assert detail["progress_percent"] == 41


def test_outsider_404_anonymous_401_viewer_403(api, anon, cast, queued, version):
    outsider = api("outsider")
    for path in (URL, f"{URL}{queued.pk}/", f"{URL}{queued.pk}/summary/"):
        assert_error(outsider.get(path), 404, "not_found")
    assert_error(outsider.get(f"{URL}{queued.pk}/results.csv/"), 404, "not_found")
    assert_error(outsider.post(f"{URL}{queued.pk}/cancel/"), 404, "not_found")
    assert_error(anon.get(URL), 401, "not_authenticated")
    viewer = api("viewer")
    assert_error(viewer.post(URL, body_for(version), format="json"), 403, "permission_denied")
    assert_error(viewer.post(f"{URL}{queued.pk}/cancel/"), 403, "permission_denied")
    queued.refresh_from_db()
    assert queued.status == SweepStatus.QUEUED
    assert Sweep.objects.count() == 1


def test_cancel_then_cancel_again(api, queued):
    client = api("teammate")
    response = client.post(f"{URL}{queued.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["cancelled"] is True
    assert response.json()["sweep"]["status"] == "cancelled"
    again = client.post(f"{URL}{queued.pk}/cancel/").json()
    assert again["cancelled"] is False
    # No results ever: downloads say so.
    error = assert_error(client.get(f"{URL}{queued.pk}/results.csv/"), 409, "no_results")
    assert "cancelled" in error["message"]


def test_unfinished_sweep_summary_is_null_and_download_is_202(api, queued):
    client = api("viewer")
    summary = client.get(f"{URL}{queued.pk}/summary/").json()
    assert summary == {"status": "queued", "summary": None}
    response = client.get(f"{URL}{queued.pk}/results.parquet/")
    assert response.status_code == 202
    assert response["Retry-After"] == "5"
    assert response.json()["status"] == "queued"


def test_summary_and_downloads_of_a_finished_sweep(api, done):
    client = api("viewer")
    summary = client.get(f"{URL}{done.pk}/summary/").json()
    assert summary["status"] == "succeeded"
    assert summary["summary"]["points"] == 60
    assert sum(summary["summary"]["wins"].values()) == 60

    response = client.get(f"{URL}{done.pk}/results.csv/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == f'attachment; filename="sweep-{done.pk}.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["volume_tokens_per_month", "input_share", "utilization"]
    assert len(rows) == 61
    # The same file as the sweep page's download.
    page = cast_page_csv(done)
    assert rows == page

    response = client.get(f"{URL}{done.pk}/results.parquet/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(b"".join(response.streaming_content)))
    assert table.num_rows == 60
    assert table.column_names[-1] == "cheapest"


def cast_page_csv(sweep):
    from planner.sweep_downloads import sweep_download_response

    response = sweep_download_response(sweep=sweep, fmt="csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_rate_limit_applies_to_sweeps(api, queued, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "2/min", "quote": "2/min", "anon": "2/min"},
    }
    client = api("owner")
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}{queued.pk}/summary/").status_code == 200
    assert_error(client.get(f"{URL}{queued.pk}/"), 429, "throttled")


def test_one_download_too_many_is_a_429_with_retry_after(api, done, settings):
    settings.SWEEP_DOWNLOADS_PER_ORGANIZATION = 1
    client = api("viewer")
    running = client.get(f"{URL}{done.pk}/results.parquet/")
    assert running.status_code == 200  # its body is not sent yet: it holds the slot
    refused = client.get(f"{URL}{done.pk}/results.csv/")
    error = assert_error(refused, 429, "too_many_downloads")
    assert "already has 1 sweep download in progress" in error["message"]
    assert refused["Retry-After"] == "30"
    b"".join(running.streaming_content)
    assert client.get(f"{URL}{done.pk}/results.csv/").status_code == 200
