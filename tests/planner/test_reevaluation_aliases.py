"""Model identity in re-evaluation (issue 17 item 3): a plan made on the shipped reference
catalog re-evaluates against LiteLLM's real price map, imported through the product's
import path, with its GPT-5 and Claude options found under LiteLLM's names; what LiteLLM
does not have is left out and listed with the closest offers, never failing the plan."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from planner import services
from planner.models import PlanOption
from planner.models.plans import OptionKind
from pricing.models import ApiOffer, Catalog, CatalogSource, CatalogVersion, VersionStatus
from pricing.selectors import catalog_version_current
from pricing.services import catalog_import_prices, catalog_version_publish
from tests.planner.conftest import api_offer, gpu_offer, make_plan
from tests.pricing.test_real_importers import LITELLM, REAL_DIR


@pytest.fixture
def litellm_version(db) -> CatalogVersion:
    version, _report = catalog_import_prices(
        content=(REAL_DIR / LITELLM).read_bytes(),
        filename=LITELLM,
        price_format="litellm",
        actor=None,
    )
    return catalog_version_publish(version=version, actor=None)


def _plan(cast, version):
    return make_plan(
        cast.org,
        cast.owner,
        version,
        name="Assistant",
        options=[
            {"kind": OptionKind.API, "api_offer": api_offer(version, "GPT-5", "feb-2026")},
            {
                "kind": OptionKind.API,
                "api_offer": api_offer(version, "Claude Sonnet 4.5", "feb-2026"),
            },
            {
                "kind": OptionKind.API,
                "api_offer": api_offer(version, "Claude Opus 4.5", "feb-2026"),
            },
            {"kind": OptionKind.API, "api_offer": api_offer(version, "Qwen3-32B", "global-2026")},
            {
                "kind": OptionKind.SELFHOST,
                "model_name": "Llama 3.3 70B",
                "gpu_offer": gpu_offer(version),
                "precision": "int4",
            },
        ],
    )


def test_reference_plan_reevaluates_on_litellm_through_aliases(
    cast, reference_version, litellm_version
):
    plan = _plan(cast, reference_version)
    first = services.plan_compute(plan=plan, actor=cast.owner)
    # Qwen3-32B at $0.28/M output only is the cheapest of the five on the reference catalog.
    assert first.cheapest_option == "Qwen3-32B · global-2026"

    comparison = services.plan_reevaluate(plan=plan, version=litellm_version, actor=cast.owner)

    options = {o.name: o for o in PlanOption.objects.filter(plan=plan)}
    # GPT-5 (OpenAI) is LiteLLM's "gpt-5" (openai), not its dated "gpt-5-2025-08-07" twin
    # nor "azure/gpt-5": the plain name of the same seller wins.
    gpt5 = options["GPT-5 (OpenAI) · feb-2026"].api_offer
    assert (gpt5.model_name, gpt5.provider, gpt5.version_id) == (
        "gpt-5",
        "openai",
        litellm_version.pk,
    )
    sonnet = options["Claude Sonnet 4.5 (Anthropic) · feb-2026"].api_offer
    assert (sonnet.model_name, sonnet.provider) == ("claude-sonnet-4-5", "anthropic")
    opus = options["Claude Opus 4.5 (Anthropic) · feb-2026"].api_offer
    assert (opus.model_name, opus.provider) == ("claude-opus-4-5", "anthropic")
    # LiteLLM's per-token floats, per 1M: 1.25e-06 -> 1.25, 1e-05 -> 10; 3e-06/1.5e-05;
    # 5e-06/2.5e-05.
    assert (gpt5.input_per_mtok, gpt5.output_per_mtok) == (Decimal("1.25"), Decimal("10"))
    assert (sonnet.input_per_mtok, sonnet.output_per_mtok) == (Decimal(3), Decimal(15))
    assert (opus.input_per_mtok, opus.output_per_mtok) == (Decimal(5), Decimal(25))
    assert comparison.matched_by_alias == [
        "GPT-5 (OpenAI) · feb-2026 \u2192 gpt-5 (openai) · litellm",
        "Claude Sonnet 4.5 (Anthropic) · feb-2026 \u2192 claude-sonnet-4-5 (anthropic) · litellm",
        "Claude Opus 4.5 (Anthropic) · feb-2026 \u2192 claude-opus-4-5 (anthropic) · litellm",
    ]

    # The gateway's Qwen3-32B names no seller and LiteLLM sells it through several: left
    # out with those as suggestions. LiteLLM has no GPUs: the self-host option is left out.
    assert set(options) == {
        "GPT-5 (OpenAI) · feb-2026",
        "Claude Sonnet 4.5 (Anthropic) · feb-2026",
        "Claude Opus 4.5 (Anthropic) · feb-2026",
    }
    [qwen, llama] = comparison.left_out
    assert qwen.option == "Qwen3-32B · global-2026"
    assert len(qwen.suggestions) == 3
    assert all("qwen3-32b" in s.lower() for s in qwen.suggestions)
    assert llama.option.startswith("Llama 3.3 70B on 1")
    assert llama.suggestions == ()

    # 1B tokens a month, half input: GPT-5 costs 500 x 1.25 + 500 x 10 = $5,625, less than
    # Sonnet's 500 x 3 + 500 x 15 = $9,000 and Opus's 500 x 5 + 500 x 25 = $15,000.
    assert comparison.catalog_version_id == litellm_version.pk
    assert comparison.cheapest_option == "GPT-5 (OpenAI) · feb-2026"
    assert comparison.cheapest_monthly == Decimal("5625.00")
    plan.refresh_from_db()
    assert plan.catalog_version_id == litellm_version.pk
    assert plan.flag.startswith(
        "The recommendation and the cheapest option changed from Qwen3-32B · global-2026 to "
        "GPT-5 (OpenAI) · feb-2026 because Qwen3-32B · global-2026 was left out."
    )
    assert "Left out, not in LiteLLM prices v1: Qwen3-32B · global-2026 (closest: " in plan.flag
    assert "(1\u00d7 NVIDIA A100 80GB · feb-2026; none close)" in plan.flag
    event = AuditEvent.objects.get(action="plan.reevaluate")
    assert [item["option"] for item in event.changes["left_out"]] == [qwen.option, llama.option]

    # "Current" is per catalog: the imported version is LiteLLM's, the reference stays
    # the default catalog's; every imported offer carries its canonical id.
    assert catalog_version_current() == reference_version
    assert catalog_version_current(catalog=litellm_version.catalog) == litellm_version
    dated = ApiOffer.objects.get(version=litellm_version, model_name="azure/eu/gpt-5-2025-08-07")
    assert dated.model_id == "gpt-5"


def _api_only_version():
    catalog = Catalog.objects.create(name="API-only prices")
    version = CatalogVersion.objects.create(catalog=catalog, number=1, title="API only")
    source = CatalogSource.objects.create(version=version, key="api-2026", description="Test")
    ApiOffer.objects.create(
        version=version,
        model_name="gpt-5",
        provider="openai",
        source=source,
        input_per_mtok=Decimal(1),
        output_per_mtok=Decimal(8),
    )
    version.status = VersionStatus.PUBLISHED
    version.save()
    return version


def test_a_plan_none_of_whose_options_is_in_the_version_is_refused_unchanged(
    cast, reference_version
):
    api_only = _api_only_version()
    plan = make_plan(
        cast.org,
        cast.owner,
        reference_version,
        options=[
            {
                "kind": OptionKind.SELFHOST,
                "model_name": "Llama 3.3 70B",
                "gpu_offer": gpu_offer(reference_version),
                "precision": "int4",
            }
        ],
    )
    with pytest.raises(ValidationError, match="None of this plan's options is in API-only"):
        services.plan_reevaluate(plan=plan, version=api_only, actor=cast.owner)
    plan.refresh_from_db()
    assert plan.catalog_version_id == reference_version.pk
    assert plan.options.count() == 1
    assert not plan.comparisons.filter(trigger="reevaluate").exists()


def test_private_offers_follow_the_organizations_overlay_on_the_new_version(
    cast, reference_version
):
    from pricing.services import (
        catalog_version_clone,
        overlay_api_price_set,
        price_overlay_create,
    )

    overlay = price_overlay_create(
        organization=cast.org, base_version=reference_version, name="Deal", actor=None
    )
    private = overlay_api_price_set(
        overlay=overlay,
        actor=None,
        model_name="Acme LLM 2.0",
        provider="Acme",
        input_per_mtok=Decimal("0.1"),
        output_per_mtok=Decimal("0.2"),
    )
    options = [
        {"kind": OptionKind.API, "api_offer": api_offer(reference_version, "GPT-5", "feb-2026")},
        {"kind": OptionKind.API, "private_api_offer": private},
    ]
    kept = make_plan(cast.org, cast.owner, reference_version, name="Kept", options=options)
    dropped = make_plan(cast.org, cast.owner, reference_version, name="Dropped", options=options)
    newer = catalog_version_publish(
        version=catalog_version_clone(version=reference_version, actor=None), actor=None
    )
    # No overlay on the new version yet: the private option is left out, nothing public is
    # close to it.
    comparison = services.plan_reevaluate(plan=dropped, version=newer, actor=None)
    [left] = comparison.left_out
    assert left.option == "Acme LLM 2.0 · private"
    assert left.suggestions == ()
    # With the organization's overlay on the new version naming the model its own way, the
    # option follows it (model identity: "acme-llm-2.0" is "Acme LLM 2.0").
    new_overlay = price_overlay_create(
        organization=cast.org, base_version=newer, name="Deal 2", actor=None
    )
    renamed = overlay_api_price_set(
        overlay=new_overlay,
        actor=None,
        model_name="acme-llm-2.0",
        provider="acme",
        input_per_mtok=Decimal("0.1"),
        output_per_mtok=Decimal("0.3"),
    )
    comparison = services.plan_reevaluate(plan=kept, version=newer, actor=None)
    assert comparison.left_out == []
    option = PlanOption.objects.get(plan=kept, name="Acme LLM 2.0 · private")
    assert option.private_api_offer_id == renamed.pk
    # 1B tokens, half input: 500 x 0.1 + 500 x 0.3 = $200 a month; output 0.2 -> 0.3.
    assert comparison.cheapest_monthly == Decimal("200.00")
    assert comparison.price_moves == ["Acme LLM 2.0 output price rose 50%"]
