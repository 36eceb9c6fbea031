"""Forecast, sensitivity, budgets, alerts, settings, actuals and usage-import pages.

Thin: parse, check access (mixins; owners/admins for settings), call a service or
selector, render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import TemplateView

from accounts import access
from accounts.mixins import OrgMemberMixin, TenantObjectMixin
from formatting import money_spec
from planner.labels import SENSITIVITY_INPUTS, Words
from planner.models import Plan, Workload
from tracking import forecasting, selectors, services
from tracking.currency import conversion_for
from tracking.forms import (
    AssumptionsForm,
    BudgetForm,
    CurrencyForm,
    OrgUsageImportForm,
    RoutingRuleForm,
    UsageImportForm,
    WebhookForm,
)
from tracking.models import (
    Alert,
    Budget,
    UsageImportJob,
    UsageRoutingRule,
    WebhookEndpoint,
)
from tracking.usage import services as usage_services
from tracking.usage.report import describe


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


class _PlanPage(TenantObjectMixin, TemplateView):
    model = Plan

    def get_base_queryset(self):
        return Plan.objects.select_related("workload", "organization", "catalog_version__catalog")

    def conversion(self):
        return conversion_for(organization=self.organization, version=self.object.catalog_version)


class PlanForecastView(_PlanPage):
    template_name = "tracking/forecast.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        plan = self.object
        forecast = forecasting.forecast_for_plan(plan=plan)
        form = kwargs.get("form") or AssumptionsForm(
            initial=forecasting.assumptions_for_plan(plan=plan)
        )
        chart = None
        if forecast.get("available"):
            chart = {
                "labels": [m["month"] for m in forecast["months"]],
                "api": [m["api_monthly"] for m in forecast["months"]],
                "selfhost": [m["selfhost_monthly"] for m in forecast["months"]],
                "api_name": forecast["api_option"],
                "selfhost_name": forecast["selfhost_option"],
                "budget": forecast["budget"].get("amount_in_catalog_currency"),
                "currency": forecast["currency"],
                "money": money_spec(forecast["currency"]),
            }
        context.update(
            plan=plan,
            forecast=forecast,
            chart=chart,
            form=form,
            can_write=self.membership.can_write,
            conversion=self.conversion(),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = AssumptionsForm(request.POST)
        if form.is_valid():
            try:
                services.forecast_assumptions_set(
                    organization=self.organization,
                    actor=request.user,
                    plan=self.object,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "Forecast assumptions saved.")
                return redirect("tracking:plan_forecast", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PlanSensitivityView(_PlanPage):
    template_name = "tracking/sensitivity.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        sensitivity = forecasting.sensitivity_for_plan(plan=self.object)
        chart = None
        if sensitivity.get("available"):
            # Each input in words and its unit (planner.labels), never its key.
            sensitivity = {
                **sensitivity,
                "bars": [
                    {**bar, "label": words.label, "unit": words.unit}
                    for bar in sensitivity["bars"]
                    for words in [
                        SENSITIVITY_INPUTS.get(bar["name"])
                        or Words(bar["name"].replace("_", " "), "ratio")
                    ]
                ],
            }
            chart = {
                "labels": [bar["label"] for bar in sensitivity["bars"]],
                "low": [bar["difference_low"] for bar in sensitivity["bars"]],
                "high": [bar["difference_high"] for bar in sensitivity["bars"]],
                "base": sensitivity["base_difference"],
                "currency": sensitivity["currency"],
                "money": money_spec(sensitivity["currency"]),
            }
        context.update(
            plan=self.object, sensitivity=sensitivity, chart=chart, conversion=self.conversion()
        )
        return context


class BudgetListView(OrgMemberMixin, TemplateView):
    template_name = "tracking/budgets.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            budgets=selectors.budgets_for_org(organization=self.organization),
            form=kwargs.get("form") or BudgetForm(organization=self.organization),
            can_write=self.membership.can_write,
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = BudgetForm(request.POST, organization=self.organization)
        if form.is_valid():
            try:
                services.budget_set(
                    organization=self.organization, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "Budget saved.")
                return redirect("tracking:budget_list")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class BudgetDeleteView(TenantObjectMixin, TemplateView):
    model = Budget
    write_required = True
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.budget_delete(
            organization=self.organization, actor=request.user, budget=self.object
        )
        messages.success(request, "Budget deleted.")
        return redirect("tracking:budget_list")


class AlertListView(OrgMemberMixin, TemplateView):
    template_name = "tracking/alerts.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            alerts=selectors.alerts_for_org(organization=self.organization)[:100],
            can_write=self.membership.can_write,
        )
        return context


class AlertReadView(TenantObjectMixin, TemplateView):
    model = Alert
    write_required = True
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.alert_mark_read(
            organization=self.organization, actor=request.user, alert=self.object
        )
        return redirect("tracking:alert_list")


class AlertsReadAllView(OrgMemberMixin, TemplateView):
    write_required = True
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        count = services.alerts_mark_all_read(organization=self.organization, actor=request.user)
        messages.success(request, f"{count} alert(s) marked read.")
        return redirect("tracking:alert_list")


class SettingsView(OrgMemberMixin, TemplateView):
    """Organization currency and webhook endpoints: owners and admins only."""

    template_name = "tracking/settings.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        access.require_manage(self.membership)
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            currency_form=kwargs.get("currency_form")
            or CurrencyForm(initial={"currency": self.organization.currency}),
            webhook_form=kwargs.get("webhook_form") or WebhookForm(),
            endpoints=selectors.webhooks_for_org(organization=self.organization),
            deliveries=selectors.deliveries_for_org(organization=self.organization),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        access.require_manage(self.membership)
        if request.POST.get("action") == "currency":
            form = CurrencyForm(request.POST)
            if form.is_valid():
                try:
                    services.organization_currency_set(
                        organization=self.organization,
                        actor=request.user,
                        currency=form.cleaned_data["currency"],
                    )
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    messages.success(request, "Currency saved.")
                    return redirect("tracking:settings")
            return self.render_to_response(self.get_context_data(currency_form=form), status=400)
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                endpoint, secret = services.webhook_create(
                    organization=self.organization, actor=request.user, url=form.cleaned_data["url"]
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                # The secret is shown this once (the page is not cached), never again.
                context = self.get_context_data(new_secret=secret, new_endpoint=endpoint)
                response = self.render_to_response(context)
                response["Cache-Control"] = "no-store"
                return response
        return self.render_to_response(self.get_context_data(webhook_form=form), status=400)


class _EndpointAction(TenantObjectMixin, TemplateView):
    model = WebhookEndpoint
    write_required = True
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        access.require_manage(self.membership)
        return self.act(request)


class WebhookDeleteView(_EndpointAction):
    def act(self, request: HttpRequest) -> HttpResponse:
        services.webhook_delete(
            organization=self.organization, actor=request.user, endpoint=self.object
        )
        messages.success(request, "Webhook deleted.")
        return redirect("tracking:settings")


class WebhookTestView(_EndpointAction):
    def act(self, request: HttpRequest) -> HttpResponse:
        services.webhook_test(
            organization=self.organization, actor=request.user, endpoint=self.object
        )
        messages.success(request, "Test delivery queued: see the deliveries below.")
        return redirect("tracking:settings")


def _described(jobs: list[UsageImportJob], organization: Any) -> list[UsageImportJob]:
    """The jobs, each with its report in words (``report_lines``)."""
    names = dict(Workload.objects.for_org(organization).values_list("pk", "name"))
    for job in jobs:
        job.report_lines = describe(job.report, workload_names=names)  # type: ignore[attr-defined]
    return jobs


def _start_import(view: Any, request: HttpRequest, form: Any, workload: Workload | None) -> bool:
    """Queue the form's upload; errors go onto the form. True when queued."""
    upload = form.cleaned_data["file"]
    try:
        usage_services.usage_import_start(
            organization=view.organization,
            actor=request.user,
            workload=workload,
            content=upload,
            file_format=form.cleaned_data["file_format"],
            filename=upload.name,
            date_order=form.cleaned_data["date_order"],
        )
    except ValidationError as exc:
        _add_errors(form, exc)
        return False
    messages.success(request, "The file is being imported: its progress is shown below.")
    return True


class WorkloadActualsView(TenantObjectMixin, TemplateView):
    """Import actual usage for a workload and compare it with a plan month by month.

    An upload here routes rows by the organization's rules like any other; rows no rule
    claims come to this workload."""

    model = Workload
    template_name = "tracking/actuals.html"

    def _plan(self) -> Plan | None:
        plans = selectors.plans_for_workload(workload=self.object)
        wanted = self.request.GET.get("plan")
        if wanted and wanted.isdigit():
            chosen = plans.filter(pk=wanted).first()
            if chosen is not None:
                return chosen
        return plans.filter(comparisons__isnull=False).distinct().first()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        plan = self._plan()
        jobs = _described(
            list(selectors.import_jobs_for_workload(workload=self.object)[:5]), self.organization
        )
        conversion = (
            conversion_for(organization=self.organization, version=plan.catalog_version)
            if plan
            else None
        )
        context.update(
            workload=self.object,
            plan=plan,
            plans=selectors.plans_for_workload(workload=self.object),
            comparison=selectors.plan_vs_actual(workload=self.object, plan=plan),
            imports=selectors.imports_for_workload(workload=self.object)[:10],
            import_jobs=jobs,
            importing=any(not job.is_finished for job in jobs),
            form=kwargs.get("form") or UsageImportForm(),
            can_write=self.membership.can_write,
            conversion=conversion,
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = UsageImportForm(request.POST, request.FILES)
        if form.is_valid() and _start_import(self, request, form, self.object):
            return redirect("tracking:workload_actuals", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class UsageImportsView(OrgMemberMixin, TemplateView):
    """The organization's usage uploads (one file feeding many workloads) and the routing
    rules that send each row to its workload."""

    template_name = "tracking/usage.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        jobs = _described(
            list(selectors.import_jobs_for_org(organization=self.organization)[:10]),
            self.organization,
        )
        context.update(
            import_jobs=jobs,
            importing=any(not job.is_finished for job in jobs),
            rules=selectors.routing_rules_for_org(organization=self.organization),
            form=kwargs.get("form") or OrgUsageImportForm(organization=self.organization),
            rule_form=kwargs.get("rule_form") or RoutingRuleForm(organization=self.organization),
            can_write=self.membership.can_write,
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.POST.get("action") == "rule":
            rule_form = RoutingRuleForm(request.POST, organization=self.organization)
            if rule_form.is_valid():
                try:
                    usage_services.routing_rule_create(
                        organization=self.organization, actor=request.user, **rule_form.cleaned_data
                    )
                except ValidationError as exc:
                    _add_errors(rule_form, exc)
                else:
                    messages.success(request, "Routing rule added.")
                    return redirect("tracking:usage_imports")
            return self.render_to_response(self.get_context_data(rule_form=rule_form), status=400)
        form = OrgUsageImportForm(request.POST, request.FILES, organization=self.organization)
        if form.is_valid() and _start_import(self, request, form, form.cleaned_data["workload"]):
            return redirect("tracking:usage_imports")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class RoutingRuleDeleteView(TenantObjectMixin, TemplateView):
    model = UsageRoutingRule
    write_required = True
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        usage_services.routing_rule_delete(
            organization=self.organization, actor=request.user, rule=self.object
        )
        messages.success(request, "Routing rule deleted.")
        return redirect("tracking:usage_imports")


class WorkloadApplySuggestionsView(TenantObjectMixin, TemplateView):
    model = Workload
    write_required = True
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        months = selectors.actual_months(workload=self.object)
        suggestion = selectors.suggestions(months=months)
        if suggestion is None:
            messages.error(request, "Import actual usage first.")
            return redirect("tracking:workload_actuals", pk=self.object.pk)
        try:
            services.workload_apply_suggestions(
                organization=self.organization,
                actor=request.user,
                workload=Workload.objects.get(pk=self.object.pk),
                suggestion=suggestion,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Workload updated from actual usage.")
        return redirect("tracking:workload_actuals", pk=self.object.pk)
