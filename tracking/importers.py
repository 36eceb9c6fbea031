"""Parsers for actual-usage CSV files. Pure: bytes in, monthly aggregates or errors out.

Two formats:

* ``breakeven``: ``date, model, input_tokens, output_tokens, cost`` (and optionally
  ``workload``: the name of a workload of the organization the row belongs to);
* ``litellm``: LiteLLM proxy's spend-log CSV export (the ``LiteLLM_SpendLogs`` columns):
  ``startTime, model, prompt_tokens, completion_tokens, spend``; other columns ignored.

A file is accepted whole or not at all: every problem is reported as
``Row <n>, field <name>: <what is wrong>`` (n is the line number, the header being row 1).

Formats are registered (`register`): a new one names its columns and how it writes dates,
and `parse_usage` reads it like the others.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_BYTES = 20 * 1024 * 1024
MAX_ERRORS = 20
PROGRESS_EVERY_ROWS = 2_000
# What one stored month can hold (ActualUsageMonth: bigint tokens, 16 digits with 6 places).
MAX_MONTH_TOKENS = 2**63 - 1
MAX_MONTH_COST = Decimal("9999999999.999999")


def _breakeven_date(text: str) -> date:
    text = text.strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    return _timestamp_date(text)


def _timestamp_date(text: str) -> date:
    return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).date()


@dataclass(frozen=True)
class UsageFormat:
    """How one kind of file names the columns of a usage row.

    ``columns`` maps our fields (date, model, input_tokens, output_tokens, cost) to the
    file's column names; ``workload_column``, when the file has it, names the
    organization's workload each row belongs to.
    """

    key: str
    columns: dict[str, str]
    parse_date: Callable[[str], date]
    workload_column: str | None = None


FORMATS: dict[str, UsageFormat] = {}


def register(usage_format: UsageFormat) -> UsageFormat:
    """Make a format available to `parse_usage` under its key (the stored ``file_format``)."""
    FORMATS[usage_format.key] = usage_format
    return usage_format


register(
    UsageFormat(
        key="breakeven",
        columns={
            "date": "date",
            "model": "model",
            "input_tokens": "input_tokens",
            "output_tokens": "output_tokens",
            "cost": "cost",
        },
        parse_date=_breakeven_date,
        workload_column="workload",
    )
)
register(
    UsageFormat(
        key="litellm",
        columns={
            "date": "startTime",
            "model": "model",
            "input_tokens": "prompt_tokens",
            "output_tokens": "completion_tokens",
            "cost": "spend",
        },
        parse_date=_timestamp_date,
    )
)


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


def _format(file_format: str) -> UsageFormat:
    usage_format = FORMATS.get(file_format)
    if usage_format is None:
        raise ImportRejectedError([RowError(None, "format", f"unknown format {file_format!r}")])
    return usage_format


def _reader(content: bytes, usage_format: UsageFormat) -> tuple[Any, list[str]]:
    """A csv.DictReader over the file and its (stripped) header, or ImportRejectedError for
    a file that cannot be read at all: too large, not UTF-8, columns missing."""
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
    missing = [name for name in usage_format.columns.values() if name not in header]
    if missing:
        raise ImportRejectedError(
            [RowError(1, name, "column is missing from the header") for name in missing]
        )
    return reader, header


def check_file(content: bytes, *, file_format: str) -> None:
    """The checks that need no more than the header (format, size, encoding, columns):
    raise ImportRejectedError now, before the rows are read in the background."""
    _reader(content, _format(file_format))


def parse_usage(
    content: bytes,
    *,
    file_format: str,
    workload_names: Iterable[str] = (),
    on_progress: Callable[[int], None] | None = None,
) -> ParsedUsage:
    """Parse a whole file; raise ImportRejectedError listing every problem found.

    Rows are read one at a time and added to monthly totals; ``on_progress(rows)`` is
    called every `PROGRESS_EVERY_ROWS` rows.
    """
    usage_format = _format(file_format)
    reader, header = _reader(content, usage_format)
    columns = usage_format.columns
    workload_column = usage_format.workload_column
    by_workload = workload_column is not None and workload_column in header
    known = set(workload_names)
    errors: list[RowError] = []
    totals: dict[tuple[str | None, date, str], MonthTotal] = {}
    rows = 0
    for record in reader:
        line = reader.line_num
        rows += 1
        if on_progress is not None and rows % PROGRESS_EVERY_ROWS == 0:
            on_progress(rows)
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
                    values[key] = usage_format.parse_date(raw)
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
            assert workload_column is not None
            workload = (record.get(workload_column) or "").strip()
            if workload not in known:
                errors.append(
                    RowError(
                        line,
                        workload_column,
                        f"no workload named {workload!r} in this organization",
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
    for (_, month, model), total in totals.items():
        for key, value, limit in (
            ("input_tokens", total.input_tokens, MAX_MONTH_TOKENS),
            ("output_tokens", total.output_tokens, MAX_MONTH_TOKENS),
            ("cost", total.cost, MAX_MONTH_COST),
        ):
            if value > limit and len(errors) < MAX_ERRORS:
                errors.append(
                    RowError(
                        None,
                        columns[key],
                        f"the total for {model} in {month:%Y-%m} is more than {limit:,}",
                    )
                )
    if errors:
        raise ImportRejectedError(errors)
    if rows == 0:
        raise ImportRejectedError([RowError(None, "file", "has no data rows")])
    return ParsedUsage(rows=rows, totals=totals)
