"""Catalog API: public versions, their rows and diff (no organization in the URL), and an
organization's effective prices and overlays under /api/v1/orgs/<slug>/."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pricing.models import ApiOffer, GpuOffer, OverlayApiOffer, OverlayGpuOffer, PriceOverlay
from tests.api.conftest import assert_error
from tests.factories import published_catalog_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference_version(db):
    from pricing.services import load_reference_catalog

    version, _created = load_reference_catalog()
    return version


def test_versions_list_public_with_freshness(api, reference_version, django_assert_max_num_queries):
    from pricing.models import Catalog, CatalogVersion

    draft = CatalogVersion.objects.create(
        catalog=Catalog.objects.first(), number=99, title="Draft", status="draft"
    )
    old = published_catalog_version(effective_date=timezone.localdate() - timedelta(days=400))
    client = api("viewer")
    # savepoint + token + cleanup + page + release
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/catalogs/versions/")
    assert response.status_code == 200
    rows = {v["id"]: v for v in response.json()["results"]}
    assert draft.pk not in rows
    assert rows[old.pk]["age_days"] == 400
    assert rows[old.pk]["is_stale"] is True
    ref = rows[reference_version.pk]
    assert ref["status"] == "published"
    assert ref["age_days"] == reference_version.age_days
    assert {"effective_date", "notes", "catalog", "title"} <= set(ref)
    assert_error(client.get(f"/api/v1/catalogs/versions/{draft.pk}/"), 404, "not_found")


def test_anonymous_gets_401_and_writes_are_405(api, anon, reference_version):
    assert_error(anon.get("/api/v1/catalogs/versions/"), 401, "not_authenticated")
    assert_error(anon.get("/api/v1/catalogs/api-offers/"), 401, "not_authenticated")
    assert_error(
        api("owner").post("/api/v1/catalogs/versions/", {}, format="json"),
        405,
        "method_not_allowed",
    )


def test_api_offers_filters(api, reference_version, django_assert_max_num_queries):
    client = api("outsider")  # public data: any organization reads it
    url = "/api/v1/catalogs/api-offers/"
    # savepoint + token + cleanup + current version + page (with sources) + release
    with django_assert_max_num_queries(6):
        everything = client.get(url, {"page_size": 200}).json()["results"]
    assert len(everything) == ApiOffer.objects.filter(version=reference_version).count()
    gpt = client.get(url, {"model": "gpt-5", "version": reference_version.pk}).json()["results"]
    assert gpt
    assert all("gpt-5" in o["model_name"].lower() for o in gpt)
    only = client.get(url, {"output_only": "true"}).json()["results"]
    assert all(o["output_only"] and o["input_per_mtok"] is None for o in only)
    assert (
        len(only)
        == ApiOffer.objects.filter(version=reference_version, input_per_mtok__isnull=True).count()
    )
    weights = client.get(url, {"open_weights": "true"}).json()["results"]
    assert weights
    assert all(o["open_weights"] for o in weights)
    provider = ApiOffer.objects.filter(version=reference_version).exclude(provider="")[0].provider
    by_provider = client.get(url, {"provider": provider.upper()}).json()["results"]
    assert by_provider
    assert all(o["provider"] == provider for o in by_provider)
    assert_error(client.get(url, {"version": 987654}), 400, "validation_error", "version")


def test_gpu_offers_and_other_rows(api, reference_version):
    client = api("viewer")
    a100 = client.get("/api/v1/catalogs/gpu-offers/", {"sku": "a100", "gpu_count": 1}).json()
    assert a100["results"]
    assert all("A100" in g["sku"] and g["gpu_count"] == 1 for g in a100["results"])
    expected = GpuOffer.objects.filter(
        version=reference_version, sku__icontains="a100", gpu_count=1
    ).count()
    assert len(a100["results"]) == expected
    for path in ("owned-hardware", "throughput-profiles", "hidden-costs"):
        response = client.get(f"/api/v1/catalogs/{path}/")
        assert response.status_code == 200, path
        assert response.json()["results"], path
    assert_error(
        client.get("/api/v1/catalogs/gpu-offers/", {"gpu_count": 0}),
        400,
        "validation_error",
        "gpu_count",
    )


def test_diff_between_versions(api, cast, reference_version):
    from pricing.services import catalog_version_clone, catalog_version_publish

    draft = catalog_version_clone(version=reference_version, actor=cast.owner)
    GpuOffer.objects.filter(
        version=draft, sku="NVIDIA A100 80GB", gpu_count=1, source__key="feb-2026"
    ).update(hourly=Decimal("0.40"))
    newer = catalog_version_publish(version=draft, actor=cast.owner)
    client = api("viewer")
    body = client.get(
        "/api/v1/catalogs/versions/diff/", {"old": reference_version.pk, "new": newer.pk}
    ).json()
    assert body["old"]["id"] == reference_version.pk
    assert body["new"]["id"] == newer.pk
    change = next(c for c in body["changes"] if c["field"] == "hourly")
    assert change["kind"] == "changed"
    assert change["section"] == "gpu"
    assert Decimal(change["old"]) == Decimal("2")
    assert Decimal(change["new"]) == Decimal("0.4")
    assert Decimal(change["pct_change"]) == Decimal("-80.00")
    # Defaults: the current version against the one before it.
    assert client.get("/api/v1/catalogs/versions/diff/").json()["changes"] == body["changes"]
    # "Current" is per catalog: a later version of another catalog (an imported price
    # list) changes neither default, and its own diff compares within its catalog.
    imported = published_catalog_version(catalog_name="LiteLLM prices", published_at=timezone.now())
    defaults = client.get("/api/v1/catalogs/versions/diff/").json()
    assert (defaults["old"]["id"], defaults["new"]["id"]) == (reference_version.pk, newer.pk)
    alone = client.get("/api/v1/catalogs/versions/diff/", {"new": imported.pk}).json()
    assert (alone["old"], alone["changes"]) == (None, [])
    rows = client.get("/api/v1/catalogs/api-offers/", {"page_size": 200}).json()["results"]
    assert {row["version"] for row in rows} == {newer.pk}
    assert_error(
        client.get("/api/v1/catalogs/versions/diff/", {"old": "x"}), 400, "validation_error", "old"
    )


# --- organization prices ------------------------------------------------------------------


@pytest.fixture
def overlays(cast, reference_version):
    gpt = ApiOffer.objects.filter(version=reference_version, model_name="GPT-5").first()
    ours = PriceOverlay.objects.create(
        organization=cast.org, base_version=reference_version, name="Acme deal"
    )
    OverlayApiOffer.objects.create(overlay=ours, replaces=gpt, output_per_mtok="8.000000")
    private = OverlayApiOffer.objects.create(
        overlay=ours, model_name="Acme private LLM", output_per_mtok="2.5"
    )
    OverlayGpuOffer.objects.create(overlay=ours, sku="Acme H100 lease", gpu_count=8, hourly="12.00")
    theirs = PriceOverlay.objects.create(
        organization=cast.other_org, base_version=reference_version, name="Rival deal"
    )
    OverlayApiOffer.objects.create(overlay=theirs, model_name="Rival secret", output_per_mtok="1")
    return {"gpt": gpt, "private": private, "ours": ours, "theirs": theirs}


def prices_url(version, slug="acme"):
    return f"/api/v1/orgs/{slug}/catalogs/versions/{version.pk}/prices/"


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_effective_prices_merge_only_our_overlay(api, reference_version, overlays, who):
    response = api(who).get(prices_url(reference_version))
    assert response.status_code == 200
    body = response.json()
    assert body["overlay"] == {"id": overlays["ours"].pk, "name": "Acme deal"}
    by_model = {o["model_name"]: o for o in body["api_offers"]}
    gpt = next(o for o in body["api_offers"] if o["offer_id"] == overlays["gpt"].pk)
    assert Decimal(gpt["output_per_mtok"]) == Decimal("8")
    assert gpt["is_overridden"] is True
    private = by_model["Acme private LLM"]
    assert private["is_private"] is True
    assert private["offer_id"] is None
    assert private["private_offer_id"] == overlays["private"].pk
    assert "Rival secret" not in by_model
    lease = next(g for g in body["gpu_offers"] if g["sku"] == "Acme H100 lease")
    assert Decimal(lease["hourly"]["expected"]) == Decimal("12")


def test_effective_prices_are_paginated_api_offers_first(api, reference_version, overlays):
    client = api("viewer")
    public_api = ApiOffer.objects.filter(version=reference_version).count()
    public_gpu = GpuOffer.objects.filter(version=reference_version).count()
    # Our overlay adds one private API offer and one private GPU offer.
    api_total, gpu_total = public_api + 1, public_gpu + 1
    first = client.get(prices_url(reference_version), {"page_size": 20}).json()
    assert (first["count"], first["api_count"], first["gpu_count"]) == (
        api_total + gpu_total,
        api_total,
        gpu_total,
    )
    assert first["previous"] is None
    assert (len(first["api_offers"]), len(first["gpu_offers"])) == (20, 0)
    assert first["version"]["id"] == reference_version.pk
    second = client.get(first["next"]).json()
    # Page 2 holds API rows 21..api_total, then GPU rows up to 40 rows in all.
    assert len(second["api_offers"]) == api_total - 20
    assert len(second["gpu_offers"]) == min(gpu_total, 40 - api_total)
    assert second["previous"].endswith("page_size=20")
    seen = [o["model_name"] for page in (first, second) for o in page["api_offers"]]
    everything = client.get(prices_url(reference_version), {"page_size": 500}).json()
    assert seen == [o["model_name"] for o in everything["api_offers"]]
    assert everything["next"] is None
    assert len(everything["gpu_offers"]) == gpu_total
    assert_error(
        client.get(prices_url(reference_version), {"page_size": 501}),
        400,
        "validation_error",
        "page_size",
    )
    assert client.get(prices_url(reference_version), {"page": 99}).status_code == 404


def test_effective_prices_filters(api, reference_version, overlays):
    client = api("viewer")
    body = client.get(prices_url(reference_version), {"model": "acme", "sku": "lease"}).json()
    assert [o["model_name"] for o in body["api_offers"]] == ["Acme private LLM"]
    assert [g["sku"] for g in body["gpu_offers"]] == ["Acme H100 lease"]
    assert_error(
        client.get(prices_url(reference_version), {"output_only": "maybe"}),
        400,
        "validation_error",
        "output_only",
    )


def test_effective_prices_outsider_404_rival_sees_own(api, anon, reference_version, overlays):
    assert_error(api("outsider").get(prices_url(reference_version)), 404, "not_found")
    rival = api("outsider").get(prices_url(reference_version, "rival")).json()
    names = {o["model_name"] for o in rival["api_offers"]}
    assert "Rival secret" in names
    assert "Acme private LLM" not in names
    assert_error(anon.get(prices_url(reference_version)), 401, "not_authenticated")
    assert_error(
        api("owner").get("/api/v1/orgs/acme/catalogs/versions/0/prices/"), 404, "not_found"
    )


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_overlays_list_ours_only(api, overlays, who, django_assert_max_num_queries):
    client = api(who)
    # savepoint + token + cleanup + membership + page + api rows + gpu rows + release
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/orgs/acme/overlays/")
    assert response.status_code == 200
    [overlay] = response.json()["results"]
    assert overlay["id"] == overlays["ours"].pk
    assert len(overlay["api_offers"]) == 2
    assert overlay["gpu_offers"][0]["sku"] == "Acme H100 lease"


def test_overlays_outsider_404_viewer_cannot_write(api, overlays):
    ours = overlays["ours"].pk
    assert_error(api("outsider").get("/api/v1/orgs/acme/overlays/"), 404, "not_found")
    assert_error(api("outsider").get(f"/api/v1/orgs/rival/overlays/{ours}/"), 404, "not_found")
    assert_error(
        api("viewer").delete(f"/api/v1/orgs/acme/overlays/{ours}/"), 403, "permission_denied"
    )


@pytest.mark.parametrize(
    "path", ["gpu-offers", "owned-hardware", "throughput-profiles", "hidden-costs"]
)
def test_row_lists_have_constant_queries(
    api, reference_version, path, django_assert_max_num_queries
):
    client = api("viewer")
    # savepoint + token + cleanup + current version + page (sources joined) + release
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/catalogs/{path}/", {"page_size": 200})
    assert response.status_code == 200
    assert len(response.json()["results"]) > 1
