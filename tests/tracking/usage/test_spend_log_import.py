"""A LiteLLM spend-log export, in the table's real column layout, uploaded once on the
usage page, feeds several workloads; plan vs actual equals sums made here (issue 17's
done-when for item 6).

The file has tool-call rows (no model), an embedding, an image generation, an answer from
the proxy's cache, prompt-cache reads in LiteLLM's ``usage_object`` (both the Anthropic
and the OpenAI form), three teams (one with no rule), a tag and a key with rules of their
own, and dates in ISO with Z, with offsets, without an offset, as a US spreadsheet writes
them and as a spreadsheet serial number. Where each row must land is written by hand
beside it (``goes``), not computed by the code under test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import WorkloadFactory
from tests.tracking.conftest import compute_with_steady_prices, make_plan, make_version
from tests.tracking.usage.litellm_files import export
from tracking import selectors
from tracking.forecasting import forecast_for_plan
from tracking.models import ActualUsageImport, ActualUsageMonth, UsageImportJob
from tracking.usage import services as usage_services

pytestmark = pytest.mark.django_db

CHAT, SEARCH, AGENTS = "Chat", "Search", "Agents"


@dataclass(frozen=True)
class Req:
    """One request of the log and where it must go: (workload, kind, month) or a reason."""

    start: str
    team: str
    prompt: int
    completion: int
    spend: str
    goes: tuple[str, str, str] | str
    cached: int = 0  # prompt-cache read, as LiteLLM's usage_object holds it
    cached_form: str = "anthropic"
    model: str = "gpt-4o"
    call_type: str = "acompletion"
    api_key: str = "hash-of-a-team-key"
    tags: tuple[str, ...] = ()
    cache_hit: bool = False
    tool: str = ""
    status: str = "success"


REQUESTS = [
    Req(
        "2026-02-03T09:15:00.123Z", "team-chat", 120_000, 30_000, "0.66", (CHAT, "chat", "2026-02")
    ),
    Req(  # psql writes timestamp(3) without a zone: UTC
        "2026-02-10 12:00:00.5",
        "team-chat",
        500_000,
        80_000,
        "2.49",
        (CHAT, "chat", "2026-02"),
        cached=300_000,
        model="claude-sonnet-4-20250514",
    ),
    # A US spreadsheet's re-save; 14 > 12 makes every slash date month first.
    Req("2/14/2026 13:05", "team-search", 70_000, 10_000, "0.275", (SEARCH, "chat", "2026-02")),
    # The tag rule beats the team rule.
    Req(
        "2026-02-20T08:00:00+01:00",
        "team-chat",
        200_000,
        50_000,
        "1.0",
        (AGENTS, "chat", "2026-02"),
        tags=("agents", "beta"),
    ),
    # The key rule beats every other; OpenAI's form of cached tokens.
    Req(
        "2026-03-02T10:00:00Z",
        "team-chat",
        90_000,
        9_000,
        "0.3105",
        (SEARCH, "chat", "2026-03"),
        cached=51_200,
        cached_form="openai",
        api_key="hash-of-the-search-bot-key",
    ),
    Req(  # 3/2/2026 read month first: 2 March
        "3/2/2026 9:00 AM",
        "team-chat",
        800_000,
        0,
        "0.016",
        (CHAT, "embedding", "2026-03"),
        model="text-embedding-3-small",
        call_type="aembedding",
    ),
    Req(
        "2026-02-11T10:00:00Z",
        "team-chat",
        0,
        0,
        "0.0",
        "tool call",
        model="",
        call_type="call_mcp_tool",
        tool="github-create_issue",
    ),
    Req(
        "2026-02-11T10:05:00Z",
        "team-chat",
        0,
        0,
        "0.0",
        "tool call",
        model="",
        call_type="call_mcp_tool",
        tool="github-create_issue",
    ),
    Req(  # answered by the proxy's response cache: no model served it
        "2026-02-12T10:00:00Z",
        "team-chat",
        120_000,
        30_000,
        "0.0",
        (CHAT, "proxy_cache", "2026-02"),
        cache_hit=True,
    ),
    Req(
        "2026-03-05T10:00:00Z",
        "team-search",
        0,
        0,
        "0.04",
        (SEARCH, "other", "2026-03"),
        model="dall-e-3",
        call_type="aimage_generation",
    ),
    Req("2026-02-15T00:00:00Z", "team-unknown", 10_000, 1_000, "0.01", "no rule"),
    # 23:30 at -02:00 is 01:30 UTC the next day: March.
    Req(
        "2026-02-28T23:30:00-02:00",
        "team-search",
        100_000,
        25_000,
        "0.5",
        (SEARCH, "chat", "2026-03"),
    ),
    # Spreadsheet serial 46079.75: 46,079 days after 1899-12-30 is 2026-02-26, 18:00.
    Req("46079.75", "team-chat", 300_000, 60_000, "1.355", (CHAT, "chat", "2026-02")),
    Req("2026-03-20T10:00:00Z", "team-chat", 200_000, 40_000, "0.9", (CHAT, "chat", "2026-03")),
    Req(  # a failed request counts as it was billed
        "2026-03-10T10:00:00Z",
        "team-search",
        5_000,
        0,
        "0.0",
        (SEARCH, "chat", "2026-03"),
        status="failure",
    ),
]


def _metadata(req: Req) -> str:
    usage = {
        "prompt_tokens": req.prompt,
        "completion_tokens": req.completion,
        "total_tokens": req.prompt + req.completion,
    }
    if req.cached and req.cached_form == "anthropic":
        usage |= {"cache_read_input_tokens": req.cached, "cache_creation_input_tokens": 0}
    elif req.cached:
        usage["prompt_tokens_details"] = {"cached_tokens": req.cached, "audio_tokens": 0}
    return json.dumps(
        {
            "user_api_key": req.api_key,
            "user_api_key_alias": None,
            "user_api_key_team_id": req.team,
            "spend_logs_metadata": None,
            "usage_object": usage,
            "status": req.status,
        }
    )


def spend_log(requests: list[Req]) -> bytes:
    return export(
        "LiteLLM_SpendLogs",
        [
            {
                "request_id": f"chatcmpl-{i:04d}",
                "call_type": req.call_type,
                "api_key": req.api_key,
                "spend": req.spend,
                "total_tokens": req.prompt + req.completion,
                "prompt_tokens": req.prompt,
                "completion_tokens": req.completion,
                "startTime": req.start,
                "endTime": req.start,
                "request_duration_ms": 1200,
                "model": req.model,
                "model_id": "deployment-1",
                "model_group": req.model,
                "custom_llm_provider": "openai",
                "api_base": "https://api.example.test/v1",
                "user": "",
                "metadata": _metadata(req),
                "cache_hit": str(req.cache_hit),
                "cache_key": "",
                "request_tags": json.dumps(list(req.tags)),
                "team_id": req.team,
                "messages": "{}",
                "response": "{}",
                "status": req.status,
                "mcp_namespaced_tool_name": req.tool,
                "proxy_server_request": "{}",
            }
            for i, req in enumerate(requests)
        ],
    )


def expected(workload: str, kind: str, month: str) -> dict[str, object]:
    """Sums over the hand-annotated requests that must land in (workload, kind, month)."""
    mine = [r for r in REQUESTS if r.goes == (workload, kind, month)]
    prompt = sum(r.prompt for r in mine)
    return {
        "requests": len(mine),
        "input_tokens": prompt,
        "cached_input_tokens": sum(r.cached for r in mine),
        "output_tokens": sum(r.completion for r in mine),
        "cost": sum(Decimal(r.spend) for r in mine),
    }


@pytest.fixture
def setup(cast):
    version = make_version()
    chat = make_plan(cast.org, version=version, name=CHAT)
    search = make_plan(cast.org, version=version, name=SEARCH)
    for plan in (chat, search):
        compute_with_steady_prices(plan, actor=cast.owner)
    agents = WorkloadFactory(organization=cast.org, name=AGENTS)
    workloads = {CHAT: chat.workload, SEARCH: search.workload, AGENTS: agents}
    for dimension, value, name in [
        ("team", "team-chat", CHAT),
        ("team", "team-search", SEARCH),
        ("tag", "agents", AGENTS),
        ("key", "hash-of-the-search-bot-key", SEARCH),
    ]:
        usage_services.routing_rule_create(
            organization=cast.org,
            actor=cast.owner,
            dimension=dimension,
            value=value,
            workload=workloads[name],
        )
    return {"plans": {CHAT: chat, SEARCH: search}, "workloads": workloads}


def _upload(client, content, django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("tracking:usage_imports"),
            {
                "file_format": "litellm",
                "file": SimpleUploadedFile("LiteLLM_SpendLogs.csv", content),
                "date_order": "auto",
                **extra,
            },
        )
    assert response.status_code == 302, response.content.decode()[-2000:]
    return UsageImportJob.objects.order_by("-pk").first()


def test_one_spend_log_feeds_several_workloads_and_plan_vs_actual_adds_up(
    cast, setup, django_capture_on_commit_callbacks
):
    client = cast.client_for(cast.teammate)
    job = _upload(client, spend_log(REQUESTS), django_capture_on_commit_callbacks)
    assert job.status == "succeeded", job.errors

    stored: dict[tuple[str, str, str], dict[str, object]] = {}
    for m in ActualUsageMonth.objects.select_related("workload"):  # summed over models
        slot = stored.setdefault(
            (m.workload.name, m.kind, m.month.isoformat()[:7]),
            dict.fromkeys(("requests", "input_tokens", "cached_input_tokens", "output_tokens"), 0)
            | {"cost": Decimal(0)},
        )
        for name in slot:
            slot[name] += getattr(m, name)
    wanted = {r.goes for r in REQUESTS if isinstance(r.goes, tuple)}
    assert set(stored) == wanted
    for key, figures in stored.items():
        assert figures == expected(*key), key

    for name, plan in setup["plans"].items():
        result = selectors.plan_vs_actual(workload=plan.workload, plan=plan)
        assert result["plan_available"]
        months = result["months"]
        assert [m["month"] for m in months] == ["2026-02", "2026-03"]
        forecast = forecast_for_plan(plan=plan)
        for index, row in enumerate(months):
            sums = expected(name, "chat", row["month"])
            tokens = sums["input_tokens"] + sums["output_tokens"]
            assert row["tokens"] == tokens
            assert row["input_tokens"] == sums["input_tokens"]
            assert row["cached_input_tokens"] == sums["cached_input_tokens"]
            assert row["cost"] == str(sums["cost"].quantize(Decimal("0.01"), ROUND_HALF_UP))
            cached_share = (
                Decimal(sums["cached_input_tokens"]) / Decimal(sums["input_tokens"])
            ).quantize(Decimal("0.00001"), ROUND_HALF_UP)
            assert row["cached_share"] == str(cached_share)
            # Month 1 of the forecast is the first actual month: 100M tokens growing 50%.
            planned = 100_000_000 * 3**index // 2**index
            assert row["planned_tokens"] == planned
            assert row["tokens_variance_pct"] == round((tokens - planned) / planned * 100, 1)
            planned_cost = forecast["projected_monthly"][index]
            assert row["planned_cost"] == planned_cost
            actual_cost = float(sums["cost"].quantize(Decimal("0.01"), ROUND_HALF_UP))
            assert row["cost_variance_pct"] == round(
                (actual_cost - planned_cost) / planned_cost * 100, 1
            )

    # The same figures by hand, for two of them:
    chat_feb = selectors.plan_vs_actual(
        workload=setup["workloads"][CHAT], plan=setup["plans"][CHAT]
    )["months"][0]
    # 120,000 + 500,000 + 300,000 = 920,000 input; 30,000 + 80,000 + 60,000 = 170,000 output;
    # $0.66 + $2.49 + $1.355 = $4.505 -> $4.51; cached 300,000 / 920,000 = 0.32609.
    assert (chat_feb["tokens"], chat_feb["cost"], chat_feb["cached_share"]) == (
        1_090_000,
        "4.51",
        "0.32609",
    )
    search_mar = selectors.plan_vs_actual(
        workload=setup["workloads"][SEARCH], plan=setup["plans"][SEARCH]
    )["months"][1]
    # 90,000 + 100,000 + 5,000 in, 9,000 + 25,000 out; $0.3105 + $0.5 = $0.81;
    # 51,200 cached / 195,000 = 0.26256.
    assert (search_mar["tokens"], search_mar["cost"], search_mar["cached_share"]) == (
        229_000,
        "0.81",
        "0.26256",
    )
    # Kept apart: the embedding and the proxy-cache answer of Chat, the image of Search.
    chat_other = selectors.other_usage(workload=setup["workloads"][CHAT])
    assert [(r["month"], r["kind"], r["input_tokens"], r["cost"]) for r in chat_other] == [
        ("2026-02", "proxy_cache", 120_000, "0.00"),
        ("2026-03", "embedding", 800_000, "0.02"),
    ]
    agents = selectors.actual_months(workload=setup["workloads"][AGENTS])
    assert [(m["tokens"], str(m["cost"])) for m in agents] == [(250_000, "1.00")]


def test_the_report_counts_what_was_skipped_kept_apart_and_left_out(
    cast, setup, django_capture_on_commit_callbacks
):
    client = cast.client_for(cast.owner)
    job = _upload(client, spend_log(REQUESTS), django_capture_on_commit_callbacks)
    report = job.report
    assert report["rows"] == len(REQUESTS) == 15
    assert report["tool_calls"] == {"rows": 2, "tools": [["github-create_issue", 2]]}
    assert {kind: figures["rows"] for kind, figures in report["kinds"].items()} == {
        "chat": 10,  # including the one no rule claims
        "embedding": 1,
        "other": 1,
        "proxy_cache": 1,
    }
    assert report["not_chat"] == [["call_type:aembedding", 1], ["call_type:aimage_generation", 1]]
    assert report["unrouted"] == {
        "rows": 1,
        "tokens": 11_000,
        "cost": "0.01",
        "top": {
            "key": [["hash-of-a-team-key", 1]],
            "team": [["team-unknown", 1]],
            "model_group": [["gpt-4o", 1]],
        },
    }
    assert report["dates"] == {
        "forms": {
            "iso_naive": 1,
            "iso_offset": 2,
            "iso_utc": 7,  # the two tool-call rows are skipped before their dates are read
            "serial": 1,
            "spreadsheet": 2,
        },
        "order": "mdy",
        "order_source": "file",
    }
    page = client.get(reverse("tracking:usage_imports")).content.decode()
    assert "Skipped 2 tool-call rows (no model): github-create_issue 2." in page
    assert "Spreadsheet dates were read month first: the file has a date" in page
    assert "Left out, no workload: 1 row (11,000 tokens, cost 0.01)" in page
    assert "teams: team-unknown (1)" in page
    actuals = client.get(
        reverse("tracking:workload_actuals", args=[setup["workloads"][CHAT].pk])
    ).content.decode()
    assert "Kept apart from chat" in actuals
    assert "Answered from the proxy&#x27;s cache" in actuals


def test_the_same_file_twice_changes_nothing(cast, setup, django_capture_on_commit_callbacks):
    client = cast.client_for(cast.owner)
    content = spend_log(REQUESTS)
    _upload(client, content, django_capture_on_commit_callbacks)
    first = sorted(
        ActualUsageMonth.objects.values_list(
            "workload_id",
            "month",
            "model",
            "kind",
            "requests",
            "input_tokens",
            "cached_input_tokens",
            "output_tokens",
            "cost",
        )
    )
    second = _upload(client, content, django_capture_on_commit_callbacks)
    assert second.status == "succeeded"
    again = sorted(
        ActualUsageMonth.objects.values_list(
            "workload_id",
            "month",
            "model",
            "kind",
            "requests",
            "input_tokens",
            "cached_input_tokens",
            "output_tokens",
            "cost",
        )
    )
    assert again == first
    assert ActualUsageImport.objects.count() == 2
    # Every month now belongs to the second import.
    assert set(ActualUsageMonth.objects.values_list("usage_import_id", flat=True)) == {
        second.usage_import_id
    }


def test_rows_no_rule_claims_go_to_the_chosen_workload(
    cast, setup, django_capture_on_commit_callbacks
):
    agents = setup["workloads"][AGENTS]
    job = _upload(
        cast.client_for(cast.owner),
        spend_log(REQUESTS),
        django_capture_on_commit_callbacks,
        workload=agents.pk,
    )
    assert job.report["unrouted"]["rows"] == 0
    feb = ActualUsageMonth.objects.get(workload=agents, kind="chat", model="gpt-4o")
    # The tagged request (200,000 in) and team-unknown's (10,000 in).
    assert (feb.input_tokens, feb.output_tokens, feb.cost) == (210_000, 51_000, Decimal("1.01"))
