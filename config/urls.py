from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("planner.urls")),
    path("accounts/tokens/", include("accounts.token_urls")),
    path("accounts/", include("accounts.urls")),
    path("catalogs/", include("pricing.urls")),
    path("tracking/", include("tracking.urls")),
    path("api/v1/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]
