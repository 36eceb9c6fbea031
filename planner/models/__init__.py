"""Planner models, one module per concept so each stays small."""

from __future__ import annotations

from planner.models.workloads import Workload

__all__ = ["Workload"]
