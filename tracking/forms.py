"""Forms for tracking pages: parse input only; services validate and save."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from planner.models import Workload
from tracking.models import DateOrder, ImportFormat, RoutingDimension
from tracking.usage.parser import MAX_BYTES


class AssumptionsForm(forms.Form):
    api_price_decline_per_year = forms.DecimalField(
        label="API price fall a year",
        min_value=0,
        max_value=Decimal("0.99"),
        decimal_places=4,
        initial=0,
        help_text="Expected fall of API prices a year, e.g. 0.2 for 20%.",
    )
    gpu_price_decline_per_year = forms.DecimalField(
        label="GPU price fall a year",
        min_value=0,
        max_value=Decimal("0.99"),
        decimal_places=4,
        initial=0,
        help_text="Expected fall of GPU rental prices a year.",
    )
    migration_weeks = forms.DecimalField(
        label="Migration effort (weeks)",
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
    file = forms.FileField(help_text="CSV, UTF-8, up to 1 GB.")
    date_order = forms.ChoiceField(
        choices=DateOrder.choices,
        initial=DateOrder.AUTO,
        required=False,
        label="Spreadsheet dates",
        help_text="How a date such as 03/04/2026 is read. ISO dates are never ambiguous.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("The file is larger than 1 GB.")
        return upload

    def clean_date_order(self) -> str:
        return self.cleaned_data.get("date_order") or DateOrder.AUTO


class OrgUsageImportForm(UsageImportForm):
    workload = forms.ModelChoiceField(
        queryset=Workload.objects.none(),
        required=False,
        empty_label="None: leave them out (counted in the report)",
        label="Rows no rule claims go to",
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workload"].queryset = Workload.objects.for_org(organization)


class RoutingRuleForm(forms.Form):
    dimension = forms.ChoiceField(choices=RoutingDimension.choices, label="When the row's")
    value = forms.CharField(max_length=200, label="is")
    workload = forms.ModelChoiceField(queryset=Workload.objects.none(), label="it goes to")

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workload"].queryset = Workload.objects.for_org(organization)
