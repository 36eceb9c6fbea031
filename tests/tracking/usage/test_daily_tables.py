"""LiteLLM's daily aggregate tables (per user, team and tag), exported in their real column
layout, routed by the entity each row is about."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.factories import WorkloadFactory
from tests.tracking.usage.litellm_files import export
from tracking.models import ActualUsageMonth
from tracking.usage import services as usage_services

pytestmark = pytest.mark.django_db


def daily_row(**fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": "6f1c0a52-0000-4000-8000-000000000000",
        "api_key": "hash-k1",
        "model": "gpt-4o",
        "model_group": "gpt-4o",
        "custom_llm_provider": "openai",
        "endpoint": "/v1/chat/completions",
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation_input_tokens": 0,
        "spend": 0.0,
        "api_requests": 1,
        "successful_requests": 1,
        "failed_requests": 0,
        "created_at": "2026-04-02 00:05:00.000",
        "updated_at": "2026-04-02 00:05:00.000",
    }
    return row | fields


@pytest.fixture
def workloads(cast):
    return {
        name: WorkloadFactory(organization=cast.org, name=name)
        for name in ("Support bot", "Coding agent", "Batch summaries")
    }


def rule(cast, dimension, value, workload):
    usage_services.routing_rule_create(
        organization=cast.org, actor=cast.owner, dimension=dimension, value=value, workload=workload
    )


def months(workload):
    return [
        (m.month.isoformat()[:7], m.model, m.kind, m.requests, m.input_tokens,
         m.cached_input_tokens, m.output_tokens, m.cost)
        for m in ActualUsageMonth.objects.filter(workload=workload).order_by("month", "model", "kind")
    ]  # fmt: skip


def test_daily_team_spend_goes_to_each_team_s_workload(cast, workloads):
    support, coding = workloads["Support bot"], workloads["Coding agent"]
    rule(cast, "team", "team-support", support)
    rule(cast, "team", "team-coding", coding)
    content = export(
        "LiteLLM_DailyTeamSpend",
        [
            daily_row(
                team_id="team-support",
                date="2026-04-01",
                prompt_tokens=4_000_000,
                completion_tokens=1_000_000,
                cache_read_input_tokens=1_500_000,
                spend=22.5,
                api_requests=900,
            ),
            daily_row(
                team_id="team-support",
                date="2026-04-02",
                prompt_tokens=3_000_000,
                completion_tokens=500_000,
                spend=12.25,
                api_requests=600,
            ),
            daily_row(
                team_id="team-support",
                date="2026-04-02",
                model="text-embedding-3-large",
                model_group="text-embedding-3-large",
                endpoint="/v1/embeddings",
                prompt_tokens=9_000_000,
                spend=1.17,
                api_requests=300,
            ),
            daily_row(  # a tool call (MCP): no model
                team_id="team-support",
                date="2026-04-02",
                model="",
                model_group="",
                mcp_namespaced_tool_name="jira-search",
                endpoint="/mcp",
                api_requests=40,
            ),
            daily_row(
                team_id="team-coding",
                date="2026-04-30",
                model="claude-sonnet-4-20250514",
                model_group="claude-sonnet-4",
                endpoint="/v1/messages",
                prompt_tokens=10_000_000,
                completion_tokens=2_000_000,
                cache_read_input_tokens=6_000_000,
                spend=51.0,
                api_requests=1_200,
            ),
            daily_row(
                team_id="team-coding",
                date="2026-05-01",
                model="claude-sonnet-4-20250514",
                model_group="claude-sonnet-4",
                endpoint="/v1/messages",
                prompt_tokens=1_000_000,
                completion_tokens=100_000,
                spend=4.5,
                api_requests=100,
            ),
        ],
    )
    usage = usage_services.usage_import(
        organization=cast.org,
        actor=cast.owner,
        workload=None,
        content=content,
        file_format="litellm_daily_team",
    )
    # Support: chat 4M + 3M in (1.5M cached), 1M + 0.5M out, $22.50 + $12.25, 900 + 600
    # requests; the embedding kept apart; the tool-call row skipped.
    assert months(support) == [
        ("2026-04", "gpt-4o", "chat", 1_500, 7_000_000, 1_500_000, 1_500_000, Decimal("34.75")),
        ("2026-04", "text-embedding-3-large", "embedding", 300, 9_000_000, 0, 0, Decimal("1.17")),
    ]
    assert months(coding) == [
        ("2026-04", "claude-sonnet-4-20250514", "chat", 1_200, 10_000_000, 6_000_000, 2_000_000,
         Decimal("51")),
        ("2026-05", "claude-sonnet-4-20250514", "chat", 100, 1_000_000, 0, 100_000,
         Decimal("4.5")),
    ]  # fmt: skip
    assert usage.report["tool_calls"] == {"rows": 1, "tools": [["jira-search", 1]]}
    assert usage.report["not_chat"] == [["endpoint:/v1/embeddings", 1]]
    assert usage.workload is None


def test_daily_user_spend_goes_by_user_and_key(cast, workloads):
    support, coding = workloads["Support bot"], workloads["Coding agent"]
    rule(cast, "user", "alice@acme.test", coding)
    rule(cast, "key", "hash-support-service", support)
    content = export(
        "LiteLLM_DailyUserSpend",
        [
            daily_row(
                user_id="alice@acme.test",
                date="2026-04-03",
                prompt_tokens=200,
                completion_tokens=100,
                spend=0.002,
            ),
            # The key rule comes before the user's.
            daily_row(
                user_id="alice@acme.test",
                api_key="hash-support-service",
                date="2026-04-04",
                prompt_tokens=3_000,
                completion_tokens=1_000,
                spend=0.03,
            ),
        ],
    )
    usage_services.usage_import(
        organization=cast.org,
        actor=cast.owner,
        workload=None,
        content=content,
        file_format="litellm_daily_user",
    )
    assert [(m[4], m[6], m[7]) for m in months(coding)] == [(200, 100, Decimal("0.002"))]
    assert [(m[4], m[6], m[7]) for m in months(support)] == [(3_000, 1_000, Decimal("0.03"))]


def test_daily_tag_spend_goes_by_tag_and_the_rest_to_the_chosen_workload(cast, workloads):
    batch, support = workloads["Batch summaries"], workloads["Support bot"]
    rule(cast, "tag", "nightly-batch", batch)
    content = export(
        "LiteLLM_DailyTagSpend",
        [
            daily_row(tag="nightly-batch", date="2026-04-05", prompt_tokens=50, spend=0.5),
            daily_row(tag="User-Agent: curl", date="2026-04-05", prompt_tokens=7, spend=0.07),
        ],
    )
    usage = usage_services.usage_import(
        organization=cast.org,
        actor=cast.owner,
        workload=support,
        content=content,
        file_format="litellm_daily_tag",
    )
    assert [(m[4], m[7]) for m in months(batch)] == [(50, Decimal("0.5"))]
    assert [(m[4], m[7]) for m in months(support)] == [(7, Decimal("0.07"))]
    assert usage.report["unrouted"]["rows"] == 0


def test_a_daily_table_without_its_entity_column_is_refused_naming_it(cast, workloads):
    content = export("LiteLLM_DailyUserSpend", [daily_row(user_id="u", date="2026-04-01")])
    with pytest.raises(ValidationError) as exc:
        usage_services.usage_import(
            organization=cast.org,
            actor=cast.owner,
            workload=workloads["Support bot"],
            content=content,
            file_format="litellm_daily_team",
        )
    assert exc.value.message_dict["file"] == [
        "Row 1, field team_id: column is missing from the header"
    ]
    assert not ActualUsageMonth.objects.exists()
