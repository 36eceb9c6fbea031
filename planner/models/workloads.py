from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from accounts.tenancy import TenantModel

SHARE = {
    "max_digits": 6,
    "decimal_places": 5,
    "validators": [MinValueValidator(0), MaxValueValidator(1)],
}
MONEY = {"max_digits": 14, "decimal_places": 4}
# The largest volume a workload may have, per month whichever unit it is given in: far
# above any real workload (a million times a large chat product), and far enough below
# what a bigint and a float hold that growth compounded over the forecast stays finite.
MAX_TOKENS_PER_MONTH = 10**15
# task_success_rates: at most this many models, each name at most this long.
MAX_SUCCESS_RATES = 200
MAX_MODEL_NAME_LENGTH = 200
# long_context_shares: at most this many input lengths.
MAX_LONG_CONTEXT_POINTS = 20


class Workload(TenantModel):
    """What a team runs: volume, token mix, growth, constraints and team facts."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    # Exactly one of the two volumes is set; the other is derived with days_per_month.
    tokens_per_day = models.BigIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0)]
    )
    tokens_per_month = models.BigIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0)]
    )
    days_per_month = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(30),
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    input_share = models.DecimalField(
        **SHARE, default=Decimal("0.5"), help_text="Share of tokens that are input."
    )
    cached_share = models.DecimalField(
        **SHARE,
        default=Decimal(0),
        help_text="Share of input tokens read from the provider's cache.",
    )
    growth_per_month = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal("-0.99")), MaxValueValidator(10)],
        help_text="Monthly volume growth, e.g. 0.05 for 5%.",
    )
    peak_to_average = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    latency_p99_target_s = models.DecimalField(
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="End-to-end p99 of one request, in seconds.",
    )
    # Request shape (issue 15): average tokens of one request, both or neither. With a
    # shape the input share follows from it; a preset fills both figures.
    request_preset = models.CharField(
        max_length=40,
        blank=True,
        help_text="A typical request shape (chat assistant, RAG...); empty: your own figures.",
    )
    input_tokens_per_request = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10_000_000)]
    )
    output_tokens_per_request = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10_000_000)]
    )
    ttft_p99_target_s = models.DecimalField(
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.0001"))],
        help_text="Time to the first token, p99, in seconds.",
    )
    tpot_p99_target_s = models.DecimalField(
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.0001"))],
        help_text="Time per output token after the first, p99, in seconds.",
    )
    availability_target = models.DecimalField(
        max_digits=7,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="e.g. 0.999",
    )
    downtime_cost_per_hour = models.DecimalField(
        **MONEY, default=Decimal(0), validators=[MinValueValidator(0)]
    )

    # Compliance
    data_must_stay_in_network = models.BooleanField(default=False)
    needs_finetuning = models.BooleanField(default=False)
    # Team facts
    has_mlops_team = models.BooleanField(default=False)
    has_idle_gpu_fleet = models.BooleanField(default=False)
    open_model_meets_accuracy = models.BooleanField(
        default=False, help_text="An open model reaches 95% of the required accuracy."
    )
    engineer_hourly_rate = models.DecimalField(
        **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    # {"model name": success rate in [0, 1]} where known.
    task_success_rates = models.JSONField(default=dict, blank=True)
    # Quality floor: options whose model scores below this share of the reference model's
    # published benchmark score (the plan's catalog) are excluded from the recommendation.
    quality_reference_model = models.CharField(
        max_length=MAX_MODEL_NAME_LENGTH,
        blank=True,
        help_text="A model whose catalog benchmark score options must approach.",
    )
    quality_min_share = models.DecimalField(
        max_digits=6,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MaxValueValidator(1)],
        help_text="e.g. 0.9: at least 90% of the reference model's score.",
    )

    # How the API tokens are bought (priced by planner.engine.api): none by default, so
    # every offer is read at its standard prices below every context threshold.
    cache_write_share = models.DecimalField(
        **SHARE,
        default=Decimal(0),
        help_text="Share of input tokens written to the provider's cache (priced at the "
        "offer's cache-write price).",
    )
    batch_share = models.DecimalField(
        **SHARE, default=Decimal(0), help_text="Share of tokens sent through a batch API."
    )
    priority_share = models.DecimalField(
        **SHARE, default=Decimal(0), help_text="Share of tokens bought on a priority tier."
    )
    flex_share = models.DecimalField(
        **SHARE, default=Decimal(0), help_text="Share of tokens bought on a flex tier."
    )
    # [{"above_tokens": n, "share": x}], lengths increasing: x of the tokens travel in
    # requests whose input exceeds n tokens.
    long_context_shares = models.JSONField(default=list, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tokens_per_day__isnull=False, tokens_per_month__isnull=True)
                | Q(tokens_per_day__isnull=True, tokens_per_month__isnull=False),
                name="workload_one_volume",
            ),
            models.CheckConstraint(
                condition=Q(input_share__gte=0, input_share__lte=1), name="workload_input_share_0_1"
            ),
            models.CheckConstraint(
                condition=Q(cached_share__gte=0, cached_share__lte=1),
                name="workload_cached_share_0_1",
            ),
            models.CheckConstraint(condition=Q(peak_to_average__gte=1), name="workload_peak_ge_1"),
            models.CheckConstraint(
                condition=Q(cache_write_share__gte=0)
                & Q(cached_share__lte=1 - F("cache_write_share")),
                name="workload_cached_and_written_within_input",
            ),
            models.CheckConstraint(
                condition=Q(batch_share__gte=0, priority_share__gte=0, flex_share__gte=0)
                & Q(batch_share__lte=1 - F("priority_share") - F("flex_share")),
                name="workload_service_shares_within_1",
            ),
            models.CheckConstraint(
                condition=Q(
                    input_tokens_per_request__isnull=True, output_tokens_per_request__isnull=True
                )
                | Q(input_tokens_per_request__gte=1, output_tokens_per_request__gte=1),
                name="workload_request_shape_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def monthly_tokens(self) -> int:
        if self.tokens_per_month is not None:
            return int(self.tokens_per_month)
        return int(Decimal(self.tokens_per_day or 0) * Decimal(self.days_per_month))

    @property
    def output_share(self) -> Decimal:
        return Decimal(1) - Decimal(self.input_share)

    @property
    def has_request_shape(self) -> bool:
        return self.input_tokens_per_request is not None

    def _clean_request_shape(self, errors: dict[str, str]) -> None:
        """A preset fills the figures; with figures the input share follows from them."""
        from planner.bridge.shapes import preset_figures, shape_input_share

        if self.request_preset:
            figures = preset_figures(self.request_preset)
            if figures is None:
                errors["request_preset"] = "Choose one of the presets, or give your own figures."
                return
            given = (self.input_tokens_per_request, self.output_tokens_per_request)
            if given == (None, None):
                self.input_tokens_per_request, self.output_tokens_per_request = figures
            elif given != figures:
                errors["request_preset"] = (
                    f"The preset is {figures[0]:,} input and {figures[1]:,} output tokens a "
                    "request: give the preset or your own figures."
                )
                return
        pair = (self.input_tokens_per_request, self.output_tokens_per_request)
        if (pair[0] is None) != (pair[1] is None):
            field = "output" if pair[1] is None else "input"
            errors[f"{field}_tokens_per_request"] = (
                "Give both input and output tokens per request, or neither."
            )
        elif pair[0] is not None and pair[1] is not None:
            self.input_share = shape_input_share(pair[0], pair[1])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if (self.tokens_per_day is None) == (self.tokens_per_month is None):
            errors["tokens_per_month"] = "Give tokens per day or tokens per month, not both."
        elif self.tokens_per_month is not None and self.tokens_per_month > MAX_TOKENS_PER_MONTH:
            errors["tokens_per_month"] = f"Must be at most {MAX_TOKENS_PER_MONTH:,} tokens a month."
        elif (
            self.tokens_per_day is not None
            and self.days_per_month is not None
            and self.tokens_per_day * Decimal(self.days_per_month) > MAX_TOKENS_PER_MONTH
        ):
            errors["tokens_per_day"] = (
                f"Must be at most {MAX_TOKENS_PER_MONTH:,} tokens a month "
                f"({int(MAX_TOKENS_PER_MONTH / Decimal(self.days_per_month)):,} a day "
                f"at {self.days_per_month} days a month)."
            )
        errors.update(self._quality_errors())
        self._clean_request_shape(errors)
        rates = self.task_success_rates
        if not isinstance(rates, dict):
            errors["task_success_rates"] = "Must map model names to success rates."
        elif len(rates) > MAX_SUCCESS_RATES:
            errors["task_success_rates"] = (
                f"Give at most {MAX_SUCCESS_RATES} models ({len(rates):,} were given)."
            )
        elif any(len(name) > MAX_MODEL_NAME_LENGTH for name in rates):
            errors["task_success_rates"] = (
                f"A model name may be at most {MAX_MODEL_NAME_LENGTH} characters."
            )
        else:
            for model_name, rate in rates.items():
                if (
                    not isinstance(rate, int | float)
                    or isinstance(rate, bool)
                    or not 0 <= rate <= 1
                ):
                    errors["task_success_rates"] = (
                        f"{model_name}: success rate must be between 0 and 1."
                    )
        errors.update(self._api_traffic_errors())
        if errors:
            raise ValidationError(errors)

    def _api_traffic_errors(self) -> dict[str, str]:
        """The shape of ``long_context_shares`` here; the engine's rules for the shares
        (sums, order) through the bridge, each error under the field it names."""
        points = self.long_context_shares
        if not isinstance(points, list):
            return {"long_context_shares": "Must be a list of {above_tokens, share}."}
        if len(points) > MAX_LONG_CONTEXT_POINTS:
            return {"long_context_shares": f"Give at most {MAX_LONG_CONTEXT_POINTS} input lengths."}
        for point in points:
            if (
                not isinstance(point, dict)
                or set(point) != {"above_tokens", "share"}
                or not isinstance(point["above_tokens"], int)
                or isinstance(point["above_tokens"], bool)
                or not isinstance(point["share"], int | float)
                or isinstance(point["share"], bool)
            ):
                return {
                    "long_context_shares": "Each entry is {above_tokens: a whole number of "
                    "tokens, share: a number between 0 and 1}."
                }
        shares = ("cached_share", "cache_write_share", "batch_share", "priority_share")
        if any(getattr(self, name) is None for name in (*shares, "flex_share")):
            return {}  # the field's own check names it
        from planner.bridge.composition import api_traffic_error

        found = api_traffic_error(self)
        return {} if found is None else {found[0]: found[1]}

    def _quality_errors(self) -> dict[str, str]:
        """The quality floor names a reference model and a share in (0, 1], or neither."""
        reference = (self.quality_reference_model or "").strip()
        share = self.quality_min_share
        if share is not None and not reference:
            return {"quality_reference_model": "Name the model whose score sets the floor."}
        if reference and share is None:
            return {
                "quality_min_share": f"Give the share of {reference}'s score required "
                "(e.g. 0.9 for 90%)."
            }
        if share is not None and not 0 < share <= 1:
            return {"quality_min_share": "Must be greater than 0 and at most 1 (0.9 for 90%)."}
        return {}
