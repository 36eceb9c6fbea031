"""API documentation pages that work offline and under our Content-Security-Policy.

Swagger UI and ReDoc come from drf-spectacular-sidecar under /static/ (no CDN).
Swagger UI's init script is served from its own URL (``?script``) instead of
inline; ReDoc gets a page without the Google Fonts of drf-spectacular's template.
Both libraries inject inline styles at run time, so these two pages (and only
these) allow ``'unsafe-inline'`` styles; ReDoc's search runs in a blob: worker.
"""

from __future__ import annotations

from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views import View
from drf_spectacular.views import SpectacularSwaggerSplitView

_DOCS_CSP = {"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]}


@method_decorator(csp_update(_DOCS_CSP), name="dispatch")
class SwaggerDocsView(SpectacularSwaggerSplitView):
    pass


@method_decorator(csp_update(_DOCS_CSP), name="dispatch")
class RedocDocsView(View):
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest) -> HttpResponse:
        title = settings.SPECTACULAR_SETTINGS.get("TITLE", "API")
        html = format_html(
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>{}</title></head><body>"
            '<redoc spec-url="{}"></redoc><script src="{}"></script>'
            "</body></html>",
            title,
            reverse("api-schema"),
            static("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"),
        )
        return HttpResponse(html)
