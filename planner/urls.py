from __future__ import annotations

from django.urls import path

from planner import views

app_name = "planner"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
]
