"""A first plan's options, chosen from a catalog version for a workload.

Three options a newcomer can trust to be compared like with like:

* **self-host**: the largest open-weight model of the catalog (its ``ModelSpec`` rows)
  that some public rented GPU can serve with a catalog throughput profile; on each GPU
  and precision the engine's memory fit (:func:`planner.engine.sizing.fit_replica`, through
  :func:`replica_fit`) sets the GPUs a replica needs, the profile must match that count
  and precision, and the candidates are priced by the composition on the workload: the
  cheapest is the one chosen.
* **cheapest capable API**: the public offer with the lowest blended price at the
  workload's mix whose model the catalog shows to be at least as capable as the
  self-hosted model: by benchmark score when both are scored on the same benchmark
  (and, when the workload states a quality floor, its floor), else by total parameters.
  A model the catalog says nothing about is never taken to qualify (the engine's rule
  for an unknown quality score), so a 9B model is never set against a frontier one.
* **frontier API**: the public offer with the highest blended price at the workload's mix.

Every figure is read from the version's rows through the same snapshot a plan takes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from formatting.money import format_rate
from planner.bridge.composition import api_offer, api_traffic, scenario_of
from planner.bridge.defaults import PROPOSED_UTILIZATION
from planner.bridge.figures import PublishedFigures
from planner.bridge.plans import (
    _api_offer_snapshot,
    _context,
    _norm,
    api_offer_label,
    api_traffic_snapshot,
    pick_throughput_profile,
    profile_tokens_per_second,
    replica_fit,
    snapshot_of,
)
from planner.bridge.shapes import shape_context_tokens
from planner.engine.api import blended_price_per_mtok
from planner.engine.compose import compose
from planner.engine.errors import ScenarioError

PRECISIONS = ("fp16", "fp8", "int4")


@dataclass(frozen=True)
class ApiPick:
    role: str  # "capable" | "frontier"
    offer: Any  # pricing.ApiOffer
    label: str
    blended_per_mtok: float
    why: str


@dataclass(frozen=True)
class SelfHostPick:
    fields: dict[str, Any]  # PlanOption fields
    label: str
    gpus: int
    monthly: float
    why: str


@dataclass(frozen=True)
class FirstPlanOptions:
    capable: ApiPick | None
    frontier: ApiPick | None
    selfhost: SelfHostPick | None

    def option_fields(self) -> list[dict[str, Any]]:
        """The picks as ``plan_create`` options: cheapest capable, frontier, self-host."""
        options: list[dict[str, Any]] = []
        for pick in (self.capable, self.frontier):
            if pick is not None:
                options.append({"kind": "api", "api_offer": pick.offer})
        if self.selfhost is not None:
            options.append(dict(self.selfhost.fields))
        return options

    def reasons(self) -> list[str]:
        return [p.why for p in (self.capable, self.frontier, self.selfhost) if p is not None]


@dataclass(frozen=True)
class _Capability:
    """What the catalog says of a model: its size and its score on a benchmark."""

    model: str
    params_b: float | None
    score: float | None
    benchmark: str | None


def _as_field(name: str, value: Any) -> Decimal | None:
    """A catalog figure as the plan option's field stores it."""
    from planner.models import PlanOption

    if value is None:
        return None
    places = PlanOption._meta.get_field(name).decimal_places  # type: ignore[union-attr]
    return Decimal(value).quantize(Decimal(1).scaleb(-places))


def _capability(
    model: str, params: dict[str, float], figures: PublishedFigures, benchmark: str | None
) -> _Capability:
    quality = figures.quality_snapshot(model, benchmark)
    return _Capability(
        model=model,
        params_b=params.get(_norm(model)),
        score=None if quality is None else quality["score"],
        benchmark=None if quality is None else quality["benchmark"],
    )


def _qualifies(offer: _Capability, reference: _Capability, floor: Any) -> tuple[bool, str]:
    """(whether the catalog shows ``offer``'s model at least as capable, the evidence)."""
    if floor is not None and floor.get("reference_score"):
        # The workload's own floor: a score on its benchmark, or nothing qualifies.
        needed = floor["min_share"] * floor["reference_score"]
        if offer.score is None or offer.benchmark != floor["benchmark"]:
            return False, ""
        return offer.score >= needed - 1e-9, (
            f"scores {offer.score:g} on {floor['benchmark']}, at least "
            f"{floor['min_share']:.0%} of {floor['reference']}'s {floor['reference_score']:g}"
        )
    if (
        offer.score is not None
        and reference.score is not None
        and offer.benchmark == reference.benchmark
    ):
        return offer.score >= reference.score, (
            f"scores {offer.score:g} on {offer.benchmark}, at least {reference.model}'s "
            f"{reference.score:g}"
        )
    if offer.params_b is not None and reference.params_b is not None:
        return offer.params_b >= reference.params_b, (
            f"has {offer.params_b:,.0f}B parameters, at least {reference.model}'s "
            f"{reference.params_b:,.0f}B"
        )
    return False, ""


def _priced_api_offers(version: Any, book: Any, workload: Any) -> list[tuple[float, str, Any]]:
    """(blended price per 1M tokens at the workload's mix, label, offer row) of every
    public offer, cheapest first."""
    from pricing.models import ApiOffer

    rows = ApiOffer.objects.in_bulk(
        [p.offer_id for p in book.api_offers if p.offer_id is not None and not p.is_private]
    )
    traffic = api_traffic(api_traffic_snapshot(workload))
    priced = []
    for price in book.api_offers:
        if price.offer_id not in rows or price.is_private:
            continue
        label = api_offer_label(price.model_name, price.provider, price.offer_key)
        snap = _api_offer_snapshot(price, label=label, key=[], private=False)
        blended = blended_price_per_mtok(
            api_offer(snap),
            input_share=float(workload.input_share),
            cached_share=float(workload.cached_share),
            traffic=traffic,
        )
        priced.append((blended, label, rows[price.offer_id]))
    priced.sort(key=lambda row: (row[0], row[1]))
    return priced


def _selfhost_candidates(ctx: Any, book: Any, workload: Any) -> list[tuple[float, list[Any]]]:
    """(model size, unsaved self-host options that fit and have a throughput profile),
    largest model first."""
    from planner.models import PlanOption
    from pricing.models import GpuOffer

    assumptions, profiles, specs, params = (
        ctx.assumptions,
        ctx.profiles,
        ctx.model_specs,
        ctx.model_params,
    )
    gpu_ids = [
        g.offer_id
        for g in book.gpu_offers
        # One GPU per offer row: the memory fit sets how many a replica takes. A spot
        # row's capacity can be taken back at any time: not a first plan's default.
        if g.offer_id is not None
        and not g.is_private
        and g.gpu_count == 1
        and g.vram_per_gpu_gb
        and "spot" not in g.sku.lower()
    ]
    gpus = list(GpuOffer.objects.filter(pk__in=gpu_ids).order_by("pk"))
    context = shape_context_tokens(workload)
    hidden = assumptions.hidden_cost_multiplier
    labor = assumptions.devops_hours_per_month
    by_model = []
    for spec in sorted(specs.values(), key=lambda s: (-float(s.params_total_b), s.name)):
        size = params.get(_norm(spec.name), float(spec.params_total_b))
        options = []
        for gpu in gpus:
            machine = {"vram_per_gpu_gb": float(gpu.vram_per_gpu_gb), "count": 1}
            for precision in PRECISIONS:
                option = PlanOption(
                    kind="selfhost",
                    model_name=spec.name,
                    gpu_offer=gpu,
                    precision=precision,
                    utilization=PROPOSED_UTILIZATION,
                    hidden_multiplier=_as_field(
                        "hidden_multiplier", hidden.expected if hidden else None
                    ),
                    labor_hours_per_month=_as_field(
                        "labor_hours_per_month", labor.expected if labor else None
                    )
                    or Decimal(0),
                )
                try:
                    fit = replica_fit(option, specs, machine, size, context_tokens=context)
                except ScenarioError:  # more GPUs than one node holds
                    continue
                if fit is None:
                    continue
                profile = pick_throughput_profile(
                    profiles,
                    model_name=spec.name,
                    params_b=size,
                    gpu_sku=gpu.sku,
                    gpu_count=fit["gpus"],
                    precision=precision,
                )
                # Measured at this precision (or at one it does not state): never a
                # figure measured at another precision.
                if profile is None or (profile.precision or precision) != precision:
                    continue
                if profile_tokens_per_second(profile, gpu_count=fit["gpus"]) is None:
                    continue
                option.throughput_profile = profile
                options.append(option)
        if options:
            by_model.append((size, options))
    return by_model


def _cheapest_selfhost(
    version: Any, organization: Any, workload: Any, candidates: list[Any]
) -> tuple[Any, dict[str, Any], float] | None:
    """(option, its snapshot, expected monthly cost) of the cheapest candidate, priced
    by the composition on the workload; None if none can be priced."""
    best: tuple[Any, dict[str, Any], float] | None = None
    for option in candidates:
        option.name = f"{option.model_name} {option.precision} on {option.gpu_offer.sku}"
        try:
            inputs = snapshot_of(
                workload=workload, version=version, organization=organization, options=[option]
            )
            scenario = dataclasses.replace(
                scenario_of(inputs, monte_carlo=False), search_crossings=False
            )
            monthly = compose(scenario).options[0].monthly.expected
        except ScenarioError:
            continue
        if best is None or monthly < best[2]:
            best = (option, inputs["options"][0], monthly)
    return best


def _per_mtok(blended: float, version: Any) -> str:
    """A blended price as the reasons quote it: cents above a unit, a tenth of one below."""
    return (
        f"{format_rate(round(blended, 2 if blended >= 1 else 3), version.currency)} per 1M tokens"
    )


def first_plan_options(*, version: Any, organization: Any, workload: Any) -> FirstPlanOptions:
    """The options of a first plan for ``workload`` (saved or not) on ``version``, each
    with why it was chosen; a pick the catalog cannot support is None."""
    from pricing.selectors import effective_prices

    book = effective_prices(version=version, organization=organization)
    # What a plan's snapshot loads: the assumptions, profiles, model specs and sizes.
    ctx = _context(organization, version)
    params = ctx.model_params
    figures = PublishedFigures.of(version)
    floor = figures.floor_snapshot(workload)

    selfhost: SelfHostPick | None = None
    reference: _Capability | None = None
    for size, candidates in _selfhost_candidates(ctx, book, workload):
        found = _cheapest_selfhost(version, organization, workload, candidates)
        if found is None:
            continue
        option, snap, monthly = found
        machine = snap["selfhost"]["machine"]
        fields = {
            name: getattr(option, name)
            for name in (
                "kind",
                "model_name",
                "gpu_offer",
                "precision",
                "utilization",
                "hidden_multiplier",
                "labor_hours_per_month",
            )
        }
        label = f"{option.model_name} ({option.precision.upper()}) on {machine['label']}"
        selfhost = SelfHostPick(
            fields=fields,
            label=label,
            gpus=int(machine["count"]),
            monthly=monthly,
            why=(
                f"Self-host: {option.model_name} ({size:,.0f}B parameters), the largest "
                f"open-weight model with a measured throughput on a rented GPU; "
                f"{machine['label']} is the cheapest fleet that holds it (weights and the KV "
                f"cache of requests of this shape), at "
                f"{snap['selfhost']['throughput']['planning']:,.0f} output tokens/s a "
                f"replica ({snap['selfhost']['throughput']['source']})."
            ),
        )
        reference = _capability(option.model_name, params, figures, None)
        break

    priced = _priced_api_offers(version, book, workload)
    capable: ApiPick | None = None
    for blended, label, offer in priced:
        if reference is None:
            break
        model = _capability(offer.model_name, params, figures, reference.benchmark)
        ok, evidence = _qualifies(model, reference, floor)
        if ok:
            capable = ApiPick(
                role="capable",
                offer=offer,
                label=label,
                blended_per_mtok=blended,
                why=(
                    f"Cheapest capable API: {label}, the lowest price at this workload's "
                    f"mix ({_per_mtok(blended, version)}) among the "
                    f"offers whose model {evidence}."
                ),
            )
            break
    frontier: ApiPick | None = None
    if priced:
        blended, label, offer = priced[-1]
        if capable is None or offer.pk != capable.offer.pk:
            frontier = ApiPick(
                role="frontier",
                offer=offer,
                label=label,
                blended_per_mtok=blended,
                why=(
                    f"Frontier API: {label}, the dearest offer in the catalog at this "
                    f"workload's mix ({_per_mtok(blended, version)})."
                ),
            )
    return FirstPlanOptions(capable=capable, frontier=frontier, selfhost=selfhost)
