"""Versioned price catalogs.

A `Catalog` has numbered `CatalogVersion`s that go draft → published → retired.
Everything a version holds (API offers, GPU offers, owned hardware, model specs,
throughput, hidden costs, volume tiers, engine figures, sources) hangs off the
version and is frozen once the version leaves draft: `save()`/`delete()` and the
querysets refuse here, and a PostgreSQL trigger (migration 0002) refuses even raw SQL.

Ranges are stored as `<name>_low` / `<name>_high` pairs with a check constraint
low <= high; a value that the source publishes either exactly or as a range has
an exact column *and* a pair, exactly one of which is set, so that export can
reproduce what the source said. `.expected` on a `Range` is the midpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.tenancy import TenantModel
from pricing.catalog_format import UNKNOWN_LICENSE, validate_reference_facts_field
from pricing.model_identity import canonical_model_id

MONEY = {"max_digits": 18, "decimal_places": 6}
FIGURE = {"max_digits": 18, "decimal_places": 6}


class CatalogLockedError(Exception):
    """Raised when something tries to change a published or retired catalog version."""


@dataclass(frozen=True)
class Range:
    low: Decimal
    high: Decimal

    @property
    def expected(self) -> Decimal:
        return (self.low + self.high) / 2

    def __str__(self) -> str:
        return f"{self.low}-{self.high}"


def range_of(obj: Any, prefix: str) -> Range | None:
    low, high = getattr(obj, f"{prefix}_low"), getattr(obj, f"{prefix}_high")
    if low is None or high is None:
        return None
    return Range(low, high)


def range_constraints(model: str, *prefixes: str) -> list[models.CheckConstraint]:
    """low <= high, and both set or both empty, for each range pair."""
    constraints = []
    for prefix in prefixes:
        low, high = f"{prefix}_low", f"{prefix}_high"
        constraints.append(
            models.CheckConstraint(
                condition=Q(**{f"{low}__isnull": True, f"{high}__isnull": True})
                | Q(**{f"{low}__isnull": False, f"{high}__isnull": False, f"{low}__lte": F(high)}),
                name=f"{model}_{prefix}_low_lte_high",
            )
        )
    return constraints


def exact_or_range_constraint(model: str, exact: str, prefix: str, required: bool):
    has_exact = Q(**{f"{exact}__isnull": False, f"{prefix}_low__isnull": True})
    has_range = Q(**{f"{exact}__isnull": True, f"{prefix}_low__isnull": False})
    neither = Q(**{f"{exact}__isnull": True, f"{prefix}_low__isnull": True})
    condition = has_exact | has_range if required else has_exact | has_range | neither
    return models.CheckConstraint(condition=condition, name=f"{model}_{exact}_exact_xor_range")


# --- catalogs and versions -------------------------------------------------------------


class Catalog(models.Model):
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    # The catalog new plans, the live preview and version-less API reads use. Each catalog
    # has its own current version (`selectors.catalog_version_current`): publishing an
    # imported price list makes it current for its own catalog only.
    is_default = models.BooleanField(
        default=False,
        help_text="New plans and the live preview use this catalog's current version.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="catalog_one_default",
            )
        ]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


LOCKED_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.RETIRED)


class CatalogVersionQuerySet(models.QuerySet):
    def published(self) -> CatalogVersionQuerySet:
        return self.filter(status=VersionStatus.PUBLISHED)

    def public(self) -> CatalogVersionQuerySet:
        """Versions members may read: published and retired (retired stay readable forever)."""
        return self.filter(status__in=LOCKED_STATUSES)

    def update(self, **kwargs: Any) -> int:
        retiring = set(kwargs) == {"status"} and kwargs["status"] == VersionStatus.RETIRED
        if retiring and not self.exclude(status=VersionStatus.PUBLISHED).exists():
            return super().update(**kwargs)
        if self.filter(status__in=LOCKED_STATUSES).exists():
            raise CatalogLockedError("Published or retired catalog versions cannot be changed.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status__in=LOCKED_STATUSES).exists():
            raise CatalogLockedError("Published or retired catalog versions cannot be deleted.")
        return super().delete()


class CatalogVersion(models.Model):
    catalog = models.ForeignKey(Catalog, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200, help_text="The document's own name.")
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    effective_date = models.DateField(default=date.today)
    notes = models.TextField(blank=True, help_text="Source notes.")
    currency = models.CharField(max_length=3, default="USD")
    month_hours = models.PositiveIntegerField(default=720)
    electricity_price_per_kwh = models.DecimalField(**MONEY, null=True, blank=True)
    pue = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    # Figures the engine does not use, kept so export reproduces the source document.
    reference_facts = models.JSONField(
        default=dict, blank=True, validators=[validate_reference_facts_field]
    )
    content_hash = models.CharField(max_length=64, blank=True, db_index=True)
    source_filename = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    cloned_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CatalogVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["catalog", "number"], name="catalogversion_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(month_hours__gt=0), name="catalogversion_month_hours_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.catalog.name} v{self.number} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            self._check_change_allowed()
        super().save(*args, **kwargs)

    def _check_change_allowed(self) -> None:
        before = type(self).objects.filter(pk=self.pk).values().first()
        if before is None or before["status"] == VersionStatus.DRAFT:
            return
        changed = {
            f.attname
            for f in self._meta.concrete_fields
            if before.get(f.attname) != getattr(self, f.attname)
        }
        retiring = (
            before["status"] == VersionStatus.PUBLISHED and self.status == VersionStatus.RETIRED
        )
        if changed and not (retiring and changed == {"status"}):
            raise CatalogLockedError(
                f"Catalog version {self.pk} is {before['status']}: clone it to a new draft to edit."
            )

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk, status__in=LOCKED_STATUSES).exists()
        ):
            raise CatalogLockedError(
                f"Catalog version {self.pk} is not a draft: it cannot be deleted."
            )
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES

    @property
    def age_days(self) -> int:
        return (timezone.localdate() - self.effective_date).days

    @property
    def is_stale(self) -> bool:
        return self.age_days > settings.CATALOG_STALE_AFTER_DAYS


# --- rows inside a version -------------------------------------------------------------


class VersionRowQuerySet(models.QuerySet):
    def _locked(self) -> bool:
        return self.filter(version__status__in=LOCKED_STATUSES).exists()

    def update(self, **kwargs: Any) -> int:
        if self._locked():
            raise CatalogLockedError(
                "Rows of a published or retired catalog version cannot change."
            )
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self._locked():
            raise CatalogLockedError(
                "Rows of a published or retired catalog version cannot be deleted."
            )
        return super().delete()

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        version_ids = {o.version_id for o in objs}
        if CatalogVersion.objects.filter(pk__in=version_ids, status__in=LOCKED_STATUSES).exists():
            raise CatalogLockedError(
                "Rows cannot be added to a published or retired catalog version."
            )
        return super().bulk_create(objs, *args, **kwargs)


class VersionRow(models.Model):
    """A row that belongs to one catalog version and freezes with it."""

    version = models.ForeignKey(CatalogVersion, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    objects = VersionRowQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._check_version_draft(self.version_id)
        if self.pk is not None:
            old = type(self).objects.filter(pk=self.pk).values_list("version_id", flat=True).first()
            if old is not None and old != self.version_id:
                self._check_version_draft(old)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self._check_version_draft(self.version_id)
        return super().delete(*args, **kwargs)

    def _check_version_draft(self, version_id: int | None) -> None:
        if version_id is None:
            return
        status = (
            CatalogVersion.objects.filter(pk=version_id).values_list("status", flat=True).first()
        )
        if status in LOCKED_STATUSES:
            raise CatalogLockedError(
                f"Catalog version {version_id} is {status}: its rows cannot change."
            )


class CatalogSource(VersionRow):
    """An offer/source key ("feb-2026") and what the source is."""

    version = models.ForeignKey(CatalogVersion, on_delete=models.CASCADE, related_name="sources")
    key = models.CharField(max_length=60)
    description = models.TextField()

    class Meta(VersionRow.Meta):
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="catalogsource_unique_key"),
        ]

    def __str__(self) -> str:
        return self.key


def api_offer_label(model_name: str, provider: str, offer_key: str) -> str:
    """How an API offer is named everywhere: ``GPT-5 (OpenAI) · feb-2026``."""
    who = f" ({provider})" if provider else ""
    return f"{model_name}{who} \u00b7 {offer_key}"


class ApiOffer(VersionRow):
    version = models.ForeignKey(CatalogVersion, on_delete=models.CASCADE, related_name="api_offers")
    model_name = models.CharField(max_length=120)
    # The model's one id across versions and sources (`pricing.model_identity`), set on
    # import; re-evaluation matches offers by it. Blank: computed from the name when read.
    model_id = models.CharField(
        max_length=120,
        blank=True,
        db_index=True,
        help_text="Canonical model id (gpt-5, claude-sonnet-4-5); blank: derived from the name.",
    )
    provider = models.CharField(max_length=120, blank=True)
    source = models.ForeignKey(CatalogSource, on_delete=models.PROTECT, related_name="+")
    # "unknown" when the source does not say (price maps never do): never guessed as open.
    license = models.CharField(max_length=60, default=UNKNOWN_LICENSE)
    open_weights = models.BooleanField(default=False)
    # NULL: the source publishes an output price only. Never invented.
    input_per_mtok = models.DecimalField(**MONEY, null=True, blank=True)
    output_per_mtok = models.DecimalField(**MONEY)
    cached_input_per_mtok = models.DecimalField(**MONEY, null=True, blank=True)
    cache_write_per_mtok = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Writing input to the prompt cache."
    )
    # {"batch"|"priority"|"flex": {"input"?, "output"?, "cached_input"?, "cache_write"?}}:
    # the same model bought on another service tier (see catalog_format.SERVICE_TIERS).
    service_tiers = models.JSONField(default=dict, blank=True)
    # [{"above_tokens": n, "input"?, "output"?, "cached_input"?, "cache_write"?}], ascending:
    # the prices of a request whose input exceeds n tokens.
    context_tiers = models.JSONField(default=list, blank=True)
    currency = models.CharField(max_length=3, blank=True, help_text="Blank: the version's.")
    params_total_b = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    params_active_b = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    selfhost_monthly_low = models.DecimalField(**MONEY, null=True, blank=True)
    selfhost_monthly_high = models.DecimalField(**MONEY, null=True, blank=True)
    # [{"min_mtok": n?, "max_mtok": n?, "input": x?, "output": x}] validated on import.
    volume_tiers = models.JSONField(default=list, blank=True)

    class Meta(VersionRow.Meta):
        constraints = [
            *range_constraints("apioffer", "selfhost_monthly"),
            models.CheckConstraint(
                condition=Q(output_per_mtok__gte=0)
                & (Q(input_per_mtok__isnull=True) | Q(input_per_mtok__gte=0))
                & (Q(cached_input_per_mtok__isnull=True) | Q(cached_input_per_mtok__gte=0))
                & (Q(cache_write_per_mtok__isnull=True) | Q(cache_write_per_mtok__gte=0)),
                name="apioffer_prices_nonnegative",
            ),
            models.UniqueConstraint(
                fields=["version", "model_name", "provider", "source"], name="apioffer_natural_key"
            ),
        ]

    def __str__(self) -> str:
        return api_offer_label(self.model_name, self.provider, self.source.key)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.model_id:
            self.model_id = canonical_model_id(self.model_name)
        super().save(*args, **kwargs)

    @property
    def canonical_model(self) -> str:
        return self.model_id or canonical_model_id(self.model_name)

    @property
    def output_only(self) -> bool:
        return self.input_per_mtok is None

    @property
    def selfhost_monthly(self) -> Range | None:
        return range_of(self, "selfhost_monthly")

    @property
    def natural_key(self) -> tuple[str, str, str]:
        return (self.model_name, self.provider, self.source.key)


class GpuOffer(VersionRow):
    version = models.ForeignKey(CatalogVersion, on_delete=models.CASCADE, related_name="gpu_offers")
    sku = models.CharField(max_length=120)
    gpu_count = models.PositiveIntegerField(default=1)
    vram_per_gpu_gb = models.DecimalField(max_digits=10, decimal_places=3)
    hourly = models.DecimalField(**MONEY, null=True, blank=True)
    hourly_low = models.DecimalField(**MONEY, null=True, blank=True)
    hourly_high = models.DecimalField(**MONEY, null=True, blank=True)
    monthly = models.DecimalField(**MONEY, null=True, blank=True)
    monthly_low = models.DecimalField(**MONEY, null=True, blank=True)
    monthly_high = models.DecimalField(**MONEY, null=True, blank=True)
    spot_hourly = models.DecimalField(**MONEY, null=True, blank=True)
    spot_discount = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)
    reserved_hourly = models.DecimalField(**MONEY, null=True, blank=True)
    region = models.CharField(max_length=60, blank=True)
    provider = models.CharField(max_length=120, blank=True)
    source = models.ForeignKey(CatalogSource, on_delete=models.PROTECT, related_name="+")

    class Meta(VersionRow.Meta):
        constraints = [
            *range_constraints("gpuoffer", "hourly", "monthly"),
            exact_or_range_constraint("gpuoffer", "hourly", "hourly", required=True),
            exact_or_range_constraint("gpuoffer", "monthly", "monthly", required=False),
            models.CheckConstraint(condition=Q(gpu_count__gte=1), name="gpuoffer_count_gte_1"),
            models.UniqueConstraint(
                fields=["version", "sku", "gpu_count", "source", "region", "provider"],
                name="gpuoffer_natural_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gpu_count}x {self.sku}"

    @property
    def vram_total_gb(self) -> Decimal:
        return self.vram_per_gpu_gb * self.gpu_count

    @property
    def hourly_range(self) -> Range:
        if self.hourly is not None:
            return Range(self.hourly, self.hourly)
        return Range(self.hourly_low, self.hourly_high)  # type: ignore[arg-type]

    @property
    def monthly_range(self) -> Range | None:
        if self.monthly is not None:
            return Range(self.monthly, self.monthly)
        return range_of(self, "monthly")

    @property
    def natural_key(self) -> tuple[str, int, str]:
        return (self.sku, self.gpu_count, self.source.key)


class OwnedHardware(VersionRow):
    DEFAULT_USEFUL_LIFE_MONTHS = 36

    version = models.ForeignKey(
        CatalogVersion, on_delete=models.CASCADE, related_name="owned_hardware"
    )
    name = models.CharField(max_length=120)
    vram_gb = models.DecimalField(max_digits=10, decimal_places=3)
    price = models.DecimalField(**MONEY, null=True, blank=True)
    price_low = models.DecimalField(**MONEY, null=True, blank=True)
    price_high = models.DecimalField(**MONEY, null=True, blank=True)
    power_w = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    power_kw_low = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    power_kw_high = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    # NULL means "not stated": the default life applies (see `useful_life`).
    useful_life_months = models.PositiveIntegerField(null=True, blank=True)
    electricity_monthly_low = models.DecimalField(**MONEY, null=True, blank=True)
    electricity_monthly_high = models.DecimalField(**MONEY, null=True, blank=True)
    # The part of the stated power the machine draws whatever its load (host CPUs,
    # memory, fans, networking); the rest is its GPUs'. NULL: none stated (a bare card).
    server_base_w = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)

    class Meta(VersionRow.Meta):
        verbose_name_plural = "owned hardware"
        constraints = [
            *range_constraints("ownedhardware", "price", "power_kw", "electricity_monthly"),
            exact_or_range_constraint("ownedhardware", "price", "price", required=True),
            models.UniqueConstraint(fields=["version", "name"], name="ownedhardware_natural_key"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def price_range(self) -> Range:
        if self.price is not None:
            return Range(self.price, self.price)
        return Range(self.price_low, self.price_high)  # type: ignore[arg-type]

    @property
    def useful_life(self) -> int:
        return self.useful_life_months or self.DEFAULT_USEFUL_LIFE_MONTHS

    @property
    def electricity_monthly(self) -> Range | None:
        return range_of(self, "electricity_monthly")

    @property
    def natural_key(self) -> tuple[str]:
        return (self.name,)


class Precision(models.TextChoices):
    FP16 = "fp16", "FP16"
    FP8 = "fp8", "FP8"
    INT4 = "int4", "INT4"


BYTES_PER_PARAM = {
    Precision.FP16: Decimal(2),
    Precision.FP8: Decimal(1),
    Precision.INT4: Decimal("0.5"),
}


class Attention(models.TextChoices):
    GQA = "gqa", "grouped-query (K and V per KV head)"
    MLA = "mla", "multi-head latent (one compressed latent)"


class ModelSpec(VersionRow):
    """An open-weight model's size and architecture, for GPU memory fit.

    `derived` rows are seeded on import from the params of the API offers and from the
    shipped architecture registry (`pricing/architectures.py`), and are not exported
    separately. Layers, KV heads, head dimension and maximum context are the model's
    published configuration (`config_source`); blank means not known, and the memory fit
    then says it estimated the KV cache.
    """

    version = models.ForeignKey(
        CatalogVersion, on_delete=models.CASCADE, related_name="model_specs"
    )
    name = models.CharField(max_length=120)
    params_total_b = models.DecimalField(max_digits=10, decimal_places=2)
    params_active_b = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    supports_fp16 = models.BooleanField(default=True)
    supports_fp8 = models.BooleanField(default=True)
    supports_int4 = models.BooleanField(default=True)
    derived = models.BooleanField(default=False)
    layers = models.PositiveIntegerField(null=True, blank=True)
    kv_heads = models.PositiveIntegerField(null=True, blank=True)
    head_dim = models.PositiveIntegerField(null=True, blank=True)
    max_context = models.PositiveIntegerField(null=True, blank=True)
    attention = models.CharField(max_length=3, choices=Attention.choices, default=Attention.GQA)
    config_source = models.CharField(max_length=300, blank=True)

    class Meta(VersionRow.Meta):
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="modelspec_natural_key"),
            models.CheckConstraint(
                condition=(
                    models.Q(layers__isnull=True, kv_heads__isnull=True, head_dim__isnull=True)
                    | models.Q(layers__gte=1, kv_heads__gte=1, head_dim__gte=1)
                ),
                name="modelspec_architecture_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def precisions(self) -> list[str]:
        return [
            p.value
            for p, on in (
                (Precision.FP16, self.supports_fp16),
                (Precision.FP8, self.supports_fp8),
                (Precision.INT4, self.supports_int4),
            )
            if on
        ]

    @property
    def has_architecture(self) -> bool:
        return None not in (self.layers, self.kv_heads, self.head_dim)

    def weights_vram_gb(self, precision: str) -> Decimal:
        """VRAM the weights alone take (no KV cache) at a precision."""
        return self.params_total_b * BYTES_PER_PARAM[Precision(precision)]


class ThroughputProfile(VersionRow):
    version = models.ForeignKey(CatalogVersion, on_delete=models.CASCADE, related_name="throughput")
    setup = models.CharField(max_length=300)
    model_name = models.CharField(max_length=120, blank=True)
    model_params_b = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    gpu_sku = models.CharField(max_length=120, blank=True)
    gpu_count = models.PositiveIntegerField(null=True, blank=True)
    precision = models.CharField(max_length=10, blank=True)
    engine = models.CharField(max_length=60, blank=True)
    single_stream_output_tok_s = models.DecimalField(**FIGURE, null=True, blank=True)
    aggregate_output_tok_s = models.DecimalField(**FIGURE, null=True, blank=True)
    aggregate_total_tok_s = models.DecimalField(**FIGURE, null=True, blank=True)
    concurrency = models.PositiveIntegerField(null=True, blank=True)
    output_tok_s_low = models.DecimalField(**FIGURE, null=True, blank=True)
    output_tok_s_high = models.DecimalField(**FIGURE, null=True, blank=True)
    planning_tok_s = models.DecimalField(**FIGURE, null=True, blank=True)
    output_tok_s_per_gpu = models.DecimalField(**FIGURE, null=True, blank=True)
    # Where published (issue 15), at `concurrency`: the prefill rate (input tokens/s while
    # prefilling) and time to first token / per output token, median and p99.
    prefill_tok_s = models.DecimalField(**FIGURE, null=True, blank=True)
    ttft_p50_ms = models.DecimalField(**FIGURE, null=True, blank=True)
    ttft_p99_ms = models.DecimalField(**FIGURE, null=True, blank=True)
    tpot_p50_ms = models.DecimalField(**FIGURE, null=True, blank=True)
    tpot_p99_ms = models.DecimalField(**FIGURE, null=True, blank=True)
    source = models.ForeignKey(
        CatalogSource, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta(VersionRow.Meta):
        constraints = [
            *range_constraints("throughputprofile", "output_tok_s"),
            models.UniqueConstraint(fields=["version", "setup"], name="throughput_natural_key"),
        ]

    def __str__(self) -> str:
        return self.setup

    @property
    def output_tok_s(self) -> Range | None:
        return range_of(self, "output_tok_s")

    @property
    def natural_key(self) -> tuple[str]:
        return (self.setup,)


class HiddenCostKind(models.TextChoices):
    LABOR = "labor", "Labor"
    INFRA = "infra", "Infrastructure"
    MONITORING = "monitoring", "Monitoring"
    UPDATES = "updates", "Updates"
    ELECTRICITY = "electricity", "Electricity"
    INCIDENTS = "incidents", "Incidents"
    GPU = "gpu", "GPU"


class HiddenCost(VersionRow):
    version = models.ForeignKey(
        CatalogVersion, on_delete=models.CASCADE, related_name="hidden_costs"
    )
    item = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=HiddenCostKind.choices)
    monthly_low = models.DecimalField(**MONEY)
    monthly_high = models.DecimalField(**MONEY)

    class Meta(VersionRow.Meta):
        constraints = [
            *range_constraints("hiddencost", "monthly"),
            models.UniqueConstraint(fields=["version", "item"], name="hiddencost_natural_key"),
        ]

    def __str__(self) -> str:
        return self.item

    @property
    def monthly(self) -> Range:
        return Range(self.monthly_low, self.monthly_high)

    @property
    def natural_key(self) -> tuple[str]:
        return (self.item,)


class VolumeTier(VersionRow):
    version = models.ForeignKey(
        CatalogVersion, on_delete=models.CASCADE, related_name="volume_tiers"
    )
    min_tokens_per_month = models.BigIntegerField(null=True, blank=True)
    max_tokens_per_month = models.BigIntegerField(null=True, blank=True)
    option = models.CharField(max_length=120)
    cost_per_token_low = models.DecimalField(**FIGURE, null=True, blank=True)
    cost_per_token_high = models.DecimalField(**FIGURE, null=True, blank=True)

    class Meta(VersionRow.Meta):
        constraints = [
            *range_constraints("volumetier", "cost_per_token"),
            models.CheckConstraint(
                condition=Q(min_tokens_per_month__isnull=True)
                | Q(max_tokens_per_month__isnull=True)
                | Q(min_tokens_per_month__lte=F("max_tokens_per_month")),
                name="volumetier_min_lte_max",
            ),
        ]

    def __str__(self) -> str:
        return self.option


class FigureSection(models.TextChoices):
    SPOT_DISCOUNT = "spot_discount", "Spot discount"
    HIDDEN_COST_MULTIPLIER = "hidden_cost_multiplier", "Hidden-cost multiplier"
    DEVOPS_HOURS = "devops_hours_per_month", "DevOps hours per month"
    DEVOPS_RATE = "devops_hourly_rate", "DevOps hourly rate"
    OWNED_MAINTENANCE = "owned_maintenance_per_year", "Owned maintenance (share of price a year)"
    OWNED_FACILITIES = "owned_facilities_per_kw_monthly", "Owned facilities (per kW a month)"
    AVAILABILITY = "availability", "Availability"
    P99_LATENCY = "p99_latency_s", "p99 latency (s)"


# Sections that are a single range, and sections that are a dict of named figures.
RANGE_SECTIONS = (
    FigureSection.SPOT_DISCOUNT,
    FigureSection.HIDDEN_COST_MULTIPLIER,
    FigureSection.DEVOPS_HOURS,
    FigureSection.DEVOPS_RATE,
    FigureSection.OWNED_MAINTENANCE,
    FigureSection.OWNED_FACILITIES,
)
KEYED_SECTIONS = (FigureSection.AVAILABILITY, FigureSection.P99_LATENCY)


class EngineFigure(VersionRow):
    """A figure the engine uses: exact `value` or a low/high range, by section and key."""

    version = models.ForeignKey(CatalogVersion, on_delete=models.CASCADE, related_name="figures")
    section = models.CharField(max_length=40, choices=FigureSection.choices)
    key = models.CharField(max_length=80, blank=True)
    value = models.DecimalField(**FIGURE, null=True, blank=True)
    value_low = models.DecimalField(**FIGURE, null=True, blank=True)
    value_high = models.DecimalField(**FIGURE, null=True, blank=True)

    class Meta(VersionRow.Meta):
        constraints = [
            *range_constraints("enginefigure", "value"),
            exact_or_range_constraint("enginefigure", "value", "value", required=True),
            models.UniqueConstraint(
                fields=["version", "section", "key"], name="enginefigure_natural_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section}.{self.key}" if self.key else self.section

    @property
    def as_range(self) -> Range:
        if self.value is not None:
            return Range(self.value, self.value)
        return Range(self.value_low, self.value_high)  # type: ignore[arg-type]


class ExchangeRate(VersionRow):
    """A currency snapshot stored with a version: ``rate`` units of ``currency`` for one
    unit of the version's currency, as of ``as_of``. Frozen with the version like every
    row; computations stay in the catalog's currency and only displays convert."""

    version = models.ForeignKey(
        CatalogVersion, on_delete=models.CASCADE, related_name="exchange_rates"
    )
    currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=18, decimal_places=8)
    as_of = models.DateField()
    source = models.CharField(max_length=200, blank=True)

    class Meta(VersionRow.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["version", "currency"], name="exchangerate_unique_currency"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchangerate_rate_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate} on {self.as_of}"


class QualityScore(VersionRow):
    """A model's published score on a public benchmark, with where and when it was
    published. Plans compare options on one benchmark (the reference model's)."""

    version = models.ForeignKey(
        CatalogVersion, on_delete=models.CASCADE, related_name="quality_scores"
    )
    model_name = models.CharField(max_length=120)
    benchmark = models.CharField(max_length=120, help_text="e.g. GPQA Diamond")
    score = models.DecimalField(
        max_digits=12, decimal_places=4, help_text="On the benchmark's own scale."
    )
    as_of = models.DateField(null=True, blank=True, help_text="When the figure was published.")
    source = models.ForeignKey(CatalogSource, on_delete=models.PROTECT, related_name="+")

    class Meta(VersionRow.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["version", "model_name", "benchmark"], name="qualityscore_natural_key"
            ),
            models.CheckConstraint(condition=Q(score__gte=0), name="qualityscore_score_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.model_name}: {self.score} on {self.benchmark}"

    @property
    def natural_key(self) -> tuple[str, str]:
        return (self.model_name, self.benchmark)


class GridIntensity(VersionRow):
    """The emissions of a kWh drawn from a region's grid, as published for a year."""

    version = models.ForeignKey(
        CatalogVersion, on_delete=models.CASCADE, related_name="grid_intensities"
    )
    region = models.CharField(max_length=60)
    g_co2e_per_kwh = models.DecimalField(max_digits=10, decimal_places=3)
    year = models.PositiveIntegerField(help_text="The year the figure measures.")
    source = models.ForeignKey(CatalogSource, on_delete=models.PROTECT, related_name="+")

    class Meta(VersionRow.Meta):
        verbose_name_plural = "grid intensities"
        constraints = [
            models.UniqueConstraint(fields=["version", "region"], name="gridintensity_natural_key"),
            models.CheckConstraint(condition=Q(g_co2e_per_kwh__gte=0), name="gridintensity_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.region}: {self.g_co2e_per_kwh} g/kWh ({self.year})"

    @property
    def natural_key(self) -> tuple[str]:
        return (self.region,)


class GpuPower(VersionRow):
    """A GPU model's power at full load (its TDP), for the energy of rented fleets."""

    version = models.ForeignKey(CatalogVersion, on_delete=models.CASCADE, related_name="gpu_power")
    sku = models.CharField(max_length=120)
    tdp_w = models.DecimalField(max_digits=10, decimal_places=3)
    source = models.ForeignKey(CatalogSource, on_delete=models.PROTECT, related_name="+")

    class Meta(VersionRow.Meta):
        verbose_name_plural = "GPU power"
        constraints = [
            models.UniqueConstraint(fields=["version", "sku"], name="gpupower_natural_key"),
            models.CheckConstraint(condition=Q(tdp_w__gt=0), name="gpupower_tdp_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.sku}: {self.tdp_w} W"

    @property
    def natural_key(self) -> tuple[str]:
        return (self.sku,)


PRICE_ROW_MODELS: tuple[type[VersionRow], ...] = (
    CatalogSource,
    ApiOffer,
    GpuOffer,
    OwnedHardware,
    ModelSpec,
    ThroughputProfile,
    HiddenCost,
    VolumeTier,
    EngineFigure,
    QualityScore,
    GridIntensity,
    GpuPower,
)


# --- private overlays (tenant-owned) ---------------------------------------------------


class PriceOverlay(TenantModel):
    """An organization's negotiated prices on top of a public catalog version."""

    base_version = models.ForeignKey(
        CatalogVersion, on_delete=models.PROTECT, related_name="overlays"
    )
    name = models.CharField(max_length=120)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "base_version"], name="priceoverlay_one_per_org_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.base_version}"


class OverlayApiOffer(models.Model):
    """Overrides `replaces` (a base offer) or, without it, adds a private offer.

    Overriding: empty prices inherit the base offer's. Private offer: an empty
    input price means "output only", as in the public catalog.
    """

    overlay = models.ForeignKey(PriceOverlay, on_delete=models.CASCADE, related_name="api_offers")
    replaces = models.ForeignKey(
        ApiOffer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    model_name = models.CharField(max_length=120, blank=True)
    provider = models.CharField(max_length=120, blank=True)
    offer_key = models.CharField(max_length=60, default="private")
    input_per_mtok = models.DecimalField(**MONEY, null=True, blank=True)
    output_per_mtok = models.DecimalField(**MONEY, null=True, blank=True)
    cached_input_per_mtok = models.DecimalField(**MONEY, null=True, blank=True)
    notes = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(replaces__isnull=False)
                | (~Q(model_name="") & Q(output_per_mtok__isnull=False)),
                name="overlayapioffer_private_needs_model_and_output",
            ),
        ]

    def __str__(self) -> str:
        return self.model_name or f"override of offer {self.replaces_id}"

    # The overlay's organization: `accounts.access` checks the caller's membership in it.
    @property
    def organization_id(self) -> int:
        return self.overlay.organization_id

    @property
    def organization(self) -> Any:
        return self.overlay.organization


class OverlayGpuOffer(models.Model):
    """Overrides `replaces` (a base GPU offer) or adds a private GPU offer."""

    overlay = models.ForeignKey(PriceOverlay, on_delete=models.CASCADE, related_name="gpu_offers")
    replaces = models.ForeignKey(
        GpuOffer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    sku = models.CharField(max_length=120, blank=True)
    gpu_count = models.PositiveIntegerField(null=True, blank=True)
    vram_per_gpu_gb = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    hourly = models.DecimalField(**MONEY, null=True, blank=True)
    monthly = models.DecimalField(**MONEY, null=True, blank=True)
    offer_key = models.CharField(max_length=60, default="private")
    notes = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(replaces__isnull=False)
                | (~Q(sku="") & Q(hourly__isnull=False) & Q(gpu_count__isnull=False)),
                name="overlaygpuoffer_private_needs_sku_count_hourly",
            ),
        ]

    def __str__(self) -> str:
        return self.sku or f"override of GPU offer {self.replaces_id}"

    # The overlay's organization: `accounts.access` checks the caller's membership in it.
    @property
    def organization_id(self) -> int:
        return self.overlay.organization_id

    @property
    def organization(self) -> Any:
        return self.overlay.organization


class BenchmarkFormat(models.TextChoices):
    VLLM_SERVING = "vllm_benchmark_serving", "vLLM benchmark_serving result (JSON)"
    GUIDELLM_REPORT = "guidellm_report", "GuideLLM report (JSON)"


class PrivateThroughputProfile(TenantModel):
    """An organization's own measured throughput: one imported serving-benchmark run.

    What the run was (model, GPUs, precision, engine) is stated by the uploader, since the
    benchmark file does not name the hardware; what it measured comes from the file
    (`pricing.benchmarks`), with every scalar figure kept in `figures` as read.
    """

    name = models.CharField(max_length=200)
    source_format = models.CharField(max_length=40, choices=BenchmarkFormat.choices)
    source_filename = models.CharField(max_length=200, blank=True)
    model_name = models.CharField(max_length=120)
    gpu_sku = models.CharField(max_length=120)
    gpu_count = models.PositiveIntegerField()
    precision = models.CharField(max_length=10, choices=Precision.choices)
    engine = models.CharField(max_length=60, default="vLLM")
    run_at = models.DateTimeField(null=True, blank=True, help_text="The run's date, from the file.")
    concurrency = models.PositiveIntegerField(
        null=True, blank=True, help_text="max_concurrency of the run; empty: unbounded."
    )
    completed_requests = models.PositiveIntegerField()
    duration_s = models.DecimalField(**FIGURE)
    request_throughput = models.DecimalField(**FIGURE, help_text="Completed requests per second.")
    output_tok_s = models.DecimalField(**FIGURE, help_text="Decode: output tokens per second.")
    input_tok_s = models.DecimalField(
        **FIGURE, help_text="Prefill: input tokens per second (total input tokens / duration)."
    )
    total_tok_s = models.DecimalField(**FIGURE)
    mean_input_tokens = models.DecimalField(**FIGURE)
    mean_output_tokens = models.DecimalField(**FIGURE)
    ttft_median_ms = models.DecimalField(**FIGURE, null=True, blank=True)
    ttft_p99_ms = models.DecimalField(**FIGURE, null=True, blank=True)
    tpot_median_ms = models.DecimalField(**FIGURE, null=True, blank=True)
    tpot_p99_ms = models.DecimalField(**FIGURE, null=True, blank=True)
    figures = models.JSONField(default=dict, help_text="Every scalar figure of the file, as read.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="privatethroughputprofile_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(output_tok_s__gt=0) & Q(gpu_count__gte=1),
                name="privatethroughputprofile_output_gt_0",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def source_label(self) -> str:
        """How a plan names where its throughput came from."""
        when = self.run_at.date().isoformat() if self.run_at else self.created_at.date().isoformat()
        return f"your benchmark {when}: {self.name}"
