# ruff: noqa: RUF001 - option names use the multiplication sign on purpose
"""Plan services: versioned comparisons, re-evaluation flags, cross-organization checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from planner import services
from planner.models import Comparison, Plan, PlanOption, Workload
from planner.models.plans import ComparisonLockedError
from pricing.models import GpuOffer
from tests.factories import WorkloadFactory, plan_in
from tests.planner.conftest import api_offer, case4_options, make_plan

pytestmark = pytest.mark.django_db


def test_recompute_creates_a_new_comparison_and_leaves_the_old_untouched(cast):
    plan = plan_in(cast.org)
    first = services.plan_compute(plan=plan, actor=cast.owner)
    snapshot = (first.results, first.inputs, first.cheapest_monthly)
    second = services.plan_compute(plan=plan, actor=cast.owner)
    assert (first.number, second.number) == (1, 2)
    first.refresh_from_db()
    assert (first.results, first.inputs, first.cheapest_monthly) == snapshot
    assert plan.latest_comparison == second
    with pytest.raises(ComparisonLockedError):
        first.save()
    with pytest.raises(ComparisonLockedError):
        Comparison.objects.filter(pk=first.pk).update(cheapest_option="x")


def new_version_with_a100_at(reference_version, actor, hourly: str):
    from pricing.services import catalog_version_clone, catalog_version_publish

    draft = catalog_version_clone(version=reference_version, actor=actor)
    GpuOffer.objects.filter(
        version=draft, sku="NVIDIA A100 80GB", gpu_count=1, source__key="feb-2026"
    ).update(hourly=Decimal(hourly))
    return catalog_version_publish(version=draft, actor=actor)


def test_reevaluation_flags_the_plan_when_a_cheaper_gpu_flips_the_cheapest_option(
    cast, reference_version
):
    plan = make_plan(cast.org, cast.owner, reference_version)
    before = services.plan_compute(plan=plan, actor=cast.owner)
    assert before.cheapest_option.startswith("Gemini 2.5 Flash")
    newer = new_version_with_a100_at(reference_version, cast.owner, "0.40")

    after = services.plan_reevaluate(plan=plan, version=newer, actor=cast.owner)

    plan.refresh_from_db()
    assert after.number == 2
    assert after.catalog_version_id == newer.pk
    assert plan.catalog_version_id == newer.pk
    assert after.cheapest_option == "Llama 3.3 70B on 1× NVIDIA A100 80GB"
    assert after.cheapest_monthly == Decimal("288.00")
    assert plan.flagged_at is not None
    assert plan.flag == (
        "The recommendation and the cheapest option changed from Gemini 2.5 Flash (Google) · "
        "feb-2026 to Llama 3.3 70B on 1× NVIDIA A100 80GB because NVIDIA A100 80GB on demand "
        "fell 80%."
    )
    before.refresh_from_db()
    assert before.catalog_version_id == reference_version.pk
    assert before.cheapest_monthly == Decimal("375.00")


def test_reevaluation_without_price_changes_does_not_flag(cast, reference_version):
    from pricing.services import catalog_version_clone, catalog_version_publish

    plan = make_plan(cast.org, cast.owner, reference_version)
    services.plan_compute(plan=plan, actor=cast.owner)
    same = catalog_version_publish(
        version=catalog_version_clone(version=reference_version, actor=cast.owner),
        actor=cast.owner,
    )
    comparison = services.plan_reevaluate(plan=plan, version=same, actor=cast.owner)
    plan.refresh_from_db()
    assert comparison.number == 2
    assert plan.flag == ""
    assert plan.flagged_at is None


def test_reevaluate_plans_command_and_run_plan_command_print_summaries(
    cast, reference_version, capsys
):
    plan = make_plan(cast.org, cast.owner, reference_version)
    call_command("run_plan", str(plan.pk))
    out = capsys.readouterr().out
    assert "comparison #1" in out
    assert "Llama 3.3 70B on 1× NVIDIA A100 80GB: $1,440.00/month" in out
    newer = new_version_with_a100_at(reference_version, cast.owner, "0.40")
    call_command("reevaluate_plans", str(newer.pk))
    out = capsys.readouterr().out
    assert "Re-evaluated 1 plan(s); 1 flagged; 0 failed" in out
    assert "fell 80%" in out
    assert plan.comparisons.count() == 2


def test_another_orgs_workload_is_rejected_and_nothing_is_saved(cast, reference_version):
    foreign = WorkloadFactory(organization=cast.other_org)
    with pytest.raises(ValidationError) as exc:
        make_plan(cast.org, cast.owner, reference_version, workload=foreign)
    assert "workload" in exc.value.message_dict
    assert not Plan.objects.exists()


def test_another_orgs_private_offer_is_rejected_and_nothing_is_saved(cast, reference_version):
    from pricing.services import overlay_api_price_set, price_overlay_create

    overlay = price_overlay_create(
        organization=cast.other_org, base_version=reference_version, name="Rival", actor=None
    )
    private = overlay_api_price_set(
        overlay=overlay, actor=None, model_name="Secret", output_per_mtok=Decimal("0.01")
    )
    options = case4_options(reference_version)
    options.append({"kind": "api", "private_api_offer": private})
    with pytest.raises(ValidationError) as exc:
        make_plan(cast.org, cast.owner, reference_version, options=options)
    assert exc.value.message_dict == {
        "options.4.private_api_offer": ["Choose one of your organization's private prices."]
    }
    assert not Plan.objects.exists()
    assert not PlanOption.objects.exists()


def test_own_private_offer_is_priced_from_the_overlay(cast, reference_version):
    from pricing.services import overlay_api_price_set, price_overlay_create

    overlay = price_overlay_create(
        organization=cast.org, base_version=reference_version, name="Ours", actor=None
    )
    gpt5 = api_offer(reference_version, "GPT-5", "feb-2026")
    overlay_api_price_set(overlay=overlay, actor=None, replaces=gpt5, output_per_mtok=Decimal(5))
    plan = make_plan(
        cast.org, cast.owner, reference_version, options=[{"kind": "api", "api_offer": gpt5}]
    )
    comparison = services.plan_compute(plan=plan, actor=cast.owner)
    # 1B tokens at 50/50: 0.5 x 1.25 + 0.5 x 5 = $3.125/M -> $3,125.
    assert comparison.cheapest_monthly == Decimal("3125.00")
    assert comparison.overlay_id == overlay.pk


def test_offer_of_another_catalog_version_is_rejected(cast, reference_version):
    other = plan_in(cast.org)  # a plan on a different (small) catalog version
    foreign_offer = other.options.get(kind="api").api_offer
    with pytest.raises(ValidationError) as exc:
        make_plan(
            cast.org,
            cast.owner,
            reference_version,
            options=[{"kind": "api", "api_offer": foreign_offer}],
        )
    assert "options.0.api_offer" in exc.value.message_dict
    assert Plan.objects.count() == 1


def test_workload_services_validate_and_audit(cast):
    workload = services.workload_create(
        organization=cast.org, actor=cast.owner, name="Chat", tokens_per_day=50_000_000
    )
    assert workload.monthly_tokens == 1_500_000_000
    with pytest.raises(ValidationError) as exc:
        services.workload_update(
            organization=cast.org, actor=cast.owner, workload=workload, input_share=Decimal(2)
        )
    assert "input_share" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.workload_delete(organization=cast.other_org, actor=cast.owner, workload=workload)
    services.workload_delete(organization=cast.org, actor=cast.owner, workload=workload)
    assert not Workload.objects.exists()


def test_reserved_without_a_reserved_price_is_refused_naming_the_rent_mode(cast, reference_version):
    # The catalog's A100 sells on demand at $2.00/h and has no reserved price: pricing the
    # on-demand rate as a commitment would call a reservation with no discount one.
    from tests.planner.conftest import gpu_offer

    plan = make_plan(
        cast.org,
        cast.owner,
        reference_version,
        options=[
            {
                "kind": "selfhost",
                "model_name": "Llama 3.3 70B",
                "gpu_offer": gpu_offer(reference_version),
                "precision": "int4",
                "rent_mode": "reserved",
                "tokens_per_second": Decimal(1500),
            }
        ],
    )
    with pytest.raises(ValidationError) as exc:
        services.plan_compute(plan=plan, actor=cast.owner)
    assert exc.value.message_dict == {"rent_mode": ["NVIDIA A100 80GB has no reserved price"]}
    assert not plan.comparisons.exists()
