"""Forms for tracking pages: parse input only; services validate and save."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from planner.models import Workload
from tracking.importers import MAX_BYTES
from tracking.models import ImportFormat


class AssumptionsForm(forms.Form):
    api_price_decline_per_year = forms.DecimalField(
        min_value=0,
        max_value=Decimal("0.99"),
        decimal_places=4,
        initial=0,
        help_text="Expected fall of API prices a year, e.g. 0.2 for 20%.",
    )
    gpu_price_decline_per_year = forms.DecimalField(
        min_value=0,
        max_value=Decimal("0.99"),
        decimal_places=4,
        initial=0,
        help_text="Expected fall of GPU rental prices a year.",
    )
    migration_weeks = forms.DecimalField(
        min_value=0,
        max_value=520,
        decimal_places=1,
        initial=0,
        help_text="One-off engineering weeks to move to self-hosting (40 h a week).",
    )


class BudgetForm(forms.Form):
    workload = forms.ModelChoiceField(
        queryset=Workload.objects.none(),
        required=False,
        empty_label="Whole organization",
        help_text="Empty: the organization's budget, used by plans whose workload has none.",
    )
    monthly_amount = forms.DecimalField(min_value=0, max_digits=16, decimal_places=2)
    currency = forms.CharField(max_length=3, min_length=3)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workload"].queryset = Workload.objects.for_org(organization)
        self.fields["currency"].initial = organization.currency


class CurrencyForm(forms.Form):
    currency = forms.CharField(max_length=3, min_length=3, help_text="ISO 4217 code, e.g. EUR.")


class WebhookForm(forms.Form):
    url = forms.URLField(max_length=500, assume_scheme="https", label="Webhook URL")


class UsageImportForm(forms.Form):
    file_format = forms.ChoiceField(choices=ImportFormat.choices, label="Format")
    file = forms.FileField(help_text="CSV, UTF-8, up to 20 MB.")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB.")
        return upload
