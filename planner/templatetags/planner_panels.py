"""`{% plan_panels plan comparison %}`: the cards other apps add to the plan page
(registered in planner/hooks.py, e.g. tracking's budget panel)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from planner import hooks

register = template.Library()


@register.simple_tag(takes_context=True)
def plan_panels(context: Any, plan: Any, comparison: Any = None) -> SafeString:
    return hooks.render_plan_panels(context, plan, comparison)
