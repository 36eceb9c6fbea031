"""A malformed export is refused whole, naming row and field, and nothing is written; a
file is stored in pieces and read back as a stream, whatever the pieces' boundaries."""

from __future__ import annotations

import json

import pytest

from tests.factories import WorkloadFactory
from tests.tracking.usage.litellm_files import export
from tracking.models import ActualUsageImport, ActualUsageMonth, UsageImportChunk
from tracking.usage import parser, storage
from tracking.usage import services as usage_services

pytestmark = pytest.mark.django_db


def log_row(i: int, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "request_id": f"r{i}",
        "call_type": "acompletion",
        "api_key": "hash-k1",
        "spend": "0.25",
        "total_tokens": 150,
        "prompt_tokens": 100,
        "completion_tokens": 50,
        "startTime": f"2026-05-{1 + i % 28:02d}T10:00:00Z",
        "endTime": f"2026-05-{1 + i % 28:02d}T10:00:01Z",
        "model": "gpt-4o",
        "model_group": "gpt-4o",
        "metadata": "{}",
        "cache_hit": "False",
        "request_tags": "[]",
        "team_id": "team-a",
        "status": "success",
    }
    return row | fields


@pytest.fixture
def workload(cast):
    workload = WorkloadFactory(organization=cast.org, name="Chat")
    # With a tag rule, every row's tags are read (else only those of rows no rule claims).
    usage_services.routing_rule_create(
        organization=cast.org, actor=cast.owner, dimension="tag", value="beta", workload=workload
    )
    return workload


def run(cast, workload, content, **options):
    job = usage_services.usage_import_start(
        organization=cast.org,
        actor=cast.owner,
        workload=workload,
        content=content,
        file_format="litellm",
        filename="spend.csv",
        **options,
    )
    outcome = usage_services.usage_import_run(job_id=job.pk)
    job.refresh_from_db()
    return outcome, job


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (
            {3: {"prompt_tokens": "1,200"}},
            "Row 5, field prompt_tokens: '1,200' is not a whole number",
        ),
        ({5: {"spend": "-0.5"}}, "Row 7, field spend: -0.5 is negative"),
        (
            {2: {"startTime": "next tuesday"}},
            "Row 4, field startTime: 'next tuesday' is not a date",
        ),
        (
            {4: {"metadata": '{"usage_object": {"cache_read_input_tokens": 12'}},
            "Row 6, field metadata: is not JSON (a spreadsheet may have cut a long cell)",
        ),
        (
            {1: {"request_tags": '["prod", '}},
            "Row 3, field request_tags: '[\"prod\",' is not a JSON list of tags",
        ),
        (
            {6: {"startTime": "5/14/2026"}, 7: {"startTime": "14/5/2026"}},
            "Row 8, field startTime: '5/14/2026' is month first but row 9 ('14/5/2026') is "
            "day first",
        ),
    ],
)
def test_a_bad_row_rejects_the_whole_export_naming_row_and_field(cast, workload, bad, error):
    run(cast, workload, export("LiteLLM_SpendLogs", [log_row(i) for i in range(3)]))
    before = list(ActualUsageMonth.objects.values_list("pk", "input_tokens", "cost"))

    # Row numbers as a spreadsheet shows them: the header is row 1, rows[i] is row i + 2.
    rows = [log_row(i, **bad.get(i, {})) for i in range(10)]
    outcome, job = run(cast, workload, export("LiteLLM_SpendLogs", rows))

    assert (outcome, job.status, job.errors) == ("rejected", "failed", [error])
    assert job.usage_import is None
    assert list(ActualUsageMonth.objects.values_list("pk", "input_tokens", "cost")) == before
    assert ActualUsageImport.objects.count() == 1
    assert not UsageImportChunk.objects.filter(job=job).exists()  # the file is not kept


def test_a_date_against_the_chosen_order_is_refused(cast, workload):
    rows = [log_row(0, startTime="13/5/2026 10:00")]
    _, job = run(cast, workload, export("LiteLLM_SpendLogs", rows), date_order="mdy")
    assert job.errors == [
        "Row 2, field startTime: '13/5/2026 10:00' cannot be read month first, as chosen"
    ]


def test_no_row_for_any_workload_is_refused(cast):
    outcome, job = run(cast, None, export("LiteLLM_SpendLogs", [log_row(0)]))
    assert outcome == "rejected"
    assert job.errors == [
        "field file: none of its 1 rows went to a workload: add routing rules for their keys, "
        "tags, teams, users or model groups, or choose a workload for the rows no rule claims"
    ]


def test_a_file_is_stored_in_pieces_and_streamed_back_across_their_edges(
    cast, workload, monkeypatch
):
    # Pieces of 1,000 bytes cut rows, JSON cells and a two-byte character in half.
    monkeypatch.setattr(storage, "CHUNK_BYTES", 1_000)
    rows = [
        log_row(i, model="modèle-é" if i % 2 else "gpt-4o", metadata=json.dumps({"n": "é" * i}))
        for i in range(60)
    ]
    content = export("LiteLLM_SpendLogs", rows)
    job = usage_services.usage_import_start(
        organization=cast.org,
        actor=cast.owner,
        workload=workload,
        content=content,
        file_format="litellm",
    )
    pieces = UsageImportChunk.objects.filter(job=job).count()
    assert pieces == -(-len(content) // 1_000) > 10
    assert (job.size_bytes, job.rows_total) == (len(content), 60)
    assert usage_services.usage_import_run(job_id=job.pk) == "done"
    by_model = dict(
        ActualUsageMonth.objects.filter(workload=workload).values_list("model", "input_tokens")
    )
    assert by_model == {"gpt-4o": 30 * 100, "modèle-é": 30 * 100}
    assert not UsageImportChunk.objects.filter(job=job).exists()


def test_bytes_that_are_not_utf8_past_the_header_reject_the_file(cast, workload):
    # Past the first megabyte, which the upload itself checks.
    good = export("LiteLLM_SpendLogs", [log_row(i) for i in range(8_000)])
    assert len(good) > parser.HEADER_PROBE_BYTES
    bad = good + b"r-bad,acompletion,hash-k1,0.25,150,100,50,2026-05-01T10:00:00Z,,,,\xff\xfe\n"
    outcome, job = run(cast, workload, bad)
    assert outcome == "rejected"
    [error] = job.errors
    # Decoding runs a few kB ahead of the rows read, so the row is a lower bound.
    assert error.startswith("field file: is not UTF-8 text somewhere after row ")
    assert 2 <= int(error.rsplit(" ", 1)[1]) <= 8_001
    assert not ActualUsageMonth.objects.exists()
