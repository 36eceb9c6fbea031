"""The guided first plan's page. Thin: the form, the service, the plan page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView

from accounts.mixins import OrgMemberMixin
from planner.bridge.shapes import preset_notes
from planner.onboarding.forms import FirstPlanForm
from planner.onboarding.services import first_plan_create

# The workload's volume columns are the form's one volume field.
VOLUME_FIELDS = {"tokens_per_day": "volume", "tokens_per_month": "volume"}


class FirstPlanView(OrgMemberMixin, FormView):
    template_name = "planner/first_plan.html"
    form_class = FirstPlanForm
    write_required = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from pricing.selectors import catalog_version_current

        return {
            **super().get_context_data(**kwargs),
            "presets": preset_notes(),
            "no_catalog": catalog_version_current() is None,
        }

    def form_valid(self, form: FirstPlanForm) -> HttpResponse:
        try:
            made = first_plan_create(
                organization=self.organization, actor=self.request.user, **form.service_fields()
            )
        except ValidationError as exc:
            by_field = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
            for field, errors in by_field.items():
                field = VOLUME_FIELDS.get(field, field)
                target = field if field in form.fields else None
                for error in errors:
                    form.add_error(target, error)
            return self.form_invalid(form)
        messages.success(self.request, f"“{made.plan.name}” is computed.")
        return redirect("planner:plan_detail", made.plan.pk)
