"""The landing page: what a visitor sees at ``/`` before logging in."""

from __future__ import annotations

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from planner.bridge.landing import example_fingerprint, landing_example
from pricing.selectors import catalog_version_current

# A published catalog version never changes, so its example only changes with the code
# (a deploy): an hour bounds how long a new release can show the previous one's figures,
# while anonymous traffic costs one query instead of two quotes (~35 ms) a request.
EXAMPLE_SECONDS = 60 * 60


def landing(request: HttpRequest) -> HttpResponse:
    """What Breakeven answers, one comparison computed by the engine, the way to sign up."""
    version = catalog_version_current()
    example = None
    if version is not None:
        # The publication time tells apart a version id reused after a database reset.
        published = version.published_at.timestamp() if version.published_at else 0
        key = f"landing-example:{version.pk}:{published}:{example_fingerprint()}"
        # The fragments cache: recomputable, so a Redis outage reads as a miss, not an error.
        example = caches["fragments"].get_or_set(
            key, lambda: landing_example(version=version), EXAMPLE_SECONDS
        )
    return TemplateResponse(request, "planner/landing.html", {"example": example})
