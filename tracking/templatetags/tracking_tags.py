"""`money` and `usage_kind` filters (the plan page's budget panel is tracking/panels.py)."""

from __future__ import annotations

from typing import Any

from django import template

from tracking.currency import Conversion, format_money
from tracking.models import UsageKind

register = template.Library()


@register.filter
def money(value: Any, conversion: Conversion | str | None = None) -> str:
    """``{{ amount|money:conversion }}``: "€1,234.56 (USD 1,300.00 at 0.9497 on 2026-06-17)";
    ``{{ amount|money:"JPY" }}``: "¥1,500" (tracking.currency.format_money)."""
    return format_money(value, conversion)


@register.filter
def usage_kind(value: str) -> str:
    """``{{ row.kind|usage_kind }}``: the label of a stored usage kind ("Embeddings")."""
    return UsageKind(value).label if value in UsageKind.values else value
