"""The live preview: the plan's own computation on an unsaved workload and a few options.

The preview picks options a plan could hold (the cheapest, a middle and the dearest API
offer by blended price at the workload's mix, and a reference self-hosted 70B model on
one rented 80 GB GPU), snapshots them exactly as a plan snapshots its rows, and prices
them through the same composition. A plan with the same options gives the same figures.
"""

from __future__ import annotations

import dataclasses
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from planner.bridge.composition import api_offer, api_traffic, results_of, scenario_of
from planner.bridge.plans import (
    _api_offer_snapshot,
    api_offer_label,
    api_traffic_snapshot,
    build_inputs,
    snapshot_of,
    unsaved_plan_inputs,
)
from planner.engine.api import ApiTraffic, blended_price_per_mtok
from planner.engine.compose import compose

# The reference self-host option: a 70B open model on one rented 80 GB GPU.
REFERENCE_MODEL = "Llama 3.3 70B"
REFERENCE_PARAMS_B = Decimal(70)
REFERENCE_PRECISION = "int4"
REFERENCE_GPU_SKUS = ("NVIDIA A100 80GB", "NVIDIA H100 80GB")
REFERENCE_UTILIZATION = Decimal("0.6")


@dataclass(frozen=True)
class Preview:
    version: Any
    # option name -> cheapest | middle | premium | reference (picked from the catalog),
    # or its kind, api | selfhost | hybrid (a plan's own options)
    roles: dict[str, str]
    results: dict[str, Any]
    plan: Any = None  # the plan whose options these are, if any


def _api_candidates(
    book: Any, *, input_share: float, cached_share: float, traffic: ApiTraffic
) -> list[tuple[float, str, Any]]:
    """(blended price, label, price row) of every public offer of the version."""
    priced = []
    for price in book.api_offers:
        if price.offer_id is None:
            continue
        label = api_offer_label(price.model_name, price.provider, price.offer_key)
        snap = _api_offer_snapshot(price, label=label, key=[], private=False)
        blended = blended_price_per_mtok(
            api_offer(snap), input_share=input_share, cached_share=cached_share, traffic=traffic
        )
        priced.append((blended, label, price))
    priced.sort(key=lambda row: (row[0], row[1]))
    return priced


def preview_options(*, version: Any, book: Any, workload: Any) -> tuple[list[Any], dict[str, str]]:
    """Unsaved plan options for the preview and the role of each."""
    from planner.models import PlanOption
    from pricing.models import ApiOffer, GpuOffer
    from pricing.selectors import catalog_assumptions

    priced = _api_candidates(
        book,
        input_share=float(workload.input_share),
        cached_share=float(workload.cached_share),
        traffic=api_traffic(api_traffic_snapshot(workload)),
    )
    options: list[Any] = []
    roles: dict[str, str] = {}
    if priced:
        median = statistics.median_low([row[0] for row in priced])
        picks = [
            ("cheapest", priced[0]),
            ("middle", next(r for r in priced if r[0] == median)),
            ("premium", priced[-1]),
        ]
        rows = ApiOffer.objects.in_bulk([row[2].offer_id for _, row in picks])
        for role, (_blended, label, price) in picks:
            if label in roles:
                continue
            roles[label] = role
            options.append(PlanOption(kind="api", name=label, api_offer=rows[price.offer_id]))
    gpus = {(g.sku, g.gpu_count): g for g in book.gpu_offers if g.offer_id is not None}
    gpu = next((gpus[(sku, 1)] for sku in REFERENCE_GPU_SKUS if (sku, 1) in gpus), None)
    if gpu is not None:
        a = catalog_assumptions(version)
        name = f"{REFERENCE_MODEL} on {gpu.sku}"
        roles[name] = "reference"
        options.append(
            PlanOption(
                kind="selfhost",
                name=name,
                model_name=REFERENCE_MODEL,
                params_b=REFERENCE_PARAMS_B,
                gpu_offer=GpuOffer.objects.get(pk=gpu.offer_id),
                precision=REFERENCE_PRECISION,
                utilization=REFERENCE_UTILIZATION,
                hidden_multiplier=_as_field(
                    "hidden_multiplier",
                    a.hidden_cost_multiplier.expected if a.hidden_cost_multiplier else None,
                ),
                labor_hours_per_month=_as_field(
                    "labor_hours_per_month",
                    a.devops_hours_per_month.expected if a.devops_hours_per_month else None,
                )
                or Decimal(0),
            )
        )
    return options, roles


def _as_field(name: str, value: Decimal | None) -> Decimal | None:
    """A catalog figure as the plan option's field stores it, so a plan can hold it too."""
    from planner.models import PlanOption

    if value is None:
        return None
    places = PlanOption._meta.get_field(name).decimal_places  # type: ignore[union-attr]
    return Decimal(value).quantize(Decimal(1).scaleb(-places))


def costs_only(inputs: dict[str, Any]) -> dict[str, Any]:
    """The stored results of a snapshot without crossings or Monte Carlo bands: every
    option's costs and the recommendation, as computing a plan gives them, fast enough
    for a keystroke."""
    scenario = dataclasses.replace(scenario_of(inputs, monte_carlo=False), search_crossings=False)
    return results_of(compose(scenario), inputs)


def unsaved_plan_preview(plan: Any, options: list[Any]) -> Preview:
    """The preview of an unsaved plan and its unsaved options (the plan form's): the
    snapshot saving and computing it would take, priced by the same composition."""
    inputs = unsaved_plan_inputs(plan, options)
    roles = {option["name"]: option["kind"] for option in inputs["options"]}
    return Preview(plan.catalog_version, roles, costs_only(inputs), plan)


def preview(*, organization: Any, workload: Any, plan: Any = None) -> Preview | None:
    """The preview of an unsaved workload (None: no published catalog); writes nothing.

    With ``plan``, the options the user compares: that plan's own, on its catalog version,
    lens and period, priced exactly as computing the plan would price them for this
    workload. Without, a few options picked from the current catalog (``preview_options``).
    """
    from pricing.selectors import catalog_version_current, effective_prices

    if plan is not None:
        inputs = build_inputs(plan, workload=workload)
        roles = {option["name"]: option["kind"] for option in inputs["options"]}
        scenario = dataclasses.replace(
            scenario_of(inputs, monte_carlo=False), search_crossings=False
        )
        return Preview(plan.catalog_version, roles, results_of(compose(scenario), inputs), plan)
    version = catalog_version_current()
    if version is None:
        return None
    book = effective_prices(version=version, organization=organization)
    options, roles = preview_options(version=version, book=book, workload=workload)
    if not options:
        return Preview(version, roles, {"options": []})
    inputs = snapshot_of(
        workload=workload, version=version, organization=organization, options=options
    )
    # Costs only: the preview shows no crossings or Monte Carlo bands.
    scenario = dataclasses.replace(scenario_of(inputs, monte_carlo=False), search_crossings=False)
    return Preview(version, roles, results_of(compose(scenario), inputs))
