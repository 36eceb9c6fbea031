"""Reading a usage file, streamed: rows in, daily totals per (workload, model, kind) out,
rolled up to months, with a report of what the file held, or every problem found.

A file is accepted whole or not at all: each problem is reported as
``Row <n>, field <name>: <what is wrong>`` (n counts the file's records, the header being
row 1, as a spreadsheet numbers them). The file is read once, a row at a time, so its size
does not matter to memory: what is kept is one total per (workload, day, model, kind) and
the report's counters.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from tracking.models import UsageKind
from tracking.usage import formats
from tracking.usage.dates import DateOrderError, DateReader, DayKey
from tracking.usage.formats import FORMATS, UsageFormat
from tracking.usage.routing import Router, UnroutedTally, parse_tags

# No cap below 1 GB (issue 17): the file is streamed, never held whole.
MAX_BYTES = 1024**3
MAX_ERRORS = 20
PROGRESS_EVERY_ROWS = 10_000
# csv refuses longer fields by default (128 kB); a spend log's messages can be larger.
MAX_FIELD_CHARS = 64 * 1024 * 1024
# What one stored month can hold (ActualUsageMonth: bigint tokens, 16 digits with 6 places).
MAX_MONTH_TOKENS = 2**63 - 1
MAX_MONTH_COST = Decimal("9999999999.999999")
MODEL_NAME_CHARS = 200
HEADER_PROBE_BYTES = 1024 * 1024
# cache_hit texts that are plainly no hit (the rest go through `formats.is_proxy_cache_hit`).
NOT_A_HIT = frozenset({"False", "false", "FALSE", "None", "0", "f"})


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
    requests: int = 0
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    cost: Decimal = field(default_factory=lambda: Decimal(0))


MonthKey = tuple[int, date, str, str]  # (workload id, month, model, kind)


@dataclass
class ParsedUsage:
    rows: int
    totals: dict[MonthKey, MonthTotal]
    report: dict[str, Any]


def usage_format(file_format: str) -> UsageFormat:
    found = FORMATS.get(file_format)
    if found is None:
        raise ImportRejectedError([RowError(None, "format", f"unknown format {file_format!r}")])
    return found


def _columns(header: list[str], spec: UsageFormat) -> tuple[dict[str, int], dict[str, str]]:
    """Our field -> column index (required and optional present), and our field -> the
    column's name as the format writes it; ImportRejectedError if a required one is
    missing."""
    position: dict[str, int] = {}
    for index, name in enumerate(header):
        position.setdefault(name.strip().lower(), index)
    missing = [c for c in spec.required.values() if c.lower() not in position]
    if missing:
        raise ImportRejectedError(
            [RowError(1, name, "column is missing from the header") for name in missing]
        )
    indexes, names = {}, {}
    for ours, column in (*spec.required.items(), *spec.optional.items()):
        if column.lower() in position:
            indexes[ours] = position[column.lower()]
            names[ours] = column
    return indexes, names


def check_header(head: bytes, *, file_format: str, size: int | None = None) -> None:
    """The checks that need only the start of the file (format, size, encoding, columns):
    raise ImportRejectedError now, before the rows are read in the background."""
    spec = usage_format(file_format)
    if size is not None and size > MAX_BYTES:
        raise ImportRejectedError([RowError(None, "file", "is larger than 1 GB")])
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head[:HEADER_PROBE_BYTES])
    except UnicodeDecodeError:
        raise ImportRejectedError([RowError(None, "file", "is not UTF-8 text")]) from None
    first_line = text.split("\n", 1)[0]
    header = next(csv.reader([first_line]), [])
    if not any(name.strip() for name in header):
        raise ImportRejectedError([RowError(1, None, "the header row is empty")])
    _columns(header, spec)


def _text_lines(source: IO[bytes] | bytes) -> Iterator[str]:
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]


def _tokens(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        text = text.strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{text!r} is not a whole number") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError(f"{text!r} is not a whole number") from None
        value = int(number)
    if value < 0:
        raise ValueError(f"{text.strip()} is negative")
    return value


def _money(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text.strip()!r} is not a number")
    if value < 0:
        raise ValueError(f"{text.strip()} is negative")
    return value


def _optional_count(row: list[str], index: int | None) -> int | None:
    if index is None:
        return None
    text = row[index]
    return _tokens(text) if text.strip() else 0


class _Memo(dict[str, Any]):
    """``fn(text)`` remembered for the texts a file repeats (a tag list, a call type), up to
    `LIMIT` of them; errors are not remembered."""

    LIMIT = 10_000

    def __init__(self, fn: Callable[[str], Any]) -> None:
        super().__init__()
        self.fn = fn

    def __call__(self, text: str) -> Any:
        found = self.get(text)
        if found is None:
            if len(self) >= self.LIMIT:
                self.clear()
            found = self[text] = self.fn(text)
        return found


class _Counter(dict[str, int]):
    """Counts by name, remembering at most `DISTINCT_NAMES` names (the rest: "…")."""

    DISTINCT_NAMES = 1_000

    def add(self, key: str) -> None:
        if key not in self and len(self) >= self.DISTINCT_NAMES:
            key = "…"
        self[key] = self.get(key, 0) + 1


def parse_usage(
    source: IO[bytes] | bytes,
    *,
    file_format: str,
    router: Router | None = None,
    date_order: str = "auto",
    on_progress: Callable[[int], None] | None = None,
) -> ParsedUsage:
    """Parse a whole file; raise ImportRejectedError listing every problem (up to
    `MAX_ERRORS`). ``on_progress(rows)`` is called every `PROGRESS_EVERY_ROWS` rows."""
    spec = usage_format(file_format)
    router = router or Router()
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(_text_lines(source))
    errors: list[RowError] = []
    try:
        header = next(reader, None)
        if header is None:
            raise ImportRejectedError([RowError(None, "file", "has no data rows")])
        at, named = _columns(header, spec)
        state = _FileState(spec=spec, at=at, named=named, router=router, date_order=date_order)
        rows = state.read(reader, errors, on_progress)
    except UnicodeDecodeError:
        # Text is decoded a few kB ahead of the rows read: the fault is somewhere after them.
        after = f"is not UTF-8 text somewhere after row {reader.line_num}"
        raise ImportRejectedError([*errors, RowError(None, "file", after)]) from None
    except csv.Error as exc:
        raise ImportRejectedError(
            [*errors, RowError(None, "file", f"is not valid CSV: {exc}")]
        ) from None
    if errors:
        raise ImportRejectedError(errors)
    if rows == 0:
        raise ImportRejectedError([RowError(None, "file", "has no data rows")])
    totals = state.months(errors)
    if errors:
        raise ImportRejectedError(errors)
    if not totals and state.unrouted.rows:
        raise ImportRejectedError(
            [
                RowError(
                    None,
                    "file",
                    f"none of its {state.unrouted.rows:,} rows went to a workload: add routing "
                    "rules for their keys, tags, teams, users or model groups, or choose a "
                    "workload for the rows no rule claims",
                )
            ]
        )
    return ParsedUsage(rows=rows, totals=totals, report=state.report(rows, totals))


@dataclass
class _FileState:
    """One file's reading: the columns, the running totals and the report's counters."""

    spec: UsageFormat
    at: dict[str, int]
    named: dict[str, str]
    router: Router
    date_order: str
    days: dict[tuple[int, DayKey, str, str], list[Any]] = field(default_factory=dict)
    dates: DateReader = field(init=False)
    unrouted: UnroutedTally = field(default_factory=UnroutedTally)
    kinds: dict[str, list[Any]] = field(default_factory=dict)
    tool_calls: _Counter = field(default_factory=_Counter)
    not_chat: _Counter = field(default_factory=_Counter)
    cached_capped_rows: int = 0

    def __post_init__(self) -> None:
        self.dates = DateReader(order=self.date_order)

    def read(
        self,
        reader: Iterable[list[str]],
        errors: list[RowError],
        on_progress: Callable[[int], None] | None,
    ) -> int:
        at, named, router = self.at, self.named, self.router
        i_date, i_model = at["date"], at["model"]
        i_in, i_out, i_cost = at["input_tokens"], at["output_tokens"], at["cost"]
        i_cached, i_requests = at.get("cached_input_tokens"), at.get("requests")
        i_call, i_endpoint = at.get("call_type"), at.get("endpoint")
        i_hit, i_meta, i_tool = at.get("cache_hit"), at.get("metadata"), at.get("tool")
        i_key, i_team, i_user = at.get("key"), at.get("team"), at.get("user")
        i_group, i_tags, i_workload = at.get("model_group"), at.get("tags"), at.get("workload")
        width = max(at.values()) + 1
        tool_calls = self.spec.empty_model_is_tool_call
        read_day = self.dates.read
        kind_of: dict[str, str] = {}
        tags_of = _Memo(parse_tags)
        days = self.days
        rows = 0
        line = 1  # the header
        for record in reader:
            line += 1
            if len(errors) >= MAX_ERRORS:
                errors.append(RowError(None, None, f"stopped after {MAX_ERRORS} problems"))
                break
            if len(record) < width:
                if not any(cell.strip() for cell in record):
                    continue  # a blank line is no row
                rows += 1
                errors.append(RowError(line, None, "has fewer values than the header"))
                continue
            rows += 1
            if on_progress is not None and rows % PROGRESS_EVERY_ROWS == 0:
                on_progress(rows)
            model = record[i_model].strip()
            if not model:
                if tool_calls:
                    self.tool_calls.add(record[i_tool].strip() if i_tool is not None else "")
                    continue
                errors.append(RowError(line, named["model"], "is empty"))
                continue
            bad = len(errors)
            try:
                day = read_day(record[i_date], line)
            except ValueError as exc:
                errors.append(RowError(line, named["date"], str(exc)))
            try:
                input_tokens = _tokens(record[i_in])
            except ValueError as exc:
                errors.append(RowError(line, named["input_tokens"], str(exc)))
            try:
                output_tokens = _tokens(record[i_out])
            except ValueError as exc:
                errors.append(RowError(line, named["output_tokens"], str(exc)))
            try:
                cost = _money(record[i_cost])
            except ValueError as exc:
                errors.append(RowError(line, named["cost"], str(exc)))
            kind: str = UsageKind.CHAT
            hit = record[i_hit] if i_hit is not None else ""
            if hit and hit not in NOT_A_HIT and formats.is_proxy_cache_hit(hit):
                kind = UsageKind.PROXY_CACHE
            elif i_call is not None or i_endpoint is not None:
                what = record[i_call] if i_call is not None else record[i_endpoint]  # type: ignore[index]
                kind = kind_of.get(what) or kind_of.setdefault(what, self._kind(what, i_call))
                if kind != UsageKind.CHAT:
                    self.not_chat.add(
                        f"{'call_type' if i_call is not None else 'endpoint'}:{what.strip()}"
                    )
            cached = 0
            try:
                if i_cached is not None:
                    cached = _optional_count(record, i_cached) or 0
                elif i_meta is not None and kind == UsageKind.CHAT:
                    cached = formats.cached_tokens_from_metadata(record[i_meta])
            except ValueError as exc:
                field_name = named["cached_input_tokens" if i_cached is not None else "metadata"]
                errors.append(RowError(line, field_name, str(exc)))
            try:
                requests = _optional_count(record, i_requests)
            except ValueError as exc:
                errors.append(RowError(line, named["requests"], str(exc)))
            if len(errors) > bad:
                continue
            if cached > input_tokens:
                cached = input_tokens
                self.cached_capped_rows += 1
            key = record[i_key].strip() if i_key is not None else ""
            team = record[i_team].strip() if i_team is not None else ""
            user = record[i_user].strip() if i_user is not None else ""
            group = record[i_group].strip() if i_group is not None else ""
            workload = None
            if i_workload is not None and record[i_workload].strip():
                name = record[i_workload].strip()
                workload = router.workloads_by_name.get(name)
                if workload is None:
                    errors.append(
                        RowError(
                            line,
                            named["workload"],
                            f"no workload named {name!r} in this organization",
                        )
                    )
                    continue
            # Tags are read when a rule may match them, or to name an unclaimed row's.
            tags: tuple[str, ...] = ()
            if workload is None and i_tags is not None and router.uses_tags:
                try:
                    tags = tags_of(record[i_tags])
                except ValueError as exc:
                    errors.append(RowError(line, named["tags"], str(exc)))
                    continue
            if workload is None:
                workload = router.route(key=key, team=team, user=user, model_group=group, tags=tags)
            if workload is None and i_tags is not None and not router.uses_tags:
                try:
                    tags = tags_of(record[i_tags])
                except ValueError as exc:
                    errors.append(RowError(line, named["tags"], str(exc)))
                    continue
            request_count = 1 if requests is None else requests
            totals = self.kinds.get(kind)
            if totals is None:
                totals = self.kinds[kind] = [0, 0, 0, 0, 0, Decimal(0)]
            totals[0] += 1
            totals[1] += request_count
            totals[2] += input_tokens
            totals[3] += cached
            totals[4] += output_tokens
            totals[5] += cost
            if workload is None:
                self.unrouted.add(
                    tokens=input_tokens + output_tokens,
                    cost=cost,
                    key=key,
                    team=team,
                    user=user,
                    model_group=group,
                    tags=tags,
                )
                continue
            slot = (workload, day, model[:MODEL_NAME_CHARS], kind)
            total = days.get(slot)
            if total is None:
                days[slot] = [request_count, input_tokens, cached, output_tokens, cost]
            else:
                total[0] += request_count
                total[1] += input_tokens
                total[2] += cached
                total[3] += output_tokens
                total[4] += cost
        return rows

    @staticmethod
    def _kind(what: str, i_call: int | None) -> str:
        if i_call is not None:
            return formats.kind_of_call(what)
        return formats.kind_of_endpoint(what)

    def months(self, errors: list[RowError]) -> dict[MonthKey, MonthTotal]:
        """Settle the spreadsheet dates' order, then roll the days up to months."""
        try:
            self.dates.settle()
        except DateOrderError as exc:
            errors.append(RowError(exc.row, self.named["date"], str(exc)))
            return {}
        totals: dict[MonthKey, MonthTotal] = {}
        for (workload, day_key, model, kind), (
            requests,
            inp,
            cached,
            out,
            cost,
        ) in self.days.items():
            month = self.dates.day(day_key).replace(day=1)
            total = totals.setdefault((workload, month, model, kind), MonthTotal())
            total.requests += requests
            total.input_tokens += inp
            total.cached_input_tokens += cached
            total.output_tokens += out
            total.cost += cost
        for (_, month, model, _kind), total in totals.items():
            for ours, value, limit in (
                ("input_tokens", total.input_tokens, MAX_MONTH_TOKENS),
                ("output_tokens", total.output_tokens, MAX_MONTH_TOKENS),
                ("cost", total.cost, MAX_MONTH_COST),
            ):
                if value > limit and len(errors) < MAX_ERRORS:
                    errors.append(
                        RowError(
                            None,
                            self.named[ours],
                            f"the total for {model} in {month:%Y-%m} is more than {limit:,}",
                        )
                    )
        return totals

    def report(self, rows: int, totals: dict[MonthKey, MonthTotal]) -> dict[str, Any]:
        """Keys and numbers (`tracking.usage.report` words them for the page)."""
        by_workload: dict[int, list[Any]] = {}
        for (workload, _month, _model, kind), total in totals.items():
            slot = by_workload.setdefault(workload, [0, 0, Decimal(0), 0])
            if kind == UsageKind.CHAT:
                slot[0] += total.input_tokens + total.output_tokens
                slot[1] += total.cached_input_tokens
                slot[2] += total.cost
            slot[3] += total.requests
        return {
            "rows": rows,
            "tool_calls": {"rows": sum(self.tool_calls.values()), "tools": _top(self.tool_calls)},
            "kinds": {
                kind: {
                    "rows": values[0],
                    "requests": values[1],
                    "input_tokens": values[2],
                    "cached_input_tokens": values[3],
                    "output_tokens": values[4],
                    "cost": str(values[5]),
                }
                for kind, values in sorted(self.kinds.items())
            },
            "not_chat": _top(self.not_chat, limit=20),
            "cached_capped_rows": self.cached_capped_rows,
            "dates": self.dates.summary(),
            "workloads": {
                str(workload): {
                    "chat_tokens": chat,
                    "cached_input_tokens": cached,
                    "chat_cost": str(cost),
                    "requests": requests,
                }
                for workload, (chat, cached, cost, requests) in sorted(by_workload.items())
            },
            "unrouted": self.unrouted.summary(),
        }


def _top(counter: dict[str, int], limit: int = 10) -> list[list[Any]]:
    return [
        [name, count] for name, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    ][:limit]
