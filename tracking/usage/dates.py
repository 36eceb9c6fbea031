"""The calendar day (UTC) of a usage row, from ISO 8601 or a spreadsheet's date forms.

The parse, as the import report states it:

* **ISO 8601** (``2026-03-01``, ``2026-03-01T12:30:00Z``, ``2026-03-01 12:30:00.123+02:00``,
  psql's ``…+00``): a time with an offset is converted to UTC first; a time without one is
  taken as UTC, which is what LiteLLM stores.
* **Spreadsheet dates** with the year last (``3/1/2026``, ``03-01-26 14:05``,
  ``3/1/2026 2:05 PM``): month first or day first. The upload's `DateOrder` decides; on
  "auto" the file does: a first number above 12 means day first, a second above 12 month
  first (both in one file is an error naming a row of each); a file where neither occurs
  is read month first, as US spreadsheets write it, and the report says so. A two-digit
  year is 20YY. A dotted date (``1.3.2026``) is always day first.
* **Spreadsheet serial numbers** (``46082``, ``46082.75``): days since 1899-12-30, the
  1900 date system of Excel, Google Sheets and LibreOffice.

Which of the order-dependent dates a row holds is only known once the whole file is read,
so `DateReader.read` returns a key (a `date`, or the two numbers and the year) and
`DateReader.day` turns a key into its date after `settle`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

# Forms counted in the report.
ISO_DATE = "iso_date"  # 2026-03-01
ISO_UTC = "iso_utc"  # with Z or an offset of zero
ISO_OFFSET = "iso_offset"  # with another offset: converted to UTC
ISO_NAIVE = "iso_naive"  # a time without an offset: taken as UTC
SHEET = "spreadsheet"  # 3/1/2026, 03-01-26 14:05 (order from `DateOrder`)
SHEET_DOTTED = "spreadsheet_dotted"  # 1.3.2026: day first
SERIAL = "serial"  # 46082.75

AUTO, MONTH_FIRST, DAY_FIRST = "auto", "mdy", "dmy"

_SHEET = re.compile(
    r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?)?"
)
_SERIAL = re.compile(r"\d{1,7}(?:\.\d+)?")
_SERIAL_EPOCH = date(1899, 12, 30)
# 9999-12-31 in the 1900 date system.
_SERIAL_MAX = 2_958_465

PendingDay = tuple[int, int, int]  # (first number, second number, year)
DayKey = date | PendingDay


class DateOrderError(ValueError):
    """The file's spreadsheet dates cannot all be read one way (or not the chosen way)."""

    def __init__(self, row: int, text: str, message: str):
        self.row, self.text = row, text
        super().__init__(message)


@dataclass
class DateReader:
    """Reads one file's dates; counts the forms it met (`forms`) for the report."""

    order: str = AUTO
    forms: dict[str, int] = field(default_factory=dict)
    # Evidence for the order: the first row whose date can only be read one way.
    day_first_row: tuple[int, str] | None = None
    month_first_row: tuple[int, str] | None = None
    # The first row of every order-dependent date, to name it if it is no date at all.
    _pending: dict[PendingDay, tuple[int, str]] = field(default_factory=dict)
    settled_order: str | None = None
    order_source: str | None = None  # "chosen", "file" or "default"

    def _count(self, form: str) -> None:
        self.forms[form] = self.forms.get(form, 0) + 1

    def read(self, text: str, row: int) -> DayKey:
        """The row's day, or a key to resolve after `settle`. ValueError if no date."""
        text = text.strip()
        if len(text) >= 10 and text[4] == "-" and text[7] == "-":
            return self._iso(text)
        match = _SHEET.fullmatch(text)
        if match is not None:
            return self._sheet(match, text, row)
        if _SERIAL.fullmatch(text):
            days = float(text)
            if 1 <= days <= _SERIAL_MAX:
                self._count(SERIAL)
                return _SERIAL_EPOCH + timedelta(days=int(days))
        raise ValueError(f"{text!r} is not a date")

    def _iso(self, text: str) -> date:
        if len(text) == 10:
            day = date.fromisoformat(text)
            self._count(ISO_DATE)
            return day
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            self._count(ISO_NAIVE)
            return moment.date()
        offset = moment.utcoffset()
        self._count(ISO_UTC if not offset else ISO_OFFSET)
        return moment.astimezone(UTC).date() if offset else moment.date()

    def _sheet(self, match: re.Match[str], text: str, row: int) -> DayKey:
        first, separator, second, year_text = match.group(1, 2, 3, 4)
        hour, minute, second_of_minute, meridiem = match.group(5, 6, 7, 8)
        if hour is not None:
            limit = 12 if meridiem else 23
            if int(hour) > limit or int(minute) > 59 or int(second_of_minute or 0) > 59:
                raise ValueError(f"{text!r} has no valid time of day")
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        a, b = int(first), int(second)
        if separator == ".":
            day = date(year, b, a)  # ValueError names a day that does not exist
            self._count(SHEET_DOTTED)
            return day
        if a > 12 and b > 12:
            raise ValueError(f"{text!r} is not a date (neither number is a month)")
        key = (a, b, year)
        if key not in self._pending:
            self._pending[key] = (row, text)
            if a > 12 and self.day_first_row is None:
                self.day_first_row = (row, text)
            if b > 12 and self.month_first_row is None:
                self.month_first_row = (row, text)
        self._count(SHEET)
        return key

    def settle(self) -> None:
        """Decide the order of the spreadsheet dates read; DateOrderError naming a row if
        the file contradicts itself or the chosen order, or a date does not exist."""
        if not self._pending:
            return
        if self.order in (MONTH_FIRST, DAY_FIRST):
            self.settled_order, self.order_source = self.order, "chosen"
            against = self.day_first_row if self.order == MONTH_FIRST else self.month_first_row
            if against is not None:
                wanted = "month" if self.order == MONTH_FIRST else "day"
                raise DateOrderError(
                    *against, f"{against[1]!r} cannot be read {wanted} first, as chosen"
                )
        elif self.day_first_row and self.month_first_row:
            row, text = self.month_first_row
            raise DateOrderError(
                row,
                text,
                f"{text!r} is month first but row {self.day_first_row[0]} "
                f"({self.day_first_row[1]!r}) is day first",
            )
        elif self.day_first_row:
            self.settled_order, self.order_source = DAY_FIRST, "file"
        elif self.month_first_row:
            self.settled_order, self.order_source = MONTH_FIRST, "file"
        else:
            self.settled_order, self.order_source = MONTH_FIRST, "default"
        for key, (row, text) in self._pending.items():
            try:
                self.day(key)
            except ValueError:
                raise DateOrderError(row, text, f"{text!r} is not a date") from None

    def day(self, key: DayKey) -> date:
        if isinstance(key, date):
            return key
        a, b, year = key
        if self.settled_order == DAY_FIRST:
            return date(year, b, a)
        return date(year, a, b)

    def summary(self) -> dict[str, object]:
        """Keys and numbers for the import report (`tracking.usage.report` words them)."""
        return {
            "forms": dict(sorted(self.forms.items())),
            "order": self.settled_order,
            "order_source": self.order_source,
        }
