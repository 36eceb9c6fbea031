"""Forms parse and check input; the services validate again and save."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from formatting import format_money, format_rate
from planner.fields import PercentField, QuantityField, name_the_bounds
from planner.models import Plan, Workload
from planner.models.plans import BillingMode, InstallationPolicy, PlanOption, Precision, RentMode
from planner.models.workloads import MAX_TOKENS_PER_MONTH

VOLUME_UNITS = (("day", "tokens per day"), ("month", "tokens per month"))
LENS_CHOICES = (
    ("full", "Full TCO"),
    (
        "marginal",
        "Marginal (leaves out depreciation, capital, installation, staff, implementation)",
    ),
)


def _optional_amount(label: str) -> forms.DecimalField:
    """An optional figure >= 0 with two decimals, shown as 0 (empty: the model default)."""
    return forms.DecimalField(
        required=False, min_value=0, decimal_places=2, initial=Decimal(0), label=label
    )


def _optional_share(model: Any, name: str, label: str, *, help_text: str) -> PercentField:
    """An optional share of a model column, typed in percent, shown as 0."""
    return PercentField.for_model(
        model, name, required=False, initial=Decimal(0), label=label, help_text=help_text
    )


def _percent(model: Any, name: str, label: str, **kwargs: Any) -> PercentField:
    """A model's share column typed in percent (70 for 0.7), with the column's bounds."""
    return PercentField.for_model(model, name, label=label, **kwargs)


def _money_labels(form: forms.BaseForm, names: tuple[str, ...], currency: str) -> None:
    """Money fields say the currency they are entered in."""
    for name in names:
        field = form.fields[name]
        field.label = f"{str(field.label).removesuffix(' (USD)')} ({currency})"


class WorkloadForm(forms.ModelForm):
    volume = QuantityField(
        min_value=0,
        max_value=MAX_TOKENS_PER_MONTH,
        unit="tokens a month",
        label="Volume",
        help_text="Tokens (input + output): 50000000, 2,000,000, 50M or 1.5B.",
    )
    volume_unit = forms.ChoiceField(choices=VOLUME_UNITS, initial="day", label="per")
    success_rates = forms.CharField(
        required=False,
        label="Task success rates",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One model per line, e.g. <code>GPT-5: 0.95</code>. Leave empty if unknown.",
    )
    # How the API tokens are bought: optional, empty is none (the offers' standard prices).
    input_share = _percent(
        Workload,
        "input_share",
        "Input share (%)",
        help_text="Percent of tokens that are input, e.g. 70; with a request shape: "
        "input / (input + output).",
    )
    cached_share = _percent(
        Workload,
        "cached_share",
        "Cached share (%)",
        help_text="Percent of input tokens read from the provider's cache.",
    )
    growth_per_month = _percent(
        Workload,
        "growth_per_month",
        "Growth a month (%)",
        help_text="Monthly volume growth, e.g. 5.",
    )
    availability_target = _percent(
        Workload,
        "availability_target",
        "Availability target (%)",
        required=False,
        help_text="e.g. 99.9",
    )
    quality_min_share = _percent(
        Workload,
        "quality_min_share",
        "Quality: at least this share of its score (%)",
        required=False,
        help_text="e.g. 90 for 90% of the reference model's score.",
    )
    cache_write_share = _optional_share(
        Workload,
        "cache_write_share",
        "Cache-write share (%)",
        help_text="Percent of input tokens written to the provider's cache (priced at the "
        "offer's cache-write price; cached + written at most 100%).",
    )
    batch_share = _optional_share(
        Workload,
        "batch_share",
        "Batch share (%)",
        help_text="Percent of tokens sent through a batch API (e.g. half price).",
    )
    priority_share = _optional_share(
        Workload,
        "priority_share",
        "Priority share (%)",
        help_text="Percent of tokens bought on a priority tier.",
    )
    flex_share = _optional_share(
        Workload,
        "flex_share",
        "Flex share (%)",
        help_text="Percent of tokens bought on a flex tier.",
    )
    long_context = forms.CharField(
        required=False,
        label="Long requests",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One input length per line with the share of tokens in requests whose "
        "input exceeds it, e.g. <code>200k: 0.25</code>. An offer dearer above 200K input "
        "tokens prices that share at its long-context rate. Leave empty if none.",
    )

    request_preset = forms.ChoiceField(
        required=False,
        label="Request shape",
        help_text="A typical shape fills the two figures below; or give your own. With a "
        "shape the input share follows from it, costs are also shown per request and "
        "self-hosted capacity and latency follow from it.",
    )

    class Meta:
        model = Workload
        fields = [
            "name",
            "description",
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
            "cache_write_share",
            "batch_share",
            "priority_share",
            "flex_share",
            "quality_reference_model",
            "quality_min_share",
        ]
        labels = {
            "latency_p99_target_s": "p99 latency target, end to end (s)",
            "ttft_p99_target_s": "p99 time to first token target (s)",
            "tpot_p99_target_s": "p99 time per output token target (s)",
            "input_tokens_per_request": "Input tokens per request",
            "output_tokens_per_request": "Output tokens per request",
            "data_must_stay_in_network": "Data may not leave our network (VPC)",
            "needs_finetuning": "Needs deep fine-tuning",
            "has_mlops_team": "We have a dedicated MLOps team",
            "has_idle_gpu_fleet": "We have an idle GPU fleet",
            "engineer_hourly_rate": "Engineer hourly rate (USD)",
            "downtime_cost_per_hour": "Downtime cost per hour (USD)",
            "quality_reference_model": "Quality: reference model",
        }
        help_texts = {
            "quality_reference_model": "A model with a published benchmark score in the "
            "plan's catalog, e.g. Llama 4 Maverick. Options known to score lower than the "
            "share below are excluded; options without a score are flagged.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    field_order = ["name", "description", "volume", "volume_unit"]

    MONEY_FIELDS = ("engineer_hourly_rate", "downtime_cost_per_hour")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from planner.bridge.shapes import preset_choices

        self.fields["request_preset"].choices = [("", "Your own figures"), *preset_choices()]
        name_the_bounds(self, Workload)
        workload = self.instance
        organization = workload.organization if workload.organization_id else None
        _money_labels(self, self.MONEY_FIELDS, getattr(organization, "currency", None) or "USD")
        if workload.pk and not self.is_bound:
            if workload.tokens_per_month is not None:
                self.initial["volume"], self.initial["volume_unit"] = (
                    workload.tokens_per_month,
                    "month",
                )
            else:
                self.initial["volume"], self.initial["volume_unit"] = (
                    workload.tokens_per_day,
                    "day",
                )
            self.initial["success_rates"] = "\n".join(
                f"{name}: {rate}" for name, rate in (workload.task_success_rates or {}).items()
            )
            self.initial["long_context"] = "\n".join(
                f"{p['above_tokens']}: {p['share']}" for p in workload.long_context_shares or []
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # A preset chosen here fills the figures the user did not change (editing a
        # workload shows the old figures); figures changed by hand must match it.
        from planner.bridge.shapes import preset_figures

        figures = preset_figures(data.get("request_preset") or "")
        fields = ("input_tokens_per_request", "output_tokens_per_request")
        if figures is not None and not any(name in self.changed_data for name in fields):
            data.update(zip(fields, figures, strict=True))
        return data

    def clean_success_rates(self) -> dict[str, float]:
        rates: dict[str, float] = {}
        for number, line in enumerate(self.cleaned_data["success_rates"].splitlines(), 1):
            if not line.strip():
                continue
            name, sep, value = line.rpartition(":")
            try:
                rate = float(value)
            except ValueError:
                rate = -1.0
            if not sep or not name.strip() or not 0 <= rate <= 1:
                raise ValidationError(
                    f"Line {number}: write 'model: rate' with a rate between 0 and 1."
                )
            rates[name.strip()] = rate
        return rates

    def _share_or_none(self, name: str) -> Decimal:
        value = self.cleaned_data.get(name)
        return Decimal(0) if value is None else value

    def clean_cache_write_share(self) -> Decimal:
        return self._share_or_none("cache_write_share")

    def clean_batch_share(self) -> Decimal:
        return self._share_or_none("batch_share")

    def clean_priority_share(self) -> Decimal:
        return self._share_or_none("priority_share")

    def clean_flex_share(self) -> Decimal:
        return self._share_or_none("flex_share")

    def clean_long_context(self) -> list[dict[str, Any]]:
        """``length: share`` lines (``200k`` = 200,000 tokens), lengths in the order
        written; the model checks the order and the shares."""
        points: list[dict[str, Any]] = []
        for number, line in enumerate(self.cleaned_data["long_context"].splitlines(), 1):
            if not line.strip():
                continue
            length, sep, value = line.partition(":")
            text = length.strip().lower().replace(",", "").replace("_", "")
            scale = 1000 if text.endswith("k") else 1
            try:
                above = int(text.removesuffix("k")) * scale
                share = float(value)
            except ValueError:
                above, share = 0, -1.0
            if not sep or above <= 0 or not 0 <= share <= 1:
                raise ValidationError(
                    f"Line {number}: write 'input tokens: share', e.g. 200k: 0.25, with a "
                    "share between 0 and 1."
                )
            points.append({"above_tokens": above, "share": share})
        return points

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments for workload_create / workload_update."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        per_day = self.cleaned_data["volume_unit"] == "day"
        data["tokens_per_day"] = self.cleaned_data["volume"] if per_day else None
        data["tokens_per_month"] = None if per_day else self.cleaned_data["volume"]
        data["task_success_rates"] = self.cleaned_data["success_rates"]
        data["long_context_shares"] = self.cleaned_data["long_context"]
        return data

    # The model's errors on fields this form shows under another name.
    MODEL_FIELDS_SHOWN_AS = {
        "tokens_per_day": "volume",
        "tokens_per_month": "volume",
        "task_success_rates": "success_rates",
        "long_context_shares": "long_context",
    }

    def _update_errors(self, errors: ValidationError) -> None:
        if hasattr(errors, "error_dict"):
            for model_field, form_field in self.MODEL_FIELDS_SHOWN_AS.items():
                if model_field in errors.error_dict:
                    moved = errors.error_dict.pop(model_field)
                    errors.error_dict.setdefault(form_field, []).extend(moved)
        super()._update_errors(errors)

    def _post_clean(self) -> None:
        # The model's validators (shares in [0, 1]...) run on the instance: give it the
        # volume first, so the one-volume rule does not fire on the split fields.
        data = self.cleaned_data
        volume = data.get("volume")
        per_day = data.get("volume_unit") == "day"
        self.instance.tokens_per_day = volume if per_day and volume is not None else None
        self.instance.tokens_per_month = (
            None if per_day and volume is not None else (volume if volume is not None else 0)
        )
        if "success_rates" in data:
            self.instance.task_success_rates = data["success_rates"]
        if "long_context" in data:
            self.instance.long_context_shares = data["long_context"]
        super()._post_clean()


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.catalog.name} v{obj.number} ({obj.effective_date:%Y-%m-%d})"


class PricedChoiceMixin:
    """Choices labelled with prices in the catalog version's currency (set by the form)."""

    currency = "USD"

    def rate(self, value: Any, obj: Any = None) -> str:
        return format_rate(value, getattr(obj, "currency", "") or self.currency)

    def money(self, value: Any) -> str:
        return format_money(value, self.currency)


class ApiOfferChoiceField(PricedChoiceMixin, forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        prices = (
            f"{self.rate(obj.output_per_mtok, obj)}/M all tokens"
            if obj.input_per_mtok is None
            else f"{self.rate(obj.input_per_mtok, obj)} in / "
            f"{self.rate(obj.output_per_mtok, obj)} out per M"
        )
        return f"{obj} — {prices}"


class SingleApiOfferField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class GpuOfferField(PricedChoiceMixin, forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        hourly = obj.hourly_range
        price = (
            f"{self.rate(hourly.low)}/h"
            if hourly.low == hourly.high
            else f"{self.rate(hourly.low)}\u2013{self.rate(hourly.high)}/h"
        )
        return f"{obj.gpu_count}× {obj.sku} · {obj.source.key} — {price}"  # noqa: RUF001


class PrivateApiOfferField(PricedChoiceMixin, forms.ModelMultipleChoiceField):
    """The organization's own API offers on the plan's catalog version (its overlay's
    rows that replace no catalog offer: an override already applies to its offer)."""

    def label_from_instance(self, obj: Any) -> str:
        prices = (
            f"{self.rate(obj.output_per_mtok)}/M all tokens"
            if obj.input_per_mtok is None
            else f"{self.rate(obj.input_per_mtok)} in / {self.rate(obj.output_per_mtok)} out per M"
        )
        provider = f" ({obj.provider})" if obj.provider else ""
        return f"{obj.model_name}{provider} · {obj.offer_key} — {prices} (your price)"


class PrivateGpuOfferField(PricedChoiceMixin, forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return (
            f"{obj.gpu_count}× {obj.sku} · {obj.offer_key} — {self.rate(obj.hourly)}/h "  # noqa: RUF001
            "(your price)"
        )


def private_rows(model: Any, *, organization: Any, version: Any) -> Any:
    """The organization's private offers (``model``: OverlayApiOffer or OverlayGpuOffer)
    on ``version``; none without an organization. Never another organization's."""
    if organization is None:
        return model.objects.none()
    return model.objects.filter(
        overlay__organization=organization, overlay__base_version=version, replaces__isnull=True
    ).order_by("pk")


class HiddenCostField(PricedChoiceMixin, forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return (
            f"{obj.item} ({self.money(obj.monthly_low)}\u2013{self.money(obj.monthly_high)}/month)"
        )


class PlanForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    workload = forms.ModelChoiceField(queryset=Workload.objects.none())
    api_offers = ApiOfferChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="API offers to compare",
    )
    private_api_offers = PrivateApiOfferField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Your private API offers",
        help_text="Offers your organization entered under Private prices for this catalog version.",
    )
    use_overlay = forms.BooleanField(
        required=False, initial=True, label="Apply our private prices (if any)"
    )
    lens = forms.ChoiceField(
        choices=LENS_CHOICES,
        required=False,
        initial="full",
        label="Cost lens",
        help_text="Full TCO counts everything; marginal leaves out depreciation, capital, "
        "installation, staff and implementation.",
    )
    analysis_months = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=240,
        initial=36,
        label="Analysis period (months)",
        help_text="Ownership and one-off costs are spread over it. Empty: 36.",
    )

    def clean_lens(self) -> str:
        return self.cleaned_data.get("lens") or "full"

    def clean_analysis_months(self) -> int:
        months = self.cleaned_data.get("analysis_months")
        return 36 if months is None else months

    hybrid_premium = SingleApiOfferField(
        queryset=None, required=False, label="Hybrid: premium API for the rest"
    )
    hybrid_cheap = forms.ChoiceField(required=False, label="Hybrid: cheap route")
    hybrid_share = _percent(
        PlanOption,
        "routed_share",
        "Hybrid: share routed to the cheap route (%)",
        required=False,
        help_text="e.g. 70",
    )
    hybrid_escalation = _optional_share(
        PlanOption,
        "escalation_rate",
        "Hybrid: escalation rate (%)",
        help_text="Percent of cheap-routed requests re-sent to the premium API.",
    )

    def __init__(self, *args: Any, organization: Any, version: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from pricing.models import ApiOffer

        name_the_bounds(self, Plan)
        offers = ApiOffer.objects.filter(version=version).select_related("source")
        self.fields["workload"].queryset = Workload.objects.for_org(organization)
        self.fields["api_offers"].queryset = offers
        self.fields["api_offers"].currency = version.currency
        self.fields["hybrid_premium"].queryset = offers
        self._offers = offers
        from pricing.models import OverlayApiOffer

        self.fields["private_api_offers"].queryset = private_rows(
            OverlayApiOffer, organization=organization, version=version
        )
        self.fields["private_api_offers"].currency = version.currency
        self.has_private_api_offers = self.fields["private_api_offers"].queryset.exists()
        self.set_selfhost_count(SelfHostFormSet.extra)

    def set_selfhost_count(self, count: int) -> None:
        """The hybrid's cheap route may be any of the ``count`` self-host options."""
        self.fields["hybrid_cheap"].choices = [
            ("", "— no hybrid option —"),
            *((f"selfhost:{n}", f"Self-host option {n + 1}") for n in range(count)),
            *((f"api:{o.pk}", f"API: {o}") for o in self._offers),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        cheap, premium = data.get("hybrid_cheap"), data.get("hybrid_premium")
        if cheap or premium:
            if not premium:
                self.add_error("hybrid_premium", "Choose the premium API of the hybrid option.")
            if not cheap:
                self.add_error("hybrid_cheap", "Choose the cheap route of the hybrid option.")
            if data.get("hybrid_share") is None:
                self.add_error("hybrid_share", "Give the share routed to the cheap route.")
        return data


class SelfHostForm(forms.Form):
    model_name = forms.CharField(max_length=120, required=False, label="Model")
    params_b = forms.DecimalField(
        required=False, min_value=0, label="Parameters (B)", help_text="Empty: from the catalog."
    )
    rent_mode = forms.ChoiceField(choices=RentMode.choices, initial=RentMode.ON_DEMAND)
    gpu_offer = GpuOfferField(queryset=None, required=False, label="GPU offer")
    private_gpu_offer = PrivateGpuOfferField(
        queryset=None,
        required=False,
        label="…or your private GPU offer",
        help_text="A GPU price your organization entered under Private prices.",
    )
    owned_hardware = forms.ModelChoiceField(
        queryset=None, required=False, label="Owned hardware (when you own it)"
    )
    gpu_count = forms.IntegerField(
        required=False, min_value=1, label="GPUs per replica", help_text="Empty: the offer's."
    )
    precision = forms.ChoiceField(choices=Precision.choices, initial=Precision.FP16)
    context_tokens = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=10_000_000,
        label="Context per request (tokens)",
        help_text="Input + output a request holds in the KV cache. Empty: the workload's "
        "request shape, else 4,096.",
    )
    concurrent_sequences = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=4096,
        label="Requests a replica serves at once",
        help_text="Sizes the KV cache; also the concurrency your throughput figures were "
        "measured at. Empty: the profile's highest measured, else 16.",
    )
    billing_mode = forms.ChoiceField(choices=BillingMode.choices, initial=BillingMode.ALWAYS_ON)
    window_hours = forms.DecimalField(
        required=False, min_value=1, max_value=744, label="Window hours a month"
    )
    tokens_per_second = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        label="Throughput (output tok/s)",
        help_text="Empty: the best matching catalog profile.",
    )
    private_throughput_profile = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="…or your own benchmark",
        help_text="A benchmark your organization imported (Catalogs, Your benchmarks): its "
        "output tok/s is the replica's throughput.",
    )
    utilization = _percent(
        PlanOption,
        "utilization",
        "Planned utilization (%)",
        required=True,
        help_text="Percent of measured throughput a replica is planned to carry (e.g. 90); "
        "the peak-to-average ratio then adds replicas for the peak hour.",
    )
    hidden_costs = HiddenCostField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Hidden costs (itemized, low-high)",
    )
    hidden_multiplier = forms.DecimalField(
        required=False, min_value=1, max_value=10, label="…or a multiplier on the GPU bill"
    )
    labor_hours_per_month = forms.DecimalField(
        min_value=0, initial=Decimal(0), label="Engineer hours a month"
    )
    other_monthly = forms.DecimalField(
        min_value=0, initial=Decimal(0), label="Other fixed monthly costs (USD)"
    )
    grid_region = forms.ChoiceField(
        required=False,
        label="Grid region (energy and carbon)",
        help_text="Empty: the GPU offer's region if the catalog has its grid, else the "
        "world average.",
    )

    # Engine depth (issue 10): packing, reserve, and the "Ownership finance" group.
    gpus_per_instance = forms.IntegerField(
        required=False,
        min_value=1,
        label="GPUs per rented instance",
        help_text="Empty: the GPU offer's own count.",
    )
    allow_multi_instance = forms.BooleanField(
        required=False, label="A replica may span several instances or servers"
    )
    billing_buffer = _percent(
        PlanOption,
        "billing_buffer",
        "Scale-to-zero buffer (%)",
        required=False,
        help_text="Extra percent of busy hours billed (e.g. 20).",
    )
    replica_availability = _percent(
        PlanOption,
        "replica_availability",
        "Availability of one replica (%)",
        required=False,
        help_text="Empty: the catalog's single-region figure.",
    )
    region_availability = _percent(
        PlanOption,
        "region_availability",
        "Availability of one region (%)",
        required=False,
        help_text="",
    )
    server_price = forms.DecimalField(
        required=False,
        min_value=0,
        decimal_places=2,
        label="Server price (USD)",
        help_text="Empty: the hardware's catalog price.",
    )
    gpus_per_server = forms.IntegerField(
        required=False, min_value=1, label="GPUs per server", help_text="Empty: from the name."
    )
    installation_per_server = _optional_amount("Installation per server (USD)")
    installation_policy = forms.ChoiceField(
        required=False,
        choices=InstallationPolicy.choices,
        initial=InstallationPolicy.CAPITALISED,
        label="Installation",
        help_text="Capitalised: in the servers' book value, depreciated over the useful life "
        "and inside the cost of capital. Expensed: charged in full at every purchase.",
    )
    useful_life_years = forms.DecimalField(
        required=False,
        min_value=Decimal("0.25"),
        max_value=30,
        decimal_places=2,
        label="Useful life (years)",
        help_text="Empty: the hardware's catalog life.",
    )
    residual_value = _optional_share(
        PlanOption,
        "residual_value",
        "Residual value (%)",
        help_text="Percent of the price left at the end of the life (e.g. 10).",
    )
    cost_of_capital = _optional_share(
        PlanOption,
        "cost_of_capital",
        "Cost of capital a year (%)",
        help_text="On the average book value (e.g. 8).",
    )
    maintenance_per_year = _percent(
        PlanOption,
        "maintenance_per_year",
        "Maintenance a year (%)",
        required=False,
        help_text="Percent of the acquisition (e.g. 5). Empty: the catalog's figure.",
    )
    server_base_watts = forms.DecimalField(
        required=False,
        min_value=0,
        decimal_places=2,
        label="Server base power (W)",
        help_text="Drawn whatever the load. Empty: the hardware's catalog figure.",
    )
    gpu_tdp_watts = forms.DecimalField(
        required=False,
        min_value=0,
        decimal_places=2,
        label="GPU TDP (W)",
        help_text="Empty: the hardware's power less its base, over its GPUs.",
    )
    gpu_load = _percent(
        PlanOption,
        "gpu_load",
        "GPU load (%)",
        required=False,
        help_text="Average percent of the GPUs' full power drawn. Empty: the hours the "
        "workload's tokens take at the measured throughput.",
    )
    pue = forms.DecimalField(
        required=False, min_value=1, max_value=5, decimal_places=2, label="PUE"
    )
    usd_per_kwh = forms.DecimalField(
        required=False, min_value=0, decimal_places=4, label="Electricity (USD/kWh)"
    )
    facilities_per_server_monthly = forms.DecimalField(
        required=False,
        min_value=0,
        decimal_places=2,
        label="Facilities per server a month",
        help_text="Space, cooling, power delivery. Empty: the catalog's figure per kW of the "
        "server's power.",
    )
    facilities_shared_monthly = _optional_amount("Shared facilities a month")
    ops_fte = _optional_amount("Operations staff (FTE)")
    ops_fte_monthly_cost = _optional_amount("Loaded cost per FTE a month")
    implementation_one_off = _optional_amount("Implementation, one-off (USD)")

    # Serving figures measured for this option (issue 15).
    prefill_tokens_per_second = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        decimal_places=2,
        label="Prefill (input tok/s)",
        help_text="Input tokens a replica prefills a second, at the requests it serves at "
        "once. Empty: the profile's, if any; else input counts at the output rate.",
    )
    ttft_p99_s = forms.DecimalField(
        required=False,
        min_value=Decimal("0.0001"),
        decimal_places=4,
        label="Measured p99 time to first token (s)",
        help_text="With your throughput above.",
    )
    tpot_p99_s = forms.DecimalField(
        required=False,
        min_value=Decimal("0.0001"),
        decimal_places=4,
        label="Measured p99 time per output token (s)",
        help_text="With your throughput above.",
    )
    p99_latency_s = forms.DecimalField(
        required=False,
        min_value=0,
        decimal_places=3,
        label="Measured p99 end to end (s)",
        help_text="Empty: estimated for the workload's request shape, else the catalog's.",
    )

    SERVING_FIELDS = (
        "prefill_tokens_per_second",
        "ttft_p99_s",
        "tpot_p99_s",
        "p99_latency_s",
    )

    DEPTH_FIELDS = (
        "gpus_per_instance",
        "allow_multi_instance",
        "billing_buffer",
        "replica_availability",
        "region_availability",
        "ops_fte",
        "ops_fte_monthly_cost",
        "implementation_one_off",
    )
    OWNED_FIELDS = PlanOption.OWNED_FINANCE_FIELDS
    MONEY_FIELDS = (
        "other_monthly",
        "server_price",
        "installation_per_server",
        "implementation_one_off",
        "facilities_shared_monthly",
        "facilities_per_server_monthly",
        "ops_fte_monthly_cost",
    )

    # The plan form shows these first; the rest folds away under "advanced_groups".
    MAIN_FIELDS = (
        "model_name",
        "params_b",
        "precision",
        "rent_mode",
        "gpu_offer",
        "private_gpu_offer",
        "owned_hardware",
        "gpu_count",
        "billing_mode",
        "window_hours",
        "tokens_per_second",
        "private_throughput_profile",
        "utilization",
        "labor_hours_per_month",
        "other_monthly",
    )
    SIZING_FIELDS = ("context_tokens", "concurrent_sequences", "grid_region")
    HIDDEN_COST_FIELDS = ("hidden_multiplier", "hidden_costs")

    def main_fields(self) -> list[Any]:
        # The private GPU choice only where the organization has private GPU offers.
        shown = [n for n in self.MAIN_FIELDS if n != "private_gpu_offer" or self.has_private_gpus]
        return [self[name] for name in shown]

    def advanced_groups(self) -> list[dict[str, Any]]:
        """The folded groups of the option: title, note, bound fields, and whether one of
        them has an error (the group then opens)."""
        groups = (
            ("Hidden costs", "itemized, or a multiplier", self.HIDDEN_COST_FIELDS),
            ("Sizing and energy", "context, concurrency, grid", self.SIZING_FIELDS),
            ("Measured serving figures", "prefill, latency", self.SERVING_FIELDS),
            ("Packing and reserve", "instances, availability, staff", self.DEPTH_FIELDS),
            ("Ownership finance", "owned hardware", self.OWNED_FIELDS),
        )
        errors = self.errors if self.is_bound else {}
        return [
            {
                "title": title,
                "note": note,
                "fields": [self[name] for name in names],
                "open": any(name in errors for name in names),
            }
            for title, note, names in groups
        ]

    def ownership_fields(self) -> list[Any]:
        """The bound fields shown in the collapsible "Ownership finance" group."""
        return [self[name] for name in self.OWNED_FIELDS]

    def depth_fields(self) -> list[Any]:
        return [self[name] for name in self.DEPTH_FIELDS]

    def serving_fields(self) -> list[Any]:
        """The bound fields of the "Measured serving figures" group."""
        return [self[name] for name in self.SERVING_FIELDS]

    def __init__(self, *args: Any, version: Any, organization: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from pricing.models import (
            GpuOffer,
            GridIntensity,
            HiddenCost,
            OwnedHardware,
            PrivateThroughputProfile,
        )

        name_the_bounds(self, PlanOption)
        _money_labels(self, self.MONEY_FIELDS, version.currency)
        profiles = PrivateThroughputProfile.objects.none()
        if organization is not None:
            profiles = PrivateThroughputProfile.objects.for_org(organization)
        self.fields["private_throughput_profile"].queryset = profiles

        self.fields["gpu_offer"].queryset = GpuOffer.objects.filter(version=version).select_related(
            "source"
        )
        self.fields["owned_hardware"].queryset = OwnedHardware.objects.filter(version=version)
        self.fields["hidden_costs"].queryset = HiddenCost.objects.filter(version=version).exclude(
            kind="gpu"
        )
        self.fields["gpu_offer"].currency = version.currency
        from pricing.models import OverlayGpuOffer

        private_gpus = private_rows(OverlayGpuOffer, organization=organization, version=version)
        self.fields["private_gpu_offer"].queryset = private_gpus
        self.fields["private_gpu_offer"].currency = version.currency
        self.has_private_gpus = private_gpus.exists()
        self.fields["hidden_costs"].currency = version.currency
        self.fields["grid_region"].choices = [
            ("", "— default —"),
            *(
                (g.region, f"{g.region} ({g.g_co2e_per_kwh.normalize():f} g CO2e/kWh, {g.year})")
                for g in GridIntensity.objects.filter(version=version)
            ),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("model_name"):
            if self.has_changed() and any(
                data.get(k)
                for k in ("gpu_offer", "private_gpu_offer", "owned_hardware", "tokens_per_second")
            ):
                self.add_error("model_name", "Name the model to self-host.")
            return data
        if data.get("rent_mode") == RentMode.OWNED:
            if not data.get("owned_hardware"):
                self.add_error("owned_hardware", "Choose the owned hardware.")
        elif not data.get("gpu_offer") and not data.get("private_gpu_offer"):
            self.add_error("gpu_offer", "Choose a GPU offer.")
        elif data.get("gpu_offer") and data.get("private_gpu_offer"):
            self.add_error("private_gpu_offer", "Choose a catalog GPU offer or yours, not both.")
        if data.get("billing_mode") == BillingMode.WINDOW and not data.get("window_hours"):
            self.add_error("window_hours", "Give the hours a month of the window.")
        for name in ("ttft_p99_s", "tpot_p99_s"):
            if data.get(name) is not None and data.get("tokens_per_second") is None:
                self.add_error(name, "Give the throughput you measured with it.")
        replica, owned = data.get("gpu_count"), data.get("rent_mode") == RentMode.OWNED
        machine_field = "gpus_per_server" if owned else "gpus_per_instance"
        machine = data.get(machine_field)
        if replica and machine and replica > machine and not data.get("allow_multi_instance"):
            self.add_error(
                machine_field,
                f"A replica needs {replica} GPUs but a machine has {machine}: "
                "allow a replica to span several machines.",
            )
        return data

    def option_data(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("model_name"):
            return None
        owned = data["rent_mode"] == RentMode.OWNED
        return {
            "kind": "selfhost",
            "model_name": data["model_name"],
            "params_b": data.get("params_b"),
            "rent_mode": data["rent_mode"],
            "gpu_offer": None if owned else data.get("gpu_offer"),
            "private_gpu_offer": None if owned else data.get("private_gpu_offer"),
            "owned_hardware": data.get("owned_hardware") if owned else None,
            "gpu_count": data.get("gpu_count"),
            "precision": data["precision"],
            "context_tokens": data.get("context_tokens"),
            "concurrent_sequences": data.get("concurrent_sequences"),
            "billing_mode": data["billing_mode"],
            "window_hours": data.get("window_hours"),
            "tokens_per_second": data.get("tokens_per_second"),
            "private_throughput_profile": data.get("private_throughput_profile"),
            "utilization": data["utilization"],
            "hidden_costs": list(data.get("hidden_costs") or []),
            "hidden_multiplier": data.get("hidden_multiplier"),
            "labor_hours_per_month": data["labor_hours_per_month"],
            "other_monthly": data["other_monthly"],
            "grid_region": data.get("grid_region") or "",
            # An empty depth field takes the model's default.
            **{name: data[name] for name in self.DEPTH_FIELDS if data.get(name) is not None},
            **{name: data.get(name) for name in self.SERVING_FIELDS},
            # Owned-server finance only applies to owned hardware; defaults otherwise.
            **{
                name: data.get(name)
                for name in self.OWNED_FIELDS
                if owned and data.get(name) not in (None, "")
            },
        }


# One empty option to start; "Add a self-host option" adds more, up to this many, and each
# can be removed (its "Remove" box) before the plan is created.
MAX_SELFHOST_OPTIONS = 16
SelfHostFormSet = forms.formset_factory(
    SelfHostForm,
    extra=1,
    max_num=MAX_SELFHOST_OPTIONS,
    absolute_max=MAX_SELFHOST_OPTIONS,
    validate_max=True,
    can_delete=True,
)


def plan_form_options(form: PlanForm, formset: Any) -> list[dict[str, Any]] | None:
    """The valid plan form and self-host formset as ``plan_create``'s options (None: an
    error was put on the form). The plan form's preview prices the same list."""
    options: list[dict[str, Any]] = [
        {"kind": "api", "api_offer": offer} for offer in form.cleaned_data["api_offers"]
    ]
    options += [
        {"kind": "api", "private_api_offer": row}
        for row in form.cleaned_data.get("private_api_offers") or []
    ]
    selfhost_index: dict[int, int] = {}
    removed = set(map(id, formset.deleted_forms))
    for n, sub in enumerate(formset.forms):
        data = sub.option_data() if sub.has_changed() and id(sub) not in removed else None
        if data is not None:
            selfhost_index[n] = len(options)
            options.append(data)
    cheap = form.cleaned_data.get("hybrid_cheap")
    if cheap:
        kind, _, ref = cheap.partition(":")
        if kind == "selfhost":
            index = selfhost_index.get(int(ref))
            if index is None:
                form.add_error(
                    "hybrid_cheap", "That self-host configuration is empty: fill it in first."
                )
                return None
        else:
            offer = form.fields["api_offers"].queryset.filter(pk=ref).first()
            if offer is None:
                form.add_error("hybrid_cheap", "Choose an offer of this catalog version.")
                return None
            index = next((i for i, o in enumerate(options) if o.get("api_offer") == offer), None)
            if index is None:
                index = len(options)
                options.append({"kind": "api", "api_offer": offer})
        options.append(
            {
                "kind": "hybrid",
                "api_offer": form.cleaned_data["hybrid_premium"],
                "cheap_ref": index,
                "routed_share": form.cleaned_data["hybrid_share"],
                "escalation_rate": form.cleaned_data.get("hybrid_escalation") or 0,
            }
        )
    if not options:
        form.add_error("api_offers", "Choose at least one API offer or self-host configuration.")
        return None
    return options


def selfhost_defaults(version: Any, organization: Any, *, prefix: str) -> dict[str, str]:
    """A new self-host option's default values as a browser would post them: a form that
    keeps them counts as unchanged (empty), so adding one and leaving it is no error."""
    form = SelfHostForm(version=version, organization=organization, prefix=prefix)
    posted: dict[str, str] = {}
    for bound in form:
        value = bound.field.prepare_value(bound.initial)
        if value is None or value is False or value == "" or value == []:
            continue
        posted[bound.html_name] = "on" if value is True else str(value)
    return posted


def hide_errors(form: forms.BaseForm, formset: forms.BaseFormSet | None = None) -> None:
    """Show a bound form as typed without validating it (a re-display, not a submission)."""
    from django.forms.utils import ErrorDict, ErrorList

    form._errors = ErrorDict()
    if formset is not None:
        formset._errors = []
        formset._non_form_errors = ErrorList()
        for sub in formset.forms:
            sub._errors = ErrorDict()


class ReevaluateForm(forms.Form):
    version = VersionChoiceField(queryset=None, label="Catalog version")

    def __init__(self, *args: Any, plan: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from pricing.models import CatalogVersion

        self.fields["version"].queryset = (
            CatalogVersion.objects.published()
            .exclude(pk=plan.catalog_version_id)
            .select_related("catalog")
        )


class PlanLensForm(forms.Form):
    """The lens switch on the plan page: lens and analysis period, then recompute."""

    lens = forms.ChoiceField(choices=LENS_CHOICES, label="Cost lens")
    analysis_months = forms.IntegerField(
        min_value=1, max_value=240, label="Analysis period (months)"
    )
