"""Amounts of money as people read them, in the currency's own minor units.

Babel supplies each currency's symbol and minor units (USD 2, JPY 0, KWD 3) and the
locale's pattern, so a negative amount reads "-$4,980.00", never "$-4,980.00". Amounts
round half up at the currency's minor unit, the way the stored results round to cents.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel.numbers import format_currency, format_decimal, get_currency_precision

# The app's one language (LANGUAGE_CODE "en-us"); JS_LOCALE is the same in BCP 47 spelling.
LOCALE = "en_US"
JS_LOCALE = "en-US"
# What a missing or unreadable figure shows as, everywhere.
MISSING = "\u2014"
# Unit prices (per 1M tokens, per hour) show up to this many digits past the minor unit.
RATE_EXTRA_DIGITS = 2

_CODE = re.compile(r"[A-Z]{3}")


def currency_code(currency: str) -> str:
    """The ISO 4217 code, upper-cased; anything else is a ValueError naming the field."""
    code = str(currency or "").strip().upper()
    if not _CODE.fullmatch(code):
        raise ValueError(f"currency: {currency!r} is not a three-letter ISO 4217 code")
    return code


def to_decimal(value: Any) -> Decimal | None:
    """A finite number as a Decimal (floats through their shortest repr), else None."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


@lru_cache(maxsize=256)
def currency_digits(currency: str) -> int:
    """Minor units of a currency: USD 2, JPY 0, KWD 3 (Babel's CLDR data)."""
    return int(get_currency_precision(currency_code(currency)))


def money_amount(amount: Any, currency: str) -> Decimal | None:
    """The amount rounded half up to the currency's minor unit (for CSV and JSON), or None."""
    value = to_decimal(amount)
    if value is None:
        return None
    return _quantize(value, currency_digits(currency))


def _quantize(value: Decimal, places: int) -> Decimal:
    rounded = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return abs(rounded) if rounded == 0 else rounded  # no "-$0.00"


@lru_cache(maxsize=256)
def _affixes(code: str) -> tuple[str, str, str, str]:
    """What the locale puts before and after the digits, for positive and negative amounts."""
    digits = currency_digits(code)
    number = format_decimal(Decimal(1), format=_pattern(digits, digits), locale=LOCALE)
    affixes: list[str] = []
    for sign in (1, -1):
        text = format_currency(Decimal(sign), code, locale=LOCALE)
        before, found, after = text.partition(number)
        if not found:  # pragma: no cover - CLDR patterns always hold the number
            raise ValueError(f"currency: cannot read Babel's pattern for {code}: {text!r}")
        affixes += [before, after]
    return affixes[0], affixes[1], affixes[2], affixes[3]


def _pattern(min_digits: int, max_digits: int) -> str:
    if max_digits == 0:
        return "#,##0"
    return "#,##0." + "0" * min_digits + "#" * (max_digits - min_digits)


def _format(
    value: Decimal, code: str, min_digits: int, max_digits: int, *, with_code: bool = False
) -> str:
    rounded = _quantize(value, max_digits)
    digits = format_decimal(abs(rounded), format=_pattern(min_digits, max_digits), locale=LOCALE)
    if with_code:
        prefix, suffix, negative_prefix, negative_suffix = f"{code} ", "", f"-{code} ", ""
    else:
        prefix, suffix, negative_prefix, negative_suffix = _affixes(code)
    if rounded < 0:
        return f"{negative_prefix}{digits}{negative_suffix}"
    return f"{prefix}{digits}{suffix}"


def format_money(amount: Any, currency: str, *, with_code: bool = False) -> str:
    """An amount in the currency's minor units: "$1,440.00", "-€4,980.00", "¥1,235",
    "KWD1,234.568"; with_code: "USD 1,440.00" (for text that names several currencies);
    "—" for a missing or unreadable amount."""
    code = currency_code(currency)
    value = to_decimal(amount)
    if value is None:
        return MISSING
    digits = currency_digits(code)
    return _format(value, code, digits, digits, with_code=with_code)


def format_rate(amount: Any, currency: str) -> str:
    """A unit price (per 1M tokens, per hour): the minor units and up to two digits more
    where they matter: "$0.065", "$2.50", "$0.0012"; "—" when missing."""
    code = currency_code(currency)
    value = to_decimal(amount)
    if value is None:
        return MISSING
    digits = currency_digits(code)
    return _format(value, code, digits, digits + RATE_EXTRA_DIGITS)


def money_spec(currency: str) -> dict[str, Any]:
    """What static/js/format.js needs to format amounts exactly as ``format_money`` and
    ``format_rate`` do: put into every chart's JSON data."""
    code = currency_code(currency)
    digits = currency_digits(code)
    prefix, suffix, negative_prefix, negative_suffix = _affixes(code)
    return {
        "currency": code,
        "locale": JS_LOCALE,
        "digits": digits,
        "rate_digits": digits + RATE_EXTRA_DIGITS,
        "prefix": prefix,
        "suffix": suffix,
        "negative_prefix": negative_prefix,
        "negative_suffix": negative_suffix,
    }
