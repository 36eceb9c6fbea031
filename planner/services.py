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


def _create_options(*, plan: Plan, options: list[dict[str, Any]]) -> list[PlanOption]:
    created: list[PlanOption] = []
    taken: set[str] = set()
    for index, data in enumerate(options):
        data = dict(data)
        hidden = data.pop("hidden_costs", None) or []
        cheap_ref = data.pop("cheap_ref", None)
        option = PlanOption(plan=plan, organization_id=plan.organization_id, position=index, **data)
        if cheap_ref is not None:
            if not 0 <= cheap_ref < len(created):
                raise ValidationError(
                    {f"options.{index}.cheap_option": "Choose an option listed before the hybrid."}
                )
            option.cheap_option = created[cheap_ref]
        try:
            option.full_clean(exclude=["name"])
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
        option.save()
        if hidden_rows:
            option.hidden_costs.set(hidden_rows)
        created.append(option)
    return created


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


# --- re-evaluation against a newer catalog version -------------------------------------


def _map_option(option: PlanOption, version: Any) -> dict[str, Any]:
    """New FK values for ``option`` in ``version``, by natural key; ValidationError if gone."""
    from pricing.models import ApiOffer, GpuOffer, HiddenCost, OwnedHardware, ThroughputProfile

    changes: dict[str, Any] = {}
    if option.api_offer_id:
        old = option.api_offer
        new = ApiOffer.objects.filter(
            version=version,
            model_name=old.model_name,
            provider=old.provider,
            source__key=old.source.key,
        ).first()
        if new is None:
            raise ValidationError(f"{option.name}: {old} is not in the new version.")
        changes["api_offer"] = new
    if option.gpu_offer_id:
        old_gpu = option.gpu_offer
        candidates = GpuOffer.objects.filter(
            version=version, sku=old_gpu.sku, gpu_count=old_gpu.gpu_count, provider=old_gpu.provider
        ).select_related("source")
        new_gpu = next((g for g in candidates if g.source.key == old_gpu.source.key), None) or (
            candidates[0] if len(candidates) == 1 else None
        )
        if new_gpu is None:
            raise ValidationError(
                f"{option.name}: {old_gpu} ({old_gpu.source.key}) is not in the new version."
            )
        changes["gpu_offer"] = new_gpu
    if option.owned_hardware_id:
        hw = OwnedHardware.objects.filter(version=version, name=option.owned_hardware.name).first()
        if hw is None:
            raise ValidationError(
                f"{option.name}: {option.owned_hardware} is not in the new version."
            )
        changes["owned_hardware"] = hw
    if option.throughput_profile_id:
        profile = ThroughputProfile.objects.filter(
            version=version, setup=option.throughput_profile.setup
        ).first()
        changes["throughput_profile"] = profile  # None: the adapter picks the best match
    if option.private_api_offer_id or option.private_gpu_offer_id:
        raise ValidationError(
            f"{option.name}: private prices belong to one catalog version; add them to the "
            "new version's overlay and create a new plan."
        )
    items = list(option.hidden_costs.all())
    if items:
        new_items = list(
            HiddenCost.objects.filter(version=version, item__in=[i.item for i in items])
        )
        changes["hidden_costs"] = new_items
    return changes


def _price_moves(plan: Plan, mapping: dict[int, dict[str, Any]]) -> list[tuple[float, str]]:
    """(|percent|, phrase) for every price this plan uses that changed."""
    moves: list[tuple[float, str]] = []

    def add(label: str, old: Decimal | None, new: Decimal | None) -> None:
        if old is None or new is None or old == new or old == 0:
            return
        pct = float((new - old) / old * 100)
        verb = "fell" if pct < 0 else "rose"
        moves.append((abs(pct), f"{label} {verb} {abs(pct):.0f}%"))

    seen: set[tuple] = set()
    for option in plan.options.all():
        changes = mapping[option.pk]
        if "api_offer" in changes:
            old, new = option.api_offer, changes["api_offer"]
            if ("api", old.pk) not in seen:
                seen.add(("api", old.pk))
                add(f"{old.model_name} output price", old.output_per_mtok, new.output_per_mtok)
                add(f"{old.model_name} input price", old.input_per_mtok, new.input_per_mtok)
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


def _flag_text(previous: Comparison, current: Comparison, moves: list[tuple[float, str]]) -> str:
    because = (
        " because " + " and ".join(m[1] for m in moves[:2])
        if moves
        else " (the prices of this plan's offers did not change; other catalog figures did)"
    )
    recommendation = (previous.recommended_option, current.recommended_option)
    cheapest = (previous.cheapest_option, current.cheapest_option)
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
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + because + "."


@transaction.atomic
def plan_reevaluate(*, plan: Plan, version: Any, actor: Any) -> Comparison:
    """Move the plan to a newer published ``version`` (offers mapped by natural key),
    compute it, and flag it when the recommendation or cheapest option changed."""
    if not version.is_locked or version.status != "published":
        raise ValidationError({"version": "Choose a published catalog version."})
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    previous = plan.latest_comparison
    if previous is None:
        previous_inputs = bridge.build_inputs(plan)
        previous = _store(plan=plan, inputs=previous_inputs, actor=actor, trigger="compute")
    options = list(
        plan.options.select_related(
            "api_offer__source", "gpu_offer__source", "owned_hardware", "throughput_profile"
        ).prefetch_related("hidden_costs")
    )
    mapping = {option.pk: _map_option(option, version) for option in options}
    moves = _price_moves(plan, mapping)
    old_version_id = plan.catalog_version_id
    plan.catalog_version = version
    plan.save(update_fields=["catalog_version", "updated_at"])
    for option in options:
        changes = dict(mapping[option.pk])
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
    hooks.plan_evaluated(plan=plan, comparison=comparison, previous=previous, actor=actor)
    flag = _flag_text(previous, comparison, moves)
    comparison.flag_raised = flag  # type: ignore[attr-defined]
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


@dataclass
class ReevaluateSummary:
    reevaluated: int = 0
    flagged: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: int = 0

    def lines(self) -> list[str]:
        out = [
            f"Re-evaluated {self.reevaluated} plan(s); {len(self.flagged)} flagged; "
            f"{len(self.failed)} failed; {self.skipped} already on this version."
        ]
        out += [f"  flagged: {line}" for line in self.flagged]
        out += [f"  failed: {line}" for line in self.failed]
        return out


def plans_reevaluate_all(*, version: Any, actor: Any = None) -> ReevaluateSummary:
    """Re-evaluate every plan of every organization against ``version``.

    Each plan runs in its own transaction: one plan that cannot be mapped does not stop
    the others (it is listed under ``failed``). Plans already on the version are skipped.
    """
    summary = ReevaluateSummary()
    for plan in Plan.objects.select_related("organization").order_by("pk"):
        if plan.catalog_version_id == version.pk:
            summary.skipped += 1
            continue
        try:
            comparison = plan_reevaluate(plan=plan, version=version, actor=actor)
        except ValidationError as exc:
            summary.failed.append(
                f"{plan.organization.name} / {plan.name}: {'; '.join(exc.messages)}"
            )
            continue
        summary.reevaluated += 1
        if comparison.flag_raised:
            summary.flagged.append(
                f"{plan.organization.name} / {plan.name}: {comparison.flag_raised}"
            )
    return summary


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
