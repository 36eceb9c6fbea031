"""Re-evaluation runs: every plan pinned to an earlier version of a catalog, moved to the
version just published, in the background (issue 17 item 4).

A `ReevaluationRun` spans organizations (it belongs to the catalog, which is public), so it
is not a tenant row: staff follow it in the admin. What it did to each plan is a
`PlanReevaluation`, a tenant row its organization sees (its dashboard's notice, the API).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accounts.tenancy import TenantModel


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class RunScope(models.TextChoices):
    CATALOG = "catalog", "Plans on earlier versions of the same catalog"
    ALL = "all", "Every plan on another version"


class ReevaluationRun(models.Model):
    version = models.ForeignKey(
        "pricing.CatalogVersion", on_delete=models.PROTECT, related_name="+"
    )
    scope = models.CharField(max_length=10, choices=RunScope.choices, default=RunScope.CATALOG)
    status = models.CharField(
        max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=F("total")), name="reevaluationrun_done_lte_total"
            ),
        ]

    def __str__(self) -> str:
        return f"Re-evaluation #{self.pk} against version {self.version_id}"

    @property
    def progress_percent(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total


class PlanRunStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    REEVALUATED = "reevaluated", "Re-evaluated"
    FLAGGED = "flagged", "Flagged"
    FAILED = "failed", "Not re-evaluated"
    SKIPPED = "skipped", "Skipped (moved meanwhile)"


class PlanReevaluation(TenantModel):
    """What one run did to one plan: its new comparison, flag, the options it had to
    leave out (with the closest offers) and the offers it found under another name."""

    run = models.ForeignKey(ReevaluationRun, on_delete=models.CASCADE, related_name="plans")
    plan = models.ForeignKey("planner.Plan", on_delete=models.CASCADE, related_name="+")
    from_version = models.ForeignKey(
        "pricing.CatalogVersion", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=PlanRunStatus.choices, default=PlanRunStatus.PENDING
    )
    comparison_number = models.PositiveIntegerField(null=True, blank=True)
    flag = models.TextField(blank=True)
    # [{"option", "uses", "suggestions": [...], "depends_on"}] (planner.services.LeftOut)
    left_out = models.JSONField(default=list, blank=True)
    matched_by_alias = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "plan"], name="planreevaluation_once_per_run"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} in run {self.run_id}: {self.status}"
