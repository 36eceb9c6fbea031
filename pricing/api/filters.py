"""Query filters of the catalog API (django-filter): each one named in the schema."""

from __future__ import annotations

import django_filters
from django import forms

from pricing.model_identity import canonical_model_id
from pricing.models import (
    ApiOffer,
    CatalogVersion,
    GpuOffer,
    HiddenCost,
    HiddenCostKind,
    OwnedHardware,
    ThroughputProfile,
    VersionStatus,
)


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (or 1/0); anything else is a 400 instead of being ignored."""

    widget = forms.TextInput  # NullBooleanSelect would turn unknown values into None

    TRUE = ("true", "True", "1", True, 1)
    FALSE = ("false", "False", "0", False, 0)

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in self.TRUE:
            return True
        if value in self.FALSE:
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class StrictFilterSet(django_filters.FilterSet):
    """A typed filter given with an empty value (``?version=``) is a 400, not ignored."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            if isinstance(filter_, django_filters.CharFilter) or name not in self.data:
                continue
            if self.data.get(name) == "":
                self.form.add_error(name, "Give a value, or leave the parameter out.")
                valid = False
        return valid


class CatalogVersionFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(
        choices=[(VersionStatus.PUBLISHED, "Published"), (VersionStatus.RETIRED, "Retired")]
    )
    catalog = django_filters.CharFilter(
        field_name="catalog__name", lookup_expr="iexact", help_text="Catalog name (exact)."
    )
    effective_after = django_filters.DateFilter(
        field_name="effective_date", lookup_expr="gte", help_text="Effective on or after."
    )
    effective_before = django_filters.DateFilter(
        field_name="effective_date", lookup_expr="lte", help_text="Effective on or before."
    )

    class Meta:
        model = CatalogVersion
        fields = ["status", "catalog", "effective_after", "effective_before"]


def public_versions(request=None):
    return CatalogVersion.objects.public()


class VersionRowFilter(StrictFilterSet):
    """``?version=<id>`` picks the catalog version; without it, the current published one."""

    version = django_filters.ModelChoiceFilter(
        queryset=public_versions,
        help_text="A published or retired catalog version; default: the current one.",
    )


class ApiOfferFilter(VersionRowFilter):
    provider = django_filters.CharFilter(lookup_expr="iexact", help_text="Exact, any case.")
    model = django_filters.CharFilter(
        field_name="model_name", lookup_expr="icontains", help_text="Part of the model name."
    )
    output_only = StrictBooleanFilter(
        field_name="input_per_mtok",
        lookup_expr="isnull",
        help_text="Only offers that publish an output price only (or only those that do not).",
    )
    open_weights = StrictBooleanFilter()
    model_id = django_filters.CharFilter(
        method="filter_model_id",
        help_text="The canonical model id, or any name of the model (`gpt-5-2025-08-07`, "
        "`azure/gpt-5` and `GPT-5` all find `gpt-5`).",
    )

    class Meta:
        model = ApiOffer
        fields = ["version", "provider", "model", "output_only", "open_weights", "model_id"]

    def filter_model_id(self, queryset, name, value):
        return queryset.filter(model_id=canonical_model_id(value))


class GpuOfferFilter(VersionRowFilter):
    sku = django_filters.CharFilter(lookup_expr="icontains", help_text="Part of the SKU.")
    gpu_count = django_filters.NumberFilter(min_value=1, max_value=1_000_000)
    provider = django_filters.CharFilter(lookup_expr="iexact", help_text="Exact, any case.")

    class Meta:
        model = GpuOffer
        fields = ["version", "sku", "gpu_count", "provider"]


class OwnedHardwareFilter(VersionRowFilter):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = OwnedHardware
        fields = ["version", "name"]


class ThroughputProfileFilter(VersionRowFilter):
    model = django_filters.CharFilter(field_name="model_name", lookup_expr="icontains")
    gpu_sku = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = ThroughputProfile
        fields = ["version", "model", "gpu_sku"]


class HiddenCostFilter(VersionRowFilter):
    kind = django_filters.ChoiceFilter(choices=HiddenCostKind.choices)

    class Meta:
        model = HiddenCost
        fields = ["version", "kind"]
