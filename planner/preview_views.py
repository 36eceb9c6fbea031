"""Live preview of a workload's monthly cost while its form is being filled in.

htmx posts the whole workload form here (``hx-trigger="input changed delay:300ms"``);
the answer is a partial with what a few offers of the current published catalog would
cost at that volume. It validates like the real form but never saves anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import View

from accounts.mixins import OrgMemberMixin
from formatting import format_rate
from planner.bridge import ScenarioError
from planner.bridge.preview import preview
from planner.forms import WorkloadForm
from planner.models import Workload
from planner.selectors import plan_for_preview
from planner.views import PlanCreateView, _add_errors


@dataclass(frozen=True)
class PreviewRow:
    label: str
    kind: str  # "api" | "selfhost"
    role: str  # "capable" | "frontier" | "reference" (self-host), or the option's kind
    monthly: float
    per_mtok: float | None
    detail: str
    private_price: bool = False  # priced at the organization's own (negotiated) price


def _detail(option: dict[str, Any], currency: str) -> str:
    if option["kind"] == "api":
        return f"{format_rate(option['blended_per_mtok'], currency)} per 1M tokens blended"
    if option["kind"] != "selfhost":
        per_mtok = option.get("cost_per_mtok")
        return "" if per_mtok is None else f"{format_rate(per_mtok, currency)} per 1M tokens"
    replicas = option["total_replicas"]
    spares = option["spares"]
    fleet = f"{replicas} replica{'s' if replicas != 1 else ''}"
    if spares:
        fleet += f" ({spares} spare{'s' if spares != 1 else ''} for the availability target)"
    return (
        f"{fleet} of {option['machine']}, {option['tokens_per_second']:,.0f} tok/s at "
        f"{option['utilization']:.0%} of it, hidden costs and engineering included"
    )


def preview_rows(
    *, organization: Any, workload: Workload, plan: Any = None
) -> tuple[Any, list[PreviewRow]]:
    """(catalog version, rows) for an unsaved workload, priced on ``plan``'s options if
    given; reads prices, writes nothing."""
    found = preview(organization=organization, workload=workload, plan=plan)
    if found is None:
        return None, []
    rows = [
        PreviewRow(
            label=option["name"],
            kind=option["kind"],
            role=found.roles[option["name"]],
            monthly=option["monthly"]["expected"] or 0.0,
            per_mtok=option["cost_per_mtok"],
            detail=_detail(option, found.version.currency),
        )
        for option in found.results["options"]
    ]
    return found.version, rows


def cheapest(rows: list[PreviewRow]) -> PreviewRow | None:
    """The row the phone's summary bar names: the lowest expected monthly cost."""
    return min(rows, key=lambda row: row.monthly, default=None)


class WorkloadPreviewView(OrgMemberMixin, View):
    """POST the workload form, get the preview partial. Writers only, like the form itself."""

    write_required = True
    http_method_names = ["post"]
    template_name = "planner/_workload_preview.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = WorkloadForm(request.POST, instance=Workload(organization=self.organization))
        context: dict[str, Any] = {"form": form, "rows": [], "version": None}
        if form.is_valid():
            workload = form.instance
            plan = plan_for_preview(
                organization=self.organization, workload_pk=request.GET.get("workload")
            )
            context["plan"] = plan
            try:
                context["version"], context["rows"] = preview_rows(
                    organization=self.organization, workload=workload, plan=plan
                )
            except ScenarioError as exc:
                context["engine_error"] = str(exc)
            context["cheapest"] = cheapest(context["rows"])
            context["tokens_per_month"] = workload.monthly_tokens
            context["input_share"] = workload.input_share
        else:
            context["errors"] = [
                (
                    form[name].label if name in form.fields else "Workload",
                    form[name].auto_id if name in form.fields else "",
                    errors,
                )
                for name, errors in form.errors.items()
            ]
        html = render_to_string(self.template_name, context, request=request)
        return HttpResponse(html)


# --- the plan form's live preview (issue 18 item 4) ---------------------------------------


def _plan_rows(found: Any) -> list[PreviewRow]:
    return [
        PreviewRow(
            label=option["name"],
            kind=option["kind"],
            role=found.roles[option["name"]],
            monthly=option["monthly"]["expected"] or 0.0,
            per_mtok=option["cost_per_mtok"],
            detail=_detail(option, found.version.currency),
            private_price=bool(option.get("private_price")),
        )
        for option in found.results["options"]
    ]


class PlanPreviewView(PlanCreateView):
    """POST the plan form (as typed, unsaved), get the preview partial: the options it
    compares priced as saving and computing the plan would price them. Writers only, like
    the form; the form's querysets keep another organization's rows out."""

    http_method_names = ["post"]
    template_name = "planner/_plan_preview.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from planner import services
        from planner.forms import plan_form_options
        from planner.templatetags.form_summary import error_summary

        version = self._version()
        context: dict[str, Any] = {"rows": [], "version": version}
        if version is None:
            return HttpResponse(render_to_string(self.template_name, context, request=request))
        data = request.POST.copy()
        # The name is not a cost: an empty one does not hold the preview back.
        data["name"] = data.get("name") or "Preview"
        form, formset = self._forms(version, data)
        options = None
        if form.is_valid() and formset.is_valid():
            options = plan_form_options(form, formset)
        if options is not None:
            try:
                found = services.plan_preview(
                    organization=self.organization,
                    workload=form.cleaned_data["workload"],
                    catalog_version=version,
                    use_overlay=form.cleaned_data["use_overlay"],
                    lens=form.cleaned_data["lens"],
                    analysis_months=form.cleaned_data["analysis_months"],
                    options=options,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            except ScenarioError as exc:
                context["engine_error"] = str(exc)
            else:
                rows = _plan_rows(found)
                recommended = found.results["recommendation"]["option"]
                context.update(
                    rows=rows,
                    cheapest=cheapest(rows),
                    recommended=recommended,
                    workload=form.cleaned_data["workload"],
                    tokens_per_month=found.results["tokens_per_month"],
                )
        if not context["rows"] and "engine_error" not in context:
            context["errors"] = error_summary(form, formset)["items"]
        html = render_to_string(self.template_name, context, request=request)
        return HttpResponse(html)
