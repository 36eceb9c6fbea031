"""Negotiated prices reach plans, and plans say when their catalog has a newer version
(issue 18 item 8)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from planner.models import Plan
from planner.models.plans import OptionKind
from pricing.models import CatalogVersion
from pricing.services import catalog_version_clone, catalog_version_publish
from tests.factories import UserFactory
from tests.planner.conftest import api_offer, make_plan

pytestmark = pytest.mark.django_db

NOTICE = "A newer catalog version is available"


def _gpt5_plan(cast, version) -> Plan:
    return make_plan(
        cast.org,
        cast.owner,
        version,
        options=[{"kind": OptionKind.API, "api_offer": api_offer(version, "GPT-5", "feb-2026")}],
        name="GPT-5 only",
    )


def _publish_newer(version: CatalogVersion) -> CatalogVersion:
    staff = UserFactory(is_staff=True)
    draft = catalog_version_clone(version=version, actor=staff)
    return catalog_version_publish(version=draft, actor=staff)


def _gpt5_result(plan: Plan) -> dict:
    (result,) = plan.latest_comparison.results["options"]
    return result


def test_a_negotiated_price_entered_on_the_page_prices_the_plan_as_private(cast, reference_version):
    plan = _gpt5_plan(cast, reference_version)
    client = cast.client_for(cast.owner)
    client.post(reverse("planner:plan_compute", args=[plan.pk]))
    public = _gpt5_result(plan)
    assert public["private_price"] is False
    # 1B tokens, half input: 0.5 x $1.25 + 0.5 x $10 = $5.625 per 1M -> $5,625.
    assert public["monthly"]["expected"] == 5625.0

    response = client.post(
        reverse("pricing:private_api_add"),
        {
            "version": reference_version.pk,
            "replaces": api_offer(reference_version, "GPT-5", "feb-2026").pk,
            "output_per_mtok": "7.50",
        },
    )
    assert response.status_code == 302
    client.post(reverse("planner:plan_compute", args=[plan.pk]))
    plan.refresh_from_db()
    private = _gpt5_result(plan)
    assert private["private_price"] is True
    # 0.5 x $1.25 (the catalog's input price, inherited) + 0.5 x $7.50 = $4.375 per 1M.
    assert private["blended_per_mtok"] == 4.375
    assert private["monthly"]["expected"] == 4375.0
    assert plan.latest_comparison.overlay_id is not None
    page = client.get(reverse("planner:plan_detail", args=[plan.pk])).content.decode()
    assert "your private price" in page
    assert "$4,375.00" in page


def test_another_organizations_negotiated_price_never_reaches_the_plan(cast, reference_version):
    plan = _gpt5_plan(cast, reference_version)
    rival = cast.client_for(cast.outsider)
    rival.post(
        reverse("pricing:private_api_add"),
        {
            "version": reference_version.pk,
            "replaces": api_offer(reference_version, "GPT-5", "feb-2026").pk,
            "output_per_mtok": "0.01",
        },
    )
    cast.client_for(cast.owner).post(reverse("planner:plan_compute", args=[plan.pk]))
    result = _gpt5_result(plan)
    assert result["private_price"] is False
    assert result["monthly"]["expected"] == 5625.0


def test_no_notice_while_the_plan_uses_the_current_version(cast, reference_version):
    plan = _gpt5_plan(cast, reference_version)
    page = cast.client_for(cast.owner).get(reverse("planner:plan_detail", args=[plan.pk]))
    assert NOTICE not in page.content.decode()
    listing = cast.client_for(cast.owner).get(reverse("planner:plan_list")).content.decode()
    assert "available</span>" not in listing


def test_notice_and_one_click_reevaluation_when_a_newer_version_is_published(
    cast, reference_version
):
    plan = _gpt5_plan(cast, reference_version)
    newer = _publish_newer(reference_version)
    assert Plan.objects.get(pk=plan.pk).catalog_version == reference_version  # not yet moved
    url = reverse("planner:plan_detail", args=[plan.pk])
    client = cast.client_for(cast.owner)
    page = client.get(url).content.decode()
    assert NOTICE in page
    assert f"Reference catalog 2026 v{newer.number}" in page
    action = reverse("planner:plan_reevaluate", args=[plan.pk])
    assert f'action="{action}"' in page
    assert f'name="version" value="{newer.pk}"' in page
    listing = client.get(reverse("planner:plan_list")).content.decode()
    assert f"v{newer.number} available" in listing

    response = client.post(action, {"version": newer.pk})
    assert response.status_code == 302
    assert response.url == url
    plan.refresh_from_db()
    assert plan.catalog_version == newer
    assert plan.latest_comparison.catalog_version == newer
    assert NOTICE not in client.get(url).content.decode()
    assert (
        f"v{newer.number} available"
        not in client.get(reverse("planner:plan_list")).content.decode()
    )


def test_readers_see_the_notice_without_the_button(cast, reference_version):
    plan = _gpt5_plan(cast, reference_version)
    newer = _publish_newer(reference_version)
    page = cast.client_for(cast.viewer).get(reverse("planner:plan_detail", args=[plan.pk]))
    body = page.content.decode()
    assert NOTICE in body
    assert f'name="version" value="{newer.pk}"' not in body
    response = cast.client_for(cast.viewer).post(
        reverse("planner:plan_reevaluate", args=[plan.pk]), {"version": newer.pk}
    )
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.catalog_version == reference_version


def test_a_newer_version_of_another_catalog_is_not_a_newer_version(cast, reference_version):
    from tests.factories import published_catalog_version

    plan = _gpt5_plan(cast, reference_version)
    published_catalog_version(catalog_name="Someone else's price list")
    page = cast.client_for(cast.owner).get(reverse("planner:plan_detail", args=[plan.pk]))
    assert NOTICE not in page.content.decode()


def test_plan_list_queries_do_not_grow_with_plans(
    cast, reference_version, django_assert_max_num_queries
):
    client = cast.client_for(cast.owner)
    _gpt5_plan(cast, reference_version)
    _publish_newer(reference_version)
    url = reverse("planner:plan_list")
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for _ in range(3):
        _gpt5_plan(cast, reference_version)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "available</span>" in client.get(url).content.decode()


def test_decimal_prices_reach_the_engine_to_the_cent(cast, reference_version):
    """A negotiated price with six decimal places is used as entered."""
    plan = _gpt5_plan(cast, reference_version)
    client = cast.client_for(cast.owner)
    client.post(
        reverse("pricing:private_api_add"),
        {
            "version": reference_version.pk,
            "replaces": api_offer(reference_version, "GPT-5", "feb-2026").pk,
            "input_per_mtok": "1.000001",
        },
    )
    client.post(reverse("planner:plan_compute", args=[plan.pk]))
    result = _gpt5_result(plan)
    # 0.5 x 1.000001 + 0.5 x 10 = 5.5000005 per 1M -> $5,500.0005 -> $5,500.00.
    assert Decimal(str(result["monthly"]["expected"])) == Decimal("5500.00")
    assert result["private_price"] is True


def _negotiate_gpt5(client, version, output: str = "7.50") -> None:
    response = client.post(
        reverse("pricing:private_api_add"),
        {
            "version": version.pk,
            "replaces": api_offer(version, "GPT-5", "feb-2026").pk,
            "output_per_mtok": output,
        },
    )
    assert response.status_code == 302


def test_the_notice_says_when_negotiated_prices_would_be_left_behind(cast, reference_version):
    plan = _gpt5_plan(cast, reference_version)
    client = cast.client_for(cast.owner)
    _negotiate_gpt5(client, reference_version)
    newer = _publish_newer(reference_version)
    url = reverse("planner:plan_detail", args=[plan.pk])
    copy_link = f"{reverse('pricing:private_prices')}?version={newer.pk}"
    page = client.get(url).content.decode()
    assert "Your negotiated prices are on v1 only" in page
    assert copy_link in page

    response = client.post(
        reverse("pricing:private_copy"), {"source": reference_version.pk, "version": newer.pk}
    )
    assert response.status_code == 302
    assert "Your negotiated prices are on v1 only" not in client.get(url).content.decode()
    # Copied first, the re-evaluation keeps the negotiated price.
    client.post(reverse("planner:plan_reevaluate", args=[plan.pk]), {"version": newer.pk})
    plan.refresh_from_db()
    assert plan.catalog_version == newer
    result = _gpt5_result(plan)
    assert result["private_price"] is True
    assert result["monthly"]["expected"] == 4375.0
