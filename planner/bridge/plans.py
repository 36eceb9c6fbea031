"""The one bridge between the database and the engine.

Two stages, so a stored comparison can be recomputed exactly:

* :func:`build_inputs` reads a plan's rows (workload, pinned catalog version, the
  organization's overlay through ``pricing.selectors.effective_prices``, options) and
  returns a JSON-able *snapshot* of every figure the engine will see (floats, ranges as
  ``[low, high]``).
* :func:`evaluate` turns a snapshot into engine dataclasses, runs the engine and returns
  the results as JSON, money rounded to cents. It touches no database.

Low / expected / high: every ranged input (GPU hourly, purchase price, throughput,
hidden items, the engineer rate) is read at its low-cost corner, its expected point and
its high-cost corner. Costs are monotone in each of them, so the corners are the bounds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import Any, cast

from planner.bridge.serving import (
    planned_concurrency,
    replica_concurrency,
    serving_snapshot,
    sibling_runs,
)
from planner.bridge.shapes import shape_context_tokens, workload_shape_snapshot
from planner.engine import api as eng_api
from planner.engine import breakeven as eng_breakeven
from planner.engine import capacity as eng_capacity
from planner.engine import hybrid as eng_hybrid
from planner.engine import outcome as eng_outcome
from planner.engine import recommend as eng_recommend
from planner.engine import reliability as eng_reliability
from planner.engine import selfhost as eng_selfhost
from planner.engine import sizing as eng_sizing
from planner.engine import uncertainty as eng_uncertainty
from planner.engine.errors import ScenarioError
from planner.engine.units import HOURS_PER_MONTH, TOKENS_PER_MTOK, format_tokens

# Schema 1 snapshots (stored before one composition) are recomputed by `_evaluate_v1`,
# exactly as they were; schema 2 goes through the engine's one composition.
LEGACY_SCHEMA = 1
SNAPSHOT_SCHEMA = 2
MONTE_CARLO_SAMPLES = 2_000
MONTE_CARLO_SEED = 20_260_101
CURVE_POINTS = 40
CURVE_SPAN = 10.0  # the volume curve runs from V / 10 to V x 10
OUTCOME_MAX_RETRIES = 3
UTILIZATION_POINTS = tuple(round(0.05 * i, 2) for i in range(1, 21))

# pricing.HiddenCostKind -> engine HiddenCostKind
HIDDEN_KIND = {
    "labor": "labor",
    "infra": "infrastructure",
    "monitoring": "monitoring",
    "updates": "model_updates",
    "electricity": "electricity",
    "incidents": "incident_response",
    "gpu": "other",
}

TIMES = "\u00d7"  # the multiplication sign, as in "1x A100" on screen


# Wide enough for any finite float to cents: 309 digits before the point, 2 after. The
# default context's 28 digits made quantize() raise on amounts above 1e26 (a workload at
# the volume cap compounding 10x a month reaches ~1e37 by the forecast's end).
_CENTS_CONTEXT = Context(prec=320)


def cents(value: float | Decimal | None) -> float | None:
    """Money at the edge: rounded half-up to cents (floats would round 0.125 down)."""
    if value is None:
        return None
    return float(
        Decimal(repr(float(value))).quantize(
            Decimal("0.01"), rounding="ROUND_HALF_UP", context=_CENTS_CONTEXT
        )
    )


def _f(value: Decimal | float | int | None) -> float | None:
    return None if value is None else float(value)


def _pair(low: Any, high: Any) -> list[float]:
    return [float(low), float(high)]


def _mid(pair: Sequence[float]) -> float:
    return (pair[0] + pair[1]) / 2.0


# --- throughput profile selection ------------------------------------------------------


def _norm(text: str) -> str:
    text = text.lower().replace("nvidia", "").replace("(spot)", "")
    return re.sub(r"\s+", " ", text).strip()


def _count_in_setup(setup: str) -> int | None:
    match = re.search(r"(\d+)\s*x\s", setup.lower())
    return int(match.group(1)) if match else None


def _params_in_text(text: str) -> float | None:
    match = re.search(r"(\d+(?:\.\d+)?)\s*b\b", text.lower())
    return float(match.group(1)) if match else None


def profile_tokens_per_second(profile: Any, *, gpu_count: int) -> tuple[float, list[float]] | None:
    """(planning figure, [low, high]) of a profile, or None if it gives no output rate."""
    planning = _f(profile.planning_tok_s)
    if planning is None:
        planning = _f(profile.aggregate_output_tok_s)
    if planning is None and profile.output_tok_s_per_gpu is not None:
        planning = float(profile.output_tok_s_per_gpu) * gpu_count
    low, high = _f(profile.output_tok_s_low), _f(profile.output_tok_s_high)
    if planning is None and low is not None and high is not None:
        planning = (low + high) / 2.0
    if planning is None:
        planning = _f(profile.single_stream_output_tok_s)
    if planning is None:
        return None
    if low is None or high is None:
        low = high = planning
    return planning, [min(low, planning), max(high, planning)]


def pick_throughput_profile(
    profiles: Iterable[Any],
    *,
    model_name: str,
    params_b: float | None,
    gpu_sku: str,
    gpu_count: int,
    precision: str,
) -> Any | None:
    """The catalog profile that best matches model x GPU x count x precision.

    The GPU SKU and count must match; the model must match by name or by size; a named
    model beats a same-sized one, and a matching precision beats a blank, which beats
    another precision.
    """
    sku = _norm(gpu_sku)
    model = _norm(model_name)
    best, best_score = None, -math.inf
    for profile in profiles:
        setup = _norm(profile.setup)
        profile_sku = _norm(profile.gpu_sku)
        if not (profile_sku == sku if profile_sku else sku and sku in setup):
            continue
        count = profile.gpu_count or _count_in_setup(profile.setup) or 1
        if count != gpu_count:
            continue
        score = 0.0
        profile_model = _norm(profile.model_name)
        if model and (model == profile_model or model in setup):
            score += 4
        else:
            size = _f(profile.model_params_b) or _params_in_text(profile.setup)
            if params_b is None or size is None or abs(size - params_b) > 0.5:
                continue
            score += 2
        if profile.precision:
            score += 1 if profile.precision.lower() == precision.lower() else -1
        if profile_tokens_per_second(profile, gpu_count=gpu_count) is None:
            continue
        if score > best_score:
            best, best_score = profile, score
    return best


# --- stage 1: rows -> snapshot ---------------------------------------------------------


# The catalog's tier price keys (pricing.catalog_format.TIER_PRICE_KEYS) as the engine's.
_TIER_PRICE_KEYS = {
    "input": "input_per_mtok",
    "output": "output_per_mtok",
    "cached_input": "cached_input_per_mtok",
    "cache_write": "cache_write_per_mtok",
}


def _tier_prices(tier: dict[str, Any]) -> dict[str, float]:
    return {engine: float(tier[key]) for key, engine in _TIER_PRICE_KEYS.items() if key in tier}


def _api_offer_snapshot(price: Any, *, label: str, key: list[str], private: bool) -> dict[str, Any]:
    """An offer's prices for the engine; a private offer (an overlay row) has no cache-write
    price and no service or context tiers."""
    return {
        "label": label,
        "key": key,
        "private": private,
        "input_per_mtok": _f(price.input_per_mtok),
        "output_per_mtok": float(price.output_per_mtok),
        "cached_input_per_mtok": _f(price.cached_input_per_mtok),
        "cache_write_per_mtok": _f(getattr(price, "cache_write_per_mtok", None)),
        "service_tiers": {
            name: _tier_prices(tier) for name, tier in (getattr(price, "service_tiers", {})).items()
        },
        "context_tiers": [
            {"above_tokens": int(tier["above_tokens"]), **_tier_prices(tier)}
            for tier in getattr(price, "context_tiers", [])
        ],
        "tiers": [],
    }


def api_offer_label(model_name: str, provider: str, offer_key: str) -> str:
    from pricing.models import api_offer_label as label

    return label(model_name, provider, offer_key)


def _tiers(volume_tiers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Catalog tiers (per 1M tokens) as graduated engine tiers."""
    tiers = []
    for tier in volume_tiers or []:
        start = float(tier.get("min_mtok") or 0) * TOKENS_PER_MTOK
        tiers.append(
            {
                "from_tokens": start,
                "input_per_mtok": _f(tier.get("input")),
                "output_per_mtok": _f(tier.get("output")),
            }
        )
    return sorted(tiers, key=lambda t: t["from_tokens"])


@dataclass
class _Context:
    """What stage 1 loads once per plan."""

    version: Any
    organization: Any
    api_prices: dict[int, Any]
    gpu_prices: dict[int, Any]
    assumptions: Any
    profiles: list[Any]
    model_params: dict[str, float]
    model_specs: dict[str, Any]
    # A benchmark run's sibling runs at other concurrencies, by the run's pk (snapshot_of).
    sibling_runs: dict[int, list[Any]] = field(default_factory=dict)


def _context(organization: Any, version: Any) -> _Context:
    from pricing.models import ApiOffer, ModelSpec, ThroughputProfile
    from pricing.selectors import catalog_assumptions, effective_prices

    book = effective_prices(version=version, organization=organization)
    params: dict[str, float] = {}
    for name, size in ApiOffer.objects.filter(
        version=version, params_total_b__isnull=False
    ).values_list("model_name", "params_total_b"):
        params[_norm(name)] = float(cast(Decimal, size))  # not null: filtered above
    specs = {_norm(spec.name): spec for spec in ModelSpec.objects.filter(version=version)}
    for name, spec in specs.items():
        params[name] = float(spec.params_total_b)
    return _Context(
        version=version,
        organization=organization,
        api_prices={p.offer_id: p for p in book.api_offers if p.offer_id is not None},
        gpu_prices={p.offer_id: p for p in book.gpu_offers if p.offer_id is not None},
        assumptions=catalog_assumptions(version),
        profiles=list(ThroughputProfile.objects.filter(version=version)),
        model_params=params,
        model_specs=specs,
    )


def _api_snapshot(option: Any, ctx: _Context) -> dict[str, Any]:
    if option.private_api_offer_id:
        row = option.private_api_offer
        if row.replaces_id:
            price = ctx.api_prices[row.replaces_id]
            return _api_offer_snapshot(
                price,
                label=api_offer_label(price.model_name, price.provider, price.offer_key),
                key=[price.model_name, price.provider, price.offer_key],
                private=True,
            )
        return _api_offer_snapshot(
            row,
            label=api_offer_label(row.model_name, row.provider, row.offer_key),
            key=[row.model_name, row.provider, row.offer_key],
            private=True,
        )
    offer = option.api_offer
    price = ctx.api_prices.get(offer.pk)
    if price is None:
        raise ScenarioError("api_offer", f"{offer} is not in catalog version {ctx.version.pk}")
    snap = _api_offer_snapshot(
        price,
        label=api_offer_label(price.model_name, price.provider, price.offer_key),
        key=[price.model_name, price.provider, price.offer_key],
        private=price.is_overridden,
    )
    snap["tiers"] = _tiers(offer.volume_tiers)
    snap["model_name"] = price.model_name
    return snap


def _pricing_snapshot(
    option: Any, ctx: _Context, *, gpus: int | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(pricing, machine) for a self-host option, per replica of ``gpus`` GPUs (default:
    the option's count, else the offer's)."""
    a = ctx.assumptions
    if option.rent_mode == "owned":
        hw = option.owned_hardware
        power_w = _f(hw.power_w)
        if power_w is None and hw.power_kw_low is not None:
            power_w = _mid(_pair(hw.power_kw_low, hw.power_kw_high)) * 1000.0
        colo = hw.electricity_monthly
        pricing = {
            "type": "owned",
            "purchase_price": _pair(hw.price_range.low, hw.price_range.high),
            "useful_life_months": float(hw.useful_life),
            "power_w": power_w or 0.0,
            "pue": _f(ctx.version.pue) or 1.0,
            "usd_per_kwh": _f(ctx.version.electricity_price_per_kwh) or 0.0,
            "colocation_monthly": _pair(colo.low, colo.high) if colo else [0.0, 0.0],
        }
        machine = {
            "label": hw.name,
            "sku": hw.name,
            "count": 1,
            "vram_total_gb": float(hw.vram_gb),
            "vram_per_gpu_gb": float(hw.vram_gb),
            "key": [hw.name],
        }
        return pricing, machine
    if option.private_gpu_offer_id and not option.private_gpu_offer.replaces_id:
        row = option.private_gpu_offer
        offer_count = row.gpu_count or 1
        hourly = [float(row.hourly), float(row.hourly)]
        spot = discount_row = None
        # A private offer's hourly is what the organization negotiated: its commitment.
        reserved: float | None = float(row.hourly)
        sku, provider, key = row.sku, "", row.offer_key
        vram = _f(row.vram_per_gpu_gb)
    else:
        offer_id = (
            option.private_gpu_offer.replaces_id
            if option.private_gpu_offer_id
            else option.gpu_offer_id
        )
        price = ctx.gpu_prices.get(offer_id)
        if price is None:
            raise ScenarioError("gpu_offer", f"GPU offer {offer_id} is not in the catalog version")
        offer_count = price.gpu_count
        hourly = _pair(price.hourly.low, price.hourly.high)
        spot, reserved = _f(price.spot_hourly), _f(price.reserved_hourly)
        gpu_row = option.gpu_offer if option.gpu_offer_id else option.private_gpu_offer.replaces
        discount_row = _f(gpu_row.spot_discount)
        sku, provider, key = price.sku, price.provider, price.offer_key
        vram = _f(price.vram_per_gpu_gb)
    count = gpus or option.gpu_count or offer_count
    scale = count / offer_count
    if option.rent_mode == "spot":
        if spot is not None:
            hourly = [spot, spot]
        else:
            if discount_row is not None:
                discount = [discount_row, discount_row]
            elif a.spot_discount is not None:
                discount = _pair(a.spot_discount.low, a.spot_discount.high)
            else:
                raise ScenarioError("rent_mode", f"{sku} has no spot price or discount")
            hourly = [hourly[0] * (1 - discount[1]), hourly[1] * (1 - discount[0])]
    elif option.rent_mode == "reserved":
        if reserved is None:
            # Not the on-demand rate as a commitment: that would price a reservation
            # at no discount and call it one. Plans and sweeps refuse alike.
            raise ScenarioError("rent_mode", f"{sku} has no reserved price")
        hourly = [reserved, reserved]
    pricing = {"type": option.rent_mode, "hourly": [hourly[0] * scale, hourly[1] * scale]}
    machine = {
        "label": f"{count}{TIMES} {sku}",
        "sku": sku,
        "count": count,
        "vram_per_gpu_gb": vram,
        "vram_total_gb": None if vram is None else vram * count,
        "key": [sku, count, provider, key],
    }
    return pricing, machine


def _gpus_per_server(option: Any) -> int:
    """GPUs in one owned server: the option's figure, else the count in the hardware's name."""
    return int(option.gpus_per_server or _count_in_setup(option.owned_hardware.name) or 1)


def _architecture(specs: dict[str, Any], model_name: str) -> eng_sizing.Architecture | None:
    """The model's published architecture: the version's spec, else the shipped registry."""
    from pricing.architectures import spec_fields

    spec = specs.get(_norm(model_name))
    if spec is not None and spec.has_architecture:
        fields = {k: getattr(spec, k) for k in ("layers", "kv_heads", "head_dim", "max_context")}
        return eng_sizing.Architecture(**fields, attention=spec.attention)
    known = spec_fields(model_name)
    if not known:
        return None
    return eng_sizing.Architecture(
        layers=known["layers"],
        kv_heads=known["kv_heads"],
        head_dim=known["head_dim"],
        max_context=known.get("max_context"),
        attention=known.get("attention", "gqa"),
    )


def replica_fit(
    option: Any,
    specs: dict[str, Any],
    machine: dict[str, Any],
    params_b: float | None,
    *,
    context_tokens: int | None = None,
    concurrent_sequences: int | None = None,
) -> dict[str, Any] | None:
    """The memory fit of one replica (engine ``sizing.fit_replica``) as snapshot figures;
    None when the model's size or the GPU's memory is not known. The option's own context
    and requests at once win; else ``context_tokens`` (a request of the workload's shape)
    and ``concurrent_sequences`` (the concurrency its throughput profile plans at)."""
    if params_b is None:
        return None
    if option.rent_mode == "owned":
        per_server = _gpus_per_server(option)
        vram = float(option.owned_hardware.vram_gb) / per_server
        node, asked = per_server, option.gpu_count or per_server
    else:
        vram = machine["vram_per_gpu_gb"]
        node = option.gpus_per_instance or eng_sizing.GPUS_PER_NODE
        asked = machine["count"]
    if not vram:
        return None
    architecture = _architecture(specs, option.model_name)
    fit = eng_sizing.fit_replica(
        params_b=params_b,
        precision=option.precision,
        gpu_vram_gb=vram,
        architecture=architecture,
        context_tokens=option.context_tokens or context_tokens,
        concurrent_sequences=option.concurrent_sequences or concurrent_sequences,
        gpus_asked=asked,
        gpus_per_node=node,
        allow_multi_node=option.allow_multi_instance,
    )
    return {
        "weights_gb": round(fit.weights_gb, 3),
        "kv_cache_gb": round(fit.kv_cache_gb, 3),
        "needed_gb": round(fit.needed_gb, 3),
        "usable_per_gpu_gb": round(fit.usable_per_gpu_gb, 3),
        "usable_share": eng_sizing.USABLE_MEMORY_SHARE,
        "context_tokens": fit.context_tokens,
        "concurrent_sequences": fit.concurrent_sequences,
        "architecture_known": fit.architecture_known,
        "kv_share_estimate": None if architecture else eng_sizing.UNKNOWN_ARCHITECTURE_KV_SHARE,
        "gpus_needed": fit.gpus_needed,
        "gpus_asked": fit.gpus_asked,
        "gpus": fit.gpus,
        "raised": fit.raised,
        "tensor_parallel": fit.tensor_parallel,
        "nodes": fit.nodes,
    }


def fitted_gpus_per_replica(option: Any, version: Any) -> int | None:
    """GPUs a rented option's replica is priced on against ``version`` (memory fit
    included), for naming it: read from the snapshot the plan prices, so the name and
    the fleet agree. None when it cannot be told here (the plan's compute then says why)."""
    from django.core.exceptions import ObjectDoesNotExist

    if option.rent_mode == "owned":
        return None
    try:
        # Saved, or unsaved on an unsaved plan (the plan form's preview names it too).
        plan = option.plan
    except ObjectDoesNotExist:
        return None
    try:
        snap = snapshot_of(
            workload=plan.workload,
            version=version,
            organization=plan.organization if plan.use_overlay else None,
            options=[option],
        )
    except ScenarioError:
        return None
    return int(snap["options"][0]["selfhost"]["machine"]["count"])


def _selfhost_snapshot(
    option: Any, ctx: _Context, workload: Any, hidden_costs: Sequence[Any]
) -> dict[str, Any]:
    a = ctx.assumptions
    pricing, machine = _pricing_snapshot(option, ctx)
    params_b = _f(option.params_b)
    if params_b is None:
        params_b = ctx.model_params.get(_norm(option.model_name)) or _params_in_text(
            option.model_name
        )
    # The KV cache holds requests of the workload's shape, as many as the replica is
    # planned to serve at once: the option's figure, else the concurrency its throughput
    # profile plans at (known once the profile of the fitted GPUs is), else the default.
    context = shape_context_tokens(workload)
    siblings = ctx.sibling_runs.get(option.private_throughput_profile_id or 0, [])
    planned: int | None = None
    for _attempt in range(2):
        fit = replica_fit(
            option,
            ctx.model_specs,
            machine,
            params_b,
            context_tokens=context,
            concurrent_sequences=planned,
        )
        if fit is not None and fit["raised"] and pricing["type"] != "owned":
            # Never priced on fewer GPUs than hold the model: a replica of the GPUs it needs.
            pricing, machine = _pricing_snapshot(option, ctx, gpus=fit["gpus"])
        throughput, profile = _throughput(option, ctx, machine, params_b)
        serving = serving_snapshot(
            option,
            profile=profile,
            planning=float(cast(float, throughput["planning"])),
            siblings=siblings,
        )
        hint = planned_concurrency(serving)
        if fit is None or option.concurrent_sequences or hint is None:
            break
        if fit["concurrent_sequences"] == hint:
            break
        planned = hint
        pricing, machine = _pricing_snapshot(option, ctx)
    if workload.engineer_hourly_rate is not None:
        rate = [float(workload.engineer_hourly_rate)] * 2
    elif a.devops_hourly_rate is not None:
        rate = _pair(a.devops_hourly_rate.low, a.devops_hourly_rate.high)
    else:
        rate = [0.0, 0.0]
    return {
        "model_name": option.model_name,
        "params_b": params_b,
        "precision": option.precision,
        "fit": fit,
        "machine": machine,
        "pricing": pricing,
        "billing": {
            "mode": option.billing_mode,
            "window_hours": _f(option.window_hours),
        },
        "throughput": throughput,
        "serving": serving,
        "utilization": float(option.utilization),
        "hidden_items": [
            {
                "label": item.item,
                "kind": HIDDEN_KIND.get(item.kind, "other"),
                "monthly": _pair(item.monthly_low, item.monthly_high),
            }
            for item in hidden_costs
        ],
        "hidden_multiplier": _f(option.hidden_multiplier),
        "labor": {"hours": float(option.labor_hours_per_month), "hourly_rate": rate},
        "other_monthly": float(option.other_monthly),
    }


def _throughput(
    option: Any, ctx: _Context, machine: dict[str, Any], params_b: float | None
) -> tuple[dict[str, Any], Any | None]:
    """(throughput, the catalog profile it came from or None) of a self-host option."""
    profile = None
    if option.tokens_per_second is not None:
        tps = float(option.tokens_per_second)
        throughput = {"planning": tps, "range": [tps, tps], "source": "explicit figure"}
    elif option.private_throughput_profile_id:
        # The organization's own benchmark of this replica: its measured decode rate.
        own = option.private_throughput_profile
        tps = float(own.output_tok_s)
        throughput = {"planning": tps, "range": [tps, tps], "source": own.source_label}
    else:
        profile = option.throughput_profile or pick_throughput_profile(
            ctx.profiles,
            model_name=option.model_name,
            params_b=params_b,
            gpu_sku=machine["sku"],
            gpu_count=machine["count"],
            precision=option.precision,
        )
        figure = profile_tokens_per_second(profile, gpu_count=machine["count"]) if profile else None
        if figure is None:
            raise ScenarioError(
                "tokens_per_second",
                f"no catalog throughput profile matches {option.model_name} on "
                f"{machine['label']} ({option.precision}): give tokens/s",
            )
        assert profile is not None  # no profile, no figure: raised above
        throughput = {"planning": figure[0], "range": figure[1], "source": profile.setup}
    return throughput, profile


def _figure(ranges: dict[str, Any], key: str, default: list[float] | None) -> list[float] | None:
    value = ranges.get(key)
    return default if value is None else _pair(value.low, value.high)


def plan_option_rows(plan: Any) -> list[Any]:
    """A plan's options with every row a snapshot reads, in one round of queries."""
    return list(
        plan.options.select_related(
            "api_offer__source",
            "private_api_offer__overlay",
            "gpu_offer__source",
            "private_gpu_offer__replaces",
            "owned_hardware",
            "throughput_profile",
            "private_throughput_profile",
        ).prefetch_related("hidden_costs")
    )


def hidden_costs_of(options: Sequence[Any]) -> dict[Any, list[Any]]:
    """Saved options' hidden cost rows by option pk (prefetched by plan_option_rows)."""
    return {option.pk: list(option.hidden_costs.all()) for option in options}


def option_key(option: Any) -> Any:
    """How ``snapshot_of`` names an option in ``hidden_costs``: its pk, or an unsaved
    option's identity (unsaved options all have pk None)."""
    return option.pk if option.pk is not None else ("unsaved", id(option))


def unsaved_plan_inputs(plan: Any, options: Sequence[Any]) -> dict[str, Any]:
    """``build_inputs`` for an unsaved plan and its unsaved options (``hidden_rows`` on
    each, a hybrid's ``cheap_option`` the option object): the snapshot saving the plan
    and computing it would take (the plan form's live preview)."""
    return snapshot_of(
        workload=plan.workload,
        version=plan.catalog_version,
        organization=plan.organization if plan.use_overlay else None,
        options=options,
        hidden_costs={option_key(o): list(getattr(o, "hidden_rows", [])) for o in options},
        lens=plan.lens,
        analysis_months=plan.analysis_months,
    )


def build_inputs(
    plan: Any, *, version: Any | None = None, workload: Any | None = None
) -> dict[str, Any]:
    """Snapshot of every engine input for ``plan`` (against ``version``, default its own;
    for ``workload``, default its own: the live preview passes the unsaved one)."""
    options = plan_option_rows(plan)
    return snapshot_of(
        workload=plan.workload if workload is None else workload,
        version=version or plan.catalog_version,
        organization=plan.organization if plan.use_overlay else None,
        options=options,
        hidden_costs=hidden_costs_of(options),
        lens=plan.lens,
        analysis_months=plan.analysis_months,
    )


def snapshot_of(
    *,
    workload: Any,
    version: Any,
    organization: Any | None,
    options: Sequence[Any],
    hidden_costs: dict[Any, list[Any]] | None = None,
    lens: str = "full",
    analysis_months: float = 36,
) -> dict[str, Any]:
    """Snapshot of every engine input for a workload and options (saved or not).

    ``organization`` applies its private prices for ``version`` (None: public prices);
    ``hidden_costs`` maps an option's pk to its hidden cost rows (unsaved options: none).
    The live preview snapshots unsaved rows the same way a plan snapshots its own.
    """
    ctx = _context(organization, version)
    ctx.sibling_runs = sibling_runs(
        [o.private_throughput_profile for o in options if o.private_throughput_profile_id]
    )
    a = ctx.assumptions
    p99 = a.p99_latency_s
    hidden_costs = hidden_costs or {}
    index = {option_key(option): i for i, option in enumerate(options)}
    shape = workload_shape_snapshot(workload)
    workload_snap = {
        "name": workload.name,
        "tokens_per_month": float(workload.monthly_tokens),
        "days_per_month": float(workload.days_per_month),
        # With a request shape the share follows from it (the engine's rule, exactly).
        "input_share": float(workload.input_share) if shape is None else shape["input_share"],
        "cached_share": float(workload.cached_share),
        **api_traffic_snapshot(workload),
        "growth_per_month": float(workload.growth_per_month),
        "peak_to_average": float(workload.peak_to_average),
        "latency_p99_target_s": _f(workload.latency_p99_target_s),
        "availability_target": _f(workload.availability_target),
        "downtime_cost_per_hour": float(workload.downtime_cost_per_hour),
        "data_must_stay_in_network": workload.data_must_stay_in_network,
        "needs_finetuning": workload.needs_finetuning,
        "has_mlops_team": workload.has_mlops_team,
        "has_idle_gpu_fleet": workload.has_idle_gpu_fleet,
        "open_model_meets_accuracy": workload.open_model_meets_accuracy,
        "task_success_rates": dict(workload.task_success_rates or {}),
        "request_shape": shape,
        "ttft_p99_target_s": _f(workload.ttft_p99_target_s),
        "tpot_p99_target_s": _f(workload.tpot_p99_target_s),
    }
    snaps = []
    for option in options:
        snap: dict[str, Any] = {"name": option.name, "kind": option.kind}
        if option.kind in ("api", "hybrid"):
            snap["api"] = _api_snapshot(option, ctx)
        if option.kind == "selfhost":
            snap["selfhost"] = _selfhost_snapshot(
                option, ctx, workload, hidden_costs.get(option_key(option), [])
            )
            snap["selfhost"]["depth"] = depth_option_snapshot(option, ctx, snap["selfhost"])
        if option.kind == "hybrid":
            snap["hybrid"] = {
                # Unsaved (the plan form's preview): the cheap option object itself.
                "cheap_index": index[
                    option.cheap_option_id
                    if option.cheap_option_id is not None
                    else option_key(option.cheap_option)
                ],
                "routed_share": float(option.routed_share),
                "escalation_rate": float(option.escalation_rate),
            }
        explicit_p99 = _f(option.p99_latency_s)
        # Measured for the option: it wins over a self-hosted option's latency estimate.
        snap["p99_latency_measured"] = explicit_p99 is not None
        if explicit_p99 is None:
            catalog_key = "api_warm_32b" if option.kind == "api" else "selfhost_32b"
            value = p99.get(catalog_key)
            explicit_p99 = None if value is None else float(value.expected)
        snap["p99_latency_s"] = explicit_p99
        if option.kind == "selfhost":
            # Sequences in flight on one replica, as the composition plans it.
            snap["selfhost"]["concurrency"] = replica_concurrency(
                snap["selfhost"], workload_snap, measured_p99=snap["p99_latency_measured"]
            )
        snaps.append(snap)
    from planner.bridge.figures import PublishedFigures, add_figures
    from pricing.selectors import volume_tiers

    floor = add_figures(
        snaps,
        list(options),
        figures=PublishedFigures.of(version),
        workload=workload,
        version_pue=_f(version.pue),
    )

    return {
        "schema": SNAPSHOT_SCHEMA,
        "catalog_version_id": version.pk,
        "overlay_id": _overlay_id(ctx),
        "hours_per_month": float(version.month_hours or HOURS_PER_MONTH),
        "workload": workload_snap,
        "assumptions": {
            "availability": {
                "api": _figure(a.availability, "api", [0.999, 0.999]),
                "selfhost_single_region": _figure(
                    a.availability, "selfhost_single_region", [0.99, 0.99]
                ),
                "selfhost_multi_region": _figure(a.availability, "selfhost_multi_region", None),
            },
            "volume_tiers": [
                {
                    "option": tier.option,
                    "min_tokens": _f(tier.min_tokens_per_month),
                    "max_tokens": _f(tier.max_tokens_per_month),
                }
                for tier in volume_tiers(version)
            ],
        },
        "options": snaps,
        "monte_carlo": {"samples": MONTE_CARLO_SAMPLES, "seed": MONTE_CARLO_SEED},
        "depth": depth_plan_snapshot(lens=lens, analysis_months=analysis_months),
        "quality_floor": floor,
    }


def api_traffic_snapshot(workload: Any) -> dict[str, Any]:
    """How the workload buys its API tokens (see ``composition.api_traffic``)."""
    return {
        "cache_write_share": float(workload.cache_write_share),
        "batch_share": float(workload.batch_share),
        "priority_share": float(workload.priority_share),
        "flex_share": float(workload.flex_share),
        "long_context_shares": [
            {"above_tokens": int(p["above_tokens"]), "share": float(p["share"])}
            for p in workload.long_context_shares or []
        ],
    }


def _overlay_id(ctx: _Context) -> int | None:
    from pricing.selectors import overlay_for

    overlay = overlay_for(version=ctx.version, organization=ctx.organization)
    return overlay.pk if overlay else None


# --- stage 2: snapshot -> engine -> results --------------------------------------------


def engine_api_offer(snap: dict[str, Any]) -> eng_api.ApiOffer:
    """An engine offer; an output-only offer keeps ``input_per_mtok=None``."""
    from planner.bridge.composition import api_offer

    return api_offer(snap)


_CORNER = {"low": 0, "high": 1}


def _pick(pair: Sequence[float], corner: str, *, cost_rises: bool = True) -> float:
    """A ranged input at a corner of the cost: `low` is the cheapest end."""
    if corner == "expected":
        return _mid(pair)
    side = _CORNER[corner]
    return pair[side] if cost_rises else pair[1 - side]


def engine_selfhost(
    snap: dict[str, Any], *, corner: str = "expected", name: str = "selfhost"
) -> tuple[eng_selfhost.SelfHostConfig, dict[str, float]]:
    """(SelfHostConfig, parts) at a corner; parts are the fixed hidden components."""
    pricing_snap = snap["pricing"]
    if pricing_snap["type"] == "owned":
        pricing: eng_selfhost.Pricing = eng_selfhost.OwnedHardware(
            purchase_price=_pick(pricing_snap["purchase_price"], corner),
            useful_life_months=pricing_snap["useful_life_months"],
            power_w=pricing_snap["power_w"],
            pue=pricing_snap["pue"],
            usd_per_kwh=pricing_snap["usd_per_kwh"],
            colocation_monthly=_pick(pricing_snap["colocation_monthly"], corner),
        )
    else:
        hourly = _pick(pricing_snap["hourly"], corner)
        rates: dict[str, Callable[[], eng_selfhost.Pricing]] = {
            "on_demand": lambda: eng_selfhost.OnDemandRate(hourly),
            "spot": lambda: eng_selfhost.SpotRate(hourly=hourly),
            "reserved": lambda: eng_selfhost.ReservedRate(hourly),
        }
        pricing = rates[pricing_snap["type"]]()
    billing_snap = snap["billing"]
    billing = eng_selfhost.Billing(
        mode=eng_selfhost.BillingMode(billing_snap["mode"]),
        window_hours=billing_snap["window_hours"],
    )
    throughput = snap["throughput"]
    tps = (
        throughput["planning"]
        if corner == "expected"
        else _pick(throughput["range"], corner, cost_rises=False)
    )
    items = sum(_pick(item["monthly"], corner) for item in snap["hidden_items"])
    labor = snap["labor"]["hours"] * _pick(snap["labor"]["hourly_rate"], corner)
    other = snap["other_monthly"]
    config = eng_selfhost.SelfHostConfig(
        pricing=pricing,
        tokens_per_second=tps,
        utilization=snap["utilization"],
        billing=billing,
        hidden_multiplier=snap["hidden_multiplier"] or 1.0,
        hidden_monthly=items + labor + other,
        name=name,
    )
    return config, {"hidden_items": items, "labor": labor, "other": other}


def _selfhost_costs(snap: dict[str, Any], tokens: float, hours: float, name: str) -> dict[str, Any]:
    corners = {}
    for corner in ("low", "expected", "high"):
        config, parts = engine_selfhost(snap, corner=corner, name=name)
        cost = eng_selfhost.selfhost_cost(config, tokens_per_month=tokens, hours_per_month=hours)
        corners[corner] = (config, parts, cost)
    return corners


def _lex(values: dict[str, float]) -> dict[str, float | None]:
    return {k: cents(v) for k, v in values.items()}


def _api_result(
    snap: dict[str, Any], offer: eng_api.ApiOffer, w: dict[str, Any], tokens: float
) -> dict[str, Any]:
    monthly = eng_api.api_monthly_cost(
        offer,
        tokens_per_month=tokens,
        input_share=w["input_share"],
        cached_share=w["cached_share"],
    )
    blended = eng_api.blended_price_per_mtok(
        offer, input_share=w["input_share"], cached_share=w["cached_share"]
    )
    return {
        "offer": snap["api"]["label"],
        "output_only": offer.output_only,
        "private_price": snap["api"]["private"],
        "blended_per_mtok": round(blended, 6),
        "monthly": _lex({"low": monthly, "expected": monthly, "high": monthly}),
        "breakdown": {"api": _lex({"low": monthly, "expected": monthly, "high": monthly})},
    }


def _selfhost_result(
    snap: dict[str, Any], name: str, tokens: float, hours: float
) -> tuple[dict[str, Any], Any]:
    sh = snap["selfhost"]
    corners = _selfhost_costs(sh, tokens, hours, name)
    config, _parts, cost = corners["expected"]

    def component(fn: Callable[..., float]) -> dict[str, Any]:
        return _lex({c: fn(*corners[c]) for c in ("low", "expected", "high")})

    multiplier = config.hidden_multiplier
    breakdown = {
        "gpu": component(lambda cfg, parts, cost: cost.gpu_monthly),
        "hidden_multiplier": component(
            lambda cfg, parts, cost: cost.gpu_monthly * (cfg.hidden_multiplier - 1.0)
        ),
        "hidden_items": component(lambda cfg, parts, cost: parts["hidden_items"]),
        "labor": component(lambda cfg, parts, cost: parts["labor"]),
        "other": component(lambda cfg, parts, cost: parts["other"]),
    }
    served = tokens / (cost.replicas * cost.capacity_tokens_per_month)
    sizing = None
    if sh["params_b"] and sh["machine"]["vram_per_gpu_gb"]:
        size = eng_sizing.size_model(
            params_b=sh["params_b"],
            gpu_vram_gb=sh["machine"]["vram_per_gpu_gb"],
            precision=sh["precision"],
        )
        fits = size.gpus <= sh["machine"]["count"]
        sizing = {
            "weights_gb": round(size.weights_gb, 1),
            "needed_gb": round(size.needed_gb, 1),
            "gpus_needed": size.gpus,
            "fits": fits,
            "message": (
                f"{sh['model_name']} at {sh['precision'].upper()} needs about "
                f"{size.needed_gb:,.0f} GB (weights {size.weights_gb:,.0f} GB + 20%); "
                f"{sh['machine']['label']} "
                + ("holds it." if fits else f"holds less: plan {size.gpus} GPUs per replica.")
            ),
        }
    result = {
        "model_name": sh["model_name"],
        "machine": sh["machine"]["label"],
        "rent_mode": sh["pricing"]["type"],
        "billing_mode": sh["billing"]["mode"],
        "precision": sh["precision"],
        "throughput_source": sh["throughput"]["source"],
        "tokens_per_second": sh["throughput"]["planning"],
        "tokens_per_second_range": sh["throughput"]["range"],
        "replicas": cost.replicas,
        "replicas_range": [corners["low"][2].replicas, corners["high"][2].replicas],
        "capacity_tokens_per_month": round(cost.capacity_tokens_per_month),
        "utilization": config.utilization,
        "served_utilization": round(served, 4),
        "billed_hours": round(cost.billed_hours, 2),
        "hidden_multiplier": multiplier,
        "fixed_monthly": cents(config.fixed_monthly(hours_per_month=hours)),
        "monthly": component(lambda cfg, parts, cost: cost.monthly),
        "breakdown": breakdown,
        "idle_cost": component(lambda cfg, parts, cost: cost.idle_cost),
        "sizing": sizing,
    }
    return result, corners


def evaluate(inputs: dict[str, Any]) -> dict[str, Any]:
    """Run the engine on a snapshot from :func:`build_inputs`; no database access."""
    from planner.bridge import composition

    schema = inputs.get("schema")
    if schema == SNAPSHOT_SCHEMA:
        return composition.evaluate(inputs)
    if schema != LEGACY_SCHEMA:
        raise ScenarioError("schema", f"unknown snapshot schema {schema!r}")
    return _evaluate_v1(inputs)


def _evaluate_v1(inputs: dict[str, Any]) -> dict[str, Any]:
    """Stage 2 as it was for schema 1 snapshots: stored comparisons recompute exactly."""
    w = inputs["workload"]
    hours = inputs["hours_per_month"]
    tokens = w["tokens_per_month"]
    share = {"input_share": w["input_share"], "cached_share": w["cached_share"]}
    snaps = inputs["options"]
    if not snaps:
        raise ScenarioError("options", "a plan needs at least one option")
    results: list[dict[str, Any]] = []
    engine_offers: dict[int, eng_api.ApiOffer] = {}
    configs: dict[int, Any] = {}
    corners_of: dict[int, dict[str, Any]] = {}

    # API and self-host options first: hybrids reuse them.
    for i, snap in enumerate(snaps):
        base = {"name": snap["name"], "kind": snap["kind"], "p99_latency_s": snap["p99_latency_s"]}
        if snap["kind"] == "api":
            offer = engine_api_offer(snap["api"])
            engine_offers[i] = offer
            base |= _api_result(snap, offer, w, tokens)
        elif snap["kind"] == "selfhost":
            result, corners = _selfhost_result(snap, snap["name"], tokens, hours)
            configs[i] = corners["expected"][0]
            corners_of[i] = corners
            base |= result
        results.append(base)

    for i, snap in enumerate(snaps):
        if snap["kind"] != "hybrid":
            continue
        results[i] |= _hybrid_result(snap, snaps, corners_of, w, tokens, hours, share)

    api_indexes = [i for i, s in enumerate(snaps) if s["kind"] == "api"]
    selfhost_indexes = [i for i, s in enumerate(snaps) if s["kind"] == "selfhost"]
    cheapest_api = min(api_indexes, key=lambda i: results[i]["monthly"]["expected"], default=None)

    for i in selfhost_indexes:
        results[i]["breakevens"] = [
            _breakeven(configs[i], engine_offers[j], snaps[j]["name"], w, hours)
            for j in api_indexes
        ]
        if cheapest_api is not None:
            results[i]["monte_carlo"] = _monte_carlo(
                snaps[i]["selfhost"],
                corners_of[i],
                snaps[cheapest_api],
                w,
                tokens,
                hours,
                inputs["monte_carlo"],
            )
            results[i]["engineering_vs_api"] = _engineering(
                results[i], results[cheapest_api], snaps[cheapest_api]["name"]
            )

    reliability = _reliability(inputs, results, snaps, w, hours, cheapest_api)
    for i, result in enumerate(results):
        result["outcome"] = _outcome(snaps[i], result, w, tokens)

    depth = depth_results(inputs, snaps, results)
    recommendation = _recommend(inputs, results, snaps, w, tokens)
    cheapest = min(
        (r for r in results if r["name"] not in recommendation["excluded"]),
        key=lambda r: r["monthly"]["expected"],
        default=None,
    )
    return {
        "schema": LEGACY_SCHEMA,
        "tokens_per_month": tokens,
        "tokens_per_day": tokens / w["days_per_month"],
        "input_share": w["input_share"],
        "hours_per_month": hours,
        "options": results,
        "recommendation": recommendation,
        "cheapest": None
        if cheapest is None
        else {"name": cheapest["name"], "monthly": cheapest["monthly"]["expected"]},
        "reliability": reliability,
        "curves": _curves(snaps, engine_offers, configs, w, tokens, hours, share),
        **(depth or {}),  # lens, lens_label, analysis_months, milestones (issue 10)
    }


def _hybrid_result(
    snap: dict[str, Any],
    snaps: list[dict[str, Any]],
    corners_of: dict[int, dict[str, Any]],
    w: dict[str, Any],
    tokens: float,
    hours: float,
    share: dict[str, float],
) -> dict[str, Any]:
    h = snap["hybrid"]
    premium = engine_api_offer(snap["api"])
    cheap_index = h["cheap_index"]
    cheap_snap = snaps[cheap_index]
    runs: dict[str, Any] = {}
    for corner in ("low", "expected", "high"):
        if cheap_snap["kind"] == "api":
            cheap: Any = engine_api_offer(cheap_snap["api"])
        else:
            cheap = engine_selfhost(cheap_snap["selfhost"], corner=corner)[0]
        runs[corner] = eng_hybrid.hybrid_cost(
            tokens_per_month=tokens,
            routed_share=h["routed_share"],
            premium=premium,
            cheap=cheap,
            escalation_rate=h["escalation_rate"],
            hours_per_month=hours,
            **share,
        )
    detail = runs["expected"]
    return {
        "offer": snap["api"]["label"],
        "cheap_option": cheap_snap["name"],
        "routed_share": h["routed_share"],
        "escalation_rate": h["escalation_rate"],
        "cheap_tokens": round(detail.cheap_tokens),
        "premium_tokens": round(detail.premium_tokens),
        "monthly": _lex({c: r.monthly for c, r in runs.items()}),
        "breakdown": {
            "cheap_route": _lex({c: r.cheap_monthly for c, r in runs.items()}),
            "premium_api": _lex({c: r.premium_monthly for c, r in runs.items()}),
        },
        "savings_vs_all_premium": cents(detail.savings_vs_all_premium),
        "all_premium_monthly": cents(detail.all_premium_monthly),
    }


def _breakeven(
    config: eng_selfhost.SelfHostConfig,
    offer: eng_api.ApiOffer,
    api_name: str,
    w: dict[str, Any],
    hours: float,
) -> dict[str, Any]:
    result = eng_breakeven.breakeven_volume(
        offer,
        selfhost_fixed_monthly=config.fixed_monthly(hours_per_month=hours),
        capacity_tokens_per_month=config.capacity_tokens_per_month(hours_per_month=hours),
        input_share=w["input_share"],
        cached_share=w["cached_share"],
        selfhost_variable_per_mtok=config.variable_per_mtok(),
    )
    tokens = result.tokens_per_month
    return {
        "api_option": api_name,
        "tokens_per_month": None if tokens is None else round(tokens),
        "tokens_per_day": None if tokens is None else round(tokens / w["days_per_month"]),
        "label": None if tokens is None else format_tokens(tokens),
        "reason": result.reason,
        "reachable": result.reachable,
    }


def _monte_carlo(
    sh: dict[str, Any],
    corners: dict[str, Any],
    api_snap: dict[str, Any],
    w: dict[str, Any],
    tokens: float,
    hours: float,
    mc: dict[str, Any],
) -> dict[str, Any]:
    api = api_snap["api"]
    cached = api["cached_input_per_mtok"]
    api_input = api["input_per_mtok"]
    if api_input is not None and cached is not None:
        api_input = api_input * (1 - w["cached_share"]) + cached * w["cached_share"]
    low_cfg, _, low_cost = corners["low"]
    high_cfg, _, high_cost = corners["high"]
    per_replica = sorted(
        [low_cost.gpu_monthly / low_cost.replicas, high_cost.gpu_monthly / high_cost.replicas]
    )
    multiplier = low_cfg.hidden_multiplier
    quote = eng_uncertainty.monte_carlo_quote(
        tokens_per_month=tokens,
        api_output_per_mtok=api["output_per_mtok"],
        api_input_per_mtok=api_input,
        input_share=w["input_share"],
        selfhost_monthly=eng_uncertainty.Range(*per_replica),
        tokens_per_second=eng_uncertainty.Range(*sh["throughput"]["range"]),
        utilization=sh["utilization"],
        hidden_monthly=eng_uncertainty.Range(low_cfg.hidden_monthly, high_cfg.hidden_monthly),
        hidden_multiplier=multiplier,
        hours_per_month=corners["expected"][0].serving_hours(hours_per_month=hours),
        samples=mc["samples"],
        seed=mc["seed"],
    )

    def pct(p: eng_uncertainty.Percentiles) -> dict[str, Any]:
        return _lex({"p10": p.p10, "p50": p.p50, "p90": p.p90})

    return {
        "vs": api_snap["name"],
        "samples": quote.samples,
        "seed": quote.seed,
        "api": pct(quote.api_monthly),
        "selfhost": pct(quote.selfhost_monthly),
        "p_selfhost_cheaper": round(quote.p_selfhost_cheaper, 4),
    }


def _engineering(selfhost: dict[str, Any], api: dict[str, Any], api_name: str) -> dict[str, Any]:
    """Case 7: API spend saved minus what the engineering time costs."""
    labor = selfhost["breakdown"]["labor"]["expected"] or 0.0
    saved = (api["monthly"]["expected"] or 0.0) - ((selfhost["monthly"]["expected"] or 0.0) - labor)
    return {
        "vs": api_name,
        "api_spend_saved_monthly": cents(saved),
        "engineering_monthly": cents(labor),
        "net_monthly": cents(saved - labor),
    }


def _reliability(
    inputs: dict[str, Any],
    results: list[dict[str, Any]],
    snaps: list[dict[str, Any]],
    w: dict[str, Any],
    hours: float,
    cheapest_api: int | None,
) -> dict[str, Any]:
    avail = inputs["assumptions"]["availability"]
    per_hour = w["downtime_cost_per_hour"]
    api_monthly = results[cheapest_api]["monthly"]["expected"] if cheapest_api is not None else 0.0
    out: dict[str, Any] = {"downtime_cost_per_hour": per_hour, "by_option": {}}
    for i, snap in enumerate(snaps):
        result = results[i]
        if snap["kind"] == "selfhost":
            gpu = result["breakdown"]["gpu"]["expected"]
            other = result["monthly"]["expected"] - gpu
            rows = eng_reliability.compare_reliability(
                api_monthly=api_monthly or 0.0,
                api_availability=_mid(avail["api"]),
                selfhost_gpu_monthly=gpu,
                selfhost_other_monthly=other,
                single_region_availability=_mid(avail["selfhost_single_region"]),
                multi_region_availability=None
                if avail["selfhost_multi_region"] is None
                else _mid(avail["selfhost_multi_region"]),
                downtime_cost_per_hour=per_hour,
                hours_per_month=hours,
            )
            scenarios = [
                {
                    "name": row.name,
                    "availability": row.availability,
                    "monthly": cents(row.monthly),
                    "downtime_hours": round(row.downtime_hours, 2),
                    "downtime_cost": cents(row.downtime_cost),
                    "total": cents(row.total),
                }
                for row in rows
            ]
            availability = _mid(avail["selfhost_single_region"])
            out["by_option"][snap["name"]] = scenarios
        else:
            availability = _mid(avail["api"])
        downtime_hours = eng_reliability.downtime_hours(availability, hours_per_month=hours)
        result["availability"] = availability
        result["downtime_hours"] = round(downtime_hours, 2)
        result["downtime_cost"] = cents(downtime_hours * per_hour)
        result["breakdown"]["downtime"] = _lex(
            {
                "low": eng_reliability.downtime_hours(
                    max(avail["api" if snap["kind"] != "selfhost" else "selfhost_single_region"]),
                    hours_per_month=hours,
                )
                * per_hour,
                "expected": downtime_hours * per_hour,
                "high": eng_reliability.downtime_hours(
                    min(avail["api" if snap["kind"] != "selfhost" else "selfhost_single_region"]),
                    hours_per_month=hours,
                )
                * per_hour,
            }
        )
        result["monthly_with_downtime"] = cents(
            result["monthly"]["expected"] + downtime_hours * per_hour
        )
    return out


def _success_rate(snap: dict[str, Any], rates: dict[str, Any]) -> tuple[float, bool]:
    """Schema 1 assumed an unknown rate was 1.0 (its results say so with ``known``)."""
    from planner.bridge.composition import success_rate

    rate = success_rate(snap, rates)
    return (1.0, False) if rate is None else (rate, True)


def _outcome(
    snap: dict[str, Any], result: dict[str, Any], w: dict[str, Any], tokens: float
) -> dict[str, Any]:
    rate, known = _success_rate(snap, w["task_success_rates"])
    per_mtok = eng_capacity.cost_per_mtok(
        monthly_cost=result["monthly"]["expected"], tokens_per_month=tokens
    )
    if per_mtok is None:
        return {"success_rate": rate, "known": known, "cost_per_mtok": None}
    outcome = eng_outcome.outcome_cost(
        cost_per_attempt=per_mtok,
        success_rate=rate,
        max_retries=OUTCOME_MAX_RETRIES,
        name=snap["name"],
    )
    return {
        "success_rate": rate,
        "known": known,
        "max_retries": OUTCOME_MAX_RETRIES,
        "cost_per_mtok": round(per_mtok, 4),
        "expected_attempts": round(outcome.expected_attempts, 4),
        "unresolved_share": round(outcome.human_share, 6),
        "cost_per_successful_mtok": round(
            outcome.cost_per_task / max(1e-12, 1 - outcome.human_share), 4
        )
        if rate > 0
        else None,
    }


def _recommend(
    inputs: dict[str, Any],
    results: list[dict[str, Any]],
    snaps: list[dict[str, Any]],
    w: dict[str, Any],
    tokens: float,
) -> dict[str, Any]:
    tiers = (
        tuple(
            eng_recommend.VolumeTier(t["option"], t["min_tokens"], t["max_tokens"])
            for t in inputs["assumptions"]["volume_tiers"]
        )
        or eng_recommend.DEFAULT_VOLUME_TIERS
    )
    situation = eng_recommend.Situation(
        tokens_per_month=tokens,
        has_idle_gpu_fleet=w["has_idle_gpu_fleet"],
        data_must_stay_in_network=w["data_must_stay_in_network"],
        needs_deep_finetuning=w["needs_finetuning"],
        has_mlops_team=w["has_mlops_team"],
        open_model_meets_accuracy=w["open_model_meets_accuracy"],
        p99_latency_target_s=w["latency_p99_target_s"],
        days_per_month=w["days_per_month"],
    )
    options = []
    for snap, result in zip(snaps, results, strict=True):
        if snap["kind"] == "hybrid":
            cheap_kind = snaps[snap["hybrid"]["cheap_index"]]["kind"]
            kind = eng_recommend.OptionKind(cheap_kind)
            in_network: bool | None = False
        else:
            kind = eng_recommend.OptionKind(snap["kind"])
            in_network = None
        options.append(
            eng_recommend.CostedOption(
                name=snap["name"],
                kind=kind,
                monthly=result["monthly"]["expected"],
                p99_latency_s=snap["p99_latency_s"],
                keeps_data_in_network=in_network,
            )
        )
    rec = eng_recommend.recommend(situation, options, tiers=tiers)
    return {
        "option": rec.option,
        "kind": None if rec.kind is None else rec.kind.value,
        "reasons": [
            {"code": r.code, "message": r.message, "figures": _json_figures(r.figures)}
            for r in rec.reasons
        ],
        "excluded": list(rec.excluded),
    }


def _json_figures(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v)
        for k, v in figures.items()
    }


def curve_volumes(tokens: float, *, points: int = CURVE_POINTS) -> list[float]:
    """``points`` volumes log-spaced from tokens / 10 to tokens x 10 (at least 1M)."""
    center = max(tokens, 1e6)
    low, high = math.log10(center / CURVE_SPAN), math.log10(center * CURVE_SPAN)
    step = (high - low) / (points - 1)
    return [round(10 ** (low + i * step)) for i in range(points)]


def _curves(
    snaps: list[dict[str, Any]],
    engine_offers: dict[int, eng_api.ApiOffer],
    configs: dict[int, Any],
    w: dict[str, Any],
    tokens: float,
    hours: float,
    share: dict[str, float],
) -> dict[str, Any]:
    volumes = curve_volumes(tokens)
    series = []
    for i, snap in enumerate(snaps):
        if snap["kind"] == "api":
            offer = engine_offers[i]
            values = [
                eng_api.api_monthly_cost(
                    offer,
                    tokens_per_month=v,
                    input_share=share["input_share"],
                    cached_share=share["cached_share"],
                )
                for v in volumes
            ]
        elif snap["kind"] == "selfhost":
            values = [
                eng_selfhost.selfhost_monthly_cost(
                    configs[i], tokens_per_month=v, hours_per_month=hours
                )
                for v in volumes
            ]
        else:
            h = snap["hybrid"]
            cheap_index = h["cheap_index"]
            cheap = engine_offers.get(cheap_index) or configs[cheap_index]
            premium = engine_api_offer(snap["api"])
            values = [
                eng_hybrid.hybrid_cost(
                    tokens_per_month=v,
                    routed_share=h["routed_share"],
                    premium=premium,
                    cheap=cheap,
                    escalation_rate=h["escalation_rate"],
                    hours_per_month=hours,
                    **share,
                ).monthly
                for v in volumes
            ]
        series.append(
            {
                "name": snap["name"],
                "kind": snap["kind"],
                "step": snap["kind"] == "selfhost",
                "values": [cents(v) for v in values],
            }
        )
    utilization = []
    for i, snap in enumerate(snaps):
        if snap["kind"] == "api":
            price = eng_api.blended_price_per_mtok(
                engine_offers[i],
                input_share=share["input_share"],
                cached_share=share["cached_share"],
            )
            utilization.append(
                {
                    "name": snap["name"],
                    "kind": "api",
                    "values": [round(price, 4)] * len(UTILIZATION_POINTS),
                }
            )
        elif snap["kind"] == "selfhost":
            config = configs[i]
            fixed = config.fixed_monthly(hours_per_month=hours)
            utilization.append(
                {
                    "name": snap["name"],
                    "kind": "selfhost",
                    "values": [
                        round(
                            eng_capacity.cost_per_mtok_at_utilization(
                                monthly_cost=fixed,
                                tokens_per_second=config.tokens_per_second,
                                utilization=u,
                                hours_per_month=config.serving_hours(hours_per_month=hours),
                            ),
                            4,
                        )
                        for u in UTILIZATION_POINTS
                    ],
                }
            )
    return {
        "workload_tokens_per_month": tokens,
        "volume": {"volumes": volumes, "series": series},
        "utilization": {"points": list(UTILIZATION_POINTS), "series": utilization},
    }


def comparison_columns(results: dict[str, Any]) -> dict[str, Any]:
    """The denormalized columns a Comparison row keeps next to its JSON."""
    cheapest = results.get("cheapest")
    return {
        "recommended_option": results["recommendation"]["option"] or "",
        "cheapest_option": cheapest["name"] if cheapest else "",
        "cheapest_monthly": None
        if cheapest is None
        else Decimal(str(cheapest["monthly"])).quantize(Decimal("0.01")),
        "tokens_per_month": round(results["tokens_per_month"]),
    }


# --- engine depth (issue 10): lens, rented packing, owned finance, reserve, milestones ---

LENS_LABELS = {
    "full": "Full TCO",
    "marginal": "Marginal: leaves out depreciation, capital, installation, staff and "
    "implementation",
}
# Frozen with schema 1: its stored results hold these words, and recompute them exactly.
# Schema 2 stores keys; planner/labels.py words them.
LINE_LABELS = {
    "compute": "Rented instances",
    "other": "Hidden and other monthly costs",
    "depreciation": "Depreciation",
    "capital": "Cost of capital",
    "maintenance": "Maintenance",
    "energy": "Energy",
    "facilities": "Facilities",
    "staff": "Operations staff",
    "installation": "Installation",
    "implementation": "Implementation (one-off)",
    "reserve": "Reserve capacity",
}
MILESTONE_LABELS = {
    "rented_beats_api": "Rented beats API",
    "owned_beats_api": "Owned beats API",
    "rented_cheapest_overall": "Rented cheapest overall",
    "owned_cheapest_overall": "Owned cheapest overall",
}
DEPTH_LIMIT_TOKENS = 10**12


def _offer_gpu_count(option: Any) -> int:
    """GPUs in one instance of the option's GPU offer (the catalog's machine)."""
    if option.gpu_offer_id:
        return int(option.gpu_offer.gpu_count or 1)
    row = option.private_gpu_offer
    if row.replaces_id:
        return int(row.replaces.gpu_count or 1)
    return int(row.gpu_count or 1)


def depth_plan_snapshot(*, lens: str, analysis_months: float) -> dict[str, Any]:
    """The plan-level depth inputs: lens and analysis period."""
    # How far crossings are searched follows from the scenario (compose.search_limit).
    return {"lens": lens, "analysis_months": float(analysis_months)}


def _implied_usd_per_kwh(*, monthly: float, watts: float, hours: float, pue: float) -> float:
    """The electricity price that makes a server's energy at full load the catalog's
    monthly electricity figure for the hardware: energy is then never silently free, and
    still scales with the servers the fleet runs and the load on their GPUs."""
    kwh = watts * hours * pue / 1000.0
    return monthly / kwh if monthly > 0 and kwh > 0 else 0.0


# Where an owned option's figure came from when the option left it empty (issue 15):
# "hardware" (the catalog's row for the machine), "catalog" (the version's figure),
# "assumed" (no overhead: PUE 1) or "missing" (this catalog version states none: 0).
OWNED_DEFAULT_SOURCES = ("hardware", "catalog", "assumed", "missing")


def _owned_finance(
    option: Any, ctx: _Context, pricing: dict[str, Any]
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(GPUs a server, the engine's ServerFinance figures, the source of each default).

    An empty figure takes the catalog's: the machine's base draw and power (its GPUs'
    power is the rest, shared among them), the version's PUE, the hardware's own
    electricity figure as a price per kWh (else the version's price), maintenance as a
    share of the price a year, and facilities per kW of the server's power a month.
    """
    a = ctx.assumptions
    hw = option.owned_hardware
    per_server = _gpus_per_server(option)
    defaults: dict[str, str] = {}

    def default(field: str, value: float, source: str) -> float:
        defaults[field] = source if value or source == "assumed" else "missing"
        return value

    catalog_base = _f(hw.server_base_w)
    base = _f(option.server_base_watts)
    if base is None:
        base = default("server_base_watts", catalog_base or 0.0, "hardware")
    tdp = _f(option.gpu_tdp_watts)
    if tdp is None:
        power = pricing["power_w"] - (catalog_base or 0.0)
        tdp = default("gpu_tdp_watts", max(0.0, power) / per_server, "hardware")
    server_watts = per_server * tdp + base  # at full load
    pue = _f(option.pue)
    if pue is None:
        catalog_pue = _f(ctx.version.pue)
        pue = default("pue", catalog_pue or 1.0, "catalog" if catalog_pue else "assumed")
    usd_per_kwh = _f(option.usd_per_kwh)
    if usd_per_kwh is None:
        implied = _implied_usd_per_kwh(
            monthly=_mid(pricing["colocation_monthly"]),
            watts=server_watts,
            hours=float(ctx.version.month_hours or HOURS_PER_MONTH),
            pue=pue,
        )
        if implied:
            usd_per_kwh = default("usd_per_kwh", implied, "hardware")
        else:
            usd_per_kwh = default("usd_per_kwh", pricing["usd_per_kwh"], "catalog")
    maintenance = _f(option.maintenance_per_year)
    if maintenance is None:
        figure = a.owned_maintenance_per_year
        maintenance = default(
            "maintenance_per_year", 0.0 if figure is None else float(figure.expected), "catalog"
        )
    facilities = _f(option.facilities_per_server_monthly)
    if facilities is None:
        per_kw = a.owned_facilities_per_kw_monthly
        facilities = default(
            "facilities_per_server_monthly",
            0.0 if per_kw is None else float(per_kw.expected) * server_watts / 1000.0,
            "catalog",
        )
    life = _f(option.useful_life_years)
    server_price = _f(option.server_price)
    finance = {
        "server_price": _mid(pricing["purchase_price"]) if server_price is None else server_price,
        "gpus_per_server": per_server,
        "installation_per_server": float(option.installation_per_server),
        "installation_policy": option.installation_policy,
        "useful_life_years": pricing["useful_life_months"] / 12.0 if life is None else life,
        "residual_value": float(option.residual_value),
        "cost_of_capital": float(option.cost_of_capital),
        "maintenance_per_year": maintenance,
        "server_base_watts": base,
        "gpu_tdp_watts": tdp,
        "gpu_load": _f(option.gpu_load),
        "pue": pue,
        "usd_per_kwh": usd_per_kwh,
        "facilities_per_server_monthly": facilities,
        "facilities_shared_monthly": float(option.facilities_shared_monthly),
    }
    return per_server, finance, defaults


def depth_option_snapshot(option: Any, ctx: _Context, sh: dict[str, Any]) -> dict[str, Any]:
    """Expected-point engine inputs of one self-host option for the depth view."""
    single = _figure(ctx.assumptions.availability, "selfhost_single_region", [0.99, 0.99])
    snap: dict[str, Any] = {
        # One planning share of measured throughput: the option's utilization.
        "headroom": float(option.utilization),
        "ops_fte": float(option.ops_fte),
        "ops_fte_monthly_cost": float(option.ops_fte_monthly_cost),
        "implementation_one_off": float(option.implementation_one_off),
        "replica_availability": _f(option.replica_availability)
        or _mid(cast(list[float], single)),  # a default is given: never None
        "region_availability": float(option.region_availability),
        "allow_multi": option.allow_multi_instance,
    }
    pricing = sh["pricing"]
    if pricing["type"] == "owned":
        per_server, finance, defaults = _owned_finance(option, ctx, pricing)
        server_price = _f(option.server_price)
        snap |= {
            "kind": "owned",
            "gpus_per_replica": sh["fit"]["gpus"] if sh["fit"] else option.gpu_count or per_server,
            "server_price_span": pricing["purchase_price"]
            if server_price is None
            else [server_price, server_price],
            "finance": finance,
            "finance_defaults": defaults,
        }
        return snap
    count = sh["machine"]["count"]
    # Not given: an instance as the catalog sells it, grown to hold one replica (the
    # basic view prices a larger replica per GPU the same way).
    per_instance = option.gpus_per_instance or max(
        _offer_gpu_count(option), min(count, eng_sizing.GPUS_PER_NODE)
    )
    snap |= {
        "kind": "rented",
        "gpus_per_replica": count,
        "gpus_per_instance": per_instance,
        "pricing_type": pricing["type"],
        # The snapshot's hourly is per replica: per GPU, times the GPUs of an instance.
        "instance_hourly": _mid(pricing["hourly"]) / count * per_instance,
        "buffer_fraction": float(option.billing_buffer),
    }
    return snap


def _serving(sh: dict[str, Any], d: dict[str, Any], *, peak_to_average: float) -> Any:
    from planner.engine.fleet import Serving

    return Serving(
        tokens_per_second=sh["throughput"]["planning"],
        gpus_per_replica=d["gpus_per_replica"],
        headroom=d["headroom"],
        peak_to_average=peak_to_average,
    )


def engine_rented(sh: dict[str, Any], *, name: str, peak_to_average: float) -> Any:
    """The engine's RentedCapacity of a rented self-host snapshot (expected point)."""
    from planner.engine.rented import RentedCapacity

    d = sh["depth"]
    hourly = d["instance_hourly"]
    rates: dict[str, Callable[[], eng_selfhost.Pricing]] = {
        "on_demand": lambda: eng_selfhost.OnDemandRate(hourly),
        "spot": lambda: eng_selfhost.SpotRate(hourly=hourly),
        "reserved": lambda: eng_selfhost.ReservedRate(hourly),
    }
    pricing = rates[d["pricing_type"]]()
    config, _parts = engine_selfhost(sh, name=name)
    return RentedCapacity(
        pricing=pricing,
        serving=_serving(sh, d, peak_to_average=peak_to_average),
        gpus_per_instance=d["gpus_per_instance"],
        allow_multi_instance=d["allow_multi"],
        billing=eng_selfhost.Billing(
            mode=config.billing.mode,
            window_hours=config.billing.window_hours,
            buffer_fraction=d["buffer_fraction"],
        ),
        hidden_multiplier=config.hidden_multiplier,
        other_monthly=config.hidden_monthly,
        ops_fte=d["ops_fte"],
        ops_fte_monthly_cost=d["ops_fte_monthly_cost"],
        implementation_one_off=d["implementation_one_off"],
        name=name,
    )


# A snapshot written before issue 15 expensed installation and drew every installed
# GPU's full power all month: it recomputes so.
PRE_ISSUE_15_FINANCE = {"installation_policy": "expensed", "gpu_load": 1.0}


def engine_owned(sh: dict[str, Any], *, name: str, peak_to_average: float) -> tuple[Any, Any]:
    """(ServerFinance, Serving) of an owned self-host snapshot."""
    from planner.engine.owned import ServerFinance

    d = sh["depth"]
    finance = ServerFinance(
        **{**PRE_ISSUE_15_FINANCE, **d["finance"]},
        allow_multi_server=d["allow_multi"],
        ops_fte=d["ops_fte"],
        ops_fte_monthly_cost=d["ops_fte_monthly_cost"],
        implementation_one_off=d["implementation_one_off"],
        name=name,
    )
    serving = _serving(sh, d, peak_to_average=peak_to_average)
    finance.pack(1, serving)  # refuse a replica that cannot be placed, naming the field
    return finance, serving


def _tokens_label(volume: float | None) -> str | None:
    return None if volume is None else format_tokens(volume)


def _reserve_result(plan: Any, monthly: float) -> dict[str, Any] | None:
    if math.isnan(plan.target):
        return None
    return {
        "needed": plan.needed,
        "spares": plan.spares,
        "regions": plan.regions,
        "total_replicas": plan.total_replicas,
        "availability": round(plan.availability, 8),
        "base_availability": round(plan.base_availability, 8),
        "target": plan.target,
        "monthly": cents(monthly),
        "applied": plan.spares > 0 or plan.regions > 1,
    }


def _depth_lines(cost: Any, months: float) -> list[dict[str, Any]]:
    from planner.engine.owned import OwnedCost

    return [
        {
            "key": line.key,
            "label": LINE_LABELS.get(line.key, line.key),
            "monthly": cents(line.monthly),
            "period": cents(line.monthly * months),
            "in_lens": line.in_lens,
        }
        for line in cost.lines
        # Owned servers had no flat "other" line before one composition: a schema-1
        # result recomputes without it (it is always 0 there: no hidden costs reached it).
        if not (line.key == "other" and isinstance(cost, OwnedCost))
    ]


def _depth_option(
    snap: dict[str, Any], w: dict[str, Any], depth: dict[str, Any], hours: float
) -> tuple[dict[str, Any], Any]:
    """(the option's depth result, its cost curve or None) for one self-host option."""
    from planner.engine.crossover import owned_curve, rented_curve
    from planner.engine.fleet import Lens
    from planner.engine.owned import OwnedCost, owned_cost
    from planner.engine.rented import RentedCost, rented_cost
    from planner.engine.reserve import AvailabilityTarget
    from planner.engine.selfhost import BillingMode

    sh, name = snap["selfhost"], snap["name"]
    d = sh["depth"]
    lens, months = Lens(depth["lens"]), depth["analysis_months"]
    tokens = w["tokens_per_month"]
    peak = w["peak_to_average"]
    out: dict[str, Any] = {
        "kind": d["kind"],
        "lens": lens.value,
        "lens_label": LENS_LABELS[lens.value],
        "analysis_months": months,
    }
    try:
        if d["kind"] == "owned":
            machine: Any = engine_owned(sh, name=name, peak_to_average=peak)
            scale_to_zero = False
        else:
            machine = engine_rented(sh, name=name, peak_to_average=peak)
            scale_to_zero = machine.billing.mode is BillingMode.SCALE_TO_ZERO
        availability = None
        target = w["availability_target"]
        if target is not None and scale_to_zero:
            out["reserve_note"] = (
                "Scale to zero keeps no standing replicas to hold in reserve: no reserve priced."
            )
        elif target is not None:
            availability = AvailabilityTarget(
                target=target,
                replica_availability=d["replica_availability"],
                region_availability=d["region_availability"],
            )
        common = {
            "lens": lens,
            "analysis_months": months,
            "availability": availability,
            "hours_per_month": hours,
        }
        cost: OwnedCost | RentedCost
        if d["kind"] == "owned":
            finance, serving = machine
            cost = owned_cost(finance, serving, tokens_per_month=tokens, **common)
            curve = owned_curve(finance, serving, **common)
            out["finance"] = {
                "servers": cost.servers,
                "gpus_per_server": finance.gpus_per_server,
                "server_price": cents(finance.server_price),
                "useful_life_years": finance.useful_life_years,
                "residual_value": finance.residual_value,
                "purchases": cost.purchases,
                "last_life_share": round(cost.last_life_share, 6),
                "acquisition": cents(cost.acquisition),
                "average_book_value": cents(cost.average_book_value),
                "book_value_at_end": cents(cost.book_value_at_end),
            }
            out["machines"] = cost.servers
        else:
            cost = rented_cost(machine, tokens_per_month=tokens, **common)
            curve = rented_curve(machine, **common)
            out["machines"] = cost.instances
            out["gpus_per_instance"] = machine.gpus_per_instance
            out["billed_instance_hours"] = round(cost.billed_instance_hours, 2)
    except ScenarioError as exc:
        out["error"] = f"{exc.field}: {exc.message}"
        return out, None
    out |= {
        "monthly": cents(cost.monthly),
        "period_total": cents(cost.monthly * months),
        "replicas_needed": cost.replicas,
        "gpus": cost.gpus,
        "lines": _depth_lines(cost, months),
        "reserve": _reserve_result(cost.reserve, cost.reserve_monthly),
    }
    return out, curve


def _win_result(key: str, win: Any) -> dict[str, Any]:
    label = MILESTONE_LABELS.get(key, key)
    return {
        "key": key,
        "label": label,
        "challenger": win.challenger,
        "incumbent": win.incumbent,
        "volume": win.volume,
        "volume_label": _tokens_label(win.volume),
        "holds_to_limit": win.holds_to_limit,
        "lost_at": win.lost_at,
        "lost_at_label": _tokens_label(win.lost_at),
        "wins_for_good_from": win.wins_for_good_from,
        "wins_for_good_from_label": _tokens_label(win.wins_for_good_from),
        "limit": win.limit,
        "limit_label": format_tokens(win.limit),
        "reason": win.reason,
    }


def depth_results(
    inputs: dict[str, Any], snaps: list[dict[str, Any]], results: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Add ``lens`` and ``depth`` to each self-host result; the comparison's depth block.

    Snapshots from before issue 10 carry no ``depth`` and get none (recompute stays exact).
    """
    import dataclasses

    from planner.engine.crossover import api_curve, crossovers

    depth = inputs.get("depth")
    if depth is None:
        return None
    w, hours = inputs["workload"], inputs["hours_per_month"]
    curves = []
    for snap, result in zip(snaps, results, strict=True):
        if snap["kind"] == "api":
            curve = api_curve(
                engine_api_offer(snap["api"]),
                input_share=w["input_share"],
                cached_share=w["cached_share"],
            )
            curves.append(dataclasses.replace(curve, name=snap["name"]))
        elif snap["kind"] == "selfhost":
            result["lens"] = depth["lens"]
            result["depth"], curve = _depth_option(snap, w, depth, hours)
            if curve is not None:
                curves.append(curve)
    milestones: dict[str, Any] = {"limit": depth["limit_tokens"], "items": [], "pairs": []}
    try:
        found = crossovers(curves, limit=int(depth["limit_tokens"]))
    except ScenarioError as exc:
        milestones["error"] = exc.message
    else:
        milestones["items"] = [
            _win_result(key, found.milestones[key])
            for key in MILESTONE_LABELS
            if key in found.milestones
        ]
        kinds = {curve.name: curve.kind for curve in curves}
        milestones["pairs"] = [
            _win_result("pair", win)
            | {"challenger_kind": kinds[win.challenger], "incumbent_kind": kinds[win.incumbent]}
            for win in found.pairs
        ]
    return {
        "lens": depth["lens"],
        "lens_label": LENS_LABELS[depth["lens"]],
        "analysis_months": depth["analysis_months"],
        "milestones": milestones,
    }
