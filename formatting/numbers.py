"""Catalog figures exactly as published: every significant digit, thousands separated."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from formatting.money import MISSING


def format_price(value: Any) -> str:
    """A catalog price in its catalog's currency (named once on the page), never float
    noise and never digits dropped: 1440 -> "1,440.00"; 0.250000 -> "0.25"; 0.001 -> "0.001"."""
    if value is None or value == "":
        return MISSING
    number = Decimal(value).normalize()
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        number = number.quantize(Decimal("0.01"))
    return f"{number:,}"


def format_figure(value: Any) -> str:
    """A count or rate without forced cents: 1500 -> "1,500"; 0.995 -> "0.995"."""
    if value is None or value == "":
        return MISSING
    number = Decimal(value).normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return f"{number:,}"
