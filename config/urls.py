from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # First: the API takes most of the requests, and the resolver tries patterns in order
    # (planner's many un-prefixed page routes would be tried before it otherwise).
    path("api/v1/", include("config.api_urls")),
    path("", include("planner.urls")),
    path("accounts/tokens/", include("accounts.token_urls")),
    path("accounts/", include("accounts.urls")),
    path("catalogs/", include("pricing.urls")),
    path("tracking/", include("tracking.urls")),
    path("admin/", admin.site.urls),
]
