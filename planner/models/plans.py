"""Plans: a workload priced against a pinned catalog version, and the comparisons it produced.

A `Plan` holds candidate `PlanOption`s (an API offer, a self-host configuration, or a
hybrid mix). Computing a plan runs the engine through `planner.bridge.plans` and writes a
numbered, immutable `Comparison`; recomputing never overwrites an earlier one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.tenancy import TenantModel, TenantQuerySet

SHARE = {
    "max_digits": 6,
    "decimal_places": 5,
    "validators": [MinValueValidator(0), MaxValueValidator(1)],
}
MONEY = {"max_digits": 14, "decimal_places": 4}


class ComparisonLockedError(Exception):
    """A stored comparison is a record of what was computed: it never changes."""


class Plan(TenantModel):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    workload = models.ForeignKey("planner.Workload", on_delete=models.PROTECT, related_name="plans")
    catalog_version = models.ForeignKey(
        "pricing.CatalogVersion", on_delete=models.PROTECT, related_name="+"
    )
    use_overlay = models.BooleanField(
        default=True, help_text="Apply the organization's private prices for this version."
    )
    # Set when a re-evaluation changed the recommendation or the cheapest option.
    flag = models.TextField(blank=True)
    flagged_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Engine depth (issue 10): which cost view the self-host figures take, and the
    # period over which ownership and one-off costs are spread.
    lens = models.CharField(
        max_length=10,
        choices=[("full", "Full TCO"), ("marginal", "Marginal")],
        default="full",
        help_text="Full TCO counts everything; marginal leaves out depreciation, capital, "
        "installation, staff and implementation.",
    )
    analysis_months = models.PositiveIntegerField(
        default=36,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="Analysis period in months (ownership and one-offs are spread over it).",
    )

    class Meta:
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def latest_comparison(self) -> Comparison | None:
        """The newest comparison; selectors prefetch it into `_latest` to avoid a query."""
        if hasattr(self, "_latest"):
            return self._latest[0] if self._latest else None
        return self.comparisons.order_by("-number").first()

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if (
            self.workload_id
            and self.organization_id
            and self.workload.organization_id != self.organization_id
        ):
            errors["workload"] = "Choose a workload of this organization."
        if self.catalog_version_id and not self.catalog_version.is_locked:
            errors["catalog_version"] = "Choose a published catalog version."
        if errors:
            raise ValidationError(errors)


class OptionKind(models.TextChoices):
    API = "api", "API"
    SELFHOST = "selfhost", "Self-host"
    HYBRID = "hybrid", "Hybrid"


class Precision(models.TextChoices):
    FP16 = "fp16", "FP16"
    FP8 = "fp8", "FP8"
    INT4 = "int4", "INT4"


class BillingMode(models.TextChoices):
    ALWAYS_ON = "always_on", "Always on"
    WINDOW = "window", "Business hours (window)"
    SCALE_TO_ZERO = "scale_to_zero", "Scale to zero"


class InstallationPolicy(models.TextChoices):
    CAPITALISED = "capitalised", "Capitalised with the hardware"
    EXPENSED = "expensed", "Expensed at purchase"


class RentMode(models.TextChoices):
    ON_DEMAND = "on_demand", "Rent on demand"
    SPOT = "spot", "Rent spot"
    RESERVED = "reserved", "Rent reserved"
    OWNED = "owned", "Own the hardware"


class PlanOption(TenantModel):
    """One candidate: an API offer, a self-host configuration or a hybrid mix.

    `organization` repeats the plan's so every tenant row is scoped the same way.
    """

    # Owned-server finance (rent_mode "owned"; empty: the catalog hardware's figure): one
    # list for the plan form's group and the API serializer.
    OWNED_FINANCE_FIELDS = (
        "server_price",
        "gpus_per_server",
        "installation_per_server",
        "installation_policy",
        "useful_life_years",
        "residual_value",
        "cost_of_capital",
        "maintenance_per_year",
        "server_base_watts",
        "gpu_tdp_watts",
        "gpu_load",
        "pue",
        "usd_per_kwh",
        "facilities_per_server_monthly",
        "facilities_shared_monthly",
    )

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=OptionKind.choices)

    # API (and the premium side of a hybrid): a public offer of the plan's version or
    # a private offer of the organization's overlay on that version.
    api_offer = models.ForeignKey(
        "pricing.ApiOffer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    private_api_offer = models.ForeignKey(
        "pricing.OverlayApiOffer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # Self-host
    model_name = models.CharField(max_length=120, blank=True)
    params_b = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    gpu_offer = models.ForeignKey(
        "pricing.GpuOffer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    private_gpu_offer = models.ForeignKey(
        "pricing.OverlayGpuOffer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    owned_hardware = models.ForeignKey(
        "pricing.OwnedHardware", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    gpu_count = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="GPUs per replica; empty: the offer's own count.",
    )
    precision = models.CharField(max_length=6, choices=Precision.choices, default=Precision.FP16)
    # GPU memory fit (issue 15): the KV cache a replica holds is context x sequences.
    context_tokens = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10_000_000)],
        help_text="Tokens of context a request holds (input + output); empty: the "
        "workload's request shape, else 4,096.",
    )
    # Also the concurrency its throughput figures were measured at and the replica is
    # planned at (serving physics); latency targets may lower it, never raise it.
    concurrent_sequences = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4096)],
        help_text="Requests a replica serves at once; empty: the throughput profile's highest "
        "measured concurrency, else 16.",
    )
    billing_mode = models.CharField(
        max_length=16, choices=BillingMode.choices, default=BillingMode.ALWAYS_ON
    )
    window_hours = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(744)],
        help_text="Hours a month the window is up (business hours: about 220).",
    )
    rent_mode = models.CharField(
        max_length=10, choices=RentMode.choices, default=RentMode.ON_DEMAND
    )
    throughput_profile = models.ForeignKey(
        "pricing.ThroughputProfile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The organization's own measured profile (an imported benchmark): wins over the catalog's.
    private_throughput_profile = models.ForeignKey(
        "pricing.PrivateThroughputProfile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    tokens_per_second = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Output tokens/s of one replica; empty: the best matching catalog profile.",
    )
    utilization = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(1)],
    )
    hidden_costs = models.ManyToManyField("pricing.HiddenCost", blank=True, related_name="+")
    hidden_multiplier = models.DecimalField(
        max_digits=5,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Multiplier on the GPU bill instead of itemized costs (1.3-2 is typical).",
    )
    labor_hours_per_month = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    other_monthly = models.DecimalField(
        **MONEY,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
        help_text="Other fixed monthly costs (infrastructure, gateway...).",
    )
    p99_latency_s = models.DecimalField(
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Measured end-to-end p99 in seconds; empty: the estimate for the workload's "
        "request shape, else the catalog's figure for this kind of option.",
    )
    # Serving figures measured for this option (issue 15): with tokens_per_second (its
    # decode rate) they form the option's own profile at `concurrent_sequences`.
    prefill_tokens_per_second = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Input tokens/s one replica prefills; empty: the profile's, if it has one.",
    )
    ttft_p99_s = models.DecimalField(
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.0001"))],
        help_text="Measured time to first token, p99, in seconds (with tokens/s).",
    )
    tpot_p99_s = models.DecimalField(
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.0001"))],
        help_text="Measured time per output token, p99, in seconds (with tokens/s).",
    )

    # Engine depth (issue 10). Rented packing: replicas packed into instances.
    gpus_per_instance = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="GPUs in one rented instance; empty: the GPU offer's own count.",
    )
    allow_multi_instance = models.BooleanField(
        default=False, help_text="A replica may span several instances (or servers)."
    )
    billing_buffer = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        default=Decimal(0),
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="Scale to zero: extra share of the busy hours billed for warm-up.",
    )
    # Owned-server finance (only for rent_mode=owned; empty: from the catalog hardware).
    server_price = models.DecimalField(
        **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    gpus_per_server = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    installation_per_server = models.DecimalField(
        **MONEY, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    installation_policy = models.CharField(
        max_length=12,
        choices=InstallationPolicy.choices,
        default=InstallationPolicy.CAPITALISED,
        help_text="Capitalised: in the servers' book value, depreciated over the useful life "
        "and inside the cost of capital. Expensed: charged in full at every purchase.",
    )
    useful_life_years = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(30)],
    )
    residual_value = models.DecimalField(**SHARE, default=Decimal(0))
    cost_of_capital = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        default=Decimal(0),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="A year, on the average book value (0.08 for 8%).",
    )
    maintenance_per_year = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of the acquisition a year (0.05 for 5%); empty: the catalog's figure.",
    )
    server_base_watts = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Watts a server draws whatever its load; empty: the catalog hardware's figure.",
    )
    gpu_tdp_watts = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Watts a GPU draws at full load; empty: the catalog hardware's power.",
    )
    gpu_load = models.DecimalField(
        **SHARE,
        null=True,
        blank=True,
        help_text="Average share of the GPUs' full power drawn; empty: the hours the "
        "workload's tokens take at the measured throughput.",
    )
    pue = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Power usage effectiveness; empty: the catalog's figure.",
    )
    usd_per_kwh = models.DecimalField(
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Electricity price; empty: the catalog's figure.",
    )
    facilities_per_server_monthly = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Space, cooling and power delivery a server a month; empty: the catalog's "
        "figure per kW times the server's power.",
    )
    facilities_shared_monthly = models.DecimalField(
        **MONEY,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
        help_text="Site costs shared by every server a month (none unless given).",
    )
    # Rented and owned: operations staff and a one-off implementation.
    ops_fte = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    ops_fte_monthly_cost = models.DecimalField(
        **MONEY, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    implementation_one_off = models.DecimalField(
        **MONEY, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    # Energy: the grid the servers draw from (a region of the catalog's grid intensities).
    grid_region = models.CharField(
        max_length=60,
        blank=True,
        help_text="Empty: the GPU offer's region if the catalog has its grid, else 'world'.",
    )
    # Reserve: availability of one replica / one region (empty: the catalog's figure).
    replica_availability = models.DecimalField(
        max_digits=7,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(1)],
    )
    region_availability = models.DecimalField(
        max_digits=7,
        decimal_places=6,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(1)],
    )

    # Hybrid: `routed_share` of the tokens go to `cheap_option`; the rest (and the
    # escalations) to the premium API offer above.
    cheap_option = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    routed_share = models.DecimalField(**SHARE, null=True, blank=True)
    escalation_rate = models.DecimalField(**SHARE, default=Decimal(0))

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="api")
                | Q(api_offer__isnull=False, private_api_offer__isnull=True)
                | Q(api_offer__isnull=True, private_api_offer__isnull=False),
                name="planoption_api_has_one_offer",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        plan = self.plan
        version_id = plan.catalog_version_id
        if self.organization_id and self.organization_id != plan.organization_id:
            errors["plan"] = "The option must belong to the plan's organization."

        def same_version(field: str, row: Any) -> None:
            if row is not None and row.version_id != version_id:
                errors[field] = "Choose a row of the plan's catalog version."

        def own_overlay(field: str, row: Any) -> None:
            if row is None:
                return
            overlay = row.overlay
            if overlay.organization_id != plan.organization_id:
                errors[field] = "Choose one of your organization's private prices."
            elif overlay.base_version_id != version_id:
                errors[field] = "Choose a private price on the plan's catalog version."

        same_version("api_offer", self.api_offer)
        same_version("gpu_offer", self.gpu_offer)
        same_version("owned_hardware", self.owned_hardware)
        same_version("throughput_profile", self.throughput_profile)
        own_overlay("private_api_offer", self.private_api_offer)
        own_overlay("private_gpu_offer", self.private_gpu_offer)
        private_profile = self.private_throughput_profile
        if private_profile is not None and private_profile.organization_id != plan.organization_id:
            errors["private_throughput_profile"] = "Choose one of your organization's profiles."
        if self.private_throughput_profile_id and self.throughput_profile_id:
            errors["private_throughput_profile"] = "Choose a catalog or your own profile, not both."
        has_api = self.api_offer_id is not None or self.private_api_offer_id is not None
        if self.api_offer_id and self.private_api_offer_id:
            errors["api_offer"] = "Choose a public or a private API offer, not both."
        if self.kind in (OptionKind.API, OptionKind.HYBRID) and not has_api:
            errors.setdefault("api_offer", "Choose an API offer.")
        if self.kind == OptionKind.SELFHOST:
            machines = [
                x
                for x in (self.gpu_offer_id, self.private_gpu_offer_id, self.owned_hardware_id)
                if x
            ]
            if self.rent_mode == RentMode.OWNED:
                if not self.owned_hardware_id:
                    errors["owned_hardware"] = "Choose the owned hardware."
            elif len(machines) != 1 or self.owned_hardware_id:
                errors["gpu_offer"] = "Choose one GPU offer."
            if not self.model_name:
                errors["model_name"] = "Name the model to self-host."
            if self.billing_mode == BillingMode.WINDOW and not self.window_hours:
                errors["window_hours"] = "Give the hours a month of the window."
            errors.update(self._packing_errors())
            errors.update(self._grid_errors(version_id))
            for field in ("ttft_p99_s", "tpot_p99_s"):
                if getattr(self, field) is not None and self.tokens_per_second is None:
                    errors[field] = (
                        "Give the tokens/s you measured with it: measured latency and "
                        "throughput form the option's own profile."
                    )
        if self.kind == OptionKind.HYBRID:
            if self.routed_share is None:
                errors["routed_share"] = "Give the share of tokens routed to the cheap option."
            cheap = self.cheap_option
            if cheap is None:
                errors["cheap_option"] = "Choose the cheap option."
            elif cheap.plan_id != self.plan_id or cheap.kind == OptionKind.HYBRID:
                errors["cheap_option"] = "Choose an API or self-host option of the same plan."
        if errors:
            raise ValidationError(errors)

    def _grid_errors(self, version_id: int) -> dict[str, str]:
        """A named grid region must be one the plan's catalog version has a figure for."""
        if not self.grid_region:
            return {}
        from pricing.models import GridIntensity

        regions = list(
            GridIntensity.objects.filter(version_id=version_id).values_list("region", flat=True)
        )
        if self.grid_region in regions:
            return {}
        known = ", ".join(regions) or "none"
        return {
            "grid_region": f"The catalog has no grid intensity for {self.grid_region!r} "
            f"(it has: {known})."
        }

    def _packing_errors(self) -> dict[str, str]:
        """A replica larger than one machine needs ``allow_multi_instance`` (issue 10)."""
        if self.allow_multi_instance or not self.gpu_count:
            return {}
        if self.rent_mode == RentMode.OWNED:
            if self.gpus_per_server and self.gpu_count > self.gpus_per_server:
                return {
                    "gpus_per_server": f"A replica needs {self.gpu_count} GPUs but a server has "
                    f"{self.gpus_per_server}: allow a replica to span servers."
                }
            return {}
        if self.gpus_per_instance and self.gpu_count > self.gpus_per_instance:
            return {
                "gpus_per_instance": f"A replica needs {self.gpu_count} GPUs but an instance has "
                f"{self.gpus_per_instance}: allow a replica to span instances."
            }
        return {}


class ComparisonQuerySet(TenantQuerySet):
    def update(self, **kwargs: Any) -> int:
        raise ComparisonLockedError("Comparisons are immutable.")


_STORED = frozenset({"inputs", "results"})


class Comparison(TenantModel):
    """One computation of a plan: engine results as JSON plus a few columns to sort by."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="comparisons")
    number = models.PositiveIntegerField()
    catalog_version = models.ForeignKey(
        "pricing.CatalogVersion", on_delete=models.PROTECT, related_name="+"
    )
    overlay = models.ForeignKey(
        "pricing.PriceOverlay", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tokens_per_month = models.BigIntegerField()
    recommended_option = models.CharField(max_length=200, blank=True)
    cheapest_option = models.CharField(max_length=200, blank=True)
    cheapest_monthly = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    # Every input the engine saw, so the result can be recomputed exactly.
    inputs = models.JSONField()
    results = models.JSONField()
    trigger = models.CharField(max_length=20, default="compute")  # compute | reevaluate
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ComparisonQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="comparison_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} #{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ComparisonLockedError("Comparisons are immutable: compute the plan again.")
        super().save(*args, **kwargs)

    def refresh_from_db(self, using=None, fields=None, from_queryset=None) -> None:
        # Pages defer the stored inputs and results together (selectors); whoever reads one
        # of them on a cache miss reads the other soon after: load both in one query.
        if fields is not None and _STORED.intersection(fields):
            fields = [*fields, *(_STORED & self.get_deferred_fields()).difference(fields)]
        super().refresh_from_db(using, fields, from_queryset)
