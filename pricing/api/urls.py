"""Routes of the catalog API (included from config/api_urls.py)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from pricing.api.views import (
    ApiOfferViewSet,
    CatalogVersionViewSet,
    EffectivePricesViewSet,
    GpuOfferViewSet,
    HiddenCostViewSet,
    OwnedHardwareViewSet,
    PriceOverlayViewSet,
    PrivateThroughputProfileViewSet,
    ThroughputProfileViewSet,
)

ORG = r"orgs/(?P<org_slug>[-a-zA-Z0-9_]+)"

router = SimpleRouter()
router.register(r"catalogs/versions", CatalogVersionViewSet, basename="catalog-version")
router.register(r"catalogs/api-offers", ApiOfferViewSet, basename="catalog-api-offer")
router.register(r"catalogs/gpu-offers", GpuOfferViewSet, basename="catalog-gpu-offer")
router.register(r"catalogs/owned-hardware", OwnedHardwareViewSet, basename="catalog-hardware")
router.register(
    r"catalogs/throughput-profiles", ThroughputProfileViewSet, basename="catalog-throughput"
)
router.register(r"catalogs/hidden-costs", HiddenCostViewSet, basename="catalog-hidden-cost")
router.register(rf"{ORG}/catalogs/versions", EffectivePricesViewSet, basename="org-prices")
router.register(rf"{ORG}/overlays", PriceOverlayViewSet, basename="org-overlay")
router.register(
    rf"{ORG}/throughput-profiles", PrivateThroughputProfileViewSet, basename="org-throughput"
)

urlpatterns = router.urls
