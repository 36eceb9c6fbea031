"""planner/hooks.py: how apps built on the planner (tracking) reach it without being imported."""

from __future__ import annotations

import pytest
from django.urls import reverse

from planner import fragments, hooks, services
from planner.hooks import PlanPanel
from tests.factories import plan_in
from tracking import panels
from tracking import services as tracking_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_plan_evaluated_hooks(monkeypatch):
    monkeypatch.setattr(hooks, "_plan_evaluated", [])


def test_tracking_registers_its_hooks_at_startup():
    assert tracking_services.plan_evaluated in hooks._plan_evaluated
    assert panels.BUDGET_PANEL in hooks.plan_panels()


def test_each_new_comparison_runs_the_plan_evaluated_hooks_once(cast, no_plan_evaluated_hooks):
    calls = []

    def hook(**kwargs):
        calls.append(kwargs)

    hooks.register_plan_evaluated(hook)
    hooks.register_plan_evaluated(hook)  # registered once
    plan = plan_in(cast.org)
    first = services.plan_compute(plan=plan, actor=cast.owner)
    second = services.plan_compute(plan=plan, actor=cast.viewer)

    assert calls == [
        {"plan": plan, "comparison": first, "previous": None, "actor": cast.owner},
        {"plan": plan, "comparison": second, "previous": first, "actor": cast.viewer},
    ]


def test_a_failing_hook_rolls_the_comparison_back(cast, no_plan_evaluated_hooks):
    def hook(**kwargs):
        raise RuntimeError("hook failed")

    hooks.register_plan_evaluated(hook)
    plan = plan_in(cast.org)
    with pytest.raises(RuntimeError, match="hook failed"):
        services.plan_compute(plan=plan, actor=cast.owner)
    assert not plan.comparisons.exists()


def test_a_registered_panel_shows_on_the_plan_page_and_versions_the_fragments(
    cast, monkeypatch, settings
):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "APP_DIRS": False,
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {"test/panel.html": '<p class="test-panel">{{ name }}, #{{ number }}</p>'},
                    ),
                    "django.template.loaders.filesystem.Loader",
                    "django.template.loaders.app_directories.Loader",
                ],
            },
        }
    ]
    monkeypatch.setattr(hooks, "_plan_panels", list(hooks._plan_panels))
    before = fragments._compute_version()
    hooks.register_plan_panel(
        PlanPanel(
            template="test/panel.html",
            context=lambda context, plan, comparison: {
                "name": f"{plan.name} <&>",
                "number": comparison.number,
            },
        )
    )
    assert fragments._compute_version() != before
    fragments._cached_version.cache_clear()
    plan = plan_in(cast.org, computed=True)

    page = (
        cast.client_for(cast.viewer)
        .get(reverse("planner:plan_detail", args=[plan.pk]))
        .content.decode()
    )

    # Escaped like any template output, after tracking's budget panel (registration order).
    panel = f'<p class="test-panel">{plan.name} &lt;&amp;&gt;, #1</p>'
    assert panel in page
    assert page.index("Budget and forecast") < page.index(panel)
