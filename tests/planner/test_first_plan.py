"""The guided first plan (issue 18, item 2): which offers are chosen from the shipped
catalog, the service that writes and computes the plan, and its page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from planner.bridge.onboarding import _priced_api_offers, first_plan_options
from planner.bridge.shapes import preset_figures
from planner.models import Comparison, Plan, PlanOption, Workload
from planner.onboarding.services import first_plan_create
from tests.factories import WorkloadFactory

START = reverse("planner:first_plan")
DASHBOARD = reverse("planner:dashboard")


def _workload(org, preset: str, tokens_per_day: int = 50_000_000, **fields):
    inp, out = preset_figures(preset)
    return WorkloadFactory(
        organization=org,
        tokens_per_day=tokens_per_day,
        tokens_per_month=None,
        request_preset=preset,
        input_tokens_per_request=inp,
        output_tokens_per_request=out,
        input_share=Decimal(inp) / Decimal(inp + out),
        **fields,
    )


# (preset, tokens a day) -> (cheapest capable API, frontier API, self-host label), from
# pricing/data/catalog-2026.json. Llama 3.3 70B is the largest open model with a measured
# throughput on a rented GPU; an API qualifies by score (GPQA Diamond, Llama 3.3 70B's
# 50.5) when both are scored, else by total parameters (70B).
PINNED = [
    (
        "chat_assistant",
        50_000_000,
        "DeepSeek V3.2 · global-2026",
        "Claude Opus 4.5 (Anthropic) · feb-2026",
        "Llama 3.3 70B (INT4) on 1\u00d7 NVIDIA A100 80GB",
    ),
    (
        "rag",
        50_000_000,
        "Llama 4 Maverick (Fireworks) · jun-2026",
        "Claude Opus 4.5 (Anthropic) · feb-2026",
        "Llama 3.3 70B (INT4) on 1\u00d7 NVIDIA A100 80GB",
    ),
    (
        "agentic_tool_use",
        50_000_000,
        "Llama 4 Maverick (Fireworks) · jun-2026",
        "Claude Opus 4.5 (Anthropic) · feb-2026",
        "Llama 3.3 70B (FP8) on 1\u00d7 NVIDIA H200 141GB",
    ),
    (
        "agentic_tool_use",
        1_000_000,
        "Llama 4 Maverick (Fireworks) · jun-2026",
        "Claude Opus 4.5 (Anthropic) · feb-2026",
        "Llama 3.3 70B (FP8) on 2\u00d7 NVIDIA A100 80GB",
    ),
    (
        "batch_summarisation",
        50_000_000,
        "Llama 4 Maverick (Fireworks) · jun-2026",
        "Claude Opus 4.5 (Anthropic) · feb-2026",
        "Llama 3.3 70B (FP8) on 1\u00d7 NVIDIA H200 141GB",
    ),
]


@pytest.mark.parametrize(("preset", "per_day", "capable", "frontier", "selfhost"), PINNED)
def test_the_shipped_catalog_gives_these_options(
    cast, reference_version, preset, per_day, capable, frontier, selfhost
):
    picks = first_plan_options(
        version=reference_version,
        organization=cast.org,
        workload=_workload(cast.org, preset, per_day),
    )

    assert picks.capable is not None
    assert picks.capable.label == capable
    assert picks.frontier is not None
    assert picks.frontier.label == frontier
    assert picks.selfhost is not None
    assert picks.selfhost.label == selfhost


def test_a_small_or_unknown_model_is_never_the_capable_api(cast, reference_version):
    """The cheapest offers overall (Qwen3-8B and GLM-4-9B at $0.01/M) are small; GPT-4.1
    Nano scores just below Llama 3.3 70B; Gemini 2.5 Flash is cheaper than DeepSeek V3.2
    here but the catalog says nothing of its size or score."""
    from pricing.selectors import effective_prices

    workload = _workload(cast.org, "chat_assistant")
    picks = first_plan_options(version=reference_version, organization=cast.org, workload=workload)

    assert picks.capable is not None
    assert picks.capable.offer.model_name == "DeepSeek V3.2"
    assert "671B parameters, at least Llama 3.3 70B's 70B" in picks.capable.why
    book = effective_prices(version=reference_version, organization=cast.org)
    priced = _priced_api_offers(reference_version, book, workload)
    passed_over = [row[2].model_name for row in priced if row[0] < picks.capable.blended_per_mtok]
    assert set(passed_over) >= {
        "Qwen3-8B",
        "GLM-4-9B",
        "GPT-4.1 Nano",
        "Gemini 2.5 Flash",
        "Mistral Small 3.1",
    }


def test_the_workloads_quality_floor_decides_what_is_capable(cast, reference_version):
    # 90% of Llama 4 Maverick's 69.8 on GPQA Diamond: only Maverick itself is scored that
    # high; a model with no score is never taken to meet a floor.
    workload = _workload(
        cast.org,
        "chat_assistant",
        quality_reference_model="Llama 4 Maverick",
        quality_min_share=Decimal("0.9"),
    )

    picks = first_plan_options(version=reference_version, organization=cast.org, workload=workload)

    assert picks.capable is not None
    assert picks.capable.offer.model_name == "Llama 4 Maverick"
    assert "at least 90% of Llama 4 Maverick's 69.8" in picks.capable.why


def test_the_selfhost_option_is_sized_by_memory_fit(cast, reference_version):
    """FP8 weights of a 70B model do not fit one 80 GB A100 with a 8,150-token KV cache:
    two GPUs a replica, priced as two, on the profile measured on two."""
    picks = first_plan_options(
        version=reference_version,
        organization=cast.org,
        workload=_workload(cast.org, "agentic_tool_use", 1_000_000),
    )

    assert picks.selfhost is not None
    assert picks.selfhost.gpus == 2
    assert picks.selfhost.fields["precision"] == "fp8"
    assert "Llama 3.1 70B FP8 on 2x A100 80GB" in picks.selfhost.why


def test_first_plan_create_writes_a_computed_plan_with_the_three_options(cast, reference_version):
    made = first_plan_create(
        organization=cast.org, actor=cast.owner, preset="rag", tokens_per_day=50_000_000
    )

    workload = made.plan.workload
    assert workload.name == "Retrieval-augmented answers (RAG)"
    assert (workload.input_tokens_per_request, workload.output_tokens_per_request) == (4000, 300)
    assert workload.tokens_per_day == 50_000_000
    options = list(made.plan.options.order_by("position"))
    assert [o.kind for o in options] == ["api", "api", "selfhost"]
    assert options[0].api_offer.model_name == "Llama 4 Maverick"
    assert options[1].api_offer.model_name == "Claude Opus 4.5"
    assert options[2].name == "Llama 3.3 70B on 1\u00d7 NVIDIA A100 80GB"
    assert made.comparison.number == 1
    assert made.comparison.recommended_option in {o.name for o in options}
    assert made.plan.description.startswith("Why these options were chosen for you\n")
    actions = set(AuditEvent.objects.filter(organization=cast.org).values_list("action", flat=True))
    assert {"workload.create", "plan.create", "plan.compute"} <= actions


def test_a_second_first_plan_gets_its_own_workload_name(cast, reference_version):
    first_plan_create(organization=cast.org, actor=cast.owner, preset="rag", tokens_per_day=10**6)
    second = first_plan_create(
        organization=cast.org, actor=cast.owner, preset="rag", tokens_per_month=10**9
    )

    assert second.plan.workload.name == "Retrieval-augmented answers (RAG) (2)"
    assert second.plan.workload.tokens_per_month == 10**9


def test_an_unknown_preset_or_no_catalog_saves_nothing(cast, db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as unknown:
        first_plan_create(
            organization=cast.org, actor=cast.owner, preset="poetry", tokens_per_day=1
        )
    assert "preset" in unknown.value.message_dict
    with pytest.raises(ValidationError, match="No price catalog is published"):
        first_plan_create(organization=cast.org, actor=cast.owner, preset="rag", tokens_per_day=1)
    assert not Workload.objects.filter(organization=cast.org).exists()
    assert not Plan.objects.filter(organization=cast.org).exists()


# --- the page --------------------------------------------------------------------------


def test_the_owner_posts_a_preset_and_lands_on_the_computed_plan(cast, reference_version):
    client = cast.client_for(cast.owner)

    response = client.post(START, {"preset": "chat_assistant", "volume": "50000000", "per": "day"})

    plan = Plan.objects.get(organization=cast.org)
    assert response.status_code == 302
    assert response.url == reverse("planner:plan_detail", args=[plan.pk])
    page = client.get(response.url).content.decode()
    assert "Recommendation" in page
    assert "<summary>Why these options were chosen for you</summary>" in page
    assert "Cheapest capable API: DeepSeek V3.2" in page


def test_a_bad_volume_is_named_and_nothing_is_saved(cast, reference_version):
    client = cast.client_for(cast.owner)

    response = client.post(START, {"preset": "rag", "volume": "0", "per": "day"})

    assert response.status_code == 200
    assert response.context["form"].errors["volume"]
    assert not Workload.objects.filter(organization=cast.org).exists()


def test_a_volume_over_the_monthly_limit_is_named_on_the_volume_field(cast, reference_version):
    client = cast.client_for(cast.owner)

    response = client.post(START, {"preset": "rag", "volume": str(10**14), "per": "day"})

    assert response.status_code == 200
    assert "tokens a month" in " ".join(response.context["form"].errors["volume"])
    assert not Workload.objects.filter(organization=cast.org).exists()


def test_a_read_only_teammate_cannot_create_and_an_outsider_sees_none_of_it(
    cast, reference_version
):
    assert cast.client_for(cast.viewer).get(START).status_code == 403
    viewer_post = cast.client_for(cast.viewer).post(
        START, {"preset": "rag", "volume": "1000", "per": "day"}
    )
    assert viewer_post.status_code == 403
    assert cast.client_for(cast.teammate).get(START).status_code == 200
    cast.client_for(cast.owner).post(START, {"preset": "rag", "volume": "1000", "per": "day"})
    plan = Plan.objects.get(organization=cast.org)

    outsider = cast.client_for(cast.outsider)
    assert outsider.get(reverse("planner:plan_detail", args=[plan.pk])).status_code == 404
    outsider.post(START, {"preset": "rag", "volume": "1000", "per": "day"})
    assert Plan.objects.filter(organization=cast.other_org).count() == 1
    assert Plan.objects.filter(organization=cast.org).count() == 1
    assert PlanOption.objects.filter(organization=cast.other_org).count() == 3
    assert Comparison.objects.filter(organization=cast.other_org).count() == 1


def test_the_dashboard_of_an_empty_organization_offers_the_first_plan(cast, reference_version):
    owner_page = cast.client_for(cast.owner).get(DASHBOARD).content.decode()
    viewer_page = cast.client_for(cast.viewer).get(DASHBOARD).content.decode()

    assert f'action="{START}"' in owner_page
    assert 'value="chat_assistant" checked' in owner_page
    assert f'action="{START}"' not in viewer_page

    first_plan_create(organization=cast.org, actor=cast.owner, preset="rag", tokens_per_day=10**6)
    assert f'action="{START}"' not in cast.client_for(cast.owner).get(DASHBOARD).content.decode()


def test_without_a_published_catalog_the_page_says_so(cast, db):
    page = cast.client_for(cast.owner).get(START).content.decode()

    assert "No price catalog is published yet" in page
    assert f'action="{START}"' not in page


def _republished(version, change) -> object:
    """A draft copy of ``version`` changed by ``change(draft)``, then published."""
    from pricing.services import catalog_version_clone, catalog_version_publish

    draft = catalog_version_clone(version=version, actor=None)
    change(draft)
    return catalog_version_publish(version=draft, actor=None)


def test_api_offers_are_ranked_at_the_workloads_traffic(cast, reference_version):
    """DeepSeek V3.2 (feb-2026, $0.27 input) given a $50 per 1M cache-write price: a
    workload writing a tenth of its input to the cache (chat: 1,000 in / 400 out, input
    5/7 of the tokens) pays it on those, so the offer's blend rises by (50 - 0.27) x 0.1
    x 5/7 = $3.552 per 1M."""
    from pricing.models import ApiOffer

    def dearer_writes(draft) -> None:
        ApiOffer.objects.filter(
            version=draft, model_name="DeepSeek V3.2", provider="DeepSeek"
        ).update(cache_write_per_mtok=Decimal(50))

    version = _republished(reference_version, dearer_writes)
    from pricing.selectors import effective_prices

    book = effective_prices(version=version, organization=cast.org)
    plain = _workload(cast.org, "chat_assistant")
    writes = _workload(cast.org, "chat_assistant", cache_write_share=Decimal("0.1"))
    before = {row[1]: row[0] for row in _priced_api_offers(version, book, plain)}
    after = {row[1]: row[0] for row in _priced_api_offers(version, book, writes)}
    deepseek, gpt = "DeepSeek V3.2 (DeepSeek) · feb-2026", "GPT-5 (OpenAI) · feb-2026"
    assert after[deepseek] - before[deepseek] == pytest.approx((50 - 0.27) * 0.1 * 5 / 7)
    assert after[gpt] == before[gpt]  # no cache-write price: written at the input price


def test_a_catalog_without_hidden_costs_or_devops_hours_leaves_them_empty(cast, reference_version):
    from pricing.models import EngineFigure, FigureSection

    def without(draft) -> None:
        EngineFigure.objects.filter(
            version=draft,
            section__in=[FigureSection.HIDDEN_COST_MULTIPLIER, FigureSection.DEVOPS_HOURS],
        ).delete()

    version = _republished(reference_version, without)
    picks = first_plan_options(
        version=version, organization=cast.org, workload=_workload(cast.org, "chat_assistant")
    )
    assert picks.selfhost is not None
    assert picks.selfhost.fields["hidden_multiplier"] is None
    assert picks.selfhost.fields["labor_hours_per_month"] == 0


def test_no_frontier_api_when_the_dearest_offer_is_the_capable_one(cast, reference_version):
    """A catalog whose only API is Llama 4 Maverick (scored above Llama 3.3 70B): it is
    the cheapest capable offer and the dearest at once, so no second API is proposed."""
    from pricing.models import ApiOffer

    def only_maverick(draft) -> None:
        ApiOffer.objects.filter(version=draft).exclude(
            model_name="Llama 4 Maverick", provider="Fireworks"
        ).delete()

    version = _republished(reference_version, only_maverick)
    picks = first_plan_options(
        version=version, organization=cast.org, workload=_workload(cast.org, "chat_assistant")
    )
    assert picks.capable is not None
    assert picks.capable.offer.model_name == "Llama 4 Maverick"
    assert picks.frontier is None
    fields = picks.option_fields()
    assert [f["kind"] for f in fields] == ["api", "selfhost"]
    assert len(picks.reasons()) == 2
