from __future__ import annotations

from django.urls import path

from pricing import views
from pricing.models import OverlayApiOffer, OverlayGpuOffer

app_name = "pricing"
urlpatterns = [
    path("", views.CatalogListView.as_view(), name="catalog_list"),
    path("diff/", views.CatalogDiffView.as_view(), name="catalog_diff"),
    path("<int:pk>/", views.CatalogVersionDetailView.as_view(), name="catalog_detail"),
    path("benchmarks/", views.PrivateProfileListView.as_view(), name="private_profiles"),
    # An organization's negotiated prices: API offers and GPU offers alike.
    path("private-prices/", views.PrivatePriceListView.as_view(), name="private_prices"),
    path("private-prices/copy/", views.PrivatePriceCopyView.as_view(), name="private_copy"),
    path(
        "private-prices/api/new/",
        views.PrivatePriceAddView.as_view(kind="api"),
        name="private_api_add",
    ),
    path(
        "private-prices/gpu/new/",
        views.PrivatePriceAddView.as_view(kind="gpu"),
        name="private_gpu_add",
    ),
    path(
        "private-prices/api/<int:pk>/",
        views.PrivatePriceEditView.as_view(model=OverlayApiOffer, kind="api"),
        name="private_api_edit",
    ),
    path(
        "private-prices/gpu/<int:pk>/",
        views.PrivatePriceEditView.as_view(model=OverlayGpuOffer, kind="gpu"),
        name="private_gpu_edit",
    ),
    path(
        "private-prices/api/<int:pk>/remove/",
        views.PrivatePriceRemoveView.as_view(model=OverlayApiOffer, kind="api"),
        name="private_api_remove",
    ),
    path(
        "private-prices/gpu/<int:pk>/remove/",
        views.PrivatePriceRemoveView.as_view(model=OverlayGpuOffer, kind="gpu"),
        name="private_gpu_remove",
    ),
]
