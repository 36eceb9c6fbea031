from __future__ import annotations

from django.apps import AppConfig


class TrackingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tracking"
    verbose_name = "Forecasts, budgets and actuals"

    def ready(self) -> None:
        # Tracking builds on the planner, which never imports it (pyproject.toml's
        # import-linter contracts): it reaches tracking through these hooks.
        from planner import hooks
        from tracking import panels, services

        hooks.register_plan_evaluated(services.plan_evaluated)
        hooks.register_plan_panel(panels.BUDGET_PANEL)
