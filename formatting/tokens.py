"""Token counts in words: "1.5B", "651.6M", "50M", "8.5K" (four significant digits)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from formatting.money import MISSING, to_decimal

SIGNIFICANT_DIGITS = 4
SCALES = (
    (Decimal(10) ** 12, "T"),
    (Decimal(10) ** 9, "B"),
    (Decimal(10) ** 6, "M"),
    (Decimal(10) ** 3, "K"),
)


def format_tokens(value: Any) -> str:
    """A token count rounded half up to four significant digits, with K / M / B / T:
    651_600_000 -> "651.6M", 1_064_000_000 -> "1.064B", 999_950 -> "1M", 512 -> "512";
    "—" for a missing or unreadable count."""
    number = to_decimal(value)
    if number is None:
        return MISSING
    magnitude = abs(number)
    if magnitude == 0:
        return "0"
    step = Decimal(1).scaleb(magnitude.adjusted() - SIGNIFICANT_DIGITS + 1)
    rounded = magnitude.quantize(step, ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    for scale, suffix in SCALES:
        if rounded >= scale:
            return f"{sign}{_plain(rounded / scale, grouped=True)}{suffix}"
    return f"{sign}{_plain(rounded, grouped=False)}"


def _plain(number: Decimal, *, grouped: bool) -> str:
    return f"{number.normalize():,f}" if grouped else f"{number.normalize():f}"
