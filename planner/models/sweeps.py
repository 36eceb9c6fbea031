"""Parameter sweeps: a grid of scenarios priced in chunks by Celery workers.

A `Sweep` pins a published catalog version and a validated spec (see
`planner.bridge.sweeps.clean_sweep_spec`); its grid is split into `SweepChunk`s, each
computed once by a task. Results are never one row per point: a chunk keeps the
compressed cheapest-option array of its points, and the finished sweep keeps the whole
grid as one compressed NumPy archive (`result`) plus a small JSON `summary`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accounts.tenancy import TenantModel


class SweepStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED_STATUSES = (SweepStatus.SUCCEEDED, SweepStatus.FAILED, SweepStatus.CANCELLED)
ACTIVE_STATUSES = (SweepStatus.QUEUED, SweepStatus.RUNNING)


class Sweep(TenantModel):
    name = models.CharField(max_length=120)
    catalog_version = models.ForeignKey(
        "pricing.CatalogVersion", on_delete=models.PROTECT, related_name="+"
    )
    workload = models.ForeignKey(
        "planner.Workload", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The cleaned spec: axes as explicit value lists, options with their catalog ids.
    spec = models.JSONField()
    status = models.CharField(
        max_length=10, choices=SweepStatus.choices, default=SweepStatus.QUEUED, db_index=True
    )
    total_points = models.PositiveIntegerField()
    done_points = models.PositiveIntegerField(default=0)
    chunks_total = models.PositiveIntegerField()
    chunks_done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    summary = models.JSONField(default=dict, blank=True)
    # np.savez_compressed archive of the whole grid (see planner.sweep_services._result_archive).
    result = models.BinaryField(null=True, blank=True, editable=False)
    result_bytes = models.PositiveIntegerField(default=0)
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
                condition=Q(done_points__lte=F("total_points")), name="sweep_done_lte_total"
            ),
            models.CheckConstraint(
                condition=Q(chunks_done__lte=F("chunks_total")), name="sweep_chunks_done_lte_total"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def elapsed_seconds(self) -> float | None:
        """Seconds from the start (when a worker took it, else when it was queued) to the
        end, or to now while it runs; None if it never ran."""
        from django.utils import timezone

        began = self.started_at or self.created_at
        if began is None:
            return None
        end = self.finished_at or (None if self.is_finished else timezone.now())
        if end is None:
            return None
        return max((end - began).total_seconds(), 0.0)

    @property
    def progress_percent(self) -> int:
        if not self.total_points:
            return 0
        return int(100 * self.done_points // self.total_points)


class ChunkStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"


class SweepChunk(TenantModel):
    """Points ``[start, stop)`` of a sweep's flattened grid (engine order).

    Carries the sweep's organization too, so chunks are scoped like every tenant row.
    """

    sweep = models.ForeignKey(Sweep, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    stop = models.PositiveIntegerField()
    status = models.CharField(
        max_length=8, choices=ChunkStatus.choices, default=ChunkStatus.PENDING
    )
    # Compressed uint8 option index per point (see planner.sweep_services.pack_chunk).
    cheapest = models.BinaryField(null=True, blank=True, editable=False)
    # Set once the chunk's task is in the broker: a redelivered chunk re-queues its
    # successor only if nobody did (sweep_services._record_chunk).
    queued_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sweep", "index"]
        constraints = [
            models.UniqueConstraint(fields=["sweep", "index"], name="sweepchunk_unique_index"),
            models.CheckConstraint(
                condition=Q(start__lt=F("stop")), name="sweepchunk_start_lt_stop"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sweep_id}#{self.index} [{self.start}, {self.stop})"
