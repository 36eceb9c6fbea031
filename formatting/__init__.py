"""How figures read: one money formatter and one token formatter for every surface.

Templates (through one-line filters), the charts' JavaScript (through ``money_spec``, which
static/js/format.js follows) and CSV exports all format here, so a figure reads the same in
a table, a chart tooltip and a download. Pure: Babel and the standard library, no app and
no Django (import-linter holds it to that), so pricing, planner and tracking may all use it.
"""

from __future__ import annotations

from formatting.money import (
    LOCALE,
    MISSING,
    currency_digits,
    format_money,
    format_rate,
    money_amount,
    money_spec,
)
from formatting.numbers import format_figure, format_price
from formatting.tokens import format_tokens

__all__ = [
    "LOCALE",
    "MISSING",
    "currency_digits",
    "format_figure",
    "format_money",
    "format_price",
    "format_rate",
    "format_tokens",
    "money_amount",
    "money_spec",
]
