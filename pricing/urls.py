from __future__ import annotations

from django.urls import path

from pricing import views

app_name = "pricing"
urlpatterns = [
    path("", views.CatalogListView.as_view(), name="catalog_list"),
    path("diff/", views.CatalogDiffView.as_view(), name="catalog_diff"),
    path("<int:pk>/", views.CatalogVersionDetailView.as_view(), name="catalog_detail"),
    path("benchmarks/", views.PrivateProfileListView.as_view(), name="private_profiles"),
]
