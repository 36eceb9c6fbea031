"""The REST API under /api/v1/: each app contributes its routes here.

Documented by drf-spectacular: the schema at /api/v1/schema/, Swagger UI at
/api/v1/docs/ and ReDoc at /api/v1/redoc/ (assets from drf-spectacular-sidecar,
served from /static/, no CDN). Unknown URLs under /api/v1/ get a JSON 404.
"""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from accounts.api.docs import RedocDocsView, SwaggerDocsView
from accounts.api.views import api_not_found

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SwaggerDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", RedocDocsView.as_view(), name="api-redoc"),
    path("", include("accounts.api.urls")),
    path("", include("planner.api.urls")),
    path("", include("pricing.api.urls")),
    path("", include("tracking.api.urls")),
    # Keep last: everything else under /api/v1/ is a 404 in the API's error format.
    re_path(r"^[\s\S]*$", api_not_found),
]
