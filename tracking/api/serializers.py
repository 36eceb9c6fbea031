"""Serializers of the tracking API. Explicit field lists: a column added to a model is not
published until it is reviewed and listed here.

The forecast, sensitivity and plan-vs-actual responses are the plain dicts of
``tracking.forecasting`` / ``tracking.selectors`` (the pages render the same dicts); the
serializers below document their shape in the OpenAPI schema.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from accounts.api.scoping import OrgScopedPrimaryKeyRelatedField
from planner.api.serializers import WorkloadSerializer
from planner.models import Workload
from tracking.models import (
    Alert,
    Budget,
    DateOrder,
    ImportFormat,
    UsageRoutingRule,
    WebhookEndpoint,
)
from tracking.usage.parser import MAX_BYTES

# --- budgets -----------------------------------------------------------------------------


class BudgetSerializer(serializers.ModelSerializer):
    workload = OrgScopedPrimaryKeyRelatedField(
        queryset=Workload.objects.all(),
        required=False,
        allow_null=True,
        help_text="A workload of your organization; empty: the organization's budget (used by "
        "plans whose workload has none).",
    )
    scope = serializers.SerializerMethodField(help_text="`organization` or `workload`.")

    class Meta:
        model = Budget
        fields = ["id", "workload", "scope", "monthly_amount", "currency", "updated_at"]
        read_only_fields = ["id", "scope", "updated_at"]
        extra_kwargs = {
            "monthly_amount": {"max_value": Decimal("99999999999999.99")},
            "currency": {
                "min_length": 3,
                "max_length": 3,
                "required": False,
                "help_text": "ISO 4217 code; default: the organization's currency.",
            },
        }

    def get_scope(self, budget: Budget) -> str:
        return "workload" if budget.workload_id else "organization"


class BudgetUpdateSerializer(BudgetSerializer):
    """A budget's amount and currency; its scope (workload) does not change."""

    workload = serializers.PrimaryKeyRelatedField(read_only=True)


# --- alerts ------------------------------------------------------------------------------


class AlertSerializer(serializers.ModelSerializer):
    comparison = serializers.IntegerField(
        source="comparison_number",
        read_only=True,
        allow_null=True,
        help_text="Number of the plan's comparison that raised the alert.",
    )

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "plan",
            "workload",
            "comparison",
            "message",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields


class AlertsReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="Alerts marked read by this request.")


# --- webhooks ----------------------------------------------------------------------------


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "active", "created_at"]
        read_only_fields = ["id", "active", "created_at"]
        extra_kwargs = {
            "url": {"help_text": "http(s) URL on the public internet; alerts are POSTed to it."}
        }


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret, shown this once: store it now. It is never returned again.",
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookSerializer.Meta.read_only_fields, "secret"]


class WebhookTestSerializer(serializers.Serializer):
    delivery = serializers.IntegerField(help_text="Id of the queued `ping` delivery.")
    status = serializers.CharField(help_text="The delivery's status when the response was sent.")


# --- forecast and sensitivity --------------------------------------------------------------


class AssumptionsSerializer(serializers.Serializer):
    """The forecast's assumptions: saved with PUT, or tried out as GET query parameters."""

    api_price_decline_per_year = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal(0),
        max_value=Decimal("0.99"),
        help_text="Expected fall of API prices a year, e.g. 0.2 for 20%.",
    )
    gpu_price_decline_per_year = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal(0),
        max_value=Decimal("0.99"),
        help_text="Expected fall of GPU prices a year.",
    )
    migration_weeks = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        min_value=Decimal(0),
        max_value=Decimal(520),
        help_text="One-off engineering weeks to move to self-hosting (40 h a week).",
    )


class AssumptionsQuerySerializer(AssumptionsSerializer):
    """Every assumption optional: what is not given is the plan's saved assumption."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class AssumptionsOutSerializer(serializers.Serializer):
    api_price_decline_per_year = serializers.FloatField()
    gpu_price_decline_per_year = serializers.FloatField()
    migration_weeks = serializers.FloatField()


class BudgetStatusSerializer(serializers.Serializer):
    """The budget that applies to the plan (its workload's, else the organization's) and
    the plan's projected spend against it."""

    set = serializers.BooleanField(help_text="False when no budget applies.")
    id = serializers.IntegerField(allow_null=True)
    scope = serializers.CharField(allow_null=True, help_text="`workload` or `organization`.")
    amount = serializers.CharField(allow_null=True, help_text="In the budget's own currency.")
    currency = serializers.CharField(allow_null=True)
    comparable = serializers.BooleanField(
        help_text="False when the budget's currency has no rate in the plan's catalog version."
    )
    amount_in_catalog_currency = serializers.FloatField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    projected_monthly = serializers.FloatField(
        allow_null=True,
        help_text="The recommended option's monthly cost now, in the catalog's currency.",
    )
    over_budget_now = serializers.BooleanField()
    exceeded_month = serializers.IntegerField(
        allow_null=True,
        help_text="Forecast month (1 = now) in which projected spend first passes the budget; "
        "null if it stays under it for the whole forecast.",
    )


class ForecastMonthSerializer(serializers.Serializer):
    month = serializers.IntegerField()
    tokens_per_month = serializers.IntegerField()
    api_monthly = serializers.FloatField()
    selfhost_monthly = serializers.FloatField(allow_null=True)
    savings = serializers.FloatField(allow_null=True)
    cumulative_savings = serializers.FloatField(allow_null=True)


class ForecastSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    available = serializers.BooleanField(help_text="False (with `reason`) before a computation.")
    reason = serializers.CharField(allow_blank=True)
    comparison = serializers.IntegerField(allow_null=True, help_text="The comparison's number.")
    currency = serializers.CharField(allow_null=True, help_text="The catalog's currency.")
    catalog_version = serializers.IntegerField(allow_null=True)
    assumptions = AssumptionsOutSerializer(allow_null=True)
    budget = BudgetStatusSerializer(allow_null=True)
    recommended_option = serializers.CharField(allow_null=True)
    recommended_kind = serializers.CharField(allow_null=True)
    recommended_monthly = serializers.FloatField(allow_null=True)
    api_option = serializers.CharField(allow_null=True, help_text="The API line forecast.")
    selfhost_option = serializers.CharField(allow_null=True)
    monthly_growth = serializers.FloatField(allow_null=True)
    engineer_hourly_rate = serializers.FloatField(allow_null=True)
    migration_cost = serializers.FloatField(allow_null=True)
    breakeven_month = serializers.IntegerField(allow_null=True)
    payback_month = serializers.IntegerField(allow_null=True)
    monthly_budget = serializers.FloatField(allow_null=True)
    api_budget_exceeded_month = serializers.IntegerField(allow_null=True)
    selfhost_budget_exceeded_month = serializers.IntegerField(allow_null=True)
    months = ForecastMonthSerializer(many=True)
    projected_series = serializers.CharField(
        allow_null=True, help_text="`api_monthly` or `selfhost_monthly`: the recommended kind."
    )
    projected_monthly = serializers.ListField(child=serializers.FloatField())
    budget_exceeded_month = serializers.IntegerField(allow_null=True)
    over_budget_now = serializers.BooleanField()


class SensitivityBarSerializer(serializers.Serializer):
    name = serializers.CharField()
    base_value = serializers.FloatField()
    low_value = serializers.FloatField()
    high_value = serializers.FloatField()
    difference_low = serializers.FloatField()
    difference_high = serializers.FloatField()
    swing = serializers.FloatField()
    cheaper_low = serializers.CharField()
    cheaper_high = serializers.CharField()
    flips = serializers.BooleanField()


class SensitivitySerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    available = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
    comparison = serializers.IntegerField(allow_null=True)
    currency = serializers.CharField(allow_null=True)
    api_option = serializers.CharField(allow_null=True)
    selfhost_option = serializers.CharField(allow_null=True)
    pct = serializers.FloatField(allow_null=True, help_text="Each input swings by +/- pct.")
    base_difference = serializers.FloatField(allow_null=True)
    base_cheaper = serializers.CharField(allow_null=True)
    bars = SensitivityBarSerializer(many=True)


# --- actual usage ------------------------------------------------------------------------

FORMAT_HELP = (
    "`breakeven` (ours: date, model, input_tokens, output_tokens, cost; optional "
    "cached_input_tokens, requests, workload, key, team, user, model_group, tag), `litellm` "
    "(LiteLLM_SpendLogs export), `litellm_daily_user`, `litellm_daily_team` or "
    "`litellm_daily_tag` (LiteLLM's daily aggregate tables)."
)


class UsageUploadSerializer(serializers.Serializer):
    file_format = serializers.ChoiceField(choices=ImportFormat.choices, help_text=FORMAT_HELP)
    file = serializers.FileField(help_text="CSV, UTF-8, up to 1 GB.")
    date_order = serializers.ChoiceField(
        choices=DateOrder.choices,
        default=DateOrder.AUTO,
        help_text="How spreadsheet dates such as 03/04/2026 are read: `mdy`, `dmy`, or `auto` "
        "(a number above 12 in the file settles it; otherwise month first).",
    )

    def validate_file(self, upload):
        if upload.size > MAX_BYTES:
            raise serializers.ValidationError("The file is larger than 1 GB.")
        return upload


class OrgUsageUploadSerializer(UsageUploadSerializer):
    workload = OrgScopedPrimaryKeyRelatedField(
        queryset=Workload.objects.all(),
        required=False,
        allow_null=True,
        help_text="Where rows that no routing rule claims go; empty: they are left out and "
        "counted in the report.",
    )


class RoutingRuleSerializer(serializers.ModelSerializer):
    workload = OrgScopedPrimaryKeyRelatedField(
        queryset=Workload.objects.all(), help_text="A workload of your organization."
    )

    class Meta:
        model = UsageRoutingRule
        fields = ["id", "dimension", "value", "workload", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {
            "dimension": {
                "help_text": "What the rule matches: `key` (the hashed api_key), `tag`, `team`, "
                "`user` or `model_group`. A row is routed by its key first, then its tags, "
                "team, user and model group."
            },
            "value": {"help_text": "The value to match, exactly as it appears in the file."},
        }
        # The (organization, dimension, value) uniqueness is checked by the service, which
        # names `value`; DRF's own validator would need the organization in the data.
        validators: list = []


class RoutingRuleUpdateSerializer(RoutingRuleSerializer):
    """A rule's workload; what it matches does not change (delete it and add another)."""

    class Meta(RoutingRuleSerializer.Meta):
        read_only_fields = ["id", "dimension", "value", "created_at"]


class UsageImportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    file_format = serializers.CharField()
    rows = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ActualMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM.")
    requests = serializers.IntegerField()
    input_tokens = serializers.IntegerField()
    cached_input_tokens = serializers.IntegerField(
        help_text="The part of input_tokens read from the provider's cache."
    )
    cached_share = serializers.CharField(
        allow_null=True, help_text="cached_input_tokens / input_tokens (null without input)."
    )
    output_tokens = serializers.IntegerField()
    tokens = serializers.IntegerField()
    cost = serializers.CharField(help_text="Actual cost, to the cent.")
    planned_tokens = serializers.IntegerField(allow_null=True)
    planned_cost = serializers.FloatField(allow_null=True)
    tokens_variance_pct = serializers.FloatField(allow_null=True)
    cost_variance_pct = serializers.FloatField(allow_null=True)


class OtherUsageSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM.")
    kind = serializers.CharField(
        help_text="`embedding`, `other` (images, audio, rerank, moderation…) or "
        "`proxy_cache` (answered from the proxy's own cache)."
    )
    requests = serializers.IntegerField()
    input_tokens = serializers.IntegerField()
    output_tokens = serializers.IntegerField()
    cost = serializers.CharField(help_text="To the cent.")


class SuggestionSerializer(serializers.Serializer):
    tokens_per_month = serializers.IntegerField()
    input_share = serializers.CharField(allow_null=True)
    cached_share = serializers.CharField(
        allow_null=True, help_text="Share of input tokens read from the provider's cache."
    )
    growth_per_month = serializers.CharField(allow_null=True)
    months_used = serializers.IntegerField()


class PlanVsActualSerializer(serializers.Serializer):
    workload = serializers.IntegerField()
    plan = serializers.IntegerField(allow_null=True, help_text="The plan compared with.")
    plan_available = serializers.BooleanField()
    plan_note = serializers.CharField(allow_blank=True)
    currency = serializers.CharField(allow_null=True)
    months = ActualMonthSerializer(many=True, help_text="Chat traffic only.")
    other_usage = OtherUsageSerializer(
        many=True, help_text="Embeddings, other calls and proxy-cache answers, kept apart."
    )
    suggestions = SuggestionSerializer(
        allow_null=True, help_text="Workload figures the actuals suggest (null without actuals)."
    )


class UsageImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField(help_text="Poll this until the job has finished.")
    status = serializers.CharField(
        help_text="`queued`, `running`, `succeeded`, or `failed`: the file was rejected (see "
        "`errors`) and nothing was written.",
    )
    filename = serializers.CharField()
    file_format = serializers.CharField()
    workload = serializers.IntegerField(
        source="workload_id",
        allow_null=True,
        help_text="Where rows no routing rule claims go (null: they are left out).",
    )
    date_order = serializers.CharField()
    size_bytes = serializers.IntegerField()
    rows_done = serializers.IntegerField(help_text="Rows read so far.")
    rows_total = serializers.IntegerField(help_text="Rows in the file (estimated until done).")
    errors = serializers.ListField(
        child=serializers.CharField(), help_text="`Row <n>, field <name>: ...`, one per problem."
    )
    report = serializers.JSONField(
        help_text="Once imported: `rows`; per kind (`chat`, `embedding`, `other`, "
        "`proxy_cache`) rows, requests, input, cached and output tokens and cost; "
        "`tool_calls` skipped; `not_chat` call types or endpoints; `dates` (forms read, "
        "and the order of spreadsheet dates with why); per workload id its chat tokens and "
        "cost; `unrouted` rows left out, with the labels seen most."
    )
    imported = UsageImportSerializer(
        source="usage_import", allow_null=True, help_text="The import, once it succeeded."
    )
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_url(self, job: Any) -> str:
        return self.context["url"]


class SuggestionsAppliedSerializer(serializers.Serializer):
    applied = SuggestionSerializer()
    workload = WorkloadSerializer()
