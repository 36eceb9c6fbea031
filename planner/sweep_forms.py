"""The new-sweep form: a plan's options picked by name, value ranges per axis, presets.

The form only assembles the request the API takes (``api_offer_ids``, ``selfhost`` and
the three axes); the sweep spec validation (`planner.bridge.sweeps.clean_sweep_spec`,
through `sweep_services.sweep_start`) is the one judge of it, and `add_spec_error` puts
its errors on the form field they name.

Values are read by the shared parsers of formatting/parsing.py, as in every other form:
volumes as counts with units ("50M", "1.5B", "2,000,000" tokens a month), shares and
utilizations as percentages.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms

from formatting.parsing import ParseError, parse_percent, parse_quantity
from planner.bridge.sweeps import (
    PlanSweepRequest,
    SweepSpecError,
    option_sweep_refusal,
    plan_sweep_request,
    workload_input_share,
)
from planner.models import Plan

# form prefix -> (spec axis, unit shown, values are percentages)
AXIS_FIELDS = {
    "volume": ("volumes", "tokens/month", False),
    "input_share": ("input_shares", "%", True),
    "utilization": ("utilizations", "%", True),
}
AXIS_LABELS = {
    "volume": "Volume (tokens a month)",
    "input_share": "Input share (%)",
    "utilization": "Utilization (%)",
}
MODE_CHOICES = [("range", "Range"), ("list", "List of values")]
SCALE_CHOICES = [("log", "Logarithmic"), ("linear", "Linear")]


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    description: str
    varies: tuple[str, ...]  # the axes it sweeps; the others stay at the plan's values


PRESETS = (
    Preset(
        "volume_share",
        "Volume \u00d7 input share",
        "Where self-hosting starts to win as the volume grows, for every mix of input and "
        "output tokens.",
        ("volume", "input_share"),
    ),
    Preset(
        "volume_utilization",
        "Utilization \u00d7 volume",
        "How busy the GPUs must be for self-hosting to pay, at each volume.",
        ("volume", "utilization"),
    ),
    Preset(
        "full_grid",
        "Volume \u00d7 input share \u00d7 utilization",
        "All three axes at once; the heatmap is sliced by input share.",
        ("volume", "input_share", "utilization"),
    ),
    Preset(
        "volume",
        "Volume only",
        "The cheapest option at each volume, with the plan's mix and utilization.",
        ("volume",),
    ),
)
PRESET_BY_KEY = {p.key: p for p in PRESETS}
DEFAULT_PRESET = "volume_share"


def _number_text(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"


def preset_initial(preset_key: str, plan: Plan | None) -> dict[str, Any]:
    """The axes a preset fills in: swept axes as ranges around the plan's workload, the
    other axes at the plan's own values (its workload's volume and input share, its first
    self-hosted option's utilization)."""
    preset = PRESET_BY_KEY.get(preset_key) or PRESET_BY_KEY[DEFAULT_PRESET]
    tokens = 1e9
    share = 0.5
    utilization = 1.0
    if plan is not None:
        tokens = float(plan.workload.monthly_tokens) or tokens
        share = workload_input_share(plan.workload)
        selfhost = [o for o in plan.options.all() if o.kind == "selfhost"]
        if selfhost:
            utilization = float(selfhost[0].utilization)
    exponent = math.floor(math.log10(max(tokens, 1.0)))
    fixed = {"volume": tokens, "input_share": share * 100, "utilization": utilization * 100}
    ranges = {
        "volume": (10.0 ** max(exponent - 2, 3), 10.0 ** (exponent + 2), 41, "log"),
        "input_share": (10.0, 90.0, 9, "linear"),
        "utilization": (10.0, 100.0, 10, "linear"),
    }
    initial: dict[str, Any] = {"preset": preset.key}
    for axis in AXIS_FIELDS:
        start, stop, steps, scale = ranges[axis]
        initial.update(
            {
                f"{axis}_start": _number_text(start),
                f"{axis}_stop": _number_text(stop),
                f"{axis}_steps": steps,
                f"{axis}_scale": scale,
            }
        )
        if axis in preset.varies:
            initial[f"{axis}_mode"] = "range"
            initial[f"{axis}_values"] = ""
        else:
            initial[f"{axis}_mode"] = "list"
            initial[f"{axis}_values"] = _number_text(round(fixed[axis], 6))
    return initial


def parse_axis_value(text: str, *, percent: bool, field_label: str) -> Decimal:
    """One typed axis value, read by the shared parsers (formatting/parsing.py): a volume
    as a count ("50M", "1.5B", "2,000,000"), a percentage as a share ("70" -> 0.7)."""
    parse = parse_percent if percent else parse_quantity
    try:
        return parse(text)
    except ParseError as exc:
        raise forms.ValidationError(f"{field_label}: “{text}” is not a number. {exc}") from None


def _split_values(text: str, *, volumes: bool) -> list[str]:
    # Volumes may carry thousands separators, so their list takes spaces or semicolons;
    # a unit word after a space ("3 billion") stays with its number.
    pattern = r"[;\s]+" if volumes else r"[;,\s]+"
    pieces: list[str] = []
    for piece in re.split(pattern, text.strip()):
        if not piece:
            continue
        if volumes and pieces and piece.isalpha():
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return pieces


class SweepPlanForm(forms.Form):
    """A sweep of one plan's options. ``plan`` is one of the organization's plans;
    ``options`` are that plan's options which a sweep can price, by their names."""

    name = forms.CharField(max_length=120)
    plan = forms.ModelChoiceField(queryset=Plan.objects.none(), widget=forms.HiddenInput)
    preset = forms.ChoiceField(
        choices=[(p.key, p.label) for p in PRESETS], required=False, widget=forms.HiddenInput
    )
    options = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        label="Options to compare",
        help_text="The plan's API and self-hosted options; each point prices all of them.",
    )

    def __init__(self, *args: Any, organization: Any, plan: Plan | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        plans = Plan.objects.for_org(organization).select_related("workload", "catalog_version")
        self.fields["plan"].queryset = plans
        if self.is_bound:
            # The options offered are those of the plan posted (only the organization's).
            pk = self.data.get("plan")
            plan = plans.filter(pk=pk).first() if str(pk or "").isdigit() else None
        self.plan = plan
        self.left_out: list[tuple[str, str]] = []
        choices = []
        if plan is not None:
            for option in plan.options.select_related("api_offer", "gpu_offer").order_by(
                "position", "pk"
            ):
                refusal = option_sweep_refusal(option)
                if refusal:
                    self.left_out.append((option.name, refusal))
                else:
                    choices.append((str(option.pk), option.name))
        self.fields["options"].choices = choices
        if not self.is_bound:
            self.initial.setdefault("options", [value for value, _ in choices])
            if plan is not None:
                self.initial.setdefault("plan", plan.pk)
        for axis, (_, unit, percent) in AXIS_FIELDS.items():
            # Volumes take unit letters ("50M"), so phones get the full keyboard for them.
            inputmode = {"inputmode": "decimal" if percent else "text", "autocomplete": "off"}
            self.fields[f"{axis}_mode"] = forms.ChoiceField(
                choices=MODE_CHOICES,
                label="Sweep as",
                initial="range",
                widget=forms.Select(attrs={"data-axis-mode": ""}),
            )
            self.fields[f"{axis}_start"] = forms.CharField(
                required=False, label="From", widget=forms.TextInput(attrs=inputmode)
            )
            self.fields[f"{axis}_stop"] = forms.CharField(
                required=False, label="To", widget=forms.TextInput(attrs=inputmode)
            )
            self.fields[f"{axis}_steps"] = forms.IntegerField(
                required=False,
                min_value=1,
                max_value=1_000_000,
                label="Values",
                help_text="How many values from the first to the last, both included.",
            )
            self.fields[f"{axis}_scale"] = forms.ChoiceField(
                choices=SCALE_CHOICES if not percent else SCALE_CHOICES[::-1],
                required=False,
                label="Spacing",
            )
            self.fields[f"{axis}_values"] = forms.CharField(
                required=False,
                label="Values",
                help_text=(
                    f"In {unit}, such as 50M or 1.5B, separated by spaces or semicolons"
                    if not percent
                    else f"In {unit}, separated by commas or spaces"
                ),
                widget=forms.TextInput(attrs=inputmode),
            )
        self.request: PlanSweepRequest | None = None

    # --- helpers for the template -------------------------------------------------------

    def axis_groups(self) -> list[dict[str, Any]]:
        return [
            {
                "key": axis,
                "label": AXIS_LABELS[axis],
                "mode": self[f"{axis}_mode"],
                "range": [self[f"{axis}_{part}"] for part in ("start", "stop", "steps", "scale")],
                "values": self[f"{axis}_values"],
            }
            for axis in AXIS_FIELDS
        ]

    # --- cleaning -----------------------------------------------------------------------

    def _axis(self, axis: str) -> list[float] | dict[str, Any] | None:
        _, _, percent = AXIS_FIELDS[axis]
        label = AXIS_LABELS[axis]
        data = self.cleaned_data
        if data.get(f"{axis}_mode") == "list":
            text = data.get(f"{axis}_values") or ""
            pieces = _split_values(text, volumes=not percent)
            if not pieces:
                self.add_error(f"{axis}_values", f"{label}: give at least one value.")
                return None
            try:
                return [
                    float(parse_axis_value(p, percent=percent, field_label=label)) for p in pieces
                ]
            except forms.ValidationError as exc:
                self.add_error(f"{axis}_values", exc)
                return None
        values: dict[str, Any] = {}
        for part, key in (("start", "min"), ("stop", "max")):
            text = data.get(f"{axis}_{part}") or ""
            if not text.strip():
                self.add_error(f"{axis}_{part}", f"{label}: required for a range.")
                return None
            try:
                values[key] = float(parse_axis_value(text, percent=percent, field_label=label))
            except forms.ValidationError as exc:
                self.add_error(f"{axis}_{part}", exc)
                return None
        if data.get(f"{axis}_steps") is None:
            self.add_error(f"{axis}_steps", f"{label}: how many values the range has.")
            return None
        values["num"] = data[f"{axis}_steps"]
        values["scale"] = data.get(f"{axis}_scale") or "linear"
        if values["num"] == 1:
            return [values["min"]]
        return values

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        plan = data.get("plan")
        axes = {AXIS_FIELDS[axis][0]: self._axis(axis) for axis in AXIS_FIELDS}
        if plan is None or "options" not in data:
            return data
        try:
            self.request = plan_sweep_request(plan, [int(pk) for pk in data["options"]])
        except SweepSpecError as exc:
            self.add_error("options", exc.message)
            return data
        if any(value is None for value in axes.values()):
            return data
        data["spec"] = {
            **axes,
            "api_offer_ids": self.request.api_offer_ids,
            "api_offer_names": self.request.api_names,
            "selfhost": self.request.selfhost,
            "lens": plan.lens,
            "analysis_months": plan.analysis_months,
        }
        return data

    def add_spec_error(self, error: SweepSpecError) -> None:
        """Put an error of the spec validation on the form field it names."""
        field, message = error.field or "", error.message
        for axis, (spec_axis, unit, percent) in AXIS_FIELDS.items():
            if field == spec_axis or field.startswith((f"{spec_axis}.", f"{spec_axis}[")):
                label = AXIS_LABELS[axis]
                if percent:  # the spec speaks in fractions; the form in percent
                    message = re.sub(r"at most 1\b", "at most 100%", message)
                    message = re.sub(r"(at least|greater than) 0\b", r"\1 0%", message)
                factor = 100.0 if percent else 1.0
                message = re.sub(
                    rf"{spec_axis}\.min \(([^)]*)\)",
                    lambda m, f=factor, u=unit: (
                        f"the first value ({float(m.group(1)) * f:g}{'%' if u == '%' else ''})"
                    ),
                    message,
                )
                part = field[len(spec_axis) :]
                if part.startswith("["):
                    index = int(part[1 : part.index("]")])
                    self.add_error(f"{axis}_values", f"{label}, value {index + 1}: {message}")
                elif part == ".min":
                    self.add_error(f"{axis}_start", f"{label}: {message}")
                elif part == ".max":
                    self.add_error(f"{axis}_stop", f"{label}: {message}")
                elif part == ".scale":
                    self.add_error(f"{axis}_scale", f"{label}: {message}")
                else:  # the count (num / step) or the whole axis
                    mode = self.cleaned_data.get(f"{axis}_mode")
                    target = f"{axis}_values" if mode == "list" else f"{axis}_steps"
                    self.add_error(target, f"{label}: {message}")
                return
        match = re.match(r"(api_offer_ids|api_offer_names|selfhost)\[(\d+)\]", field)
        if match and self.request is not None:
            names = (
                self.request.api_names
                if match.group(1) != "selfhost"
                else self.request.selfhost_names
            )
            index = int(match.group(2))
            name = names[index] if index < len(names) else "an option"
            self.add_error("options", f"{name}: {message}")
            return
        if field in ("api_offer_ids", "selfhost"):
            self.add_error("options", message)
            return
        if field == "name":
            self.add_error("name", message)
            return
        if field in ("catalog_version", "workload"):
            what = "catalog version" if field == "catalog_version" else "workload"
            self.add_error("plan", f"The plan's {what}: {message}.")
            return
        self.add_error(None, f"{field}: {message}" if field else message)
