"""`money` filter (the plan page's budget panel is tracking/panels.py)."""

from __future__ import annotations

from typing import Any

from django import template

from tracking.currency import Conversion, format_money

register = template.Library()


@register.filter
def money(value: Any, conversion: Conversion | str | None = None) -> str:
    """``{{ amount|money:conversion }}``: "€1,234.56 (USD 1,300.00 at 0.9497 on 2026-06-17)";
    ``{{ amount|money:"JPY" }}``: "¥1,500" (tracking.currency.format_money)."""
    return format_money(value, conversion)
