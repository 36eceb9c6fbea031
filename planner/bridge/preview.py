"""The live preview: the plan's own computation on an unsaved workload and a few options.

Without a plan, the preview takes the guided first plan's options (the cheapest capable
API, a frontier API and a self-host option sized for the workload:
``onboarding.first_plan_options``), snapshots them exactly as a plan snapshots its rows,
and prices them through the same composition. A plan with the same options gives the
same figures; so does the plan form's preview of an unsaved plan.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from planner.bridge.composition import results_of, scenario_of
from planner.bridge.plans import (
    build_inputs,
    snapshot_of,
    unsaved_plan_inputs,
)
from planner.engine.compose import compose


@dataclass(frozen=True)
class Preview:
    version: Any
    # option name -> capable | frontier | reference (self-host), the first plan's picks,
    # or its kind, api | selfhost | hybrid (a plan's own options)
    roles: dict[str, str]
    results: dict[str, Any]
    plan: Any = None  # the plan whose options these are, if any


def first_plan_preview_options(
    *, version: Any, organization: Any, workload: Any
) -> tuple[list[Any], dict[str, str]]:
    """Unsaved options for the preview of an organization with no plan yet, and the role
    of each: the guided first plan's (``onboarding.first_plan_options``: the cheapest
    capable API, a frontier API, a self-host option sized for the workload)."""
    from planner.bridge.onboarding import first_plan_options
    from planner.models import PlanOption

    picks = first_plan_options(version=version, organization=organization, workload=workload)
    options: list[Any] = []
    roles: dict[str, str] = {}
    for pick in (picks.capable, picks.frontier):
        if pick is not None:
            roles[pick.label] = pick.role
            options.append(PlanOption(kind="api", name=pick.label, api_offer=pick.offer))
    if picks.selfhost is not None:
        roles[picks.selfhost.label] = "reference"
        options.append(PlanOption(name=picks.selfhost.label, **picks.selfhost.fields))
    return options, roles


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
    workload. Without, the guided first plan's options on the current catalog
    (``first_plan_preview_options``).
    """
    from pricing.selectors import catalog_version_current

    if plan is not None:
        inputs = build_inputs(plan, workload=workload)
        roles = {option["name"]: option["kind"] for option in inputs["options"]}
        return Preview(plan.catalog_version, roles, costs_only(inputs), plan)
    version = catalog_version_current()
    if version is None:
        return None
    options, roles = first_plan_preview_options(
        version=version, organization=organization, workload=workload
    )
    if not options:
        return Preview(version, roles, {"options": []})
    inputs = snapshot_of(
        workload=workload, version=version, organization=organization, options=options
    )
    return Preview(version, roles, costs_only(inputs))
