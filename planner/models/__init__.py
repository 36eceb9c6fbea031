"""Planner models, one module per concept so each stays small."""

from __future__ import annotations

from planner.models.plans import Comparison, OptionKind, Plan, PlanOption
from planner.models.reevaluations import (
    PlanReevaluation,
    PlanRunStatus,
    ReevaluationRun,
    RunScope,
    RunStatus,
)
from planner.models.shares import PlanShareLink
from planner.models.sweeps import Sweep, SweepChunk, SweepStatus
from planner.models.workloads import Workload

__all__ = [
    "Comparison",
    "OptionKind",
    "Plan",
    "PlanOption",
    "PlanReevaluation",
    "PlanRunStatus",
    "PlanShareLink",
    "ReevaluationRun",
    "RunScope",
    "RunStatus",
    "Sweep",
    "SweepChunk",
    "SweepStatus",
    "Workload",
]
