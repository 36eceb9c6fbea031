"""Parsers for actual-usage CSV files. Pure: bytes in, monthly aggregates or errors out.

Two formats:

* ``breakeven``: ``date, model, input_tokens, output_tokens, cost`` (and optionally
  ``workload``: the name of a workload of the organization the row belongs to);
* ``litellm``: LiteLLM proxy's spend-log CSV export (the ``LiteLLM_SpendLogs`` columns):
  ``startTime, model, prompt_tokens, completion_tokens, spend``; other columns ignored.

A file is accepted whole or not at all: every problem is reported as
``Row <n>, field <name>: <what is wrong>`` (n is the line number, the header being row 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

MAX_BYTES = 20 * 1024 * 1024
MAX_ERRORS = 20

COLUMNS = {
    "breakeven": {
        "date": "date",
        "model": "model",
        "input_tokens": "input_tokens",
        "output_tokens": "output_tokens",
        "cost": "cost",
    },
    "litellm": {
        "date": "startTime",
        "model": "model",
        "input_tokens": "prompt_tokens",
        "output_tokens": "completion_tokens",
        "cost": "spend",
    },
}


@dataclass(frozen=True)
class RowError:
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"Row {self.row}")
        if self.field:
            where.append(f"field {self.field}")
        return (", ".join(where) + ": " if where else "") + self.message


class ImportRejectedError(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


@dataclass
class MonthTotal:
    input_tokens: int = 0
    output_tokens: int = 0
    cost: Decimal = field(default_factory=lambda: Decimal(0))


@dataclass
class ParsedUsage:
    rows: int
    # (workload name or None for the chosen workload, month, model) -> totals
    totals: dict[tuple[str | None, date, str], MonthTotal]


def _parse_date(text: str, file_format: str) -> date:
    text = text.strip()
    if file_format == "breakeven" and len(text) == 10:
        return date.fromisoformat(text)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.date()


def _parse_tokens(text: str) -> int:
    text = text.strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a whole number") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError(f"{text!r} is not a whole number")
    if value < 0:
        raise ValueError(f"{text} is negative")
    return int(value)


def _parse_cost(text: str) -> Decimal:
    text = text.strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a number")
    if value < 0:
        raise ValueError(f"{text} is negative")
    return value


def parse_usage(
    content: bytes, *, file_format: str, workload_names: Iterable[str] = ()
) -> ParsedUsage:
    """Parse a whole file; raise ImportRejectedError listing every problem found."""
    if file_format not in COLUMNS:
        raise ImportRejectedError([RowError(None, "format", f"unknown format {file_format!r}")])
    if len(content) > MAX_BYTES:
        raise ImportRejectedError(
            [RowError(None, "file", f"larger than {MAX_BYTES // (1024 * 1024)} MB")]
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejectedError([RowError(None, "file", "is not UTF-8 text")]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    columns = COLUMNS[file_format]
    missing = [name for name in columns.values() if name not in header]
    if missing:
        raise ImportRejectedError(
            [RowError(1, name, "column is missing from the header") for name in missing]
        )
    by_workload = file_format == "breakeven" and "workload" in header
    known = set(workload_names)
    errors: list[RowError] = []
    totals: dict[tuple[str | None, date, str], MonthTotal] = {}
    rows = 0
    for record in reader:
        line = reader.line_num
        rows += 1
        if None in record:
            errors.append(RowError(line, None, "has more values than the header has columns"))
            continue
        values: dict[str, object] = {}
        for key, column in columns.items():
            raw = record.get(column)
            if raw is None or not raw.strip():
                errors.append(RowError(line, column, "is empty"))
                continue
            try:
                if key == "date":
                    values[key] = _parse_date(raw, file_format)
                elif key in ("input_tokens", "output_tokens"):
                    values[key] = _parse_tokens(raw)
                elif key == "cost":
                    values[key] = _parse_cost(raw)
                else:
                    values[key] = raw.strip()[:200]
            except ValueError as exc:
                what = str(exc) if key != "date" else f"{raw.strip()!r} is not a date (YYYY-MM-DD)"
                errors.append(RowError(line, column, what))
        workload = None
        if by_workload:
            workload = (record.get("workload") or "").strip()
            if workload not in known:
                errors.append(
                    RowError(
                        line, "workload", f"no workload named {workload!r} in this organization"
                    )
                )
        if len(errors) >= MAX_ERRORS:
            errors.append(RowError(None, None, f"stopped after {MAX_ERRORS} problems"))
            break
        if len(values) < len(columns) or errors:
            continue
        day = values["date"]
        assert isinstance(day, date)
        key = (workload, day.replace(day=1), str(values["model"]))
        total = totals.setdefault(key, MonthTotal())
        total.input_tokens += int(values["input_tokens"])  # type: ignore[call-overload]
        total.output_tokens += int(values["output_tokens"])  # type: ignore[call-overload]
        total.cost += values["cost"]  # type: ignore[operator]
    if errors:
        raise ImportRejectedError(errors)
    if rows == 0:
        raise ImportRejectedError([RowError(None, "file", "has no data rows")])
    return ParsedUsage(rows=rows, totals=totals)
