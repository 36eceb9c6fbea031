"""Number formatting for catalog pages: prices with thousands separators, never float noise."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def price(value: Any) -> str:
    """1440 → "1,440.00"; 0.250000 → "0.25"; 0.001 → "0.001"; None → "—"."""
    if value is None or value == "":
        return "—"
    number = Decimal(value).normalize()
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        number = number.quantize(Decimal("0.01"))
    return f"{number:,}"


@register.filter
def figure(value: Any) -> str:
    """A count or rate without forced cents: 1500 → "1,500"; 0.995 → "0.995"."""
    if value is None or value == "":
        return "—"
    number = Decimal(value).normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return f"{number:,}"


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
