"""Usage imports run as background jobs: progress the page polls, bulk writes, a bad row
rejects the whole file and writes nothing (issue 16, item 9)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracking.models import (
    ActualUsageImport,
    ActualUsageMonth,
    ImportJobStatus,
    UsageImportChunk,
    UsageImportJob,
)
from tracking.usage import parser, services

pytestmark = pytest.mark.django_db

HEADER = b"date,model,input_tokens,output_tokens,cost\n"


def rows(count: int, *, models: int | None = None) -> bytes:
    """`count` rows in January 2026, over `models` distinct models (one each by default)."""
    models = models or count
    lines = [f"2026-01-{1 + i % 28:02d},model-{i % models},100,50,0.25\n" for i in range(count)]
    return HEADER + "".join(lines).encode()


def start(cast, workload, content, file_format="breakeven"):
    return services.usage_import_start(
        organization=cast.org,
        actor=cast.owner,
        workload=workload,
        content=content,
        file_format=file_format,
        filename="usage.csv",
    )


def test_an_upload_is_queued_then_imported_with_progress(cast, plan, monkeypatch):
    monkeypatch.setattr(parser, "PROGRESS_EVERY_ROWS", 2)
    job = start(cast, plan.workload, rows(5, models=2))
    assert job.status == ImportJobStatus.QUEUED
    assert (job.rows_done, job.rows_total) == (0, 5)
    assert not ActualUsageMonth.objects.exists()  # nothing is read in the request

    seen = []
    parse = services.parse_usage

    def watching_parse(*args, on_progress, **kwargs):
        def progress(done):
            on_progress(done)
            seen.append(UsageImportJob.objects.values_list("status", "rows_done").get(pk=job.pk))

        return parse(*args, on_progress=progress, **kwargs)

    monkeypatch.setattr(services, "parse_usage", watching_parse)
    assert services.usage_import_run(job_id=job.pk) == "done"

    assert seen == [("running", 2), ("running", 4)]  # what a poll sees while it runs
    job.refresh_from_db()
    assert job.status == ImportJobStatus.SUCCEEDED
    assert (job.rows_done, job.rows_total, job.errors) == (5, 5, [])
    assert not UsageImportChunk.objects.filter(job=job).exists()  # the file is not kept
    assert job.usage_import.rows == 5
    months = ActualUsageMonth.objects.filter(workload=plan.workload).order_by("model")
    assert [(m.model, m.input_tokens, m.output_tokens, m.cost) for m in months] == [
        ("model-0", 300, 150, Decimal("0.750000")),
        ("model-1", 200, 100, Decimal("0.500000")),
    ]


def test_a_bad_row_rejects_the_whole_file_naming_row_and_field(cast, plan):
    services.usage_import_run(job_id=start(cast, plan.workload, rows(3)).pk)
    before = list(ActualUsageMonth.objects.values_list("pk", "model", "cost"))
    bad = rows(4) + b"2026-02-01,late,1,1,-2\n2026-02-02,late,1,x,1\n"

    job = start(cast, plan.workload, bad)
    assert services.usage_import_run(job_id=job.pk) == "rejected"

    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert job.errors == [
        "Row 6, field cost: -2 is negative",
        "Row 7, field output_tokens: 'x' is not a whole number",
    ]
    assert job.usage_import is None
    assert list(ActualUsageMonth.objects.values_list("pk", "model", "cost")) == before
    assert ActualUsageImport.objects.count() == 1


def test_monthly_totals_beyond_what_a_month_can_hold_are_rejected(cast, plan):
    huge = HEADER + b"2026-01-01,m,9223372036854775807,1,1\n2026-01-02,m,1,1,1\n"
    job = start(cast, plan.workload, huge)
    assert services.usage_import_run(job_id=job.pk) == "rejected"
    job.refresh_from_db()
    assert job.errors == [
        "field input_tokens: the total for m in 2026-01 is more than 9,223,372,036,854,775,807"
    ]
    assert not ActualUsageMonth.objects.exists()


@pytest.mark.parametrize(
    ("content", "file_format", "expected"),
    [
        (b"date,model,input_tokens,cost\n", "breakeven", "Row 1, field output_tokens"),
        (b"\xff\xfe\x00", "breakeven", "field file: is not UTF-8 text"),
        (HEADER, "excel", "field format: unknown format 'excel'"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_before_queueing(
    cast, plan, content, file_format, expected
):
    with pytest.raises(ValidationError) as exc:
        start(cast, plan.workload, content, file_format)
    assert any(expected in message for message in exc.value.messages)
    assert not UsageImportJob.objects.exists()


def test_many_distinct_models_are_written_in_a_few_batched_queries(
    cast, plan, django_assert_max_num_queries
):
    job = start(cast, plan.workload, rows(5_000))
    # Claim, read the job and workloads, 2 progress saves, lock, import row, 5 batches of
    # 1,000 months, the audit event, the data generation and the final status.
    with django_assert_max_num_queries(25):
        assert services.usage_import_run(job_id=job.pk) == "done"
    assert ActualUsageMonth.objects.filter(workload=plan.workload).count() == 5_000


def test_a_new_file_replaces_the_same_months_and_models(cast, plan):
    services.usage_import_run(job_id=start(cast, plan.workload, rows(2)).pk)
    second = start(cast, plan.workload, HEADER + b"2026-01-09,model-1,7,8,9\n")
    services.usage_import_run(job_id=second.pk)
    months = ActualUsageMonth.objects.filter(workload=plan.workload).order_by("model")
    assert [(m.model, m.input_tokens, m.cost) for m in months] == [
        ("model-0", 100, Decimal("0.250000")),
        ("model-1", 7, Decimal("9.000000")),
    ]
    second.refresh_from_db()
    assert months[1].usage_import_id == second.usage_import_id


def test_a_job_run_twice_imports_once(cast, plan):
    job = start(cast, plan.workload, rows(3))
    assert services.usage_import_run(job_id=job.pk) == "done"
    assert services.usage_import_run(job_id=job.pk) == "skipped"
    assert ActualUsageImport.objects.count() == 1


def test_the_page_shows_the_job_while_it_runs_and_when_it_is_done(
    cast, plan, django_capture_on_commit_callbacks
):
    client = cast.client_for(cast.teammate)
    url = reverse("tracking:workload_actuals", args=[plan.workload.pk])
    upload = SimpleUploadedFile("january.csv", rows(3))
    response = client.post(url, {"file_format": "breakeven", "file": upload})
    assert response.status_code == 302
    queued = client.get(url).content.decode()
    assert "january.csv" in queued
    assert "Queued (0%)" in queued
    assert '<meta http-equiv="refresh"' in queued  # the page polls while a job runs

    job = UsageImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.enqueue_usage_import(job_id=job.pk)
    done = client.get(url).content.decode()
    assert "Imported" in done
    assert '<meta http-equiv="refresh"' not in done
    # Viewers see the jobs; an outsider sees nothing of them.
    assert "january.csv" in cast.client_for(cast.viewer).get(url).content.decode()
    assert cast.client_for(cast.outsider).get(url).status_code == 404
