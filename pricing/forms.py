"""Forms of the catalog pages. Thin: shape and basic checks; services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from formatting.numbers import format_price
from pricing.benchmarks import MAX_BYTES
from pricing.models import BenchmarkFormat, Precision


class BenchmarkUploadForm(forms.Form):
    file = forms.FileField(
        label="Benchmark result file",
        help_text="The JSON that vLLM's benchmark_serving.py --save-result (vllm bench serve) "
        "writes, or GuideLLM's report (benchmarks.json), up to 50 MB.",
    )
    source_format = forms.ChoiceField(
        choices=BenchmarkFormat.choices, initial=BenchmarkFormat.VLLM_SERVING, label="Format"
    )
    model_name = forms.CharField(max_length=120, label="Model served")
    gpu_sku = forms.CharField(max_length=120, label="GPU", help_text="e.g. H100 80GB.")
    gpu_count = forms.IntegerField(min_value=1, max_value=1024, label="GPUs per replica")
    precision = forms.ChoiceField(choices=Precision.choices, initial=Precision.FP16)
    engine = forms.CharField(max_length=60, initial="vLLM")
    name = forms.CharField(
        max_length=200, required=False, help_text="Empty: model, GPU, concurrency and date."
    )
    benchmark = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=10_000,
        label="Run in the report",
        help_text="A GuideLLM report with several runs: which one (1 = the first).",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("The file is larger than 50 MB.")
        return upload


# --- private prices ----------------------------------------------------------------------
# Plain fields: a number is parsed here, and every rule (not negative, at most six decimal
# places, below 10^12, required by kind) is checked by the service, by the importer's rules,
# so the pages, the admin and an imported catalog agree. (A unit-aware money field belongs
# to the plan form's work; these take a plain decimal in the catalog version's currency.)


class _PriceField(forms.DecimalField):
    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(required=False, label=label, **kwargs)


class _PrivatePriceForm(forms.Form):
    """What both private price forms share: notes, the offers of the version, the labels."""

    notes = forms.CharField(
        max_length=200, required=False, help_text="e.g. the contract and its end date."
    )
    price_help: dict[str, str] = {}

    def __init__(
        self,
        *args: Any,
        currency: str,
        offers: Any = None,
        fields: tuple[str, ...] | None = None,
        base: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notes"] = self.fields.pop("notes")  # declared here, shown last
        _limit_and_label(self, currency=currency, offers=offers, fields=fields)
        for name, text in self.price_help.items():
            if name in self.fields:
                self.fields[name].help_text = text
        _catalog_prices(self, base)


class PrivateApiPriceForm(_PrivatePriceForm):
    """A private API price: an override of a catalog offer, or an offer of its own."""

    replaces = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Catalog offer",
        empty_label="None: a private offer not in the catalog",
        help_text="The catalog offer your contract re-prices. Its empty prices stay the catalog's.",
    )
    model_name = forms.CharField(
        max_length=120, required=False, label="Model", help_text="A private offer's model."
    )
    provider = forms.CharField(max_length=120, required=False)
    input_per_mtok = _PriceField("Input price per 1M tokens")
    output_per_mtok = _PriceField("Output price per 1M tokens")
    cached_input_per_mtok = _PriceField("Cached input price per 1M tokens")

    price_help = {
        "output_per_mtok": "A private offer needs it; an override may leave it empty.",
        "input_per_mtok": "Empty on a private offer: it publishes an output price only.",
    }


class PrivateGpuPriceForm(_PrivatePriceForm):
    """A private GPU price: an override of a catalog GPU offer, or an offer of its own."""

    replaces = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Catalog GPU offer",
        empty_label="None: a private GPU offer not in the catalog",
        help_text="The catalog offer your contract re-prices. An empty price stays the catalog's.",
    )
    sku = forms.CharField(max_length=120, required=False, label="GPU", help_text="e.g. H100 80GB.")
    gpu_count = forms.IntegerField(required=False, label="GPUs per offer")
    vram_per_gpu_gb = forms.DecimalField(required=False, label="VRAM per GPU (GB)")
    hourly = _PriceField("Price per hour")
    monthly = _PriceField("Price per month")

    price_help = {
        "hourly": "The whole offer's price per hour.",
        "monthly": "A monthly commitment price, if any.",
    }


def _limit_and_label(
    form: forms.Form, *, currency: str, offers: Any, fields: tuple[str, ...] | None
) -> None:
    """Keep only ``fields`` (an edit changes what its kind of row allows), give the offer
    choices (adding only), and name the currency on every price."""
    if offers is None:
        form.fields.pop("replaces")
    else:
        form.fields["replaces"].queryset = offers  # type: ignore[attr-defined]
    if fields is not None:
        for name in list(form.fields):
            if name not in fields:
                form.fields.pop(name)
    for field in form.fields.values():
        if isinstance(field, _PriceField):
            field.label = f"{field.label} ({currency})"


def _catalog_prices(form: forms.Form, base: Any) -> None:
    """On an override of ``base`` (a catalog offer), each price says what empty means."""
    if base is None:
        return
    catalog: dict[str, Any] = {
        name: getattr(base, name, None)
        for name in ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok")
    }
    if hasattr(base, "hourly_range"):
        catalog = {"hourly": base.hourly_range, "monthly": base.monthly_range}
    for name, value in catalog.items():
        if name in form.fields:
            amount = getattr(value, "expected", value)
            form.fields[name].help_text = (
                "The catalog has none."
                if amount is None
                else f"Empty: the catalog's {format_price(amount)}."
            )
