"""CSV cells that a spreadsheet will not run: the one helper every CSV export uses.

Excel, LibreOffice and Google Sheets run a cell starting with ``=``, ``+``, ``-`` or ``@``
(and, in some versions, a tab or carriage return before one of those) as a formula, so
a plan or model named ``=HYPERLINK(...)`` could run in the reader's spreadsheet (CSV
formula injection, OWASP). Such text cells get a leading apostrophe, which spreadsheets
show as text. Plain numbers (``-12.5``, ``1e-3``) stay numbers: they cannot run.

``unsafe_cell`` is the exact inverse, for importers that read our own exports back
(the catalog CSV round-trips): a cell that already starts with apostrophes before a
formula character gets one more on the way out, so stripping one on the way in is exact.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTE = re.compile(r"^'*[=+\-@\t\r]")
_QUOTED = re.compile(r"^'+[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value: Any) -> Any:
    """A text cell a spreadsheet shows as text; non-text values are returned unchanged."""
    if not isinstance(value, str) or not _NEEDS_QUOTE.match(value):
        return value
    if _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


def safe_row(row: Any) -> list[Any]:
    return [safe_cell(cell) for cell in row]


def unsafe_cell(text: str) -> str:
    """Undo `safe_cell` on a cell read back from one of our CSV files."""
    return text[1:] if _QUOTED.match(text) else text
