"""POST /api/v1/quote: the engine's quote contract over HTTP (stateless, no organization)."""

from __future__ import annotations

import math
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.throttles import QuoteRateThrottle
from planner.api.serializers import QuoteRequestSerializer, QuoteResponseSerializer
from planner.bridge import ScenarioError
from planner.bridge.quotes import quote

GPT5_VS_A100 = {
    "tokens_per_month": 1_000_000_000,
    "input_share": 0.5,
    "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
    "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
}


# What the quote of GPT5_VS_A100 answers (tests/api/test_quote.py checks it still does).
GPT5_VS_A100_RESULT = {
    "api_monthly": 5625.0,
    "selfhost_monthly": 1440.0,
    "capacity_tokens_per_month": 3888000000,
    "replicas": 1,
    "breakeven_tokens_per_month": 256000000,
    "breakeven_reason": (
        "self-hosting ($1,440.00/month fixed) costs the same as the API at 256M "
        "tokens/month; below that the API is cheaper"
    ),
    "cheaper": "selfhost",
    "ratio": 3.9063,
    "selfhost_cost_per_mtok": 1.44,
    "crossings": [{"volume": 256000000, "cheaper_above": "selfhost", "cheaper_below": "api"}],
    "crossings_limit": 100000000000,
    "selfhost_wins_from_tokens_per_month": 256000000,
    "quote_version": 2,
}


def _all_finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_all_finite(item) for item in value.values())
    if isinstance(value, list):  # the crossings
        return all(_all_finite(item) for item in value)
    return True


class QuoteView(APIView):
    """API vs self-hosting for one scenario; the same JSON as ``python -m planner.engine quote``."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [QuoteRateThrottle]

    @extend_schema(
        operation_id="quote",
        summary="Price one scenario: API bill vs self-hosting",
        description=(
            "Stateless: nothing is stored. Input and output are the engine's command-line "
            "contract (`python -m planner.engine quote --help`). Besides the per-field limits "
            "shown, some rules span fields: give `tokens_per_month` or `tokens_per_day` (not "
            "both); `selfhost.monthly` or `selfhost.hourly` (not both); `cached_share` > 0 needs "
            "`api.cached_input_per_mtok`, which needs `api.input_per_mtok`; an `availability` "
            "needs `downtime_cost_per_hour`; unknown fields are rejected. A bad input is a 400 "
            "whose `error.fields` names the field as a dotted path (`api.output_per_mtok`)."
        ),
        request=QuoteRequestSerializer,
        responses={200: QuoteResponseSerializer},
        examples=[
            OpenApiExample(
                "GPT-5 vs one A100 at 1B tokens/month", value=GPT5_VS_A100, request_only=True
            ),
            OpenApiExample(
                "Result",
                response_only=True,
                value=GPT5_VS_A100_RESULT,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        try:
            result = quote(request.data)
        except ScenarioError as exc:
            raise ValidationError({exc.field: [exc.message]}) from exc
        except (ArithmeticError, ValueError) as exc:
            # Inputs valid one by one can still overflow together (1e308 tokens x a price).
            raise ValidationError("The numbers are too large to compute a quote.") from exc
        if not _all_finite(result):
            raise ValidationError("The numbers are too large to compute a quote.")
        return Response(result)
