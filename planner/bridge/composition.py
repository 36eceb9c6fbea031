"""A plan snapshot (schema 2) as the engine's one :class:`~planner.engine.compose.Scenario`,
and the :class:`~planner.engine.compose.Composition` as the stored results JSON.

Every figure of a stored result comes from the one composition: the cost table, the
break-even (crossing) table, the ownership section, the charts and the Monte Carlo
bands name the same replica count and monthly cost for an option.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from planner.bridge import figures
from planner.bridge.serving import latency_targets, request_shape, serving_profile
from planner.engine import compose as eng
from planner.engine.api import (
    API_PARTS,
    ApiOffer,
    ApiTraffic,
    ContextShare,
    ContextTier,
    PriceTier,
    ServiceTier,
    uncached_input_share,
)
from planner.engine.contract import serving_json, unit_costs
from planner.engine.errors import ScenarioError
from planner.engine.fleet import Lens, Serving
from planner.engine.owned import OwnedCost, ServerFinance
from planner.engine.recommend import DEFAULT_PREFERENCE_PREMIUM, DEFAULT_VOLUME_TIERS, VolumeTier
from planner.engine.rented import RentedCapacity
from planner.engine.selfhost import (
    Billing,
    BillingMode,
    OnDemandRate,
    Pricing,
    ReservedRate,
    SpotRate,
)
from planner.engine.shape import requests_for
from planner.labels import MILESTONE_LABELS

SCHEMA = 2
UTILIZATION_POINTS = tuple(round(0.05 * i, 2) for i in range(1, 21))


def cents(value: float | None) -> float | None:
    from planner.bridge.plans import cents as to_cents

    return to_cents(value)


def _lex(corners: eng.Corners) -> dict[str, float | None]:
    return {k: cents(v) for k, v in corners.as_dict().items()}


# --- snapshot -> scenario --------------------------------------------------------------


def api_offer(snap: Mapping[str, Any], *, name: str | None = None) -> ApiOffer:
    """An engine offer from a snapshot's offer (named by its ``label`` unless ``name``);
    an output-only offer keeps ``input_per_mtok=None``. Snapshots stored before the
    cache-write price and the service and context tiers have none."""
    return ApiOffer(
        output_per_mtok=snap["output_per_mtok"],
        input_per_mtok=snap["input_per_mtok"],
        cached_input_per_mtok=snap["cached_input_per_mtok"],
        name=snap["label"] if name is None else name,
        tiers=tuple(
            PriceTier(
                from_tokens=t["from_tokens"],
                input_per_mtok=t["input_per_mtok"],
                output_per_mtok=t["output_per_mtok"],
            )
            for t in snap.get("tiers", [])
        ),
        cache_write_per_mtok=snap.get("cache_write_per_mtok"),
        service_tiers=tuple(
            ServiceTier(name=tier_name, **prices)
            for tier_name, prices in (snap.get("service_tiers") or {}).items()
        ),
        context_tiers=tuple(ContextTier(**tier) for tier in snap.get("context_tiers") or []),
    )


def api_traffic(w: Mapping[str, Any]) -> ApiTraffic:
    """How a snapshot's workload buys its API tokens (none before these shares existed)."""
    return ApiTraffic(
        cache_write_share=w.get("cache_write_share", 0.0),
        batch_share=w.get("batch_share", 0.0),
        priority_share=w.get("priority_share", 0.0),
        flex_share=w.get("flex_share", 0.0),
        long_context_shares=tuple(
            ContextShare(p["above_tokens"], p["share"]) for p in w.get("long_context_shares", [])
        ),
    )


def _mid(pair: list[float]) -> float:
    return (pair[0] + pair[1]) / 2.0


def _flat_monthly_span(sh: dict[str, Any]) -> eng.Span:
    """Hidden items + labor (hours x rate) + other, at their cheap and dear ends."""
    items = [sum(item["monthly"][i] for item in sh["hidden_items"]) for i in (0, 1)]
    rate = sh["labor"]["hourly_rate"]
    labor = [sh["labor"]["hours"] * rate[0], sh["labor"]["hours"] * rate[1]]
    other = sh["other_monthly"]
    return eng.Span.of(items[0] + labor[0] + other, items[1] + labor[1] + other)


def _throughput_span(sh: dict[str, Any]) -> eng.Span:
    t = sh["throughput"]
    return eng.Span(t["range"][0], t["range"][1], t["planning"])


def _fleet_choice(
    snap: dict[str, Any], w: dict[str, Any], inputs: dict[str, Any]
) -> eng.FleetChoice:
    sh, name = snap["selfhost"], snap["name"]
    d = sh["depth"]
    tps = _throughput_span(sh)
    other = _flat_monthly_span(sh)
    multiplier = sh["hidden_multiplier"] or 1.0
    serving = Serving(
        tokens_per_second=tps.expected,
        gpus_per_replica=d["gpus_per_replica"],
        headroom=d["headroom"],
        peak_to_average=w["peak_to_average"],
    )
    common = {
        "ops_fte": d["ops_fte"],
        "ops_fte_monthly_cost": d["ops_fte_monthly_cost"],
        "implementation_one_off": d["implementation_one_off"],
        "hidden_multiplier": multiplier,
        "other_monthly": other.expected,
        "name": name,
    }
    fleet: eng.Fleet
    if d["kind"] == "owned":
        from planner.bridge.plans import PRE_ISSUE_15_FINANCE

        finance = {**PRE_ISSUE_15_FINANCE, **d["finance"]}
        price = eng.Span.of(*d.get("server_price_span", [finance["server_price"]] * 2))
        finance["server_price"] = price.expected
        fleet = eng.OwnedFleet(
            ServerFinance(**finance, allow_multi_server=d["allow_multi"], **common), serving
        )
    else:
        hourly = sh["pricing"]["hourly"]  # per replica
        per_instance = d["gpus_per_instance"] / sh["machine"]["count"]
        price = eng.Span.of(hourly[0] * per_instance, hourly[1] * per_instance)
        rates: dict[str, Callable[[float], Pricing]] = {
            "on_demand": OnDemandRate,
            "spot": lambda h: SpotRate(hourly=h),
            "reserved": ReservedRate,
        }
        pricing = rates[d["pricing_type"]](price.expected)
        fleet = RentedCapacity(
            pricing=pricing,
            serving=serving,
            gpus_per_instance=d["gpus_per_instance"],
            allow_multi_instance=d["allow_multi"],
            billing=Billing(
                mode=BillingMode(sh["billing"]["mode"]),
                window_hours=sh["billing"]["window_hours"],
                buffer_fraction=d["buffer_fraction"],
            ),
            **common,
        )
    # A snapshot before issue 15 has no "p99_latency_measured": its figure stays the one.
    measured = snap.get("p99_latency_measured", True)
    serving = sh.get("serving")
    return eng.FleetChoice(
        name=name,
        fleet=fleet,
        price=price,
        tokens_per_second=tps,
        other_monthly=other,
        replica_availability=d["replica_availability"],
        region_availability=d["region_availability"],
        p99_latency_s=snap["p99_latency_s"] if measured else None,
        success_rate=success_rate(snap, w["task_success_rates"]),
        engineering_monthly=sh["labor"]["hours"] * _mid(sh["labor"]["hourly_rate"]),
        quality_score=figures.quality_score(snap, inputs),
        power=None if d["kind"] == "owned" else figures.power_draw(sh),
        grid=figures.grid_intensity(sh),
        profile=None if serving is None else serving_profile(serving),
        concurrency=None if serving is None else serving.get("concurrency"),
        catalog_p99_latency_s=None if measured else snap["p99_latency_s"],
    )


def _norm(text: str) -> str:
    from planner.bridge.plans import _norm as norm

    return norm(text)


def success_rate(snap: dict[str, Any], rates: dict[str, Any]) -> float | None:
    """The workload's success rate for the option's model (or the option's name), if known."""
    names = []
    if "api" in snap:
        names.append(snap["api"].get("model_name") or snap["api"]["key"][0])
    if "selfhost" in snap:
        names.append(snap["selfhost"]["model_name"])
    names.append(snap["name"])
    lowered = {_norm(k): v for k, v in rates.items()}
    for name in names:
        if name and _norm(name) in lowered:
            return float(lowered[_norm(name)])
    return None


def scenario_of(inputs: dict[str, Any], *, monte_carlo: bool = True) -> eng.Scenario:
    """The engine scenario of a schema-2 snapshot (see ``plans.build_inputs``)."""
    if inputs.get("schema") != SCHEMA:
        raise ScenarioError("schema", f"not a schema {SCHEMA} snapshot")
    w = inputs["workload"]
    avail = inputs["assumptions"]["availability"]
    api_availability = _mid(avail["api"])
    snaps = inputs["options"]
    if not snaps:
        raise ScenarioError("options", "a plan needs at least one option")
    options: list[eng.Choice] = []
    for snap in snaps:
        rate = success_rate(snap, w["task_success_rates"])
        if snap["kind"] == "api":
            options.append(
                eng.ApiChoice(
                    name=snap["name"],
                    offer=api_offer(snap["api"]),
                    availability=api_availability,
                    p99_latency_s=snap["p99_latency_s"],
                    success_rate=rate,
                    quality_score=figures.quality_score(snap, inputs),
                )
            )
        elif snap["kind"] == "selfhost":
            options.append(_fleet_choice(snap, w, inputs))
        else:
            h = snap["hybrid"]
            options.append(
                eng.HybridChoice(
                    name=snap["name"],
                    premium=api_offer(snap["api"]),
                    cheap=snaps[h["cheap_index"]]["name"],
                    routed_share=h["routed_share"],
                    escalation_rate=h["escalation_rate"],
                    availability=api_availability,
                    p99_latency_s=snap["p99_latency_s"],
                    success_rate=rate,
                    quality_score=figures.quality_score(snap, inputs),
                )
            )
    depth = inputs["depth"]
    tiers = tuple(
        VolumeTier(t["option"], t["min_tokens"], t["max_tokens"])
        for t in inputs["assumptions"]["volume_tiers"]
    )
    mc = inputs["monte_carlo"]
    return eng.Scenario(
        workload=eng.Workload(
            tokens_per_month=w["tokens_per_month"],
            input_share=w["input_share"],
            cached_share=w["cached_share"],
            days_per_month=w["days_per_month"],
            availability_target=w["availability_target"],
            downtime_cost_per_hour=w["downtime_cost_per_hour"],
            latency_p99_target_s=w["latency_p99_target_s"],
            has_idle_gpu_fleet=w["has_idle_gpu_fleet"],
            data_must_stay_in_network=w["data_must_stay_in_network"],
            needs_finetuning=w["needs_finetuning"],
            has_mlops_team=w["has_mlops_team"],
            open_model_meets_accuracy=w["open_model_meets_accuracy"],
            traffic=api_traffic(w),
            quality_floor=figures.quality_floor(inputs),
            request_shape=request_shape(w),
            ttft_p99_target_s=latency_targets(w).ttft_p99_s,
            tpot_p99_target_s=latency_targets(w).tpot_p99_s,
        ),
        options=tuple(options),
        hours_per_month=inputs["hours_per_month"],
        lens=Lens(depth["lens"]),
        analysis_months=depth["analysis_months"],
        volume_tiers=tiers or DEFAULT_VOLUME_TIERS,
        monte_carlo_samples=mc["samples"] if monte_carlo else 0,
        monte_carlo_seed=mc["seed"],
    )


def api_traffic_error(workload: Any) -> tuple[str, str] | None:
    """The engine's objection to a workload's traffic shares, as (model field, message):
    what a workload row may hold is what the engine can price."""
    from planner.bridge.plans import api_traffic_snapshot

    try:
        snap = api_traffic_snapshot(workload)
        traffic = api_traffic(snap)
        uncached_input_share(cached_share=float(workload.cached_share), traffic=traffic)
    except ScenarioError as exc:
        field, _, part = exc.field.partition(".")
        words = {"above_tokens": "an input length", "share": "a share"}
        message = f"{words.get(part, part)} {exc.message}" if part else exc.message
        return field, message[:1].upper() + message[1:] + "."
    return None


# --- composition -> results JSON -------------------------------------------------------


def _fleet_result(
    cost: eng.OptionCost, snap: dict[str, Any], *, tokens: float, months: float, lens: str
) -> dict[str, Any]:
    sh = snap["selfhost"]
    fleet = cost.fleet
    assert fleet is not None
    served = tokens / fleet.capacity_tokens_per_month if fleet.capacity_tokens_per_month else None
    lines = [
        {
            "key": key,
            "monthly": cents(value.expected),
            "period": cents(value.expected * months),
            "in_lens": True,
        }
        for key, value in cost.lines.items()
    ] + [
        {
            "key": key,
            "monthly": cents(value),
            "period": cents(value * months),
            "in_lens": False,
        }
        for key, value in cost.excluded_lines.items()
    ]
    reserve = None
    if fleet.reserve is not None:
        r = fleet.reserve
        reserve = {
            "needed": r.needed,
            "spares": r.spares,
            "regions": r.regions,
            "total_replicas": r.total_replicas,
            "availability": round(r.availability, 8),
            "base_availability": round(r.base_availability, 8),
            "target": r.target,
            "monthly": cents(cost.lines["reserve"].expected if "reserve" in cost.lines else 0.0),
            "applied": r.spares > 0 or r.regions > 1,
        }
    depth: dict[str, Any] = {
        "kind": cost.kind,
        "lens": lens,
        "analysis_months": months,
        "monthly": cents(cost.monthly.expected),
        "period_total": cents(cost.monthly.expected * months),
        "replicas_needed": fleet.replicas,
        "gpus": fleet.gpus,
        "machines": fleet.machines,
        "lines": lines,
        "reserve": reserve,
    }
    if fleet.reserve_note:
        depth["reserve_skipped"] = fleet.reserve_note  # words: labels.RESERVE_SKIPPED
    detail = cost.detail
    if cost.kind == "owned":
        finance = snap["selfhost"]["depth"]["finance"]
        depth["finance"] = {
            "servers": fleet.machines,
            "gpus_per_server": finance["gpus_per_server"],
            "server_price": cents(detail.acquisition / max(1, fleet.machines)),  # type: ignore[union-attr]
            "useful_life_years": finance["useful_life_years"],
            "residual_value": finance["residual_value"],
            "purchases": detail.purchases,  # type: ignore[union-attr]
            "last_life_share": round(detail.last_life_share, 6),  # type: ignore[union-attr]
            "acquisition": cents(detail.acquisition),  # type: ignore[union-attr]
            "average_book_value": cents(detail.average_book_value),  # type: ignore[union-attr]
            "book_value_at_end": cents(detail.book_value_at_end),  # type: ignore[union-attr]
        }
        if isinstance(detail, OwnedCost) and "installation_policy" in finance:
            # Issue 15: the installation policy, the GPUs' load and energy, and where each
            # figure the option left empty came from.
            defaults = snap["selfhost"]["depth"].get("finance_defaults", {})
            depth["finance"] |= {
                "installation_policy": detail.installation_policy.value,
                "capitalised": cents(detail.capitalised),
                "gpu_load": round(detail.gpu_load, 6),
                "energy_kwh": round(detail.energy_kwh, 2),
                "defaults": [
                    {"field": field, "value": finance[field], "source": source}
                    for field, source in defaults.items()
                ],
            }
    else:
        depth["gpus_per_instance"] = sh["depth"]["gpus_per_instance"]
        depth["billed_instance_hours"] = round(fleet.billed_hours, 2)
    return {
        "model_name": sh["model_name"],
        "machine": sh["machine"]["label"],
        "fleet_kind": cost.kind,
        "rent_mode": sh["pricing"]["type"],
        "billing_mode": sh["billing"]["mode"],
        "precision": sh["precision"],
        "fit": sh.get("fit"),
        "throughput_source": sh["throughput"]["source"],
        "tokens_per_second": sh["throughput"]["planning"],
        "tokens_per_second_range": sh["throughput"]["range"],
        "utilization": sh["utilization"],
        "replicas": fleet.replicas,
        "spares": fleet.spares,
        "regions": fleet.regions,
        "total_replicas": fleet.total_replicas,
        "gpus": fleet.gpus,
        "machines": fleet.machines,
        "capacity_tokens_per_month": round(fleet.capacity_tokens_per_month),
        "served_utilization": None if served is None else round(served, 4),
        "billed_hours": round(fleet.billed_hours, 2),
        "hidden_multiplier": sh["hidden_multiplier"] or 1.0,
        "lens": lens,
        "depth": depth,
    }


def results_of(composition: eng.Composition, inputs: dict[str, Any]) -> dict[str, Any]:
    """The stored results of a composition: numbers and keys (schema 2)."""
    scenario = composition.scenario
    w = inputs["workload"]
    tokens = w["tokens_per_month"]
    months = scenario.analysis_months
    lens = scenario.lens.value
    snaps = inputs["options"]
    kinds = {cost.name: cost.kind for cost in composition.options}
    results: list[dict[str, Any]] = []
    for snap, cost in zip(snaps, composition.options, strict=True):
        out: dict[str, Any] = {
            "name": cost.name,
            "kind": snap["kind"],
            "p99_latency_s": None if cost.p99_latency_s is None else round(cost.p99_latency_s, 4),
            "monthly": _lex(cost.monthly),
            "breakdown": _breakdown(cost, snap),
            "availability": round(cost.availability, 8),
            "downtime_hours": round(cost.downtime_hours, 2),
            "downtime_cost": cents(cost.downtime_cost),
            "monthly_with_downtime": cents(cost.monthly.expected + cost.downtime_cost),
            "cost_per_mtok": None if cost.cost_per_mtok is None else round(cost.cost_per_mtok, 4),
            "outcome": {
                "success_rate": cost.success_rate,
                "known": cost.success_rate is not None,
                "max_retries": eng.OUTCOME_MAX_RETRIES,
                "cost_per_mtok": None
                if cost.cost_per_mtok is None
                else round(cost.cost_per_mtok, 4),
                "cost_per_successful_mtok": None
                if cost.cost_per_successful_mtok is None
                else round(cost.cost_per_successful_mtok, 4),
                # 1 = cheapest per successful outcome among known rates; unknown: None.
                "rank": cost.outcome_rank,
            },
            "quality": _quality_json(cost, snap, inputs),
            "energy": _energy_json(cost, snap),
        }
        if snap["kind"] in ("api", "hybrid"):
            choice = scenario.options[len(results)]
            out |= {
                "offer": snap["api"]["label"],
                "output_only": api_offer(snap["api"]).output_only,
                "private_price": snap["api"]["private"],
                "blended_per_mtok": round(
                    eng.blended_per_mtok(choice, scenario.workload),  # type: ignore[arg-type]
                    6,
                ),
            }
        if scenario.workload.request_shape is not None:
            out |= _per_request(cost)
        if snap["kind"] == "selfhost":
            out["latency_source"] = _latency_source(cost, snap)
            out |= _fleet_result(cost, snap, tokens=tokens, months=months, lens=lens)
            if cost.serving is not None:
                out["serving"] = serving_json(cost.serving)
            out["breakevens"] = _breakevens(composition, cost.name, kinds, w)
            if cost.engineering is not None:
                roi = cost.engineering.roi
                out["engineering_vs_api"] = {
                    "vs": cost.engineering.vs,
                    "api_spend_saved_monthly": cents(roi.api_spend_saved_monthly),
                    "engineering_monthly": cents(roi.engineering_cost_monthly),
                    "net_monthly": cents(roi.net_monthly),
                    "upfront": cents(roi.upfront_cost),
                    "payback_months": None
                    if roi.payback_months is None
                    else round(roi.payback_months, 2),
                }
            mc = composition.monte_carlo.get(cost.name)
            if mc is not None:
                out["monte_carlo"] = {
                    "vs": mc.vs,
                    "samples": mc.samples,
                    "seed": mc.seed,
                    "api": {
                        "p10": cents(mc.api[0]),
                        "p50": cents(mc.api[1]),
                        "p90": cents(mc.api[2]),
                    },
                    "selfhost": {
                        "p10": cents(mc.selfhost[0]),
                        "p50": cents(mc.selfhost[1]),
                        "p90": cents(mc.selfhost[2]),
                    },
                    "p_selfhost_cheaper": round(mc.p_selfhost_cheaper, 4),
                }
        if snap["kind"] == "hybrid" and cost.route is not None:
            route = cost.route
            cheap_name = snaps[snap["hybrid"]["cheap_index"]]["name"]
            out |= {
                "cheap_option": cheap_name,
                "routed_share": snap["hybrid"]["routed_share"],
                "escalation_rate": snap["hybrid"]["escalation_rate"],
                "cheap_tokens": round(route.cheap_tokens),
                "premium_tokens": round(route.premium_tokens),
            }
        results.append(out)
    rec = composition.recommendation
    cheapest = composition.cheapest
    cheapest_cost = None if cheapest is None else composition.option(cheapest)
    return {
        "schema": SCHEMA,
        "tokens_per_month": tokens,
        "tokens_per_day": tokens / w["days_per_month"],
        "input_share": w["input_share"],
        **_requests(scenario.workload),
        "hours_per_month": scenario.hours_per_month,
        "options": results,
        "recommendation": {
            "option": rec.option,
            "kind": None if rec.kind is None else rec.kind.value,
            "reasons": [
                {"code": r.code, "figures": _reason_figures(r.code, r.figures)} for r in rec.reasons
            ],
            "excluded": list(rec.excluded),
        },
        "cheapest": None
        if cheapest_cost is None
        else {"name": cheapest, "monthly": cents(cheapest_cost.monthly.expected)},
        "reliability": {"downtime_cost_per_hour": w["downtime_cost_per_hour"], "by_option": {}},
        "crossings": [_pair_json(pair, kinds) for pair in composition.pairs],
        "curves": _curves(composition, kinds),
        "lens": lens,
        "analysis_months": months,
        "milestones": _milestones(composition, kinds),
        "outcome_ranking": {
            "ranked": list(composition.outcome_ranking),
            "unranked": list(composition.outcome_unranked),
        },
        "quality_floor": inputs.get("quality_floor"),
    }


def _round(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


def _quality_json(
    cost: eng.OptionCost, snap: dict[str, Any], inputs: dict[str, Any]
) -> dict[str, Any] | None:
    """The option's published score and, with a quality floor, where it stands.

    ``score`` is what the floor compares (a hybrid: the lower of its two routes);
    ``meets_floor`` is None without a floor or without a score.
    """
    published = snap.get("quality")
    if published is None and cost.quality_score is None:
        return None
    floor = figures.quality_floor(inputs)
    meets = None
    if floor is not None and floor.reference_score is not None and cost.quality_score is not None:
        meets = floor.meets(cost.quality_score)
    return {
        "score": cost.quality_score if floor is not None else (published or {}).get("score"),
        "share": _round(cost.quality_share, 4),
        "meets_floor": meets,
        "model": (published or {}).get("model"),
        "model_score": (published or {}).get("score"),
        "benchmark": (published or {}).get("benchmark"),
        "source": (published or {}).get("source"),
        "source_description": (published or {}).get("source_description"),
        "as_of": (published or {}).get("as_of"),
    }


def _energy_json(cost: eng.OptionCost, snap: dict[str, Any]) -> dict[str, Any]:
    """kWh and kg CO2e a month of a self-hosted fleet, or why they are unknown
    (``unknown_because``: ``not_published``, an API or a route through one;
    ``no_gpu_power``, no TDP known; words: labels.ENERGY_UNKNOWN)."""
    energy = cost.energy
    if energy is None:
        reason = "no_gpu_power" if snap["kind"] == "selfhost" else "not_published"
        return {"known": False, "unknown_because": reason}
    sh = snap["selfhost"]
    stated = (sh.get("energy") or {}).get("gpu_power") or {}
    owned = cost.kind == "owned"
    grid = (sh.get("energy") or {}).get("grid")
    return {
        "known": True,
        "unknown_because": None,
        "kwh_per_month": round(energy.kwh_per_month, 2),
        "kg_co2e_per_month": _round(energy.kg_co2e_per_month, 2),
        "carbon_known": energy.kg_co2e_per_month is not None,
        "gpu_load": round(energy.gpu_load, 4),
        "gpu_hours": round(energy.gpu_hours, 2),
        "machine_hours": round(energy.machine_hours, 2),
        "gpu_watts": energy.power.gpu_watts,
        # Owned servers draw what their finance states (the energy line's figures).
        "gpu_watts_source": "owned_finance" if owned else stated.get("source"),
        "gpu_watts_source_description": None if owned else stated.get("source_description"),
        "server_base_watts": energy.power.server_base_watts,
        "pue": energy.power.pue,
        "grid": grid,
    }


def _requests(w: eng.Workload) -> dict[str, Any]:
    """The workload's request shape and how many requests its volume makes (if it has one)."""
    shape = w.request_shape
    if shape is None:
        return {}
    requests = requests_for(w.tokens_per_month, shape)
    return {
        "request_shape": {
            "input_tokens": shape.input_tokens,
            "output_tokens": shape.output_tokens,
        },
        "requests_per_month": round(requests, 2),
        "requests_per_day": round(requests / w.days_per_month, 2),
    }


def _per_request(cost: eng.OptionCost) -> dict[str, Any]:
    """Cost per request and per 1,000 requests (as the CLI quote's ``unit_costs``)."""
    units = unit_costs(cost.monthly.expected, cost.cost_per_mtok, cost.cost_per_request)
    return {
        "cost_per_request": units["per_request"],
        "cost_per_1k_requests": units["per_1k_requests"],
    }


def _latency_source(cost: eng.OptionCost, snap: dict[str, Any]) -> str | None:
    """Where a self-hosted option's p99 comes from: measured, estimate or catalog."""
    if cost.p99_latency_s is None or "p99_latency_measured" not in snap:
        return None  # none, or a snapshot from before the sources were told apart
    if snap["p99_latency_measured"]:
        return "measured"
    serving = cost.serving
    return "estimate" if serving is not None and serving.latency is not None else "catalog"


def _breakdown(cost: eng.OptionCost, snap: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """The option's lines, with the fleet's compute and flat lines shown by component.

    The rented compute line carries the hidden multiplier: shown as the GPU bill and
    what the multiplier adds. The flat line is the hidden items, the labor and the other
    monthly costs, each read at the same corner as the total. Parts add up to the line.
    """
    out: dict[str, dict[str, float | None]] = {}
    sh = snap.get("selfhost")
    for key, value in cost.lines.items():
        if key == "api" and cost.api_parts is not None:
            out |= _api_parts(cost.api_parts, value)
        elif sh is not None and key == "compute":
            multiplier = sh["hidden_multiplier"] or 1.0
            out["gpu"] = _lex(_scaled(value, 1.0 / multiplier))
            if multiplier > 1.0:
                out["hidden_multiplier"] = _lex(_scaled(value, 1.0 - 1.0 / multiplier))
        elif sh is not None and key == "other":
            items = eng.Span.of(*(sum(i["monthly"][k] for i in sh["hidden_items"]) for k in (0, 1)))
            rate = sh["labor"]["hourly_rate"]
            labor = eng.Span.of(sh["labor"]["hours"] * rate[0], sh["labor"]["hours"] * rate[1])
            for part, span in (("hidden_items", items), ("labor", labor)):
                if span.high:
                    out[part] = _lex(_corners(span))
            if sh["other_monthly"]:
                out["other"] = _lex(_corners(eng.Span.of(sh["other_monthly"])))
        else:
            out[key] = _lex(value)
    return out


def _api_parts(parts: dict[str, float], line: eng.Corners) -> dict[str, dict[str, float | None]]:
    """The API line by part (standard, service tiers, cache reads and writes, long-context
    surcharge) when it has more than the standard part; else the one line, as before."""
    shown = {key: parts[key] for key in API_PARTS if parts[key]}
    if set(shown) <= {"api_standard"}:
        return {"api": _lex(line)}
    return {key: _lex(eng.Corners(value, value, value)) for key, value in shown.items()}


def _scaled(value: eng.Corners, factor: float) -> eng.Corners:
    return eng.Corners(value.low * factor, value.expected * factor, value.high * factor)


def _corners(span: eng.Span) -> eng.Corners:
    return eng.Corners(span.at("low"), span.expected, span.at("high"))


def _json_figures(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v)
        for k, v in figures.items()
    }


def _reason_figures(code: str, figures: dict[str, Any]) -> dict[str, Any]:
    """A reason's figures, with the premium the rules may justify where its sentence names it
    (the composition recommends with the engine's default premium)."""
    out = _json_figures(figures)
    if code in ("not_cheapest", "rules_outweighed_by_cost"):
        out.setdefault("premium_allowed", DEFAULT_PREFERENCE_PREMIUM)
    return out


def _pair_json(pair: eng.PairCrossings, kinds: dict[str, str]) -> dict[str, Any]:
    return {
        "a": pair.a,
        "b": pair.b,
        "a_kind": kinds[pair.a],
        "b_kind": kinds[pair.b],
        "crossings": [
            {
                "volume": c.volume,
                "cheaper_above": c.cheaper_above,
                "cheaper_below": c.cheaper_below,
            }
            for c in pair.crossings
        ],
        "cheaper_at_start": pair.cheaper_at_start,
        "cheaper_at_limit": pair.cheaper_at_limit,
        "limit": pair.limit,
        "error": pair.error,
    }


def _breakevens(
    composition: eng.Composition, name: str, kinds: dict[str, str], w: dict[str, Any]
) -> list[dict[str, Any]]:
    """The self-host option against each API option: every crossing of the pair.

    ``reachable`` says whether some fleet size wins up to the search limit; the first
    such volume is ``tokens_per_month``. ``one_deployment`` says whether that volume is
    within what one replica carries, and ``replicas`` how many run there.
    """
    cost = composition.option(name)
    assert cost.fleet is not None
    per_replica = cost.fleet.capacity_tokens_per_month / cost.fleet.replicas
    rows = []
    for pair in composition.pairs:
        if name not in (pair.a, pair.b):
            continue
        other = pair.b if pair.a == name else pair.a
        if kinds[other] != "api":
            continue
        crossings = [
            {
                "tokens_per_month": c.volume,
                "tokens_per_day": round(c.volume / w["days_per_month"]),
                "selfhost_cheaper_above": c.cheaper_above == name,
                "replicas": max(1, math.ceil(c.volume / per_replica)),
            }
            for c in pair.crossings
        ]
        first = next((c for c in crossings if c["selfhost_cheaper_above"]), None)
        wins_at_start = pair.error is None and pair.cheaper_at_start == name
        rows.append(
            {
                "api_option": other,
                "reachable": first is not None or wins_at_start,
                "tokens_per_month": None if first is None else first["tokens_per_month"],
                "tokens_per_day": None if first is None else first["tokens_per_day"],
                "one_deployment": first is not None and first["replicas"] == 1,
                "replicas": None if first is None else first["replicas"],
                "crossings": crossings,
                "cheaper_at_start": pair.cheaper_at_start,
                "cheaper_at_limit": pair.cheaper_at_limit,
                "limit": pair.limit,
                "replica_capacity_tokens_per_month": round(per_replica),
                "error": pair.error,
            }
        )
    return rows


def _curves(composition: eng.Composition, kinds: dict[str, str]) -> dict[str, Any]:
    scenario = composition.scenario
    tokens = scenario.workload.tokens_per_month
    series = [
        {
            "name": name,
            "kind": "selfhost" if kinds[name] in ("rented", "owned") else kinds[name],
            "step": kinds[name] in ("rented", "owned"),
            "values": [cents(v) for v in values],
        }
        for name, values in composition.curves.items()
    ]
    markers = [
        {
            "a": pair.a,
            "b": pair.b,
            "volume": c.volume,
            "cheaper_above": c.cheaper_above,
            "cheaper_below": c.cheaper_below,
            "cost": cents(composition.cost_at(c.cheaper_above, c.volume)),
        }
        for pair in composition.pairs
        for c in pair.crossings
        if composition.curve_volumes[0] <= c.volume <= composition.curve_volumes[-1]
    ]
    utilization = []
    for cost in composition.options:
        if cost.fleet is None or cost.cost_per_mtok is None:
            continue
        capacity = cost.fleet.capacity_tokens_per_month
        utilization.append(
            {
                "name": cost.name,
                "values": [
                    round(composition.cost_at(cost.name, u * capacity) / (u * capacity) * 1e6, 4)
                    for u in UTILIZATION_POINTS
                ],
            }
        )
    return {
        "workload_tokens_per_month": tokens,
        "volume": {
            "volumes": list(composition.curve_volumes),
            "series": series,
            "crossings": markers,
        },
        "utilization": {"points": list(UTILIZATION_POINTS), "series": utilization},
    }


def _milestones(composition: eng.Composition, kinds: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"limit": composition.limit_tokens, "items": [], "pairs": []}
    if composition.milestones_error is not None:
        out["error"] = composition.milestones_error
        return out
    found = composition.milestones
    if found is None:  # crossings not searched (the preview)
        return out

    def win(key: str, item: Any) -> dict[str, Any]:
        return {
            "key": key,
            "challenger": item.challenger,
            "incumbent": item.incumbent,
            "volume": item.volume,
            "holds_to_limit": item.holds_to_limit,
            "lost_at": item.lost_at,
            "wins_for_good_from": item.wins_for_good_from,
            "limit": item.limit,
        }

    out["items"] = [
        win(key, found.milestones[key]) for key in MILESTONE_LABELS if key in found.milestones
    ]
    out["pairs"] = [
        win("pair", item)
        | {"challenger_kind": kinds[item.challenger], "incumbent_kind": kinds[item.incumbent]}
        for item in found.pairs
    ]
    return out


def evaluate(inputs: dict[str, Any]) -> dict[str, Any]:
    """Compose a schema-2 snapshot and return its stored results."""
    return results_of(eng.compose(scenario_of(inputs)), inputs)
