"""Planner models, one module per concept so each stays small."""

from __future__ import annotations

from planner.models.plans import Comparison, OptionKind, Plan, PlanOption
from planner.models.shares import PlanShareLink
from planner.models.sweeps import Sweep, SweepChunk, SweepStatus
from planner.models.workloads import Workload

__all__ = [
    "Comparison",
    "OptionKind",
    "Plan",
    "PlanOption",
    "PlanShareLink",
    "Sweep",
    "SweepChunk",
    "SweepStatus",
    "Workload",
]
