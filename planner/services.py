"""Services that change workloads and plans. Keyword-only; organization and actor explicit.

Every write runs in a transaction, validates with `full_clean` and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone

from accounts.audit import record
from accounts.models import Organization
from planner import hooks
from planner.bridge import ScenarioError
from planner.bridge import plans as bridge
from planner.bridge.preview import Preview, unsaved_plan_preview
from planner.models import Comparison, Plan, PlanOption, Workload
from planner.models.plans import OptionKind

WORKLOAD_FIELDS = {
    f.name
    for f in Workload._meta.concrete_fields
    if f.name not in ("id", "organization", "created_by", "created_at", "updated_at")
}

TIMES = "\u00d7"  # the multiplication sign, as in "1x A100" on screen


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _check_org(obj: Any, organization: Organization) -> None:
    if obj.organization_id != organization.pk:
        raise ValidationError("This object belongs to another organization.")


# --- workloads -------------------------------------------------------------------------


@transaction.atomic
def workload_create(*, organization: Organization, actor: Any, **fields: Any) -> Workload:
    unknown = set(fields) - WORKLOAD_FIELDS
    if unknown:
        raise TypeError(f"unknown workload fields: {sorted(unknown)}")
    workload = Workload(organization=organization, created_by=_user(actor), **fields)
    workload.full_clean()
    workload.save()
    record(actor=actor, action="workload.create", obj=workload, organization=organization)
    return workload


@transaction.atomic
def workload_update(
    *, organization: Organization, actor: Any, workload: Workload, **fields: Any
) -> Workload:
    _check_org(workload, organization)
    unknown = set(fields) - WORKLOAD_FIELDS
    if unknown:
        raise TypeError(f"unknown workload fields: {sorted(unknown)}")
    changes = {}
    for name, value in fields.items():
        if getattr(workload, name) != value:
            changes[name] = str(value)
        setattr(workload, name, value)
    workload.full_clean()
    workload.save()
    record(
        actor=actor,
        action="workload.update",
        obj=workload,
        organization=organization,
        changes=changes,
    )
    return workload


@transaction.atomic
def workload_delete(*, organization: Organization, actor: Any, workload: Workload) -> None:
    _check_org(workload, organization)
    record(actor=actor, action="workload.delete", obj=workload, organization=organization)
    try:
        workload.delete()
    except ProtectedError:
        raise ValidationError("This workload is used by plans: delete those plans first.") from None


# --- plans -----------------------------------------------------------------------------


def _option_name(option: PlanOption) -> str:
    if option.kind == OptionKind.API:
        offer = option.api_offer or option.private_api_offer
        if option.api_offer_id:
            return str(offer)
        return f"{offer.model_name or 'Private offer'} · private"
    if option.kind == OptionKind.SELFHOST:
        if option.owned_hardware_id:
            machine = f"owned {option.owned_hardware.name}"
        else:
            gpu = option.gpu_offer or option.private_gpu_offer
            sku = gpu.sku or (gpu.replaces.sku if gpu.replaces_id else "GPU")
            # The GPUs a replica is priced on: more than asked when fewer cannot hold it.
            count = (
                bridge.fitted_gpus_per_replica(option, option.plan.catalog_version)
                or option.gpu_count
                or gpu.gpu_count
                or 1
            )
            machine = f"{count}{TIMES} {sku}"
        return f"{option.model_name} on {machine}"
    premium = option.api_offer or option.private_api_offer
    share = round(float(option.routed_share or 0) * 100)
    cheap = option.cheap_option.name if option.cheap_option else "cheap route"
    return f"Hybrid: {share}% {cheap} + {premium.model_name}"


def _unique_name(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{name} ({n})"
        n += 1
    taken.add(candidate)
    return candidate


@transaction.atomic
def plan_create(
    *,
    organization: Organization,
    actor: Any,
    name: str,
    workload: Workload,
    catalog_version: Any,
    options: list[dict[str, Any]],
    description: str = "",
    use_overlay: bool = True,
    lens: str = "full",
    analysis_months: int = 36,
) -> Plan:
    """A plan with its options. Each option is a dict of PlanOption fields plus, for a
    hybrid, ``cheap_ref``: the index (in ``options``) of its cheap option.

    Raises ValidationError naming the field (``options.2.gpu_offer``); nothing is saved.
    """
    plan = Plan(
        organization=organization,
        name=name,
        description=description,
        workload=workload,
        catalog_version=catalog_version,
        use_overlay=use_overlay,
        lens=lens,
        analysis_months=analysis_months,
        created_by=_user(actor),
    )
    plan.full_clean()
    if not options:
        raise ValidationError({"options": "Choose at least one option to compare."})
    plan.save()
    _create_options(plan=plan, options=options)
    record(
        actor=actor,
        action="plan.create",
        obj=plan,
        organization=organization,
        changes={"options": len(options), "catalog_version": catalog_version.pk},
    )
    return plan


def plan_options_build(*, plan: Plan, options: list[dict[str, Any]]) -> list[PlanOption]:
    """``options`` (as ``plan_create`` takes them) as validated, named and unsaved options
    of ``plan``, saved or not: what ``plan_create`` saves and the plan form's live preview
    prices. A hybrid's ``cheap_option`` is the built option it names; each option's hidden
    cost rows are in ``hidden_rows``.

    Raises ValidationError naming the field (``options.2.gpu_offer``).
    """
    built: list[PlanOption] = []
    taken: set[str] = set()
    # An unsaved plan has no pk for its options to point at yet: everything else is checked.
    exclude = ["name"] if plan.pk is not None else ["name", "plan"]
    for index, data in enumerate(options):
        data = dict(data)
        hidden = data.pop("hidden_costs", None) or []
        cheap_ref = data.pop("cheap_ref", None)
        option = PlanOption(plan=plan, organization_id=plan.organization_id, position=index, **data)
        if cheap_ref is not None:
            if not 0 <= cheap_ref < len(built):
                raise ValidationError(
                    {f"options.{index}.cheap_option": "Choose an option listed before the hybrid."}
                )
            option.cheap_option = built[cheap_ref]
        try:
            option.full_clean(exclude=exclude)
            hidden_rows = list(hidden)
            for row in hidden_rows:
                if row.version_id != plan.catalog_version_id:
                    raise ValidationError(
                        {"hidden_costs": "Choose hidden costs of the plan's catalog version."}
                    )
        except ValidationError as exc:
            raise ValidationError(
                {f"options.{index}.{k}": v for k, v in exc.message_dict.items()}
            ) from None
        option.name = _unique_name(option.name or _option_name(option), taken)
        option.hidden_rows = hidden_rows  # type: ignore[attr-defined]
        built.append(option)
    return built


def _create_options(*, plan: Plan, options: list[dict[str, Any]]) -> list[PlanOption]:
    created = plan_options_build(plan=plan, options=options)
    for option in created:
        # A hybrid's cheap option was saved just before it: Django sets cheap_option_id.
        option.save()
        if option.hidden_rows:  # type: ignore[attr-defined]
            option.hidden_costs.set(option.hidden_rows)  # type: ignore[attr-defined]
    return created


def plan_preview(
    *,
    organization: Organization,
    workload: Workload,
    catalog_version: Any,
    options: list[dict[str, Any]],
    use_overlay: bool = True,
    lens: str = "full",
    analysis_months: int = 36,
) -> Preview:
    """The results ``plan_create`` then computing would give (costs and recommendation;
    no crossings or Monte Carlo bands), for an unsaved plan; writes nothing.

    Raises ValidationError as ``plan_create`` does, and ScenarioError from the engine.
    """
    plan = Plan(
        organization=organization,
        name="Preview",
        workload=workload,
        catalog_version=catalog_version,
        use_overlay=use_overlay,
        lens=lens,
        analysis_months=analysis_months,
    )
    plan.full_clean()
    if not options:
        raise ValidationError({"options": "Choose at least one option to compare."})
    built = plan_options_build(plan=plan, options=options)
    return unsaved_plan_preview(plan, built)


@transaction.atomic
def plan_delete(*, plan: Plan, actor: Any) -> None:
    record(actor=actor, action="plan.delete", obj=plan, organization=plan.organization)
    plan.delete()


def _next_number(plan: Plan) -> int:
    return (Comparison.objects.filter(plan=plan).aggregate(n=Max("number"))["n"] or 0) + 1


def _store(*, plan: Plan, inputs: dict, actor: Any, trigger: str) -> Comparison:
    try:
        results = bridge.evaluate(inputs)
    except ScenarioError as exc:
        raise ValidationError({exc.field.split(".")[-1]: exc.message}) from None
    comparison = Comparison.objects.create(
        organization_id=plan.organization_id,
        plan=plan,
        number=_next_number(plan),
        catalog_version_id=inputs["catalog_version_id"],
        overlay_id=inputs["overlay_id"],
        inputs=inputs,
        results=results,
        trigger=trigger,
        created_by=_user(actor),
        **bridge.comparison_columns(results),
    )
    return comparison


@transaction.atomic
def plan_compute(*, plan: Plan, actor: Any) -> Comparison:
    """Run the engine on the plan as it stands and store a new numbered Comparison."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    previous = plan.latest_comparison
    try:
        inputs = bridge.build_inputs(plan)
    except ScenarioError as exc:
        raise ValidationError({exc.field.split(".")[-1]: exc.message}) from None
    comparison = _store(plan=plan, inputs=inputs, actor=actor, trigger="compute")
    hooks.plan_evaluated(plan=plan, comparison=comparison, previous=previous, actor=actor)
    record(
        actor=actor,
        action="plan.compute",
        obj=plan,
        organization=plan.organization,
        changes={"comparison": comparison.number},
    )
    return comparison


def comparison_recompute(*, comparison: Comparison) -> dict:
    """The engine results of a stored comparison recomputed from its input snapshot."""
    return bridge.evaluate(comparison.inputs)


# --- re-evaluation against another catalog version ------------------------------------


def version_label(version: Any) -> str:
    """How a catalog version is named in flags and notices: ``LiteLLM prices v2``."""
    return f"{version.catalog.name} v{version.number}"


@dataclass(frozen=True)
class LeftOut:
    """An option a re-evaluation could not carry into the new version: the row it used
    and the closest rows the version has (labels), or the option it depended on."""

    option: str
    uses: str
    suggestions: tuple[str, ...] = ()
    depends_on: str = ""

    def phrase(self) -> str:
        if self.depends_on:
            return f"{self.option} (its cheap route {self.depends_on} was left out)"
        uses = "" if self.uses == self.option else f"{self.uses}; "
        closest = f"closest: {', '.join(self.suggestions)}" if self.suggestions else "none close"
        return f"{self.option} ({uses}{closest})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "option": self.option,
            "uses": self.uses,
            "suggestions": list(self.suggestions),
            "depends_on": self.depends_on,
        }


@dataclass
class _Mapped:
    """New FK values for one option, and the offers found under another name."""

    changes: dict[str, Any] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)


def _map_option(option: PlanOption, version: Any, offers: Any) -> _Mapped | LeftOut:
    """Where ``option``'s rows are in ``version`` (`pricing.matching`), or what is missing."""
    from pricing import matching
    from pricing.models import HiddenCost, ThroughputProfile

    mapped = _Mapped()

    def take(field_name: str, uses: str, found: matching.Found) -> LeftOut | None:
        if found.row is None:
            return LeftOut(option.name, uses, found.suggestions)
        mapped.changes[field_name] = found.row
        if found.how == "alias":
            mapped.aliases.append(f"{uses} \u2192 {found.row}")
        return None

    steps = []
    if option.api_offer_id:
        old = option.api_offer
        steps.append(
            (
                "api_offer",
                str(old),
                offers.match(
                    model_name=old.model_name, provider=old.provider, source_key=old.source.key
                ),
            )
        )
    if option.private_api_offer_id:
        private = option.private_api_offer
        steps.append(
            (
                "private_api_offer",
                f"{private} \u00b7 private",
                matching.match_private_api_offer(private, version, option.plan.organization),
            )
        )
    if option.gpu_offer_id:
        gpu = option.gpu_offer
        steps.append(("gpu_offer", matching.gpu_label(gpu), matching.match_gpu_offer(gpu, version)))
    if option.private_gpu_offer_id:
        private_gpu = option.private_gpu_offer
        steps.append(
            (
                "private_gpu_offer",
                f"{private_gpu} \u00b7 private",
                matching.match_private_gpu_offer(private_gpu, version, option.plan.organization),
            )
        )
    if option.owned_hardware_id:
        hardware = option.owned_hardware
        steps.append(
            ("owned_hardware", hardware.name, matching.match_owned_hardware(hardware, version))
        )
    for field_name, uses, found in steps:
        missing = take(field_name, uses, found)
        if missing is not None:
            return missing
    if option.throughput_profile_id:
        profile = ThroughputProfile.objects.filter(
            version=version, setup=option.throughput_profile.setup
        ).first()
        mapped.changes["throughput_profile"] = profile  # None: the adapter picks the best match
    items = list(option.hidden_costs.all())
    if items:
        mapped.changes["hidden_costs"] = list(
            HiddenCost.objects.filter(version=version, item__in=[i.item for i in items])
        )
    return mapped


def _price_moves(options: list[PlanOption], mapping: dict[int, _Mapped]) -> list[tuple[float, str]]:
    """(|percent|, phrase) for every price of the carried-over options that changed."""
    moves: list[tuple[float, str]] = []

    def add(label: str, old: Decimal | None, new: Decimal | None) -> None:
        if old is None or new is None or old == new or old == 0:
            return
        pct = float((new - old) / old * 100)
        verb = "fell" if pct < 0 else "rose"
        moves.append((abs(pct), f"{label} {verb} {abs(pct):.0f}%"))

    seen: set[tuple] = set()
    for option in options:
        changes = mapping[option.pk].changes
        if "api_offer" in changes:
            old, new = option.api_offer, changes["api_offer"]
            if ("api", old.pk) not in seen:
                seen.add(("api", old.pk))
                add(f"{old.model_name} output price", old.output_per_mtok, new.output_per_mtok)
                add(f"{old.model_name} input price", old.input_per_mtok, new.input_per_mtok)
        if "private_api_offer" in changes:
            mine, renewed = option.private_api_offer, changes["private_api_offer"]
            name = mine.model_name or "Private offer"
            add(f"{name} output price", mine.output_per_mtok, renewed.output_per_mtok)
            add(f"{name} input price", mine.input_per_mtok, renewed.input_per_mtok)
        if "gpu_offer" in changes:
            old_gpu, new_gpu = option.gpu_offer, changes["gpu_offer"]
            if ("gpu", old_gpu.pk) not in seen:
                seen.add(("gpu", old_gpu.pk))
                mode = option.get_rent_mode_display().removeprefix("Rent ").strip()
                count = f"{old_gpu.gpu_count}{TIMES} " if old_gpu.gpu_count > 1 else ""
                add(
                    f"{count}{old_gpu.sku} {mode}",
                    old_gpu.hourly_range.expected,
                    new_gpu.hourly_range.expected,
                )
        if "owned_hardware" in changes:
            old_hw, new_hw = option.owned_hardware, changes["owned_hardware"]
            add(f"{old_hw.name} price", old_hw.price_range.expected, new_hw.price_range.expected)
    moves.sort(key=lambda m: -m[0])
    return moves


def _flag_text(
    previous: Comparison,
    current: Comparison,
    moves: list[tuple[float, str]],
    left_out: list[LeftOut],
    version: Any,
) -> str:
    """The plan's flag after a re-evaluation: the recommendation or cheapest option that
    changed, with the price move (or the left-out option) that caused it, then every
    option that had to be left out with the closest offers. Empty: nothing to flag."""
    recommendation = (previous.recommended_option, current.recommended_option)
    cheapest = (previous.cheapest_option, current.cheapest_option)
    gone = {item.option for item in left_out}
    causes = [f"{name} was left out" for name in (recommendation[0], cheapest[0]) if name in gone]
    causes = list(dict.fromkeys(causes)) + [m[1] for m in moves]
    because = (
        " because " + " and ".join(causes[:2])
        if causes
        else " (the prices of this plan's offers did not change; other catalog figures did)"
    )
    parts = []
    if recommendation[0] != recommendation[1] and recommendation == cheapest:
        parts.append(
            f"The recommendation and the cheapest option changed from "
            f"{recommendation[0] or 'none'} to {recommendation[1] or 'none'}"
        )
    else:
        if recommendation[0] != recommendation[1]:
            parts.append(
                f"The recommendation changed from {recommendation[0] or 'none'} to "
                f"{recommendation[1] or 'none'}"
            )
        if cheapest[0] != cheapest[1]:
            parts.append(
                f"the cheapest option changed from {cheapest[0] or 'none'} to "
                f"{cheapest[1] or 'none'}"
            )
    text = ""
    if parts:
        text = "; ".join(parts)
        text = text[0].upper() + text[1:] + because + "."
    if left_out:
        listed = "; ".join(item.phrase() for item in left_out)
        text += f"{' ' if text else ''}Left out, not in {version_label(version)}: {listed}."
    return text


def _left_out_hybrids(options: list[PlanOption], left_out: dict[int, LeftOut]) -> None:
    """A hybrid whose cheap route is left out goes with it."""
    for option in options:
        cheap = option.cheap_option_id
        if option.pk not in left_out and cheap in left_out:
            left_out[option.pk] = LeftOut(option.name, "", depends_on=left_out[cheap].option)


@transaction.atomic
def plan_reevaluate(
    *, plan: Plan, version: Any, actor: Any, offers: Any | None = None
) -> Comparison:
    """Move the plan to another published ``version``, compute it, and flag it when the
    recommendation or the cheapest option changed or an option had to be left out.

    Each row is found in ``version`` by natural key, else by model identity
    (`pricing.matching`: ``GPT-5 (OpenAI) · feb-2026`` is ``gpt-5 (openai) · litellm``).
    An option whose row the version lacks is left out of the plan and listed, with the
    closest rows the version has, in the flag and on the comparison (``left_out``); the
    rest is re-evaluated. Only a plan none of whose options can be carried over is
    refused (a ValidationError listing them), and then nothing changes. ``offers``: the
    version's `ApiOfferIndex`, for a caller that re-evaluates many plans.
    """
    from pricing.matching import ApiOfferIndex

    if not version.is_locked or version.status != "published":
        raise ValidationError({"version": "Choose a published catalog version."})
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    previous = plan.latest_comparison
    if previous is None:
        previous_inputs = bridge.build_inputs(plan)
        previous = _store(plan=plan, inputs=previous_inputs, actor=actor, trigger="compute")
    options = list(
        plan.options.select_related(
            "plan__organization",
            "api_offer__source",
            "private_api_offer__replaces",
            "gpu_offer__source",
            "private_gpu_offer__replaces",
            "owned_hardware",
            "throughput_profile",
        ).prefetch_related("hidden_costs")
    )
    offers = offers if offers is not None else ApiOfferIndex(version)
    mapping: dict[int, _Mapped] = {}
    left_out: dict[int, LeftOut] = {}
    for option in options:
        result = _map_option(option, version, offers)
        if isinstance(result, LeftOut):
            left_out[option.pk] = result
        else:
            mapping[option.pk] = result
    _left_out_hybrids(options, left_out)
    kept = [option for option in options if option.pk not in left_out]
    if not kept:
        raise ValidationError(
            {
                "version": f"None of this plan's options is in {version_label(version)}: "
                + "; ".join(item.phrase() for item in left_out.values())
                + "."
            }
        )
    moves = _price_moves(kept, mapping)
    old_version_id = plan.catalog_version_id
    plan.catalog_version = version
    plan.save(update_fields=["catalog_version", "updated_at"])
    # A left-out hybrid's cheap route may be kept or left out too: the delete cascades.
    PlanOption.objects.filter(pk__in=left_out).delete()
    for option in kept:
        changes = dict(mapping[option.pk].changes)
        hidden = changes.pop("hidden_costs", None)
        for name, value in changes.items():
            setattr(option, name, value)
        option.save()
        if hidden is not None:
            option.hidden_costs.set(hidden)
    try:
        inputs = bridge.build_inputs(plan)
    except ScenarioError as exc:
        raise ValidationError({exc.field.split(".")[-1]: exc.message}) from None
    comparison = _store(plan=plan, inputs=inputs, actor=actor, trigger="reevaluate")
    ordered_left_out = [left_out[o.pk] for o in options if o.pk in left_out]
    flag = _flag_text(previous, comparison, moves, ordered_left_out, version)
    aliases = [alias for option in kept for alias in mapping[option.pk].aliases]
    # What the re-evaluation found, for its callers and the hooks (tracking's alerts).
    comparison.flag_raised = flag  # type: ignore[attr-defined]
    comparison.left_out = ordered_left_out  # type: ignore[attr-defined]
    comparison.matched_by_alias = aliases  # type: ignore[attr-defined]
    comparison.price_moves = [m[1] for m in moves]  # type: ignore[attr-defined]
    comparison.previous_cheapest = previous.cheapest_option  # type: ignore[attr-defined]
    hooks.plan_evaluated(plan=plan, comparison=comparison, previous=previous, actor=actor)
    if flag:
        plan.flag = flag
        plan.flagged_at = timezone.now()
        plan.save(update_fields=["flag", "flagged_at", "updated_at"])
    record(
        actor=actor,
        action="plan.reevaluate",
        obj=plan,
        organization=plan.organization,
        changes={
            "catalog_version": [old_version_id, version.pk],
            "comparison": comparison.number,
            "flag": flag,
            "left_out": [item.as_dict() for item in ordered_left_out],
            "matched_by_alias": aliases,
        },
    )
    return comparison


@transaction.atomic
def plan_flag_clear(*, plan: Plan, actor: Any) -> Plan:
    plan.flag = ""
    plan.flagged_at = None
    plan.save(update_fields=["flag", "flagged_at", "updated_at"])
    record(actor=actor, action="plan.flag_clear", obj=plan, organization=plan.organization)
    return plan


@transaction.atomic
def plan_set_lens(*, plan: Plan, actor: Any, lens: str, analysis_months: int) -> Comparison:
    """Switch the plan's cost lens / analysis period and compute it again (issue 10)."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    changes = {
        name: [str(getattr(plan, name)), str(value)]
        for name, value in (("lens", lens), ("analysis_months", analysis_months))
        if getattr(plan, name) != value
    }
    plan.lens, plan.analysis_months = lens, analysis_months
    plan.full_clean()
    plan.save(update_fields=["lens", "analysis_months", "updated_at"])
    record(
        actor=actor, action="plan.lens", obj=plan, organization=plan.organization, changes=changes
    )
    return plan_compute(plan=plan, actor=actor)
