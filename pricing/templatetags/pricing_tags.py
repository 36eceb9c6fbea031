"""Number formatting for catalog pages (formatting.numbers): prices as published."""

from __future__ import annotations

from typing import Any

from django import template

from formatting.numbers import format_figure, format_price

register = template.Library()


@register.filter
def price(value: Any) -> str:
    """1440 → "1,440.00"; 0.250000 → "0.25"; 0.001 → "0.001"; None → "—"."""
    return format_price(value)


@register.filter
def figure(value: Any) -> str:
    """A count or rate without forced cents: 1500 → "1,500"; 0.995 → "0.995"."""
    return format_figure(value)


@register.filter
def price_range(value: Any) -> str:
    """A Range as "low-high" with an en dash (or one number when low == high)."""
    if value is None:
        return "—"
    if value.low == value.high:
        return price(value.low)
    return f"{price(value.low)}\u2013{price(value.high)}"


@register.filter
def signed_pct(value: Any) -> str:
    if value is None:
        return ""
    return f"{'+' if value > 0 else ''}{value}%"
