"""Sweep pages, included under /sweeps/ by planner/urls.py (namespace "planner")."""

from __future__ import annotations

from django.urls import path

from planner import sweep_views

urlpatterns = [
    path("", sweep_views.SweepListView.as_view(), name="sweep_list"),
    path("new/", sweep_views.SweepCreateView.as_view(), name="sweep_create"),
    path("<int:pk>/", sweep_views.SweepDetailView.as_view(), name="sweep_detail"),
    path("<int:pk>/progress/", sweep_views.SweepProgressView.as_view(), name="sweep_progress"),
    path("<int:pk>/cancel/", sweep_views.SweepCancelView.as_view(), name="sweep_cancel"),
    path("<int:pk>/results.csv", sweep_views.SweepCsvView.as_view(), name="sweep_csv"),
    path("<int:pk>/results.parquet", sweep_views.SweepParquetView.as_view(), name="sweep_parquet"),
]
