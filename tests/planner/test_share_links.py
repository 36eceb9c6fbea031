"""Share links (issue 16 item 13): private negotiated prices only when the creator says
so (public prices otherwise, private-only options left out with a note), links that
expire, and only the roles that may share see and copy them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from planner import services as planner_services
from planner import share_services
from planner.models import PlanShareLink
from pricing.models import ApiOffer, OverlayApiOffer, PriceOverlay
from tests.factories import WorkloadFactory
from tests.tracking.conftest import make_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_plan(cast):
    """100M tokens a month, half input. Public Model A ($3/$15) costs $900; our negotiated
    price for it ($1/$5) $300; our private-only Secret model ($1/$2) $150."""
    version = make_version()
    public_a = ApiOffer.objects.get(version=version, model_name="Model A")
    overlay = PriceOverlay.objects.create(
        organization=cast.org, base_version=version, name="Our prices"
    )
    OverlayApiOffer.objects.create(
        overlay=overlay, replaces=public_a, input_per_mtok="1", output_per_mtok="5"
    )
    secret = OverlayApiOffer.objects.create(
        overlay=overlay,
        model_name="Secret model",
        provider="Negotiated",
        input_per_mtok="1",
        output_per_mtok="2",
    )
    workload = WorkloadFactory(
        organization=cast.org, tokens_per_month=100_000_000, growth_per_month=0
    )
    plan = planner_services.plan_create(
        organization=cast.org,
        actor=cast.owner,
        name="Negotiated plan",
        workload=workload,
        catalog_version=version,
        options=[
            {"kind": "api", "api_offer": public_a},
            {"kind": "api", "private_api_offer": secret},
        ],
    )
    comparison = planner_services.plan_compute(plan=plan, actor=cast.owner)
    monthly = {o["name"]: o["monthly"]["expected"] for o in comparison.results["options"]}
    assert sorted(monthly.values()) == [150.0, 300.0]
    return plan


def _create(cast, plan, who="owner", **data):
    client = cast.client_for(getattr(cast, who))
    return client.post(reverse("planner:plan_share", args=[plan.pk]), data)


def test_by_default_a_link_shows_public_prices_and_leaves_private_only_options_out(
    cast, private_plan, client
):
    assert _create(cast, private_plan).status_code == 302
    link = PlanShareLink.objects.get(plan=private_plan)
    assert link.include_private_prices is False
    html = client.get(reverse("planner:shared_plan", args=[link.token])).content.decode()
    assert "private negotiated prices are not shared" in html
    assert "900.00" in html  # Model A at its public price
    assert "300.00" not in html  # ... not at ours
    assert "150.00" not in html  # the private-only option is not priced
    assert "Left out, as only a private price covers them: Secret model" in html
    assert "with your private prices" not in html


def test_the_creator_may_include_private_prices(cast, private_plan, client):
    _create(cast, private_plan, include_private_prices="on")
    link = PlanShareLink.objects.get(plan=private_plan)
    assert link.include_private_prices is True
    html = client.get(reverse("planner:shared_plan", args=[link.token])).content.decode()
    assert "300.00" in html
    assert "150.00" in html
    assert "not shared" not in html
    event = AuditEvent.objects.get(action="plan.share_link_create")
    assert event.changes["include_private_prices"] is True


def test_a_plan_without_private_prices_is_shared_as_computed(cast, client):
    version = make_version()
    plan = planner_services.plan_create(
        organization=cast.org,
        actor=cast.owner,
        name="Public plan",
        workload=WorkloadFactory(organization=cast.org, tokens_per_month=100_000_000),
        catalog_version=version,
        options=[{"kind": "api", "api_offer": ApiOffer.objects.get(version=version)}],
    )
    planner_services.plan_compute(plan=plan, actor=cast.owner)
    _create(cast, plan)
    link = PlanShareLink.objects.get(plan=plan)
    html = client.get(reverse("planner:shared_plan", args=[link.token])).content.decode()
    assert "900.00" in html
    assert "not shared" not in html


@pytest.mark.parametrize(("choice", "days"), [("1", 1), ("7", 7), ("30", 30), ("90", 90)])
def test_links_expire_after_the_chosen_time(cast, private_plan, client, choice, days):
    _create(cast, private_plan, expires_in=choice)
    link = PlanShareLink.objects.get(plan=private_plan)
    expected = timezone.now() + timedelta(days=days)
    assert abs(link.expires_at - expected) < timedelta(minutes=5)
    url = reverse("planner:shared_plan", args=[link.token])
    assert client.get(url).status_code == 200
    PlanShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    assert client.get(url).status_code == 404
    detail = cast.client_for(cast.owner).get(reverse("planner:plan_detail", args=[private_plan.pk]))
    assert link.token not in detail.content.decode()


def test_the_default_expiry_is_30_days_and_never_is_a_choice(cast, private_plan):
    _create(cast, private_plan)
    _create(cast, private_plan, expires_in="never")
    default, never = PlanShareLink.objects.order_by("pk")
    assert abs(default.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=5)
    assert never.expires_at is None


def test_an_unknown_expiry_is_refused_naming_the_field(cast, private_plan):
    response = _create(cast, private_plan, expires_in="365")
    assert response.status_code == 302
    assert not PlanShareLink.objects.exists()
    with pytest.raises(share_services.ValidationError) as exc:
        share_services.share_link_create(
            plan=private_plan,
            actor=cast.owner,
            membership=cast.owner.memberships.get(organization=cast.org),
            expires_in="forever",
        )
    assert "expires_in" in exc.value.message_dict


@pytest.mark.parametrize("who", ["teammate", "viewer"])
def test_roles_that_may_not_share_do_not_see_or_copy_links(cast, private_plan, who):
    _create(cast, private_plan)
    link = PlanShareLink.objects.get(plan=private_plan)
    page = cast.client_for(getattr(cast, who)).get(
        reverse("planner:plan_detail", args=[private_plan.pk])
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert link.token not in html
    assert 'id="share"' not in html


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_roles_that_may_share_see_the_link_and_its_terms(cast, private_plan, who):
    _create(cast, private_plan, expires_in="7")
    link = PlanShareLink.objects.get(plan=private_plan)
    html = (
        cast.client_for(getattr(cast, who))
        .get(reverse("planner:plan_detail", args=[private_plan.pk]))
        .content.decode()
    )
    assert link.token in html
    assert "public prices only" in html
    assert f"expires {link.expires_at:%Y-%m-%d}" in html
    assert 'name="include_private_prices"' in html


def test_public_figures_follow_a_change_of_the_plan(cast, private_plan, client, settings):
    assert settings.TENANT_PAGE_CACHE_SECONDS > 0  # cached under the data generation
    _create(cast, private_plan)
    url = reverse("planner:shared_plan", args=[PlanShareLink.objects.get().token])
    assert "900.00" in client.get(url).content.decode()
    workload = private_plan.workload
    workload.tokens_per_month = 200_000_000
    workload.save()
    html = client.get(url).content.decode()
    assert "1,800.00" in html
    assert "900.00" not in html


def test_reloading_a_shared_page_does_not_run_the_engine_again(
    cast, private_plan, client, monkeypatch
):
    _create(cast, private_plan)
    url = reverse("planner:shared_plan", args=[PlanShareLink.objects.get().token])
    runs = []
    compute = share_services.public_price_results

    def counted(*, plan):
        runs.append(plan.pk)
        return compute(plan=plan)

    monkeypatch.setattr(share_services, "public_price_results", counted)
    first = client.get(url).content.decode()
    second = client.get(url).content.decode()
    assert runs == [private_plan.pk]
    assert "900.00" in first
    assert "900.00" in second
