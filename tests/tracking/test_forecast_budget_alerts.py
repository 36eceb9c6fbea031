"""Forecast, payback, sensitivity and budgets through the product, on a hand-checked case
(see conftest: API $900 in month 1 growing 50%/month, self-host a flat $1,800)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from planner import services as planner_services
from tests.tracking.conftest import compute_with_steady_prices, make_plan, make_version
from tracking import services
from tracking.forecasting import forecast_for_plan, sensitivity_for_plan
from tracking.models import Alert, AlertKind, Budget


@pytest.fixture
def computed(cast, plan):
    return compute_with_steady_prices(plan, actor=cast.owner)


def test_forecast_breakeven_and_payback_match_the_hand_check(computed):
    forecast = forecast_for_plan(plan=computed)
    months = forecast["months"]
    assert len(months) == 24
    assert [m["api_monthly"] for m in months[:4]] == [900.0, 1350.0, 2025.0, 3037.5]
    assert {m["selfhost_monthly"] for m in months[:9]} == {1800.0}
    # 1,800 <= 2,025 first in month 3.
    assert forecast["breakeven_month"] == 3
    # Migration 4 weeks x 40 h x $100 = $16,000; cumulative savings -900, -1350, -1125,
    # 112.50, 2868.75, 7903.13, 16354.69 -> month 7.
    assert forecast["migration_cost"] == 16000.0
    assert months[5]["cumulative_savings"] == 7903.13
    assert months[6]["cumulative_savings"] == 16354.69
    assert forecast["payback_month"] == 7


def test_sensitivity_bars_match_the_hand_check(computed):
    tornado = sensitivity_for_plan(plan=computed)
    assert tornado["base_difference"] == 900.0
    bars = {bar["name"]: bar for bar in tornado["bars"]}
    assert tornado["bars"][0]["name"] == "gpu_price"
    assert (bars["gpu_price"]["difference_low"], bars["gpu_price"]["difference_high"]) == (
        540.0,
        1260.0,
    )
    assert bars["volume"]["swing"] == 360.0
    assert (bars["input_share"]["difference_low"], bars["input_share"]["difference_high"]) == (
        780.0,
        1020.0,
    )


def test_budget_exceeded_month_on_the_plan_page_and_forecast_page(cast, computed):
    services.budget_set(
        organization=cast.org,
        actor=cast.owner,
        workload=None,
        monthly_amount=Decimal("2000"),
        currency="USD",
    )
    forecast = forecast_for_plan(plan=computed)
    assert forecast["recommended_kind"] == "api"
    assert forecast["budget_exceeded_month"] == 3  # $2,025 > $2,000
    client = cast.client_for(cast.viewer)
    page = client.get(reverse("planner:plan_detail", args=[computed.pk])).content.decode()
    assert "Budget exceeded in month 3" in page
    assert "$2,000.00 a month" in page
    page = client.get(reverse("tracking:plan_forecast", args=[computed.pk])).content.decode()
    assert "Exceeded in month 3" in page
    assert "Month 7" in page  # payback
    assert "$16,354.69" in page
    assert 'id="forecast-data"' in page


def test_workload_budget_beats_the_organization_budget(cast, computed):
    services.budget_set(
        organization=cast.org, actor=None, workload=None, monthly_amount=Decimal(5), currency="USD"
    )
    services.budget_set(
        organization=cast.org,
        actor=None,
        workload=computed.workload,
        monthly_amount=Decimal(4000),
        currency="USD",
    )
    forecast = forecast_for_plan(plan=computed)
    assert forecast["budget"]["scope"] == "workload"
    assert forecast["budget_exceeded_month"] == 5  # 4,556.25 > 4,000


def test_new_version_that_pushes_over_budget_raises_an_alert(cast, plan):
    services.budget_set(
        organization=cast.org,
        actor=None,
        workload=None,
        monthly_amount=Decimal(1000),
        currency="USD",
    )
    planner_services.plan_compute(plan=plan, actor=None)  # $900: within
    assert not Alert.objects.filter(kind=AlertKind.OVER_BUDGET).exists()
    dearer = make_version(input_price="4", output_price="16")  # exactly $1,000
    planner_services.plan_reevaluate(plan=plan, version=dearer, actor=cast.owner)
    assert not Alert.objects.filter(kind=AlertKind.OVER_BUDGET).exists()  # 1,000 is not over
    dearest = make_version(input_price="5", output_price="17")  # $1,100
    planner_services.plan_reevaluate(plan=plan, version=dearest, actor=cast.owner)
    alert = Alert.objects.get(kind=AlertKind.OVER_BUDGET)
    assert alert.organization == cast.org
    assert alert.plan == plan
    assert "USD 1,100.00 a month, over the budget of USD 1,000.00" in alert.message
    # Computing again while still over does not repeat the alert.
    planner_services.plan_compute(plan=plan, actor=None)
    assert Alert.objects.filter(kind=AlertKind.OVER_BUDGET).count() == 1


def test_new_version_that_flips_the_recommendation_raises_an_alert(cast):
    # The rules say "stay on an API"; the cheaper API offer is recommended.
    version = make_version(second_api=("4", "16"))
    plan = make_plan(cast.org, version=version, growth="0")
    first = planner_services.plan_compute(plan=plan, actor=None)
    assert first.recommended_option.startswith("Model A")
    dearer_a = make_version(input_price="9", output_price="30", second_api=("4", "16"))
    second = planner_services.plan_reevaluate(plan=plan, version=dearer_a, actor=None)
    assert second.recommended_option.startswith("Model B")
    alert = Alert.objects.get(kind=AlertKind.RECOMMENDATION_FLIPPED)
    assert alert.plan == plan
    assert first.recommended_option in alert.message
    assert second.recommended_option in alert.message
    page = cast.client_for(cast.viewer).get(reverse("tracking:alert_list")).content.decode()
    assert "Recommendation flipped" in page
    outsider = cast.client_for(cast.outsider).get(reverse("tracking:alert_list")).content.decode()
    assert "Recommendation flipped" not in outsider


def test_forecast_crossing_the_budget_raises_a_forecast_alert(cast, plan):
    services.budget_set(
        organization=cast.org,
        actor=None,
        workload=None,
        monthly_amount=Decimal(3000),
        currency="USD",
    )
    planner_services.plan_compute(plan=plan, actor=None)
    alert = Alert.objects.get(kind=AlertKind.FORECAST_OVER_BUDGET)
    assert "month 4" in alert.message  # 3,037.50 > 3,000


def test_currency_conversion_shows_rate_and_date(cast):
    version = make_version(rates=[("EUR", Decimal("0.9497"), date(2026, 6, 17))])
    plan = make_plan(cast.org, version=version)
    planner_services.plan_compute(plan=plan, actor=None)
    services.organization_currency_set(organization=cast.org, actor=cast.owner, currency="eur")
    page = cast.client_for(cast.owner).get(reverse("tracking:plan_forecast", args=[plan.pk]))
    # $900 x 0.9497 = €854.73
    assert "€854.73 (USD 900.00 at 0.9497 on 2026-06-17)" in page.content.decode()


def test_currency_without_a_rate_stays_in_usd_with_a_note(cast, computed):
    services.organization_currency_set(organization=cast.org, actor=cast.owner, currency="GBP")
    page = cast.client_for(cast.owner).get(reverse("tracking:plan_forecast", args=[computed.pk]))
    text = page.content.decode()
    assert "Shown in USD: this catalog version has no GBP exchange rate." in text
    assert "$900.00" in text


def test_budget_in_another_currency_is_converted_with_the_version_rate(cast):
    version = make_version(rates=[("EUR", Decimal("0.5"), date(2026, 6, 17))])
    plan = make_plan(cast.org, version=version)
    planner_services.plan_compute(plan=plan, actor=None)
    services.budget_set(
        organization=cast.org,
        actor=None,
        workload=None,
        monthly_amount=Decimal(1000),
        currency="EUR",
    )
    forecast = forecast_for_plan(plan=plan)
    assert forecast["budget"]["amount_in_catalog_currency"] == 2000.0
    assert forecast["budget_exceeded_month"] == 3


def test_a_budget_set_below_a_computed_plan_raises_the_alert_once(cast, plan):
    # Issue 16 item 18: the plan costs $900 before any budget exists.
    planner_services.plan_compute(plan=plan, actor=None)
    assert not Alert.objects.filter(kind=AlertKind.OVER_BUDGET).exists()
    services.budget_set(
        organization=cast.org,
        actor=None,
        workload=None,
        monthly_amount=Decimal(500),
        currency="USD",
    )
    alert = Alert.objects.get(kind=AlertKind.OVER_BUDGET)
    assert alert.plan == plan
    assert "USD 900.00 a month, over the budget of USD 500.00" in alert.message
    # Still over at the next computations and after an unrelated budget edit: no repeat.
    planner_services.plan_compute(plan=plan, actor=None)
    planner_services.plan_compute(plan=plan, actor=None)
    services.budget_set(
        organization=cast.org,
        actor=None,
        workload=None,
        monthly_amount=Decimal(600),
        currency="USD",
    )
    assert Alert.objects.filter(kind=AlertKind.OVER_BUDGET).count() == 1


def test_a_plan_over_budget_at_its_first_evaluation_raises_the_alert(cast, plan):
    services.budget_set(
        organization=cast.org,
        actor=None,
        workload=None,
        monthly_amount=Decimal(500),
        currency="USD",
    )
    planner_services.plan_compute(plan=plan, actor=None)
    assert Alert.objects.filter(kind=AlertKind.OVER_BUDGET, plan=plan).count() == 1
    planner_services.plan_compute(plan=plan, actor=None)
    assert Alert.objects.filter(kind=AlertKind.OVER_BUDGET, plan=plan).count() == 1


def test_the_alert_fires_again_after_the_plan_came_back_within_budget(cast, plan):
    planner_services.plan_compute(plan=plan, actor=None)
    budget = services.budget_set(
        organization=cast.org,
        actor=None,
        workload=None,
        monthly_amount=Decimal(500),
        currency="USD",
    )
    # Raised, then within (budget raised), then over again (workload budget below).
    services.budget_set(
        organization=cast.org,
        actor=None,
        workload=None,
        monthly_amount=Decimal(950),
        currency="USD",
    )
    planner_services.plan_compute(plan=plan, actor=None)
    assert Alert.objects.filter(kind=AlertKind.OVER_BUDGET).count() == 1
    services.budget_set(
        organization=cast.org,
        actor=None,
        workload=plan.workload,
        monthly_amount=Decimal(800),
        currency="USD",
    )
    assert Alert.objects.filter(kind=AlertKind.OVER_BUDGET).count() == 2
    # Deleting both budgets leaves the plan within no budget; a new low one alerts again.
    services.budget_delete(organization=cast.org, actor=None, budget=budget)
    services.budget_delete(
        organization=cast.org,
        actor=None,
        budget=Budget.objects.get(workload=plan.workload),
    )
    services.budget_set(
        organization=cast.org,
        actor=None,
        workload=None,
        monthly_amount=Decimal(100),
        currency="USD",
    )
    assert Alert.objects.filter(kind=AlertKind.OVER_BUDGET).count() == 3


def test_a_budget_of_another_organization_raises_nothing_here(cast, plan):
    planner_services.plan_compute(plan=plan, actor=None)
    services.budget_set(
        organization=cast.other_org,
        actor=None,
        workload=None,
        monthly_amount=Decimal(1),
        currency="USD",
    )
    assert not Alert.objects.filter(kind=AlertKind.OVER_BUDGET).exists()


def test_a_budget_the_forecast_passes_raises_the_forecast_alert_once(cast, plan):
    # $900 now, growing 50% a month: $3,037.50 in month 4 passes a $3,000 budget.
    planner_services.plan_compute(plan=plan, actor=None)
    services.budget_set(
        organization=cast.org,
        actor=None,
        workload=None,
        monthly_amount=Decimal(3000),
        currency="USD",
    )
    alert = Alert.objects.get(kind=AlertKind.FORECAST_OVER_BUDGET)
    assert "month 4" in alert.message
    planner_services.plan_compute(plan=plan, actor=None)
    assert Alert.objects.filter(kind=AlertKind.FORECAST_OVER_BUDGET).count() == 1
    # A lower budget moves the crossing earlier (month 3: $2,025 > $2,000): a new alert.
    services.budget_set(
        organization=cast.org,
        actor=None,
        workload=None,
        monthly_amount=Decimal(2000),
        currency="USD",
    )
    assert Alert.objects.filter(kind=AlertKind.FORECAST_OVER_BUDGET).count() == 2
    assert "month 3" in Alert.objects.filter(kind=AlertKind.FORECAST_OVER_BUDGET).first().message
