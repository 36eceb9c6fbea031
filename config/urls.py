from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from config import favicon, health

urlpatterns = [
    # First: the API takes most of the requests, and the resolver tries patterns in order
    # (planner's many un-prefixed page routes would be tried before it otherwise).
    path("api/v1/", include("config.api_urls")),
    # Load balancers and monitors probe often (config/health.py): liveness, readiness.
    path("health/live/", health.live, name="health_live"),
    path("health/ready/", health.ready, name="health_ready"),
    path("favicon.ico", favicon.favicon, name="favicon"),
    path("", include("planner.urls")),
    path("accounts/tokens/", include("accounts.token_urls")),
    path("accounts/", include("accounts.urls")),
    path("catalogs/", include("pricing.urls")),
    path("tracking/", include("tracking.urls")),
    path("admin/", admin.site.urls),
]
