"""How typed figures read: "50M", "1.5B", "2,000,000" and "70%" as numbers.

The inverse of the token formatter for form input. Pure, like the rest of formatting/:
the form fields (planner/fields.py) wrap these and add the bounds and messages.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Word or letter after a quantity, as a power of ten. "m" is a million, as in "50M tokens".
QUANTITY_SCALES: dict[str, int] = {
    "": 0,
    "k": 3,
    "thousand": 3,
    "m": 6,
    "mn": 6,
    "million": 6,
    "millions": 6,
    "b": 9,
    "bn": 9,
    "billion": 9,
    "billions": 9,
    "t": 12,
    "trillion": 12,
    "trillions": 12,
}

# Digits grouped by commas (2,000,000) or plain (2000000), then an optional decimal part.
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$")
_QUANTITY = re.compile(r"^(?P<number>[^a-z]*?)\s*(?P<unit>[a-z]*)$")
# Thousands separators written as spaces or underscores: "2 000 000", "2_000_000".
_GROUP_SPACE = re.compile(r"(?<=\d)[\s_\u00a0\u202f](?=\d{3}(?:\D|$))")


class ParseError(ValueError):
    """The text is not a figure of the kind asked for; the message says what is expected."""


def _number(text: str, *, expected: str) -> Decimal:
    text = _GROUP_SPACE.sub("", text.strip())
    if not text or not _NUMBER.match(text) or not any(c.isdigit() for c in text):
        raise ParseError(expected)
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise ParseError(expected) from exc
    return number


def parse_quantity(text: str) -> Decimal:
    """A count with an optional scale: "50M" -> 50,000,000; "1.5B", "2,000,000",
    "200k", "3 billion", "1e9" -> their values. Raises ParseError otherwise."""
    expected = "Write a number such as 50000000, 2,000,000, 50M or 1.5B."
    cleaned = text.strip().lower()
    if re.fullmatch(r"[+-]?\d+(?:\.\d+)?e[+-]?\d+", cleaned):
        number = Decimal(cleaned)
        if not number.is_finite():  # pragma: no cover - the pattern admits only finite
            raise ParseError(expected)
        return number
    match = _QUANTITY.match(cleaned)
    if match is None or match["unit"] not in QUANTITY_SCALES:
        raise ParseError(expected)
    return _number(match["number"], expected=expected).scaleb(QUANTITY_SCALES[match["unit"]])


def parse_percent(text: str) -> Decimal:
    """A percentage as a share: "70" and "70%" -> 0.7, "99.9" -> 0.999, "0.5" -> 0.005.
    Raises ParseError otherwise."""
    expected = "Write a percentage such as 70 or 99.9."
    cleaned = text.strip().removesuffix("%").strip()
    return _number(cleaned, expected=expected).scaleb(-2)


def format_percent_input(share: Decimal | float | int) -> str:
    """A share as a percentage to type into a field: 0.7 -> "70", 0.999 -> "99.9"."""
    percent = Decimal(str(share)).scaleb(2).normalize()
    return f"{percent:f}"


def format_quantity_input(value: Decimal | int) -> str:
    """A count as typed into a field, grouped: 50000000 -> "50,000,000"."""
    number = Decimal(value).normalize()
    return f"{number:,f}"
