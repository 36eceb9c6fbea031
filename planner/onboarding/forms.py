from __future__ import annotations

from django import forms

from planner.bridge.shapes import preset_choices
from planner.forms import VOLUME_UNITS
from planner.models.workloads import MAX_TOKENS_PER_MONTH

DEFAULT_TOKENS_PER_DAY = 50_000_000


class FirstPlanForm(forms.Form):
    preset = forms.ChoiceField(
        label="What does your workload look like?",
        choices=preset_choices,
        initial="chat_assistant",
        widget=forms.RadioSelect,
    )
    volume = forms.IntegerField(
        label="Tokens (input and output together)",
        min_value=1,
        max_value=MAX_TOKENS_PER_MONTH,
        initial=DEFAULT_TOKENS_PER_DAY,
        help_text="50,000,000 a day is a busy support assistant; you can change it later.",
    )
    per = forms.ChoiceField(
        label="Per",
        choices=VOLUME_UNITS,
        initial="day",
    )

    def service_fields(self) -> dict[str, object]:
        data = self.cleaned_data
        key = "tokens_per_day" if data["per"] == "day" else "tokens_per_month"
        return {"preset": data["preset"], key: data["volume"]}
