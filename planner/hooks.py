"""Extension points for the apps built on top of the planner.

The apps form one stack (the import-linter contracts in pyproject.toml): accounts,
pricing, planner, then tracking, which reads plans and comparisons. The planner never
imports tracking; where a planner step has to reach it (a new comparison raises budget
alerts, the plan page shows the budget panel) tracking registers a hook here from its
``AppConfig.ready()`` and the planner calls whatever is registered.

Hooks run synchronously, in registration order, inside the caller's transaction, and an
exception in a hook propagates to the caller, exactly as a direct call would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.template import Context
from django.utils.safestring import SafeString, mark_safe


class PlanEvaluatedHook(Protocol):
    def __call__(self, *, plan: Any, comparison: Any, previous: Any, actor: Any) -> Any: ...


@dataclass(frozen=True)
class PlanPanel:
    """A card on the plan page, under the plan's buttons, provided by another app.

    ``template`` is rendered with what ``context`` returns for the page's template context,
    plan and current comparison (which may be ``None``). Its source is part of the cached
    fragments' version (planner/fragments.py). The page caches the panels per data
    generation, so a panel may read any of the organization's data.
    """

    template: str
    context: Callable[[Context, Any, Any], dict[str, Any]]


_plan_evaluated: list[PlanEvaluatedHook] = []
_plan_panels: list[PlanPanel] = []


def register_plan_evaluated(hook: PlanEvaluatedHook) -> None:
    """Call ``hook(plan=, comparison=, previous=, actor=)`` after every new comparison of a
    plan (computed or re-evaluated). Registering the same hook again does nothing."""
    if hook not in _plan_evaluated:
        _plan_evaluated.append(hook)


def plan_evaluated(*, plan: Any, comparison: Any, previous: Any, actor: Any) -> None:
    """Run the registered hooks for a plan's new ``comparison`` (``previous``: the one
    before it, or ``None``)."""
    for hook in _plan_evaluated:
        hook(plan=plan, comparison=comparison, previous=previous, actor=actor)


def register_plan_panel(panel: PlanPanel) -> None:
    """Show ``panel`` on the plan page. Registering the same panel again does nothing."""
    if panel not in _plan_panels:
        _plan_panels.append(panel)


def plan_panels() -> tuple[PlanPanel, ...]:
    return tuple(_plan_panels)


def render_plan_panels(context: Context, plan: Any, comparison: Any) -> SafeString:
    """The registered panels' HTML, each rendered the way an inclusion tag renders its
    template: in a new context holding only what the panel returns (and the CSRF token)."""
    engine = context.template.engine
    html = []
    for panel in _plan_panels:
        panel_context = context.new(panel.context(context, plan, comparison))
        csrf_token = context.get("csrf_token")
        if csrf_token is not None:
            panel_context["csrf_token"] = csrf_token
        html.append(engine.get_template(panel.template).render(panel_context))
    # Each part is the template engine's output, escaped as it rendered.
    return mark_safe("".join(html))  # noqa: S308
