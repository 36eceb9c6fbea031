"""Forecast assumptions, budgets, alerts, webhooks and imported actual usage.

Every row is tenant-owned (`TenantModel`). Money is Decimal; budgets carry their own
currency and are converted into the catalog's currency (the one the engine computes in)
with the exchange-rate snapshot of the plan's pinned catalog version.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from accounts.tenancy import TenantModel

MONEY = {"max_digits": 16, "decimal_places": 2}


class ForecastAssumptions(TenantModel):
    """What a plan's 24-month forecast assumes beyond the workload's growth rate."""

    plan = models.OneToOneField(
        "planner.Plan", on_delete=models.CASCADE, related_name="forecast_assumptions"
    )
    api_price_decline_per_year = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal(0),
        validators=[MinValueValidator(0), MaxValueValidator(Decimal("0.99"))],
        help_text="Expected fall of API prices a year, e.g. 0.2 for 20%.",
    )
    gpu_price_decline_per_year = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal(0),
        validators=[MinValueValidator(0), MaxValueValidator(Decimal("0.99"))],
        help_text="Expected fall of GPU prices a year.",
    )
    migration_weeks = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        default=Decimal(0),
        validators=[MinValueValidator(0), MaxValueValidator(520)],
        help_text="Engineering weeks to move to self-hosting (one-off), at 40 h a week.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Forecast assumptions of {self.plan_id}"


class Budget(TenantModel):
    """A monthly budget for the organization (workload empty) or for one workload."""

    workload = models.ForeignKey(
        "planner.Workload",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="budgets",
    )
    monthly_amount = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, default="USD")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["workload__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(workload__isnull=True),
                name="budget_one_per_org",
            ),
            models.UniqueConstraint(
                fields=["organization", "workload"],
                condition=Q(workload__isnull=False),
                name="budget_one_per_workload",
            ),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="budget_amount_ge_0"),
        ]

    def __str__(self) -> str:
        scope = self.workload.name if self.workload_id else "organization"
        return f"{self.currency} {self.monthly_amount}/month ({scope})"


class AlertKind(models.TextChoices):
    OVER_BUDGET = "over_budget", "Over budget"
    FORECAST_OVER_BUDGET = "forecast_over_budget", "Forecast over budget"
    RECOMMENDATION_FLIPPED = "recommendation_flipped", "Recommendation flipped"
    # A re-evaluation on a new catalog version changed the cheapest option, or had to leave
    # options out (a flip of the recommendation keeps the kind above).
    PLAN_FLAGGED = "plan_flagged", "Plan flagged by new prices"


class Alert(TenantModel):
    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    plan = models.ForeignKey(
        "planner.Plan", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    workload = models.ForeignKey(
        "planner.Workload", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    comparison_number = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message[:60]}"


class PlanBudgetState(TenantModel):
    """Where a plan stood against its budget when last evaluated (over it; the forecast
    month it passes it), so the budget alerts fire once on entering a state (at a
    computation or a budget change), not on every evaluation while it lasts."""

    plan = models.OneToOneField("planner.Plan", on_delete=models.CASCADE, related_name="+")
    over_budget = models.BooleanField(default=False)
    forecast_exceeded_month = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Budget state of plan {self.plan_id}: {'over' if self.over_budget else 'within'}"


def _webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(TenantModel):
    """Where alerts are POSTed, signed with the shared ``secret`` (shown once)."""

    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=80, default=_webhook_secret, editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "url"], name="webhook_unique_url"),
        ]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(TenantModel):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    alert = models.ForeignKey(
        Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    # The exact bytes sent (and signed), so a retry sends the same body.
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class ImportFormat(models.TextChoices):
    BREAKEVEN = "breakeven", "Breakeven CSV (date, model, input_tokens, output_tokens, cost)"
    LITELLM = "litellm", "LiteLLM spend logs (LiteLLM_SpendLogs export)"
    LITELLM_DAILY_USER = (
        "litellm_daily_user",
        "LiteLLM daily spend per user (LiteLLM_DailyUserSpend)",
    )
    LITELLM_DAILY_TEAM = (
        "litellm_daily_team",
        "LiteLLM daily spend per team (LiteLLM_DailyTeamSpend)",
    )
    LITELLM_DAILY_TAG = "litellm_daily_tag", "LiteLLM daily spend per tag (LiteLLM_DailyTagSpend)"


class DateOrder(models.TextChoices):
    """How a spreadsheet date such as 03/04/2026 is read (ISO dates are never ambiguous)."""

    AUTO = "auto", "From the file (a day above 12 settles it; else month first)"
    MONTH_FIRST = "mdy", "Month first (03/04/2026 is 4 March)"
    DAY_FIRST = "dmy", "Day first (03/04/2026 is 3 April)"


class RoutingDimension(models.TextChoices):
    """What a routing rule matches in a usage row. Rules are tried in this order (the
    most specific first): key, tag, team, user, model group."""

    KEY = "key", "API key (hashed, the api_key column)"
    TAG = "tag", "Request tag"
    TEAM = "team", "Team (team_id)"
    USER = "user", "User (user / user_id)"
    MODEL_GROUP = "model_group", "Model group (model_group)"


class UsageRoutingRule(TenantModel):
    """Usage rows whose ``dimension`` equals ``value`` belong to ``workload``: so one
    upload of a proxy's export feeds every workload it serves."""

    dimension = models.CharField(max_length=12, choices=RoutingDimension.choices)
    value = models.CharField(max_length=200)
    workload = models.ForeignKey(
        "planner.Workload", on_delete=models.CASCADE, related_name="usage_routing_rules"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dimension", "value", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "dimension", "value"], name="usageroutingrule_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()} = {self.value}"


class ActualUsageImport(TenantModel):
    """One imported file. ``workload`` is where rows no routing rule claims went (empty:
    such rows were left out); ``report`` counts what the file held (`tracking.usage`)."""

    workload = models.ForeignKey(
        "planner.Workload",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="usage_imports",
    )
    filename = models.CharField(max_length=200, blank=True)
    file_format = models.CharField(max_length=24, choices=ImportFormat.choices)
    rows = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename or 'import'} ({self.rows} rows)"


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Imported"
    FAILED = "failed", "Rejected"


class UsageImportJob(TenantModel):
    """An uploaded usage file being imported in the background (`tracking.tasks`).

    The page and the API poll it: ``status``, ``rows_done`` (read so far) of about
    ``rows_total`` (the file's lines), and ``errors`` (``Row n, field f: ...``) when the
    file was rejected, in which case nothing was written. The file itself is kept (in
    `UsageImportChunk` rows) only until the job has finished. ``workload`` takes the
    rows no routing rule claims (empty: they are counted and left out).
    """

    workload = models.ForeignKey(
        "planner.Workload",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="usage_import_jobs",
    )
    filename = models.CharField(max_length=200, blank=True)
    file_format = models.CharField(max_length=24, choices=ImportFormat.choices)
    date_order = models.CharField(max_length=4, choices=DateOrder.choices, default=DateOrder.AUTO)
    size_bytes = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    report = models.JSONField(default=dict, blank=True)
    usage_import = models.OneToOneField(
        ActualUsageImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="job"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename or 'import'} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportJobStatus.SUCCEEDED, ImportJobStatus.FAILED)

    @property
    def progress_percent(self) -> int:
        if self.status == ImportJobStatus.SUCCEEDED:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_done // self.rows_total))


class UsageImportChunk(TenantModel):
    """One piece of an uploaded file (zlib-compressed), in order: the file lives in the
    database, which every worker reaches, and is read back one piece at a time."""

    job = models.ForeignKey(UsageImportJob, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["job", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["job", "seq"], name="usageimportchunk_unique"),
        ]

    def __str__(self) -> str:
        return f"Piece {self.seq} of import job {self.job_id}"


class UsageKind(models.TextChoices):
    """What a usage row was: only chat traffic is compared with a plan; the rest is
    reported apart."""

    CHAT = "chat", "Chat and completions"
    EMBEDDING = "embedding", "Embeddings"
    OTHER = "other", "Other calls (images, audio, rerank, moderation…)"
    PROXY_CACHE = "proxy_cache", "Answered from the proxy's cache"


class ActualUsageMonth(TenantModel):
    """Actual usage of one model in one calendar month (``month`` is its first day), of
    one kind. ``cached_input_tokens`` are the part of ``input_tokens`` read from the
    provider's prompt cache."""

    usage_import = models.ForeignKey(
        ActualUsageImport, on_delete=models.CASCADE, related_name="months"
    )
    workload = models.ForeignKey(
        "planner.Workload", on_delete=models.CASCADE, related_name="actual_months"
    )
    month = models.DateField()
    model = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=UsageKind.choices, default=UsageKind.CHAT)
    requests = models.BigIntegerField(default=0, validators=[MinValueValidator(0)])
    input_tokens = models.BigIntegerField(validators=[MinValueValidator(0)])
    cached_input_tokens = models.BigIntegerField(default=0, validators=[MinValueValidator(0)])
    output_tokens = models.BigIntegerField(validators=[MinValueValidator(0)])
    cost = models.DecimalField(max_digits=16, decimal_places=6, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["month", "model", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workload", "month", "model", "kind"], name="actualusagemonth_unique"
            ),
            models.CheckConstraint(
                condition=Q(
                    input_tokens__gte=0,
                    output_tokens__gte=0,
                    cost__gte=0,
                    requests__gte=0,
                    cached_input_tokens__gte=0,
                ),
                name="actualusagemonth_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(cached_input_tokens__lte=F("input_tokens")),
                name="actualusagemonth_cached_within_input",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.model} ({self.kind})"
