"""Documentation shapes of the quote contract (``planner.engine.contract``).

These serializers describe the request and response in the OpenAPI schema only;
the engine's ``parse_quote`` is the one validator, so the API and the CLI accept
exactly the same input.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class QuoteTierPricesSerializer(serializers.Serializer):
    input_per_mtok = serializers.FloatField(required=False, min_value=0)
    output_per_mtok = serializers.FloatField(required=False, min_value=0)
    cached_input_per_mtok = serializers.FloatField(required=False, min_value=0)
    cache_write_per_mtok = serializers.FloatField(required=False, min_value=0)


class QuoteServiceTiersSerializer(serializers.Serializer):
    batch = QuoteTierPricesSerializer(required=False)
    priority = QuoteTierPricesSerializer(required=False)
    flex = QuoteTierPricesSerializer(required=False)


class QuoteContextTierSerializer(QuoteTierPricesSerializer):
    above_tokens = serializers.IntegerField(
        min_value=1, help_text="These prices hold for a request whose input exceeds this."
    )


class QuoteLongContextShareSerializer(serializers.Serializer):
    above_tokens = serializers.IntegerField(min_value=1)
    share = serializers.FloatField(
        min_value=0, max_value=1, help_text="Fraction of tokens in requests above above_tokens."
    )


class QuoteApiOfferSerializer(serializers.Serializer):
    input_per_mtok = serializers.FloatField(
        required=False,
        min_value=0,
        help_text="USD per 1M input tokens; omit for an output-only offer.",
    )
    output_per_mtok = serializers.FloatField(min_value=0, help_text="USD per 1M output tokens.")
    cached_input_per_mtok = serializers.FloatField(
        required=False,
        min_value=0,
        help_text="USD per 1M cached input tokens (needs input_per_mtok).",
    )
    availability = serializers.FloatField(
        required=False,
        min_value=0,
        max_value=1,
        help_text="e.g. 0.999 (needs downtime_cost_per_hour).",
    )
    cache_write_per_mtok = serializers.FloatField(
        required=False,
        min_value=0,
        help_text="USD per 1M input tokens written to the cache (absent: the input price).",
    )
    service_tiers = QuoteServiceTiersSerializer(
        required=False,
        help_text="Prices restated on the batch, priority or flex tier (absent: standard).",
    )
    context_tiers = QuoteContextTierSerializer(
        many=True,
        required=False,
        help_text="Prices of a request whose input exceeds above_tokens, on all its tokens; "
        "increasing above_tokens.",
    )


class QuoteModelSerializer(serializers.Serializer):
    params_b = serializers.FloatField(min_value=0, help_text="Total parameters, billions.")
    precision = serializers.ChoiceField(
        required=False, choices=["fp32", "fp16", "bf16", "fp8", "int8", "int4"]
    )
    layers = serializers.IntegerField(required=False, min_value=1)
    kv_heads = serializers.IntegerField(required=False, min_value=1)
    head_dim = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Layers, kv_heads and head_dim: all three (the published config) or none "
        "(the KV cache is then estimated at 20% of the weights).",
    )
    max_context = serializers.IntegerField(required=False, min_value=1)
    attention = serializers.ChoiceField(required=False, choices=["gqa", "mla"])


class QuoteFitSerializer(serializers.Serializer):
    weights_gb = serializers.FloatField()
    kv_cache_gb = serializers.FloatField()
    needed_gb = serializers.FloatField()
    usable_per_gpu_gb = serializers.FloatField(help_text="90% of one GPU's memory.")
    context_tokens = serializers.IntegerField()
    concurrent_sequences = serializers.IntegerField()
    architecture_known = serializers.BooleanField()
    gpus_needed = serializers.IntegerField()
    gpus_per_replica = serializers.IntegerField()
    tensor_parallel = serializers.IntegerField()
    nodes = serializers.IntegerField()


class QuoteSelfHostSerializer(serializers.Serializer):
    monthly = serializers.FloatField(
        required=False, min_value=0, help_text="USD a month per replica (or hourly, not both)."
    )
    hourly = serializers.FloatField(
        required=False, min_value=0, help_text="USD an hour per replica, times hours_per_month."
    )
    tokens_per_second = serializers.FloatField(
        min_value=0, help_text="Output tokens/s of one replica (> 0)."
    )
    utilization = serializers.FloatField(
        required=False, min_value=0, max_value=1, help_text="(0, 1], default 1."
    )
    hidden_monthly = serializers.FloatField(
        required=False, min_value=0, help_text="Fixed extra cost a month (not per replica)."
    )
    hidden_multiplier = serializers.FloatField(
        required=False, min_value=1, help_text=">= 1, applied to the GPU cost."
    )
    availability = serializers.FloatField(required=False, min_value=0, max_value=1)
    gpu_watts = serializers.FloatField(
        required=False,
        min_value=0,
        help_text="One GPU at full load (its TDP), W: adds the fleet's kWh to `energy`.",
    )
    server_base_watts = serializers.FloatField(
        required=False,
        min_value=0,
        help_text="One instance without its GPUs' load, W (default 0; needs gpu_watts).",
    )
    pue = serializers.FloatField(
        required=False,
        min_value=1,
        help_text="Power usage effectiveness (default 1; needs gpu_watts).",
    )
    model = QuoteModelSerializer(
        required=False,
        help_text="The model, for GPU memory fit: a replica that cannot hold it is refused "
        "with the GPUs it needs.",
    )
    gpu_vram_gb = serializers.FloatField(
        required=False, min_value=0, help_text="One GPU's memory (required with model)."
    )
    context_tokens = serializers.IntegerField(
        required=False, min_value=1, help_text="Tokens a request holds (default 4,096)."
    )
    concurrent_sequences = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Requests a replica serves at once: the KV cache (with model, default 16) and, "
        "with request_shape, the concurrency tokens_per_second was measured at.",
    )
    prefill_tokens_per_second = serializers.FloatField(
        required=False,
        min_value=0,
        help_text="Input tokens/s the replica prefills (> 0; needs request_shape).",
    )


class QuoteRequestShapeSerializer(serializers.Serializer):
    preset = serializers.ChoiceField(
        required=False,
        choices=["chat_assistant", "rag", "agentic_tool_use", "batch_summarisation"],
        help_text="A typical shape (or give both figures).",
    )
    input_tokens = serializers.FloatField(required=False, min_value=1)
    output_tokens = serializers.FloatField(required=False, min_value=1)


class QuoteRequestSerializer(serializers.Serializer):
    tokens_per_month = serializers.FloatField(
        required=False, min_value=0, help_text="Tokens a month (or tokens_per_day, not both)."
    )
    tokens_per_day = serializers.FloatField(
        required=False, min_value=0, help_text="Tokens a day, times days_per_month."
    )
    days_per_month = serializers.FloatField(
        required=False, min_value=0, help_text="Default 30; only with tokens_per_day."
    )
    input_share = serializers.FloatField(
        required=False,
        min_value=0,
        max_value=1,
        help_text="Fraction of tokens that are input (default 0.5).",
    )
    cached_share = serializers.FloatField(
        required=False,
        min_value=0,
        max_value=1,
        help_text="Fraction of INPUT tokens read from cache (default 0).",
    )
    hours_per_month = serializers.FloatField(required=False, min_value=0, help_text="Default 720.")
    cache_write_share = serializers.FloatField(
        required=False,
        min_value=0,
        max_value=1,
        help_text="Fraction of INPUT tokens written to the cache (default 0; with "
        "cached_share at most 1).",
    )
    batch_share = serializers.FloatField(
        required=False, min_value=0, max_value=1, help_text="Fraction of tokens bought in batch."
    )
    priority_share = serializers.FloatField(
        required=False, min_value=0, max_value=1, help_text="Fraction bought on priority."
    )
    flex_share = serializers.FloatField(
        required=False,
        min_value=0,
        max_value=1,
        help_text="Fraction bought on flex (batch + priority + flex at most 1).",
    )
    long_context_shares = QuoteLongContextShareSerializer(
        many=True,
        required=False,
        help_text="Fractions of tokens in requests whose input exceeds each length; a "
        "context tier at T reads the one at the smallest length >= T (none: 0).",
    )
    api = QuoteApiOfferSerializer()
    selfhost = QuoteSelfHostSerializer()
    downtime_cost_per_hour = serializers.FloatField(
        required=False,
        min_value=0,
        help_text="USD lost per hour down; required with an availability.",
    )
    grid_g_co2e_per_kwh = serializers.FloatField(
        required=False,
        min_value=0,
        help_text="The servers' grid, grams CO2e per kWh: adds kg_co2e_per_month to `energy`.",
    )
    request_shape = QuoteRequestShapeSerializer(
        required=False,
        help_text="Average tokens of one request; the input share then follows from it "
        "(do not send input_share). Adds per-request costs and the replica's serving.",
    )
    latency_p99_target_s = serializers.FloatField(
        required=False, min_value=0, help_text="End-to-end p99 target (needs request_shape)."
    )
    ttft_p99_target_s = serializers.FloatField(
        required=False, min_value=0, help_text="Time-to-first-token p99 target."
    )
    tpot_p99_target_s = serializers.FloatField(
        required=False, min_value=0, help_text="Time-per-output-token p99 target."
    )


class QuoteCrossingSerializer(serializers.Serializer):
    volume = serializers.IntegerField(
        help_text="Tokens/month from which cheaper_above costs no more than cheaper_below."
    )
    cheaper_above = serializers.CharField()
    cheaper_below = serializers.CharField()


class QuoteApiPartsSerializer(serializers.Serializer):
    standard = serializers.FloatField(help_text="Uncached input + output on the standard tier.")
    batch = serializers.FloatField()
    priority = serializers.FloatField()
    flex = serializers.FloatField()
    cache_read = serializers.FloatField(help_text="Cached input tokens.")
    cache_write = serializers.FloatField(help_text="Input tokens written to the cache.")
    long_context = serializers.FloatField(
        help_text="What the context tiers add for requests above their input length."
    )


class QuoteResponseSerializer(serializers.Serializer):
    api_monthly = serializers.FloatField(help_text="API bill a month, USD, to the cent.")
    selfhost_monthly = serializers.FloatField(
        help_text="Self-hosting cost a month, USD, to the cent."
    )
    capacity_tokens_per_month = serializers.IntegerField()
    replicas = serializers.IntegerField()
    breakeven_tokens_per_month = serializers.IntegerField(
        allow_null=True,
        help_text="Where one deployment (one replica) costs the same as the API; null when "
        "it does not within one replica's capacity (see selfhost_wins_from_tokens_per_month).",
    )
    breakeven_reason = serializers.CharField()
    cheaper = serializers.ChoiceField(choices=["api", "selfhost"])
    ratio = serializers.FloatField(allow_null=True, help_text="Dearer / cheaper.")
    selfhost_cost_per_mtok = serializers.FloatField(allow_null=True)
    api_downtime_cost = serializers.FloatField(required=False, allow_null=True)
    selfhost_downtime_cost = serializers.FloatField(required=False, allow_null=True)
    crossings = QuoteCrossingSerializer(
        many=True,
        help_text="Every volume (up to crossings_limit) where the cheaper of two options "
        "changes, for every pair of options, by volume.",
    )
    crossings_limit = serializers.IntegerField(
        help_text="How far crossings are searched, tokens/month (as a plan searches)."
    )
    selfhost_wins_from_tokens_per_month = serializers.IntegerField(
        allow_null=True,
        help_text="First crossing where self-hosting becomes cheaper than the API at any "
        "fleet size (0: from the start); null if it never does up to crossings_limit.",
    )
    fit = QuoteFitSerializer(
        required=False, help_text="With selfhost.model: the replica's GPU memory fit."
    )
    api_parts = QuoteApiPartsSerializer(
        required=False,
        help_text="With any traffic share or real-offer price: the API bill by part, USD a "
        "month (each rounded to the cent).",
    )
    quote_version = serializers.IntegerField(
        help_text="2: computed by the engine's one composition, with the crossings."
    )
    energy = serializers.JSONField(
        required=False,
        help_text="With energy inputs: per option (api, selfhost, owned) null when unknown "
        "(an API publishes no figure; no GPU power given), else {kwh_per_month, "
        "kg_co2e_per_month, gpu_load, gpu_hours, machine_hours, gpu_watts, "
        "server_base_watts, pue} (see `python -m planner.engine quote --help`).",
    )
    request_shape = serializers.JSONField(
        required=False, help_text="With a request shape: its figures and input share."
    )
    requests_per_month = serializers.FloatField(required=False)
    requests_per_day = serializers.FloatField(required=False)
    unit_costs = serializers.JSONField(
        required=False,
        help_text="With a request shape: per option (api, selfhost, owned) its cost "
        "per_mtok, per_request and per_1k_requests.",
    )
    selfhost_serving = serializers.JSONField(
        required=False,
        help_text="With a request shape: the concurrency each replica runs at, its tokens/s "
        "of the shape, p50 / p99 latency, resized_for and unmet_targets.",
    )
    owned_serving = serializers.JSONField(required=False)


# --- organization resources: workloads, plans, comparisons, sweeps -------------------------
# Explicit field lists everywhere: a column added to a model is not published until it is
# reviewed and listed here.

from django.db.models import QuerySet  # noqa: E402

from accounts.api.scoping import OrgScopedPrimaryKeyRelatedField  # noqa: E402
from planner.api.reevaluations import LeftOutSerializer  # noqa: E402
from planner.bridge.shapes import preset_notes  # noqa: E402
from planner.labels import lens_label  # noqa: E402
from planner.models import Comparison, Plan, PlanOption, Sweep, Workload  # noqa: E402
from planner.models.workloads import MAX_LONG_CONTEXT_POINTS  # noqa: E402
from planner.selectors import comparison_currency  # noqa: E402
from planner.wording import (  # noqa: E402
    depth_view,
    milestones_view,
    recommendation_view,
    wording,
)
from pricing.models import (  # noqa: E402
    LOCKED_STATUSES,
    ApiOffer,
    CatalogVersion,
    GpuOffer,
    HiddenCost,
    OverlayApiOffer,
    OverlayGpuOffer,
    OwnedHardware,
    PrivateThroughputProfile,
    ThroughputProfile,
    VersionStatus,
)

MAX_TOKENS = 10**15  # far above any real workload, far below BigInteger overflow
MAX_OPTIONS = 32


class LongContextShareSerializer(serializers.Serializer):
    above_tokens = serializers.IntegerField(min_value=1, help_text="An input length, in tokens.")
    share = serializers.FloatField(
        min_value=0,
        max_value=1,
        help_text="Share of the month's tokens in requests whose input exceeds above_tokens.",
    )


class WorkloadSerializer(serializers.ModelSerializer):
    monthly_tokens = serializers.IntegerField(
        read_only=True, help_text="Tokens a month (derived from tokens_per_day when that is set)."
    )
    long_context_shares = LongContextShareSerializer(
        many=True,
        required=False,
        max_length=MAX_LONG_CONTEXT_POINTS,
        help_text="Input lengths, increasing, with the share of tokens in requests above "
        "each (not increasing): an API offer's context tier at T tokens reads the share "
        "stated at the smallest length at or above T (none: 0). Default: none.",
    )

    class Meta:
        model = Workload
        fields = [
            "id",
            "name",
            "description",
            "tokens_per_day",
            "tokens_per_month",
            "monthly_tokens",
            "days_per_month",
            "input_share",
            "cached_share",
            "growth_per_month",
            "peak_to_average",
            "request_preset",
            "input_tokens_per_request",
            "output_tokens_per_request",
            "latency_p99_target_s",
            "ttft_p99_target_s",
            "tpot_p99_target_s",
            "availability_target",
            "downtime_cost_per_hour",
            "data_must_stay_in_network",
            "needs_finetuning",
            "has_mlops_team",
            "has_idle_gpu_fleet",
            "open_model_meets_accuracy",
            "engineer_hourly_rate",
            "task_success_rates",
            "cache_write_share",
            "batch_share",
            "priority_share",
            "flex_share",
            "long_context_shares",
            "quality_reference_model",
            "quality_min_share",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "monthly_tokens", "created_at", "updated_at"]
        extra_kwargs = {
            "tokens_per_day": {"max_value": MAX_TOKENS},
            "tokens_per_month": {"max_value": MAX_TOKENS},
            "name": {"allow_blank": False},
            "input_share": {
                "help_text": "Share of tokens that are input; with a request shape it follows "
                "from it: input / (input + output), whatever is sent."
            },
            "request_preset": {
                "help_text": "A typical request shape that fills both figures: "
                + "; ".join(
                    f"`{p['key']}` {p['input_tokens']:,} in / {p['output_tokens']:,} out "
                    f"({p['why']})"
                    for p in preset_notes()
                )
                + ". Empty: the figures given (or none)."
            },
            "input_tokens_per_request": {
                "help_text": "Average input tokens of one request (with the output ones, or "
                "neither): costs are then also per request, and self-hosted capacity and "
                "latency follow from the shape."
            },
        }

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value or "\x00" in value:
            raise serializers.ValidationError("Give the workload a name.")
        return value

    def validate_long_context_shares(self, value: list[dict]) -> list[dict]:
        return [{"above_tokens": p["above_tokens"], "share": p["share"]} for p in value]


class ScopedToOrg(OrgScopedPrimaryKeyRelatedField):
    """A foreign key to a row of the caller's organization (another's id: 'does not exist')."""


class OverlayRowField(serializers.PrimaryKeyRelatedField):
    """A private overlay row (``OverlayApiOffer`` / ``OverlayGpuOffer``) of the caller's
    organization; another organization's row fails exactly like a missing id."""

    def get_queryset(self) -> QuerySet:
        organization = self.context.get("organization")
        queryset = super().get_queryset()
        if organization is None:
            return queryset.none()
        return queryset.filter(overlay__organization=organization)


def _public(model: type) -> QuerySet:
    return model.objects.filter(version__status__in=LOCKED_STATUSES)


class PlanOptionSerializer(serializers.ModelSerializer):
    """One option of a plan. Catalog rows must belong to the plan's pinned version; private
    rows to your organization's overlay on that version."""

    name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Empty: named for you."
    )
    api_offer = serializers.PrimaryKeyRelatedField(
        queryset=_public(ApiOffer), required=False, allow_null=True
    )
    private_api_offer = OverlayRowField(
        queryset=OverlayApiOffer.objects.all(), required=False, allow_null=True
    )
    gpu_offer = serializers.PrimaryKeyRelatedField(
        queryset=_public(GpuOffer), required=False, allow_null=True
    )
    private_gpu_offer = OverlayRowField(
        queryset=OverlayGpuOffer.objects.all(), required=False, allow_null=True
    )
    owned_hardware = serializers.PrimaryKeyRelatedField(
        queryset=_public(OwnedHardware), required=False, allow_null=True
    )
    throughput_profile = serializers.PrimaryKeyRelatedField(
        queryset=_public(ThroughputProfile), required=False, allow_null=True
    )
    private_throughput_profile = ScopedToOrg(
        queryset=PrivateThroughputProfile.objects.all(),
        required=False,
        allow_null=True,
        help_text="Self-host: one of your organization's imported benchmarks "
        "(`/orgs/{org_slug}/throughput-profiles/`); its output tok/s is the replica's "
        "throughput. `tokens_per_second` still wins when given.",
    )
    hidden_costs = serializers.PrimaryKeyRelatedField(
        queryset=_public(HiddenCost), many=True, required=False
    )
    cheap_ref = serializers.IntegerField(
        min_value=0,
        max_value=MAX_OPTIONS - 1,
        required=False,
        allow_null=True,
        write_only=True,
        help_text="Hybrid: the index (in `options`) of its cheap option, listed before it.",
    )
    # Null for every option but a hybrid: generated clients must accept null here.
    cheap_option = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="Hybrid: the id of its cheap option; null for other kinds.",
    )

    class Meta:
        model = PlanOption
        fields = [
            "id",
            "position",
            "name",
            "kind",
            "api_offer",
            "private_api_offer",
            "model_name",
            "params_b",
            "gpu_offer",
            "private_gpu_offer",
            "owned_hardware",
            "gpu_count",
            "precision",
            "billing_mode",
            "window_hours",
            "rent_mode",
            "context_tokens",
            "concurrent_sequences",
            "throughput_profile",
            "private_throughput_profile",
            "tokens_per_second",
            "utilization",
            "hidden_costs",
            "hidden_multiplier",
            "labor_hours_per_month",
            "other_monthly",
            "p99_latency_s",
            # Serving figures measured for this option (issue 15), at concurrent_sequences.
            "prefill_tokens_per_second",
            "ttft_p99_s",
            "tpot_p99_s",
            "cheap_ref",
            "cheap_option",
            "routed_share",
            "escalation_rate",
            # Engine depth (issue 10): rented packing.
            "gpus_per_instance",
            "allow_multi_instance",
            "billing_buffer",
            # Owned-server finance (rent_mode "owned"; empty: the catalog hardware's figure).
            *PlanOption.OWNED_FINANCE_FIELDS,
            # Rented and owned: operations staff and a one-off implementation.
            "ops_fte",
            "ops_fte_monthly_cost",
            "implementation_one_off",
            # Reserve: availability of one replica / one region.
            "replica_availability",
            "region_availability",
            # Energy: the grid the servers draw from.
            "grid_region",
        ]
        read_only_fields = ["id", "position", "cheap_option"]
        extra_kwargs = {
            "gpu_count": {"max_value": 1024},
            "gpus_per_instance": {"max_value": 1024},
            "gpus_per_server": {"max_value": 1024},
            "replica_availability": {
                "help_text": "Availability of one replica (0.5 to 1); empty: the catalog's "
                "single-region figure."
            },
            "region_availability": {"help_text": "Availability of one region (0.5 to 1)."},
            "grid_region": {
                "help_text": "Self-host: a region of the catalog version's grid intensities "
                "(`grid_intensity`); empty: the GPU offer's region if the catalog has it, "
                "else 'world'."
            },
            "useful_life_years": {"help_text": "Empty: the catalog hardware's useful life."},
            "server_price": {"help_text": "Empty: the catalog hardware's purchase price."},
        }


class LatestComparisonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comparison
        fields = [
            "id",
            "number",
            "recommended_option",
            "cheapest_option",
            "cheapest_monthly",
            "created_at",
        ]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    """A plan with its options (read), or the body that creates one (write)."""

    workload = ScopedToOrg(queryset=Workload.objects.all())
    catalog_version = serializers.PrimaryKeyRelatedField(
        queryset=CatalogVersion.objects.public(),
        help_text="A published (or retired) catalog version; the plan is pinned to it.",
    )
    # No min_length: its error would be keyed "options.non_field_errors"; see validate_options.
    options = PlanOptionSerializer(many=True, max_length=MAX_OPTIONS)
    latest_comparison = LatestComparisonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "name",
            "description",
            "workload",
            "catalog_version",
            "use_overlay",
            "lens",
            "analysis_months",
            "flag",
            "flagged_at",
            "options",
            "latest_comparison",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "flag", "flagged_at", "created_at", "updated_at"]
        extra_kwargs = {
            "name": {"allow_blank": False},
            "lens": {
                "help_text": "`full` (full TCO) or `marginal` (leaves out depreciation, capital, "
                "installation, staff and implementation). Default `full`."
            },
            "analysis_months": {
                "help_text": "Months (1 to 240) over which ownership and one-off costs are "
                "spread. Default 36."
            },
        }

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value or "\x00" in value:
            raise serializers.ValidationError("Give the plan a name.")
        return value

    def validate_options(self, value: list) -> list:
        if not value:
            raise serializers.ValidationError("Choose at least one option to compare.")
        return value


class PlanUpdateSerializer(PlanSerializer):
    """What a plan lets you change in place. To change its options or workload, create a new
    plan; to move it to another catalog version, re-evaluate it."""

    class Meta(PlanSerializer.Meta):
        read_only_fields = [
            "id",
            "workload",
            "catalog_version",
            "options",
            "flag",
            "flagged_at",
            "created_at",
            "updated_at",
        ]

    workload = serializers.PrimaryKeyRelatedField(read_only=True)
    catalog_version = serializers.PrimaryKeyRelatedField(read_only=True)
    options = PlanOptionSerializer(many=True, read_only=True)


class ComparisonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comparison
        fields = [
            "id",
            "plan",
            "number",
            "trigger",
            "catalog_version",
            "overlay",
            "tokens_per_month",
            "recommended_option",
            "cheapest_option",
            "cheapest_monthly",
            "created_at",
        ]
        read_only_fields = fields


LENS_CHOICES = Plan._meta.get_field("lens").choices

# --- engine depth of a comparison (issue 10): documentation shapes of `Comparison.results` --
# The figures are the engine's, stored when the plan was computed; these serializers only
# describe (and select) them. Money is in the catalog version's currency, to the cent.


class DepthLineSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="`compute`, `other`, `depreciation`, `capital`, `maintenance`, `energy`, "
        "`facilities`, `staff`, `installation`, `implementation` or `reserve`."
    )
    label = serializers.CharField()
    monthly = serializers.FloatField(help_text="A month, to the cent.")
    period = serializers.FloatField(help_text="Over the analysis period (monthly x months).")
    in_lens = serializers.BooleanField(
        help_text="Counted in the option's monthly figure under the plan's lens (the marginal "
        "lens leaves out depreciation, capital, installation, staff and implementation)."
    )


class ReserveSerializer(serializers.Serializer):
    needed = serializers.IntegerField(help_text="Replicas the volume needs.")
    spares = serializers.IntegerField(help_text="Spare replicas held in reserve.")
    regions = serializers.IntegerField()
    total_replicas = serializers.IntegerField()
    availability = serializers.FloatField(help_text="Availability reached with the reserve.")
    base_availability = serializers.FloatField(help_text="Availability of one deployment.")
    target = serializers.FloatField(help_text="The workload's availability target.")
    monthly = serializers.FloatField(help_text="What the reserve costs a month.")
    applied = serializers.BooleanField(help_text="False when one deployment meets the target.")


class OwnedDefaultSerializer(serializers.Serializer):
    field = serializers.ChoiceField(
        choices=[
            "maintenance_per_year",
            "server_base_watts",
            "gpu_tdp_watts",
            "pue",
            "usd_per_kwh",
            "facilities_per_server_monthly",
        ]
    )
    value = serializers.FloatField()
    source = serializers.ChoiceField(
        choices=["hardware", "catalog", "assumed", "missing"],
        help_text="`hardware`: the catalog's row for the machine; `catalog`: the version's "
        "figure; `assumed`: PUE 1 (no overhead); `missing`: this catalog version states "
        "none, so 0.",
    )


class OwnedFinanceSerializer(serializers.Serializer):
    servers = serializers.IntegerField()
    gpus_per_server = serializers.IntegerField()
    server_price = serializers.FloatField()
    useful_life_years = serializers.FloatField()
    residual_value = serializers.FloatField(help_text="Share of the price left at end of life.")
    purchases = serializers.IntegerField(
        help_text="Times the fleet is bought over the analysis period (2 when it outlives "
        "the servers' useful life)."
    )
    last_life_share = serializers.FloatField()
    acquisition = serializers.FloatField(help_text="One purchase of the fleet's hardware.")
    average_book_value = serializers.FloatField()
    book_value_at_end = serializers.FloatField()
    installation_policy = serializers.ChoiceField(
        choices=["capitalised", "expensed"],
        required=False,
        help_text="Capitalised: installation is in the book value (depreciated, inside the "
        "cost of capital); expensed: charged in full at every purchase (the `installation` "
        "line). Absent on comparisons computed before issue 15 (they expensed it).",
    )
    capitalised = serializers.FloatField(
        required=False,
        help_text="First book value of a purchase: hardware + capitalised installation.",
    )
    gpu_load = serializers.FloatField(
        required=False,
        help_text="Average share of the installed GPUs' full power drawn: the hours the "
        "tokens take at the measured throughput, or the option's stated load.",
    )
    energy_kwh = serializers.FloatField(
        required=False, help_text="kWh a month at the meter (PUE included), spares included."
    )
    defaults = OwnedDefaultSerializer(
        many=True,
        required=False,
        help_text="The figures the option left empty, the value each took and its source.",
    )


class OptionDepthSerializer(serializers.Serializer):
    option = serializers.CharField(help_text="The self-host option's name.")
    kind = serializers.ChoiceField(choices=["rented", "owned"])
    lens = serializers.ChoiceField(choices=LENS_CHOICES)
    lens_label = serializers.CharField()
    analysis_months = serializers.FloatField()
    monthly = serializers.FloatField(
        allow_null=True, help_text="A month under the lens (the sum of the lines in the lens)."
    )
    period_total = serializers.FloatField(allow_null=True)
    replicas_needed = serializers.IntegerField(allow_null=True)
    gpus = serializers.IntegerField(allow_null=True)
    machines = serializers.IntegerField(
        allow_null=True, help_text="Rented instances or owned servers."
    )
    gpus_per_instance = serializers.IntegerField(allow_null=True, help_text="Rented only.")
    billed_instance_hours = serializers.FloatField(allow_null=True, help_text="Rented only.")
    lines = DepthLineSerializer(many=True)
    reserve = ReserveSerializer(
        allow_null=True, help_text="Null without an availability target on the workload."
    )
    reserve_note = serializers.CharField(allow_blank=True)
    finance = OwnedFinanceSerializer(allow_null=True, help_text="Owned servers only.")
    error = serializers.CharField(
        allow_blank=True, help_text="Why this option could not be priced in depth, if so."
    )


DEPTH_DEFAULTS: dict = {
    "monthly": None,
    "period_total": None,
    "replicas_needed": None,
    "gpus": None,
    "machines": None,
    "gpus_per_instance": None,
    "billed_instance_hours": None,
    "lines": [],
    "reserve": None,
    "reserve_note": "",
    "finance": None,
    "error": "",
}


class MilestoneSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="`rented_beats_api`, `owned_beats_api`, `rented_cheapest_overall`, "
        "`owned_cheapest_overall` (or `pair` in `pairs`)."
    )
    label = serializers.CharField()
    challenger = serializers.CharField(help_text="The option that wins from `volume`.")
    incumbent = serializers.CharField(help_text="The option it beats.")
    volume = serializers.IntegerField(
        allow_null=True, help_text="Tokens a month from which the challenger costs no more."
    )
    volume_label = serializers.CharField(allow_null=True)
    holds_to_limit = serializers.BooleanField()
    lost_at = serializers.IntegerField(
        allow_null=True, help_text="Volume where the win is lost again (a new replica)."
    )
    lost_at_label = serializers.CharField(allow_null=True)
    wins_for_good_from = serializers.IntegerField(allow_null=True)
    wins_for_good_from_label = serializers.CharField(allow_null=True)
    limit = serializers.IntegerField(help_text="The largest volume searched.")
    limit_label = serializers.CharField()
    reason = serializers.CharField(allow_blank=True, allow_null=True)
    challenger_kind = serializers.CharField(required=False, help_text="In `pairs` only.")
    incumbent_kind = serializers.CharField(required=False, help_text="In `pairs` only.")


class MilestonesSerializer(serializers.Serializer):
    limit = serializers.IntegerField()
    items = MilestoneSerializer(many=True, help_text="The named milestones that occur.")
    pairs = MilestoneSerializer(many=True, help_text="Every pairwise crossover.")
    error = serializers.CharField(required=False)


def _results(comparison: Comparison) -> dict:
    return comparison.results if isinstance(comparison.results, dict) else {}


def depth_of_results(results: dict) -> list[dict]:
    """Each self-host option's depth block (stored by the engine), in option order."""
    rows = []
    for option in results.get("options") or []:
        depth = option.get("depth") if isinstance(option, dict) else None
        if option.get("kind") == "selfhost" and isinstance(depth, dict):
            rows.append({**DEPTH_DEFAULTS, **depth_view(depth), "option": option.get("name", "")})
    return rows


class ComparisonDetailSerializer(ComparisonSerializer):
    recommendation = serializers.SerializerMethodField(
        help_text="The recommended option, the reasons, and the options left out (and why)."
    )
    lens = serializers.SerializerMethodField(
        help_text="The cost lens the comparison was computed under (null before issue 10)."
    )
    lens_label = serializers.SerializerMethodField()
    analysis_months = serializers.SerializerMethodField(
        help_text="Months ownership and one-off costs were spread over."
    )
    milestones = serializers.SerializerMethodField(
        help_text="Volumes where rented or owned self-hosting starts to beat the API and "
        "becomes the cheapest overall (null before issue 10)."
    )
    depth = serializers.SerializerMethodField(
        help_text="Each self-host option in depth: cost lines (finance), reserve, machines."
    )
    results = serializers.JSONField(
        read_only=True,
        help_text="The engine's full results: every option's monthly cost (low / expected / "
        "high), break-evens, reliability, curves and, where computed, lenses and milestones; "
        "each option's `cost_per_mtok` and `p99_latency_s` (self-host: with its "
        "`latency_source`); with a request shape also `request_shape`, `requests_per_month`, "
        "each option's `cost_per_request` and `cost_per_1k_requests` and a self-host "
        "option's `serving` (concurrency, tokens/s of the shape, p50 / p99 latency, targets "
        "it was resized for or misses). "
        "Schema 2 holds keys, codes and figures, no sentences: see `wording`.",
    )
    wording = serializers.SerializerMethodField(
        help_text="The sentences the pages show for `results`, rendered when read (in the "
        "catalog version's currency): the lens, each recommendation reason (`code`, `text`), "
        "each break-even (`option`, `api_option`, `text`), each milestone (`key`, `text`), each "
        "self-hosted option's GPU memory fit (`option`, `text`) and "
        "the words for every cost line key."
    )

    class Meta(ComparisonSerializer.Meta):
        fields = [
            *ComparisonSerializer.Meta.fields,
            "recommendation",
            "lens",
            "lens_label",
            "analysis_months",
            "milestones",
            "depth",
            "results",
            "wording",
        ]
        read_only_fields = fields

    def get_recommendation(self, comparison: Comparison) -> dict:
        rec = _results(comparison).get("recommendation") or {}
        return recommendation_view(rec, comparison_currency(comparison=comparison))

    @extend_schema_field(serializers.JSONField())
    def get_wording(self, comparison: Comparison) -> dict:
        return wording(_results(comparison), comparison_currency(comparison=comparison))

    @extend_schema_field(serializers.ChoiceField(choices=LENS_CHOICES, allow_null=True))
    def get_lens(self, comparison: Comparison) -> str | None:
        return _results(comparison).get("lens")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_lens_label(self, comparison: Comparison) -> str | None:
        lens = _results(comparison).get("lens")
        return None if lens is None else lens_label(lens)

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_analysis_months(self, comparison: Comparison) -> float | None:
        return _results(comparison).get("analysis_months")

    @extend_schema_field(MilestonesSerializer(allow_null=True))
    def get_milestones(self, comparison: Comparison) -> dict | None:
        milestones = _results(comparison).get("milestones")
        return milestones_view(milestones) if isinstance(milestones, dict) else None

    @extend_schema_field(OptionDepthSerializer(many=True))
    def get_depth(self, comparison: Comparison) -> list[dict]:
        return depth_of_results(_results(comparison))


class ReevaluateSerializer(serializers.Serializer):
    version = serializers.PrimaryKeyRelatedField(
        queryset=CatalogVersion.objects.filter(status=VersionStatus.PUBLISHED),
        help_text="The published catalog version to move the plan to.",
    )


class ReevaluatedSerializer(serializers.Serializer):
    comparison = ComparisonDetailSerializer()
    flag = serializers.CharField(
        help_text="What changed (recommendation or cheapest option, with the price move "
        "behind it; options left out), empty when nothing did."
    )
    left_out = LeftOutSerializer(
        many=True,
        help_text="Options the version has no offer for: left out of the plan, with the "
        "closest offers it has.",
    )
    matched_by_alias = serializers.ListField(
        child=serializers.CharField(),
        help_text="Offers found under another name (`GPT-5 (OpenAI) · feb-2026 → gpt-5 "
        "(openai) · litellm`).",
    )


class SweepSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Sweep
        fields = [
            "id",
            "name",
            "catalog_version",
            "workload",
            "status",
            "total_points",
            "done_points",
            "progress_percent",
            "chunks_total",
            "chunks_done",
            "error",
            "result_bytes",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class SweepDetailSerializer(SweepSerializer):
    spec = serializers.JSONField(read_only=True, help_text="The cleaned spec (explicit axes).")

    class Meta(SweepSerializer.Meta):
        fields = [*SweepSerializer.Meta.fields, "spec"]
        read_only_fields = fields


class SweepCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    catalog_version = serializers.PrimaryKeyRelatedField(
        queryset=CatalogVersion.objects.filter(status=VersionStatus.PUBLISHED)
    )
    workload = ScopedToOrg(
        queryset=Workload.objects.all(),
        required=False,
        allow_null=True,
        help_text="Optional: its input and cached shares are the defaults.",
    )
    spec = serializers.DictField(
        help_text='Axes `volumes`, `input_shares`, `utilizations` (a list, or {"min", "max", '
        '"step"} / {"min", "max", "num", "scale": "linear"|"log"}), `api_offer_ids`, '
        '`selfhost`: [{"gpu_offer_id", "count", "tokens_per_second", "pricing", "billing", '
        '"window_hours", "hidden_monthly", "hidden_multiplier", "implementation_one_off", '
        '"name", and for GPU memory fit "model_name", "params_b", "precision", '
        '"context_tokens", "concurrent_sequences"}], optional '
        "`cached_share`, `hours_per_month`, `analysis_months` (1 to 240, default 36: the "
        "period over which each self-host entry's one-off `implementation_one_off` is "
        "spread). At most 1,000,000 points."
    )


class SweepCancelledSerializer(serializers.Serializer):
    cancelled = serializers.BooleanField(help_text="False when the sweep had already ended.")
    sweep = SweepSerializer()


class SweepSummarySerializer(serializers.Serializer):
    status = serializers.CharField()
    summary = serializers.JSONField(
        allow_null=True,
        help_text="Null until the sweep succeeded: wins per option, the cheapest-option map, "
        "the volume where self-hosting starts to win, the frontier.",
    )
