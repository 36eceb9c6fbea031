"""An import's report in words, for the pages. The stored report holds keys and numbers
(`tracking.usage.parser`); the API serves it as it is."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tracking.models import UsageKind
from tracking.usage import dates

DATE_FORMS = {
    dates.ISO_DATE: "ISO dates (YYYY-MM-DD)",
    dates.ISO_UTC: "ISO times in UTC (Z or +00)",
    dates.ISO_OFFSET: "ISO times with an offset, converted to UTC",
    dates.ISO_NAIVE: "ISO times without an offset, taken as UTC",
    dates.SHEET: "spreadsheet dates (e.g. 3/1/2026)",
    dates.SHEET_DOTTED: "dotted spreadsheet dates, day first (e.g. 1.3.2026)",
    dates.SERIAL: "spreadsheet serial numbers (days since 1899-12-30)",
}
ORDERS = {dates.MONTH_FIRST: "month first", dates.DAY_FIRST: "day first"}
ORDER_SOURCES = {
    "chosen": "as chosen on upload",
    "file": "the file has a date that can only be read this way",
    "default": "no date in the file settles it (no number above 12), so the US form was "
    "assumed: choose day first on upload if that is wrong",
}
DIMENSION_WORDS = {
    "key": "keys",
    "tag": "tags",
    "team": "teams",
    "user": "users",
    "model_group": "model groups",
}


def _n(value: int) -> str:
    return f"{value:,}"


def _rows(value: int) -> str:
    return f"{value:,} row{'' if value == 1 else 's'}"


def _money(text: str) -> str:
    return f"{Decimal(text):,.2f}"


def describe(report: dict[str, Any], *, workload_names: dict[int, str]) -> list[str]:
    """The report as sentences, most important first."""
    if not report:
        return []
    lines = []
    kinds = report.get("kinds", {})
    chat = kinds.get(UsageKind.CHAT)
    if chat:
        cached = chat["cached_input_tokens"]
        lines.append(
            f"Chat: {_rows(chat['rows'])}, {_n(chat['input_tokens'])} input tokens "
            f"({_n(cached)} of them cached), {_n(chat['output_tokens'])} output tokens, "
            f"cost {_money(chat['cost'])}."
        )
    for kind in (UsageKind.EMBEDDING, UsageKind.OTHER, UsageKind.PROXY_CACHE):
        figures = kinds.get(kind)
        if figures:
            lines.append(
                f"Kept apart from chat — {UsageKind(kind).label}: {_rows(figures['rows'])}, "
                f"{_n(figures['input_tokens'] + figures['output_tokens'])} tokens, "
                f"cost {_money(figures['cost'])}."
            )
    not_chat = report.get("not_chat") or []
    if not_chat:
        lines.append(
            "Calls that are not chat: "
            + ", ".join(f"{name.split(':', 1)[-1] or '(none)'} {_n(n)}" for name, n in not_chat)
            + "."
        )
    tools = report.get("tool_calls") or {}
    if tools.get("rows"):
        named = ", ".join(f"{name or '(unnamed)'} {_n(n)}" for name, n in tools.get("tools", []))
        lines.append(
            f"Skipped {_n(tools['rows'])} tool-call {'row' if tools['rows'] == 1 else 'rows'} (no model)"
            + (f": {named}." if named else ".")
        )
    if report.get("cached_capped_rows"):
        lines.append(
            f"{_rows(report['cached_capped_rows'])} claimed more cached than input tokens; "
            "they were counted as all cached."
        )
    lines += _dates(report.get("dates") or {})
    for workload_id, figures in (report.get("workloads") or {}).items():
        name = workload_names.get(int(workload_id), f"workload {workload_id} (deleted)")
        lines.append(
            f"To {name}: {_n(figures['chat_tokens'])} chat tokens, "
            f"cost {_money(figures['chat_cost'])}."
        )
    unrouted = report.get("unrouted") or {}
    if unrouted.get("rows"):
        seen = "; ".join(
            f"{DIMENSION_WORDS.get(dim, dim)}: "
            + ", ".join(f"{value} ({_n(n)})" for value, n in values)
            for dim, values in (unrouted.get("top") or {}).items()
        )
        lines.append(
            f"Left out, no workload: {_rows(unrouted['rows'])} ({_n(unrouted['tokens'])} "
            f"tokens, cost {_money(unrouted['cost'])}). Add routing rules for them"
            + (f" — most seen {seen}." if seen else ".")
        )
    return lines


def _dates(summary: dict[str, Any]) -> list[str]:
    forms = summary.get("forms") or {}
    if not forms:
        return []
    read = ", ".join(f"{_n(n)} {DATE_FORMS.get(form, form)}" for form, n in forms.items())
    lines = [f"Dates read: {read}."]
    order = summary.get("order")
    if order:
        lines.append(
            f"Spreadsheet dates were read {ORDERS[order]}: "
            f"{ORDER_SOURCES.get(summary.get('order_source') or '', '')}."
        )
    return lines
