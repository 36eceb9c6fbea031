from __future__ import annotations

from django.urls import include, path

from planner import views

app_name = "planner"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("sweeps/", include("planner.sweep_urls")),
]
