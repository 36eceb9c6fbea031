"""Documentation shapes of the quote contract (``planner.engine.contract``).

These serializers describe the request and response in the OpenAPI schema only;
the engine's ``parse_quote`` is the one validator, so the API and the CLI accept
exactly the same input.
"""

from __future__ import annotations

from rest_framework import serializers


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
    api = QuoteApiOfferSerializer()
    selfhost = QuoteSelfHostSerializer()
    downtime_cost_per_hour = serializers.FloatField(
        required=False,
        min_value=0,
        help_text="USD lost per hour down; required with an availability.",
    )


class QuoteResponseSerializer(serializers.Serializer):
    api_monthly = serializers.FloatField(help_text="API bill a month, USD, to the cent.")
    selfhost_monthly = serializers.FloatField(
        help_text="Self-hosting cost a month, USD, to the cent."
    )
    capacity_tokens_per_month = serializers.IntegerField()
    replicas = serializers.IntegerField()
    breakeven_tokens_per_month = serializers.IntegerField(
        allow_null=True, help_text="Null when self-hosting can never break even."
    )
    breakeven_reason = serializers.CharField()
    cheaper = serializers.ChoiceField(choices=["api", "selfhost"])
    ratio = serializers.FloatField(allow_null=True, help_text="Dearer / cheaper.")
    selfhost_cost_per_mtok = serializers.FloatField(allow_null=True)
    api_downtime_cost = serializers.FloatField(required=False, allow_null=True)
    selfhost_downtime_cost = serializers.FloatField(required=False, allow_null=True)
