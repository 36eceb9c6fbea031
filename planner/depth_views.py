"""The plan's lens switch (issue 10): choose the cost lens and analysis period, recompute."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.generic import FormView

from accounts.mixins import TenantObjectMixin
from planner import services
from planner.forms import PlanLensForm
from planner.models import Plan


class PlanLensView(TenantObjectMixin, FormView):
    model = Plan
    template_name = "planner/plan_lens.html"
    form_class = PlanLensForm
    write_required = True

    def get_initial(self) -> dict[str, Any]:
        return {"lens": self.object.lens, "analysis_months": self.object.analysis_months}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "plan": self.object}

    def form_valid(self, form: PlanLensForm) -> HttpResponse:
        try:
            comparison = services.plan_set_lens(
                plan=self.object,
                actor=self.request.user,
                lens=form.cleaned_data["lens"],
                analysis_months=form.cleaned_data["analysis_months"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                target = field if field in form.fields else None
                for error in errors:
                    form.add_error(target, error if target else f"{field}: {error}")
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(self.request, f"Comparison #{comparison.number} computed.")
        return redirect("planner:plan_detail", pk=self.object.pk)

    def form_invalid(self, form: PlanLensForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)
