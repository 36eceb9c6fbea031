"""Chart payloads and small number helpers for the planner pages.

`plan_charts` turns a stored comparison's results (and the curves the adapter already
computed) into what static/js/charts.js draws; the same dict feeds the accessible
fallback tables, so a chart and its table can never disagree. Pure dict work: no queries.
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from formatting import format_money, format_rate, format_tokens, money_spec
from planner import wording
from planner.labels import LINE_LABELS, key_words, lens_label, line_label

register = template.Library()

# Stacked breakdown: every cost line, in the label map's order; downtime is not in totals.
BREAKDOWN_PARTS = tuple(
    (key, "Expected downtime (not in total)" if key == "downtime" else label)
    for key, label in LINE_LABELS.items()
)
HEAT_COLOURS = 10


def _interpolate(xs: list[float], ys: list[float | None], x: float) -> float | None:
    """y at x on a curve sampled at xs, linear between samples (API costs are linear)."""
    points = [(a, b) for a, b in zip(xs, ys, strict=False) if b is not None]
    if not points or x < points[0][0] or x > points[-1][0]:
        return None
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x0 <= x <= x1:
            if x1 == x0:
                return y0
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def _round2(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _volume(
    results: dict[str, Any], curves: dict[str, Any], currency: str
) -> dict[str, Any] | None:
    volume = curves.get("volume") or {}
    volumes = volume.get("volumes") or []
    if not volumes:
        return None
    series = volume.get("series") or []
    by_name = {s["name"]: s for s in series}
    points = []
    if "crossings" in volume:  # schema 2: every crossing of every pair, priced exactly
        points = [
            {
                "selfhost": marker["cheaper_above"],
                "api": marker["cheaper_below"],
                "tokens": marker["volume"],
                "cost": marker["cost"],
                "label": format_tokens(marker["volume"]),
                "cost_label": format_money(marker["cost"], currency),
                "in_range": True,
            }
            for marker in volume["crossings"]
        ]
    for option in results.get("options", []) if "crossings" not in volume else ():
        for be in option.get("breakevens") or []:
            tokens = be.get("tokens_per_month")
            if not be.get("reachable") or tokens is None:
                continue
            api = by_name.get(be["api_option"])
            cost = _interpolate(volumes, api["values"], tokens) if api else None
            if cost is None:
                blended = next(
                    (
                        o.get("blended_per_mtok")
                        for o in results["options"]
                        if o["name"] == be["api_option"]
                    ),
                    None,
                )
                cost = None if blended is None else blended * tokens / 1e6
            points.append(
                {
                    "selfhost": option["name"],
                    "api": be["api_option"],
                    "tokens": tokens,
                    "cost": _round2(cost),
                    # Labels from the numbers, by the same formatters as the tables.
                    "label": format_tokens(tokens),
                    "cost_label": format_money(cost, currency),
                    "in_range": volumes[0] <= tokens <= volumes[-1],
                }
            )
    rows = [
        {"tokens": v, "values": [s["values"][i] for s in series]} for i, v in enumerate(volumes)
    ]
    workload = curves.get("workload_tokens_per_month") or results.get("tokens_per_month")
    # Each option at the workload's volume: its stored expected monthly cost (the cost table's).
    monthly = {
        o["name"]: (o.get("monthly") or {}).get("expected") for o in results.get("options") or []
    }
    # Crossings past the chart's volumes are in the break-even tables, not on the chart.
    every = sum(len(pair.get("crossings") or []) for pair in results.get("crossings") or [])
    return {
        "volumes": volumes,
        "crossings_beyond": max(0, every - len(points)) if "crossings" in volume else 0,
        "workload_tokens": workload,
        "workload_label": format_tokens(workload),
        "workload_points": [
            {"option": s["name"], "cost": monthly[s["name"]]}
            for s in series
            if monthly.get(s["name"]) is not None
        ],
        "series": series,
        "breakevens": points,
        "rows": rows,
    }


def _breakdown(results: dict[str, Any]) -> dict[str, Any] | None:
    options = results.get("options") or []
    if not options:
        return None
    present = [
        (key, label)
        for key, label in BREAKDOWN_PARTS
        if any(key in (o.get("breakdown") or {}) for o in options)
    ]
    parts = []
    for key, label in present:
        values = []
        for option in options:
            part = (option.get("breakdown") or {}).get(key) or {}
            values.append(_round2(part.get("expected")) if part else None)
        if not any(values):
            continue  # an all-zero component only clutters the legend
        parts.append({"key": key, "label": label, "in_total": key != "downtime", "values": values})
    return {
        "options": [o["name"] for o in options],
        "totals": [_round2((o.get("monthly") or {}).get("expected")) for o in options],
        "parts": parts,
    }


def _uncertainty(results: dict[str, Any]) -> dict[str, Any] | None:
    rows = []
    seen = set()
    method = "monte_carlo"
    for option in results.get("options") or []:
        mc = option.get("monte_carlo")
        if not mc:
            continue
        rows.append({"label": option["name"], "kind": "selfhost", **mc["selfhost"]})
        if mc["vs"] not in seen:
            seen.add(mc["vs"])
            rows.append({"label": mc["vs"], "kind": "api", **mc["api"]})
    if not rows:
        # No self-host option: show each option's low / expected / high corners instead.
        method = "corners"
        for option in results.get("options") or []:
            monthly = option.get("monthly") or {}
            rows.append(
                {
                    "label": option["name"],
                    "kind": option.get("kind"),
                    "p10": monthly.get("low"),
                    "p50": monthly.get("expected"),
                    "p90": monthly.get("high"),
                }
            )
    if not rows:
        return None
    p_cheaper = [
        {
            "option": o["name"],
            "vs": o["monte_carlo"]["vs"],
            "p": o["monte_carlo"]["p_selfhost_cheaper"],
        }
        for o in results.get("options") or []
        if o.get("monte_carlo")
    ]
    return {"method": method, "rows": rows, "p_selfhost_cheaper": p_cheaper}


def _utilization(curves: dict[str, Any]) -> dict[str, Any] | None:
    util = curves.get("utilization") or {}
    points = util.get("points") or []
    series = util.get("series") or []
    if not points or not series:
        return None
    rows = [{"u": u, "values": [s["values"][i] for s in series]} for i, u in enumerate(points)]
    return {"points": points, "series": series, "rows": rows}


@register.simple_tag
def plan_charts(
    results: dict[str, Any] | None, chart_data: dict[str, Any] | None, currency: str
) -> dict[str, Any]:
    """Everything the plan / comparison charts draw (empty dict if nothing computed), with
    the money spec static/js/format.js formats the amounts by."""
    if not results:
        return {}
    curves = chart_data or {}
    charts = {
        "money": money_spec(currency),
        "recommended": (results.get("recommendation") or {}).get("option"),
        "volume": _volume(results, curves, currency),
        "breakdown": _breakdown(results),
        "utilization": _utilization(curves),
        "uncertainty": _uncertainty(results),
    }
    return {k: v for k, v in charts.items() if v is not None}


@register.filter
def pct(value: Any, places: int = 0) -> str:
    """0.456 -> "46%" (places=0) — shares shown as percentages."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(places)}f}%"


@register.filter
def tokens(value: Any) -> str:
    """``{{ count|tokens }}``: "1.5B", "651.6M" (formatting.format_tokens)."""
    return format_tokens(value)


@register.filter
def money(value: Any, currency: str) -> str:
    """``{{ amount|money:currency }}``: "$1,440.00", "-¥4,980" (formatting.format_money)."""
    return format_money(value, currency)


@register.filter
def rate(value: Any, currency: str) -> str:
    """``{{ price|rate:currency }}``: "$0.065" per unit (formatting.format_rate)."""
    return format_rate(value, currency)


def _number(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@register.simple_tag
def difference(a: Any, b: Any) -> dict[str, Any] | None:
    """B minus A, and how much that is relative to A: for the side-by-side page."""
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return None
    delta = y - x
    relative = None if x == 0 else float(delta / abs(x))
    return {
        "delta": delta,
        "abs": abs(delta),
        "sign": "+" if delta > 0 else ("−" if delta < 0 else ""),  # noqa: RUF001 (minus sign)
        "relative": None if relative is None or not math.isfinite(relative) else abs(relative),
        "direction": "up" if delta > 0 else ("down" if delta < 0 else "same"),
    }


@register.simple_tag
def heat_index(name: str, names: list[str]) -> int:
    """The colour slot of an option in the sweep heatmap and its legend."""
    try:
        return names.index(name) % HEAT_COLOURS
    except ValueError:
        return HEAT_COLOURS - 1


@register.filter
def at(sequence: Any, index: int) -> Any:
    try:
        return sequence[int(index)]
    except (IndexError, KeyError, TypeError, ValueError):
        return None


@register.simple_tag
def plan_share_links(plan: Any) -> list[Any]:
    """The plan's active share links (one query)."""
    from planner.share_services import share_links_for_plan

    return list(share_links_for_plan(plan=plan))


@register.filter
def cost_line(key: str) -> str:
    return line_label(key)


@register.filter
def lens_words(key: str) -> str:
    return lens_label(key)


@register.filter
def reason_summary(reason: dict[str, Any], currency: str) -> str:
    """``{{ reason|reason_summary:currency }}``: a reason as a sentence, without the
    questions the page lists beside it (``decision_answers``)."""
    return wording.reason_text(reason, currency, answers=False)


@register.filter
def decision_answers(figures: dict[str, Any], tokens_per_month: Any = None) -> list[dict[str, Any]]:
    """``{{ reason.figures|decision_answers:results.tokens_per_month }}``: the five
    questions with their answers and where each answer comes from."""
    return wording.decision_answers(
        figures, None if tokens_per_month in (None, "") else float(tokens_per_month)
    )


@register.filter
def breakeven_text(row: dict[str, Any], option: str) -> str:
    """``{{ be|breakeven_text:option.name }}``: a break-even row as a sentence."""
    return wording.breakeven_text(option, row)


@register.filter
def milestone_text(milestone: dict[str, Any]) -> str:
    return wording.milestone_text(milestone)


@register.filter
def fit_text(option: dict[str, Any]) -> str:
    return wording.fit_text(option)


@register.filter
def serving_text(serving: dict[str, Any]) -> str:
    """``{{ option.serving|serving_text }}``: concurrency, rate and latency in words."""
    return wording.serving_text(serving)


@register.filter
def reserve_note(depth: dict[str, Any]) -> str:
    return wording.reserve_note(depth)


@register.filter
def owned_default(item: dict[str, Any], currency: str) -> str:
    """``{{ item|owned_default:currency }}``: a figure an owned option left to the catalog."""
    return wording.owned_default_text(item, currency)


@register.filter
def words(key: str, group: str) -> str:
    """``{{ option.rent_mode|words:"rent_mode" }}``: a stored key in words (planner.labels)."""
    return key_words(group, key)


@register.filter
def energy_basis(energy: dict[str, Any]) -> str:
    """``{{ option.energy|energy_basis }}``: how an energy figure was reached, or why not."""
    return wording.energy_basis(energy)


@register.filter
def quality_text(quality: dict[str, Any] | None) -> str:
    return wording.quality_text(quality)


@register.filter
def floor_text(floor: dict[str, Any]) -> str:
    return wording.floor_text(floor)
