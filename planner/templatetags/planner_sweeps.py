"""Filters for the sweep pages: one-line delegations to the formatters."""

from __future__ import annotations

from django import template

from formatting.durations import format_duration

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as "3.1 s", "2 min 5 s", "1 h 3 min"."""
    return format_duration(seconds)
