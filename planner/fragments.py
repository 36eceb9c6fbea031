"""Rendered comparison fragments, cached: a stored comparison never changes.

The plan page spends most of its time rendering one comparison: cost tables, break-even,
reliability, the engine depth section and the charts with their fallback tables (~450
``floatformat``/``intcomma`` calls; BENCHMARKS.md "## Load"). A ``Comparison`` is
immutable (``ComparisonQuerySet.update`` raises), so its HTML is cached with
``{% cache %}`` keyed on the comparison's id and creation time (an id reused after a
database reset cannot hit an old entry), ``can_write`` (the depth section links to the
lens form for writers) and :func:`fragment_version`.

Tenant safety: the key is only reached after the page's access check has fetched the plan
(``TenantObjectMixin``), and the fragment shows nothing but that comparison, so a cached
fragment is exactly what that member would have rendered.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.template.loader import get_template
from django.templatetags.static import static

from planner import hooks

# How long a rendered comparison stays in the cache (it never goes stale, this only
# bounds the memory of comparisons nobody looks at any more).
FRAGMENT_SECONDS = 24 * 60 * 60

_TEMPLATES = (
    "planner/_comparison.html",
    "planner/_recommendation.html",
    "planner/_depth.html",
    "planner/_charts.html",
    # Cached per data generation (accounts/generations.py).
    "planner/_dashboard_body.html",
)
_STATIC = ("vendor/chart.js/chart.umd.min.js", "js/format.js", "js/charts.js")
# The chart payloads, how every figure in the fragments is formatted and worded.
_CODE = (
    Path(__file__).parent / "templatetags" / "planner_charts.py",
    Path(__file__).parent / "wording.py",
    Path(__file__).parent / "labels.py",
    *sorted((Path(__file__).parent.parent / "formatting").glob("*.py")),
)


def _compute_version() -> str:
    digest = hashlib.sha256()
    # The fragments, and the panels other apps add to the plan page (planner/hooks.py).
    for name in (*_TEMPLATES, *(panel.template for panel in hooks.plan_panels())):
        digest.update(get_template(name).template.source.encode())
    for path in _CODE:
        digest.update(path.read_bytes())
    for name in _STATIC:  # hashed names of the manifest: new assets, new fragments
        digest.update(static(name).encode())
    return digest.hexdigest()[:16]


@functools.cache
def _cached_version() -> str:
    return _compute_version()


def fragment_version() -> str:
    """Changes whenever the fragment templates, their tag code or their assets change, so a
    deploy never serves HTML rendered by the previous release."""
    if settings.DEBUG:  # templates reload while developing
        return _compute_version()
    return _cached_version()
