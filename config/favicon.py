"""``/favicon.ico``: browsers and crawlers ask for it at the root whatever the page links."""

from __future__ import annotations

import functools

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

ONE_DAY_SECONDS = 24 * 60 * 60


@functools.cache
def _icon() -> bytes:
    # The same file the pages link as {% static 'favicon.ico' %} (static/favicon.ico).
    path = finders.find("favicon.ico")
    if not isinstance(path, str):
        raise FileNotFoundError("static/favicon.ico is missing")
    with open(path, "rb") as icon:
        return icon.read()


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_icon(), content_type="image/x-icon")
    response["Cache-Control"] = f"public, max-age={ONE_DAY_SECONDS}"
    return response
