"""Form fields people can type into: volumes with units, percentages as percent, and
bounds whose messages name the field and the allowed range.

Parsing lives in formatting/parsing.py; the bounds live where they always did (the model
fields' validators, MAX_TOKENS_PER_MONTH): ``model_bounds`` reads them from there.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import (
    DecimalValidator,
    MaxValueValidator,
    MinValueValidator,
)

from formatting.parsing import (
    ParseError,
    format_percent_input,
    format_quantity_input,
    parse_percent,
    parse_quantity,
)


def model_bounds(model: Any, name: str) -> tuple[Any, Any]:
    """(lowest, highest) a model field's validators allow; None where unbounded."""
    low = high = None
    for validator in model._meta.get_field(name).validators:
        if isinstance(validator, MinValueValidator):
            low = validator.limit_value
        elif isinstance(validator, MaxValueValidator):
            high = validator.limit_value
    return low, high


def _plain(value: Any) -> str:
    if isinstance(value, Decimal | float):
        return f"{Decimal(str(value)).normalize():,f}"
    return f"{value:,}"


def range_message(label: str, low: Any, high: Any, *, show: Any = _plain, unit: str = "") -> str:
    """ "Input share must be between 0% and 100%." and the like."""
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{label} must be between {show(low)} and {show(high)}{suffix}."
    if low is not None:
        return f"{label} must be at least {show(low)}{suffix}."
    return f"{label} must be at most {show(high)}{suffix}."


def name_the_bounds(form: forms.BaseForm, model: Any = None) -> None:
    """Give every numeric field of ``form`` the bounds of its model field (a ModelForm's
    generated fields do not carry them) and messages that name the field and the range."""
    for name, field in form.fields.items():
        if isinstance(field, PercentField | QuantityField):
            continue
        if not isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
            continue
        if model is not None and name in {f.name for f in model._meta.get_fields()}:
            low, high = model_bounds(model, name)
            if field.min_value is None and low is not None:
                field.min_value = low
                field.validators.append(MinValueValidator(low))
            if field.max_value is None and high is not None:
                field.max_value = high
                field.validators.append(MaxValueValidator(high))
        label = str(field.label or name.replace("_", " ").capitalize())
        message = range_message(label, field.min_value, field.max_value)
        if field.min_value is not None or field.max_value is not None:
            field.error_messages["min_value"] = message
            field.error_messages["max_value"] = message
        field.error_messages["invalid"] = f"{label}: write a number."
        if isinstance(field, forms.DecimalField):
            # The range says how large a figure may be; only the decimals are checked here.
            field.validators = [v for v in field.validators if not isinstance(v, DecimalValidator)]
            places = field.decimal_places
            if places is not None:
                field.validators.append(DecimalValidator(None, places))
                field.error_messages["max_decimal_places"] = (
                    f"{label}: give at most {places} decimal place{'s' if places != 1 else ''}."
                )
            field.max_digits = None


class QuantityField(forms.Field):
    """A whole count typed as "50000000", "2,000,000", "50M" or "1.5B"."""

    widget = forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"})

    def __init__(
        self, *, min_value: int = 0, max_value: int | None = None, unit: str = "", **kwargs: Any
    ) -> None:
        self.min_value, self.max_value, self.unit = min_value, max_value, unit
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return format_quantity_input(value)
        return value

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            return value
        try:
            number = parse_quantity(str(value))
        except ParseError as exc:
            raise ValidationError(f"{self.label}: {exc}", code="invalid") from exc
        if number != number.to_integral_value():
            raise ValidationError(f"{self.label}: give a whole number.", code="invalid")
        return int(number)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        if value < self.min_value or (self.max_value is not None and value > self.max_value):
            raise ValidationError(
                range_message(str(self.label), self.min_value, self.max_value, unit=self.unit),
                code="range",
            )


def _percent(share: Any) -> str:
    return f"{format_percent_input(share)}%"


class PercentField(forms.Field):
    """A share in [low, high] typed as a percentage: 70 (or 70%) is 0.7.

    ``decimal_places`` is the share's (the model column's): 5 allows 99.999%."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(
        self,
        *,
        min_value: Any = 0,
        max_value: Any = 1,
        decimal_places: int = 4,
        **kwargs: Any,
    ) -> None:
        self.min_value = None if min_value is None else Decimal(str(min_value))
        self.max_value = None if max_value is None else Decimal(str(max_value))
        self.decimal_places = decimal_places
        super().__init__(**kwargs)

    @classmethod
    def for_model(cls, model: Any, name: str, **kwargs: Any) -> PercentField:
        """The field for a model's share column: its bounds and decimals, its default."""
        column = model._meta.get_field(name)
        low, high = model_bounds(model, name)
        kwargs.setdefault("required", not column.blank and not column.has_default())
        kwargs.setdefault("help_text", column.help_text)
        if column.has_default():
            kwargs.setdefault("initial", column.get_default())
        return cls(min_value=low, max_value=high, decimal_places=column.decimal_places, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
            return format_percent_input(value)
        return value

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            share = parse_percent(str(value))
        except ParseError as exc:
            raise ValidationError(f"{self.label}: {exc}", code="invalid") from exc
        exponent = share.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.decimal_places:
            places = max(self.decimal_places - 2, 0)
            raise ValidationError(
                f"{self.label}: give at most {places} decimal place"
                f"{'s' if places != 1 else ''} of a percent.",
                code="max_decimal_places",
            )
        return share

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        if (self.min_value is not None and value < self.min_value) or (
            self.max_value is not None and value > self.max_value
        ):
            raise ValidationError(
                range_message(str(self.label), self.min_value, self.max_value, show=_percent),
                code="range",
            )

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            data_value = self.to_python(data)
        except ValidationError:
            return True
        initial_value = None if initial in self.empty_values else Decimal(str(initial))
        return initial_value != data_value
