"""The plan page caches its comparison's HTML (planner/fragments.py): what members see must
not change, outsiders still get 404, and a recompute shows the new comparison."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from planner import services
from planner.fragments import fragment_version

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _page(client, plan) -> str:
    response = client.get(reverse("planner:plan_detail", args=[plan.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _without_csrf(html: str) -> str:
    # CSRF tokens (forms, htmx headers) are masked anew on every response.
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "<csrf>", html)


def test_cached_page_is_the_page_rendered_without_the_cache(cast, computed_plan):
    client = cast.client_for(cast.owner)
    fresh = _page(client, computed_plan)
    cached = _page(client, computed_plan)
    assert _without_csrf(cached) == _without_csrf(fresh)
    assert "Monthly cost per option" in cached
    assert 'id="plan-charts"' in cached
    # And it really came from the cache: the entry is there, and a page whose fragment
    # entry is gone renders the same again.
    assert any(k for k in cache._cache.get_client().keys("*template.cache.plan_comparison*"))
    cache.clear()
    assert _without_csrf(_page(client, computed_plan)) == _without_csrf(fresh)


def test_outsider_gets_404_after_a_member_filled_the_cache(cast, computed_plan):
    assert "Monthly cost per option" in _page(cast.client_for(cast.owner), computed_plan)
    response = cast.client_for(cast.outsider).get(
        reverse("planner:plan_detail", args=[computed_plan.pk])
    )
    assert response.status_code == 404
    assert b"Monthly cost per option" not in response.content


@pytest.mark.parametrize(("first", "then"), [("owner", "viewer"), ("viewer", "teammate")])
def test_each_role_sees_its_own_links_whoever_filled_the_cache(cast, computed_plan, first, then):
    lens_link = "Change the lens or period"
    page = _page(cast.client_for(getattr(cast, first)), computed_plan)
    assert (lens_link in page) is (first != "viewer")
    page = _page(cast.client_for(getattr(cast, then)), computed_plan)
    assert (lens_link in page) is (then != "viewer")
    assert "Monthly cost per option" in page


def test_recompute_shows_the_new_comparison(cast, computed_plan):
    client = cast.client_for(cast.owner)
    first = computed_plan.latest_comparison
    assert f"Comparison #{first.number} " in _page(client, computed_plan)
    second = services.plan_compute(plan=computed_plan, actor=cast.owner)
    page = _page(client, computed_plan)
    assert second.number == first.number + 1
    assert f"Comparison #{second.number} " in page
    assert f"Comparison #{first.number} " not in page
    assert f'"comparison": {second.number}' in page  # the charts block too


def test_fragment_version_follows_the_templates(settings):
    settings.DEBUG = True  # computed afresh, as while developing
    version = fragment_version()
    assert version == fragment_version()
    assert len(version) == 16
