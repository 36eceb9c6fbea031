from __future__ import annotations

from django.apps import AppConfig


class PlannerConfig(AppConfig):
    name = "planner"
    verbose_name = "Planner"

    def ready(self) -> None:
        # Pricing sits below the planner and never imports it (pyproject.toml's
        # import-linter contracts): publishing a version reaches the planner through
        # this hook, which re-evaluates the plans pinned to earlier versions.
        from planner import reevaluation
        from pricing import hooks

        hooks.register_version_published(reevaluation.on_version_published)
