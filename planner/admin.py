"""Staff admin for re-evaluation runs: read-only progress of what publishing started."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from planner.models import PlanReevaluation, ReevaluationRun


class PlanReevaluationInline(admin.TabularInline):
    model = PlanReevaluation
    extra = 0
    can_delete = False
    fields = ["plan", "organization", "from_version", "status", "comparison_number", "flag"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReevaluationRun)
class ReevaluationRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "version", "status", "progress", "flagged", "failed", "created_at"]
    list_filter = ["status"]
    list_select_related = ["version__catalog"]
    readonly_fields = [
        "version",
        "scope",
        "status",
        "total",
        "done",
        "flagged",
        "failed",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    ]
    fields = readonly_fields
    inlines = [PlanReevaluationInline]

    @admin.display(description="Progress")
    def progress(self, obj: ReevaluationRun) -> str:
        return f"{obj.done} / {obj.total} ({obj.progress_percent}%)"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
