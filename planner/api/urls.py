"""Routes of the planner API (included from config/api_urls.py)."""

from __future__ import annotations

from django.urls import path

from planner.api.views import QuoteView

urlpatterns = [
    path("quote", QuoteView.as_view(), name="quote"),
]
