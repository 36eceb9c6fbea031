"""Shapes of catalog rows in the API. Explicit field lists: a new model column is not
published until someone adds it here."""

from __future__ import annotations

from rest_framework import serializers

from pricing.benchmarks import MAX_BYTES
from pricing.models import (
    ApiOffer,
    BenchmarkFormat,
    CatalogVersion,
    GpuOffer,
    HiddenCost,
    OverlayApiOffer,
    OverlayGpuOffer,
    OwnedHardware,
    Precision,
    PriceOverlay,
    PrivateThroughputProfile,
    ThroughputProfile,
)

MONEY = {"max_digits": 18, "decimal_places": 6, "coerce_to_string": True}


class VersionStatusField(serializers.CharField):
    """A plain string, not an enum: a second ``status`` enum component would collide with the
    sweeps' (spectacular's enum naming), and settings are not this app's to change."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "`published` or `retired` (drafts are never served).")
        super().__init__(**kwargs)


class CatalogVersionSerializer(serializers.ModelSerializer):
    catalog = serializers.CharField(source="catalog.name", read_only=True)
    status = VersionStatusField(read_only=True)
    age_days = serializers.IntegerField(
        read_only=True, help_text="Days since the effective date (negative: not yet in effect)."
    )
    is_stale = serializers.BooleanField(
        read_only=True, help_text="Older than the stale threshold (CATALOG_STALE_AFTER_DAYS)."
    )
    notes = serializers.CharField(read_only=True, help_text="Source notes.")

    class Meta:
        model = CatalogVersion
        fields = [
            "id",
            "catalog",
            "number",
            "title",
            "status",
            "effective_date",
            "age_days",
            "is_stale",
            "notes",
            "currency",
            "month_hours",
            "published_at",
        ]
        read_only_fields = fields


class VersionRefSerializer(serializers.ModelSerializer):
    """A version named inside another response."""

    catalog = serializers.CharField(source="catalog.name", read_only=True)
    status = VersionStatusField(read_only=True)

    class Meta:
        model = CatalogVersion
        fields = ["id", "catalog", "number", "title", "status", "effective_date"]
        read_only_fields = fields


class ApiOfferSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.key", read_only=True)
    model_id = serializers.CharField(
        source="canonical_model",
        read_only=True,
        help_text="The model's one id across versions and sources (`gpt-5`, "
        "`claude-sonnet-4-5`): re-evaluation matches offers by it.",
    )
    output_only = serializers.BooleanField(
        read_only=True, help_text="The source publishes an output price only."
    )

    class Meta:
        model = ApiOffer
        fields = [
            "id",
            "version",
            "model_name",
            "model_id",
            "provider",
            "source",
            "license",
            "open_weights",
            "input_per_mtok",
            "output_per_mtok",
            "cached_input_per_mtok",
            "cache_write_per_mtok",
            "service_tiers",
            "context_tiers",
            "output_only",
            "currency",
            "params_total_b",
            "params_active_b",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "service_tiers": {
                "help_text": "Prices per 1M tokens on another service tier: "
                '{"batch"|"priority"|"flex": {input?, output?, cached_input?, cache_write?}}.'
            },
            "context_tiers": {
                "help_text": "Prices per 1M tokens of a request whose input exceeds "
                "above_tokens: [{above_tokens, input?, output?, cached_input?, cache_write?}]."
            },
        }


class GpuOfferSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.key", read_only=True)

    class Meta:
        model = GpuOffer
        fields = [
            "id",
            "version",
            "sku",
            "gpu_count",
            "vram_per_gpu_gb",
            "hourly",
            "hourly_low",
            "hourly_high",
            "monthly",
            "monthly_low",
            "monthly_high",
            "spot_hourly",
            "reserved_hourly",
            "region",
            "provider",
            "source",
        ]
        read_only_fields = fields


class OwnedHardwareSerializer(serializers.ModelSerializer):
    useful_life_months = serializers.IntegerField(
        source="useful_life", read_only=True, help_text="Months (the default when not stated)."
    )

    class Meta:
        model = OwnedHardware
        fields = [
            "id",
            "version",
            "name",
            "vram_gb",
            "price",
            "price_low",
            "price_high",
            "power_w",
            "power_kw_low",
            "power_kw_high",
            "useful_life_months",
            "electricity_monthly_low",
            "electricity_monthly_high",
            "server_base_w",
        ]
        read_only_fields = fields


class ThroughputProfileSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.key", read_only=True, allow_null=True)

    class Meta:
        model = ThroughputProfile
        fields = [
            "id",
            "version",
            "setup",
            "model_name",
            "model_params_b",
            "gpu_sku",
            "gpu_count",
            "precision",
            "engine",
            "single_stream_output_tok_s",
            "aggregate_output_tok_s",
            "aggregate_total_tok_s",
            "concurrency",
            "output_tok_s_low",
            "output_tok_s_high",
            "planning_tok_s",
            "output_tok_s_per_gpu",
            "prefill_tok_s",
            "ttft_p50_ms",
            "ttft_p99_ms",
            "tpot_p50_ms",
            "tpot_p99_ms",
            "source",
        ]
        read_only_fields = fields


class HiddenCostSerializer(serializers.ModelSerializer):
    class Meta:
        model = HiddenCost
        fields = ["id", "version", "item", "kind", "monthly_low", "monthly_high"]
        read_only_fields = fields


# --- diff --------------------------------------------------------------------------------


class PriceChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["added", "removed", "changed"])
    section = serializers.ChoiceField(choices=["api", "gpu", "hardware", "hidden"])
    key = serializers.ListField(child=serializers.CharField(), help_text="The row's natural key.")
    label = serializers.CharField(source="key_label")
    field = serializers.CharField()
    old = serializers.DecimalField(**MONEY, allow_null=True)
    new = serializers.DecimalField(**MONEY, allow_null=True)
    pct_change = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, coerce_to_string=True
    )


class VersionDiffSerializer(serializers.Serializer):
    old = VersionRefSerializer(allow_null=True)
    new = VersionRefSerializer(allow_null=True)
    changes = PriceChangeSerializer(many=True)


# --- an organization's prices --------------------------------------------------------------


class RangeSerializer(serializers.Serializer):
    low = serializers.DecimalField(**MONEY)
    high = serializers.DecimalField(**MONEY)
    expected = serializers.DecimalField(**MONEY)


class EffectiveApiPriceSerializer(serializers.Serializer):
    offer_id = serializers.IntegerField(
        allow_null=True, help_text="The public offer (use as `api_offer`); null when private."
    )
    private_offer_id = serializers.IntegerField(
        allow_null=True,
        help_text="The overlay's private offer (use as `private_api_offer`); null when public.",
    )
    model_name = serializers.CharField()
    provider = serializers.CharField()
    offer_key = serializers.CharField()
    license = serializers.CharField()
    open_weights = serializers.BooleanField()
    input_per_mtok = serializers.DecimalField(**MONEY, allow_null=True)
    output_per_mtok = serializers.DecimalField(**MONEY)
    cached_input_per_mtok = serializers.DecimalField(**MONEY, allow_null=True)
    output_only = serializers.BooleanField()
    currency = serializers.CharField()
    is_private = serializers.BooleanField()
    is_overridden = serializers.BooleanField(help_text="Your overlay changed this public price.")
    notes = serializers.CharField()


class EffectiveGpuPriceSerializer(serializers.Serializer):
    offer_id = serializers.IntegerField(allow_null=True, help_text="Use as `gpu_offer`.")
    private_offer_id = serializers.IntegerField(
        allow_null=True, help_text="Use as `private_gpu_offer`."
    )
    sku = serializers.CharField()
    gpu_count = serializers.IntegerField()
    vram_per_gpu_gb = serializers.DecimalField(
        max_digits=10, decimal_places=3, allow_null=True, coerce_to_string=True
    )
    hourly = RangeSerializer()
    monthly = RangeSerializer(allow_null=True)
    spot_hourly = serializers.DecimalField(**MONEY, allow_null=True)
    reserved_hourly = serializers.DecimalField(**MONEY, allow_null=True)
    region = serializers.CharField()
    provider = serializers.CharField()
    offer_key = serializers.CharField()
    is_private = serializers.BooleanField()
    is_overridden = serializers.BooleanField()
    notes = serializers.CharField()


class OverlayRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriceOverlay
        fields = ["id", "name"]
        read_only_fields = fields


class EffectivePricesSerializer(serializers.Serializer):
    version = CatalogVersionSerializer()
    overlay = OverlayRefSerializer(allow_null=True)
    api_offers = EffectiveApiPriceSerializer(many=True)
    gpu_offers = EffectiveGpuPriceSerializer(many=True)


class EffectivePricesPageSerializer(EffectivePricesSerializer):
    """One page of a price book: its API offers, then its GPU offers, ``page_size`` rows a
    page in all (an imported price list has thousands of offers)."""

    count = serializers.IntegerField(
        help_text="API and GPU offers matching the filters, on all pages together."
    )
    api_count = serializers.IntegerField(help_text="API offers matching, on all pages.")
    gpu_count = serializers.IntegerField(help_text="GPU offers matching, on all pages.")
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    previous = serializers.URLField(
        allow_null=True, help_text="The previous page; null on the first."
    )


class OverlayApiOfferSerializer(serializers.ModelSerializer):
    class Meta:
        model = OverlayApiOffer
        fields = [
            "id",
            "replaces",
            "model_name",
            "provider",
            "offer_key",
            "input_per_mtok",
            "output_per_mtok",
            "cached_input_per_mtok",
            "notes",
        ]
        read_only_fields = fields


class OverlayGpuOfferSerializer(serializers.ModelSerializer):
    class Meta:
        model = OverlayGpuOffer
        fields = [
            "id",
            "replaces",
            "sku",
            "gpu_count",
            "vram_per_gpu_gb",
            "hourly",
            "monthly",
            "offer_key",
            "notes",
        ]
        read_only_fields = fields


class PriceOverlaySerializer(serializers.ModelSerializer):
    base_version = VersionRefSerializer(read_only=True)
    api_offers = OverlayApiOfferSerializer(many=True, read_only=True)
    gpu_offers = OverlayGpuOfferSerializer(many=True, read_only=True)

    class Meta:
        model = PriceOverlay
        fields = ["id", "name", "notes", "base_version", "api_offers", "gpu_offers", "created_at"]
        read_only_fields = fields


# --- an organization's own throughput profiles (imported benchmarks) -----------------------


class PrivateThroughputProfileSerializer(serializers.ModelSerializer):
    figures = serializers.JSONField(
        read_only=True,
        help_text="Every scalar figure of the benchmark file as read (its per-request lists "
        "are not kept).",
    )

    class Meta:
        model = PrivateThroughputProfile
        fields = [
            "id",
            "name",
            "source_format",
            "source_filename",
            "model_name",
            "gpu_sku",
            "gpu_count",
            "precision",
            "engine",
            "run_at",
            "concurrency",
            "completed_requests",
            "duration_s",
            "request_throughput",
            "output_tok_s",
            "input_tok_s",
            "total_tok_s",
            "mean_input_tokens",
            "mean_output_tokens",
            "ttft_median_ms",
            "ttft_p99_ms",
            "tpot_median_ms",
            "tpot_p99_ms",
            "figures",
            "created_at",
        ]
        read_only_fields = fields


class BenchmarkUploadSerializer(serializers.Serializer):
    """What the benchmark file cannot say, and the file."""

    file = serializers.FileField(
        help_text="The result JSON of vLLM's `benchmark_serving.py --save-result` "
        "(`vllm bench serve`), or GuideLLM's report (`benchmarks.json`), up to 50 MB."
    )
    source_format = serializers.ChoiceField(
        choices=BenchmarkFormat.choices, default=BenchmarkFormat.VLLM_SERVING
    )
    name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Empty: named for you."
    )
    model_name = serializers.CharField(max_length=120, help_text="The model that was served.")
    gpu_sku = serializers.CharField(max_length=120, help_text="The GPU it ran on, e.g. H100.")
    gpu_count = serializers.IntegerField(
        min_value=1, max_value=1024, help_text="GPUs of one replica."
    )
    precision = serializers.ChoiceField(choices=Precision.choices)
    engine = serializers.CharField(max_length=60, default="vLLM")
    benchmark = serializers.IntegerField(
        min_value=1,
        max_value=10_000,
        required=False,
        allow_null=True,
        help_text="A GuideLLM report with several runs: which one (1 = the first).",
    )

    def validate_file(self, upload):
        if upload.size > MAX_BYTES:
            raise serializers.ValidationError("The file is larger than 50 MB.")
        return upload
