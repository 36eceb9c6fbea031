"""Workload and plan pages. Thin: parse, check access (mixins), call a service or selector."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import SimpleLazyObject
from django.views.generic import FormView, TemplateView

from accounts.generations import generation
from accounts.mixins import OrgMemberMixin, TenantObjectMixin
from planner import landing_views, selectors, services
from planner.bridge.shapes import preset_notes
from planner.forms import (
    PlanForm,
    ReevaluateForm,
    SelfHostFormSet,
    WorkloadForm,
    hide_errors,
    plan_form_options,
    selfhost_defaults,
)
from planner.fragments import FRAGMENT_SECONDS, fragment_version
from planner.models import Comparison, Plan, Workload
from planner.onboarding.forms import FirstPlanForm
from planner.plan_form_versions import carry_to_version
from planner.reevaluation import reevaluations_in_progress
from planner.sweep_selectors import sweeps_running
from pricing.selectors import (
    catalog_current_version_id,
    catalog_version_newer,
    catalog_version_newer_than,
    catalog_versions_current,
    private_prices_left_behind,
)


def _add_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form field it names (else on the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error if target else f"{field}: {error}")
    else:
        for error in exc.messages:
            form.add_error(None, error)


def _has_plans(organization: Any, counts: Any, page_generation: str | None) -> bool:
    """Whether the organization has a plan: from the body's counts (one query, which a
    body rendered from scratch makes anyway), cached per data generation like the body."""

    def read() -> bool:
        return bool(counts["plans"])

    if not page_generation:
        return read()
    key = f"dashboard-has-plans:{organization.pk}:{page_generation}"
    return bool(caches["fragments"].get_or_set(key, read, settings.TENANT_PAGE_CACHE_SECONDS))


class DashboardView(OrgMemberMixin, TemplateView):
    template_name = "planner/dashboard.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # One address for everyone: visitors get the landing page, members their dashboard.
        if not request.user.is_authenticated:
            return landing_views.landing(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        organization = self.organization
        # Lazy: nothing below is queried when the body comes from the cache.
        context["counts"] = SimpleLazyObject(
            lambda: selectors.dashboard_counts(organization=organization)
        )
        context["recent_plans"] = selectors.plans_for_table(organization=organization)[:5]
        context["flagged_plans"] = selectors.plans_flagged(organization=organization)[:5]
        context["running_sweeps"] = sweeps_running(organization=organization)[:5]
        context["reevaluations"] = SimpleLazyObject(
            lambda: reevaluations_in_progress(organization=organization)
        )
        context["can_write"] = self.membership.can_write
        context["page_generation"] = generation(organization)
        # Nothing planned yet: the guided first plan, outside the cached body (its form
        # carries this session's CSRF token).
        if context["can_write"] and not _has_plans(
            organization, context["counts"], context["page_generation"]
        ):
            context["first_plan_form"] = FirstPlanForm()
            context["presets"] = preset_notes()
        context["page_cache_seconds"] = settings.TENANT_PAGE_CACHE_SECONDS
        context["fragment_version"] = fragment_version()
        return context


# --- workloads -------------------------------------------------------------------------


class WorkloadListView(OrgMemberMixin, TemplateView):
    template_name = "planner/workload_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["workloads"] = selectors.workloads_for_org(organization=self.organization)
        context["can_write"] = self.membership.can_write
        return context


class WorkloadCreateView(OrgMemberMixin, FormView):
    template_name = "planner/workload_form.html"
    form_class = WorkloadForm
    write_required = True

    def get_form_kwargs(self) -> dict[str, Any]:
        # Unsaved, in the organization: the form labels money in its currency.
        return {**super().get_form_kwargs(), "instance": Workload(organization=self.organization)}

    def form_valid(self, form: WorkloadForm) -> HttpResponse:
        try:
            workload = services.workload_create(
                organization=self.organization, actor=self.request.user, **form.service_fields()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Workload “{workload.name}” created.")
        return redirect("planner:workload_list")


class WorkloadUpdateView(TenantObjectMixin, FormView):
    model = Workload
    template_name = "planner/workload_form.html"
    form_class = WorkloadForm
    write_required = True

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.object}

    def form_valid(self, form: WorkloadForm) -> HttpResponse:
        # The form's clean step must not mutate the stored row: reload before the service.
        workload = Workload.objects.get(pk=self.object.pk)
        try:
            services.workload_update(
                organization=self.organization,
                actor=self.request.user,
                workload=workload,
                **form.service_fields(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Workload “{workload.name}” saved.")
        return redirect("planner:workload_list")


class WorkloadDeleteView(TenantObjectMixin, TemplateView):
    model = Workload
    template_name = "planner/confirm_delete.html"
    write_required = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "object": self.object, "kind": "workload"}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            services.workload_delete(
                organization=self.organization, actor=request.user, workload=self.object
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("planner:workload_list")
        messages.success(request, f"Workload “{self.object.name}” deleted.")
        return redirect("planner:workload_list")


# --- plans -----------------------------------------------------------------------------


class PlanListView(OrgMemberMixin, TemplateView):
    template_name = "planner/plan_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        plans = list(selectors.plans_for_table(organization=self.organization))
        current = catalog_versions_current()
        for plan in plans:
            plan.newer_version = catalog_version_newer(plan.catalog_version, current=current)
        context["plans"] = plans
        context["can_write"] = self.membership.can_write
        return context


class PlanCreateView(OrgMemberMixin, TemplateView):
    """The plan form. Besides "Create plan", two buttons re-render it with what was typed:
    "Add a self-host option" (one more form in the formset) and "Use this version" (the
    catalog rows chosen moved to that version); neither saves nor shows errors."""

    template_name = "planner/plan_form.html"
    write_required = True

    def _version(self, wanted: str | None = None) -> Any:
        from pricing.models import CatalogVersion
        from pricing.selectors import catalog_version_current

        wanted = wanted or self.request.POST.get("version") or self.request.GET.get("version")
        if wanted:
            version = CatalogVersion.objects.published().filter(pk=wanted).first()
            if version is not None:
                return version
        return catalog_version_current()

    def _forms(self, version: Any, data: Any = None) -> tuple[PlanForm, Any]:
        if data is None and self.request.method == "POST":
            data = self.request.POST
        form = PlanForm(data, organization=self.organization, version=version)
        formset = SelfHostFormSet(
            data,
            form_kwargs={"version": version, "organization": self.organization},
            prefix="selfhost",
        )
        form.set_selfhost_count(formset.total_form_count())
        return form, formset

    def _render(self, version: Any, form: PlanForm, formset: Any, status: int = 200, **extra: Any):
        from pricing.models import CatalogVersion

        context = self.get_context_data(
            version=version,
            form=form,
            formset=formset,
            versions=CatalogVersion.objects.published().select_related("catalog"),
            **extra,
        )
        return self.render_to_response(context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        version = self._version()
        if version is None:
            return self.render_to_response(self.get_context_data(version=None))
        form, formset = self._forms(version)
        return self._render(version, form, formset)

    def _redisplay(self, version: Any, data: Any, **extra: Any) -> HttpResponse:
        """The form again with ``data`` as typed and no errors shown (nothing was sent)."""
        form, formset = self._forms(version, data)
        hide_errors(form, formset)
        return self._render(version, form, formset, **extra)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        version = self._version()
        if version is None:
            return self.render_to_response(self.get_context_data(version=None), status=400)
        action = request.POST.get("action", "")
        if action == "add_selfhost":
            data = request.POST.copy()
            total = data.get("selfhost-TOTAL_FORMS", "0")
            count = int(total) if total.isdigit() else 0
            if count < SelfHostFormSet.max_num:
                data["selfhost-TOTAL_FORMS"] = str(count + 1)
                # The new option starts at its defaults, as typed: left so, it is empty.
                data.update(
                    selfhost_defaults(version, self.organization, prefix=f"selfhost-{count}")
                )
            return self._redisplay(version, data, focus=f"selfhost-{count}")
        if action == "switch_version":
            new = self._version(request.POST.get("switch_to"))
            data, left_out = carry_to_version(
                request.POST, old=version, new=new, organization=self.organization
            )
            data["version"] = str(new.pk)
            return self._redisplay(new, data, left_out=left_out)
        form, formset = self._forms(version)
        if not (form.is_valid() and formset.is_valid()):
            return self._render(version, form, formset, status=400)
        options = plan_form_options(form, formset)
        if options is None:
            return self._render(version, form, formset, status=400)
        try:
            plan = services.plan_create(
                organization=self.organization,
                actor=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                workload=form.cleaned_data["workload"],
                catalog_version=version,
                use_overlay=form.cleaned_data["use_overlay"],
                lens=form.cleaned_data["lens"],
                analysis_months=form.cleaned_data["analysis_months"],
                options=options,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self._render(version, form, formset, status=400)
        messages.success(request, f"Plan “{plan.name}” created. Compute it to see the comparison.")
        return redirect("planner:plan_detail", pk=plan.pk)


def comparison_context(comparison: Comparison | None, plan: Plan | None = None) -> dict[str, Any]:
    """What the comparison partial shows, and the chart data for the charts block (the
    comparison's ``plan``, when given, saves the query for the currency)."""
    # Key parts of the cached fragments (planner/fragments.py), with or without a
    # comparison: the plan page's budget panel is cached either way.
    fragments = {"fragment_version": fragment_version(), "fragment_seconds": FRAGMENT_SECONDS}
    if comparison is None:
        return {"comparison": None, "chart_data": {}, **fragments}

    # Callables, which templates call when they first use them: where the fragments that
    # read them come from the cache, the stored results (tens of kB of JSON) are never
    # loaded or decoded (the plan page defers them).
    @functools.cache
    def results() -> dict[str, Any]:
        return comparison.results

    def chart_data() -> dict[str, Any]:
        return {
            "comparison": comparison.number,
            "recommended": results()["recommendation"]["option"],
            **results().get("curves", {}),
        }

    @functools.cache
    def currency() -> str:
        return selectors.comparison_currency(comparison=comparison, plan=plan)

    return {
        "comparison": comparison,
        "results": results,
        "chart_data": chart_data,
        "currency": currency,
        **fragments,
    }


class PlanDetailView(TenantObjectMixin, TemplateView):
    model = Plan
    template_name = "planner/plan_detail.html"

    def get_base_queryset(self):
        return Plan.objects.select_related("workload", "catalog_version__catalog").annotate(
            current_version_id=catalog_current_version_id("catalog_version__catalog_id")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        plan = self.object
        newer = catalog_version_newer_than(plan.catalog_version, current_id=plan.current_version_id)
        context.update(
            plan=plan,
            options=selectors.plan_options(plan=plan),
            newer_version=newer,
            # Re-evaluating there would drop the organization's negotiated prices.
            prices_left_behind=newer is not None
            and plan.use_overlay
            and private_prices_left_behind(
                organization=self.organization, source=plan.catalog_version, target=newer
            ),
            can_write=self.membership.can_write,
            page_generation=generation(self.organization),
            page_cache_seconds=settings.TENANT_PAGE_CACHE_SECONDS,
            **comparison_context(selectors.latest_comparison_deferred(plan=plan), plan),
        )
        return context


class ComparisonDetailView(TenantObjectMixin, TemplateView):
    model = Comparison
    template_name = "planner/comparison_detail.html"

    def get_base_queryset(self):
        return Comparison.objects.select_related("plan", "catalog_version__catalog")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(plan=self.object.plan, **comparison_context(self.object))
        return context


class PlanComputeView(TenantObjectMixin, TemplateView):
    model = Plan
    write_required = True
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            comparison = services.plan_compute(plan=self.object, actor=request.user)
        except ValidationError as exc:
            messages.error(request, "The plan could not be computed: " + " ".join(exc.messages))
        else:
            messages.success(request, f"Comparison #{comparison.number} computed.")
        return redirect("planner:plan_detail", pk=self.object.pk)


class PlanReevaluateView(TenantObjectMixin, FormView):
    model = Plan
    template_name = "planner/plan_reevaluate.html"
    form_class = ReevaluateForm
    write_required = True

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "plan": self.object}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "plan": self.object}

    def form_valid(self, form: ReevaluateForm) -> HttpResponse:
        try:
            comparison = services.plan_reevaluate(
                plan=self.object, version=form.cleaned_data["version"], actor=self.request.user
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        flag = getattr(comparison, "flag_raised", "")
        if flag:
            messages.warning(self.request, flag)
        else:
            messages.success(
                self.request,
                f"Re-evaluated as comparison #{comparison.number}: "
                "the recommendation and the cheapest option did not change.",
            )
        return redirect("planner:plan_detail", pk=self.object.pk)


class PlanFlagClearView(TenantObjectMixin, TemplateView):
    model = Plan
    write_required = True
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.plan_flag_clear(plan=self.object, actor=request.user)
        return redirect("planner:plan_detail", pk=self.object.pk)


class PlanHistoryView(TenantObjectMixin, TemplateView):
    model = Plan
    template_name = "planner/plan_history.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["plan"] = self.object
        context["comparisons"] = selectors.comparisons_for_plan(plan=self.object)
        return context


class PlanDeleteView(TenantObjectMixin, TemplateView):
    model = Plan
    template_name = "planner/confirm_delete.html"
    write_required = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "object": self.object, "kind": "plan"}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.plan_delete(plan=self.object, actor=request.user)
        messages.success(request, f"Plan “{self.object.name}” deleted.")
        return redirect("planner:plan_list")


class PlanCompareView(OrgMemberMixin, TemplateView):
    """Two plans side by side: ``?a=<plan>&b=<plan>``, both of the current organization."""

    template_name = "planner/plan_compare.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        plans = selectors.plans_for_org(organization=self.organization)
        a, b = request.GET.get("a"), request.GET.get("b")
        if not (a or b):
            # Preselect two different plans (the two most recent), never one on both sides.
            recent = [str(p.pk) for p in plans[:2]]
            a, b = recent[0] if recent else None, recent[-1] if len(recent) > 1 else None
            return self.render_to_response(self.get_context_data(plans=plans, side=None, a=a, b=b))
        side = (
            selectors.plans_side_by_side(organization=self.organization, plan_a=a, plan_b=b)
            if a and b
            else None
        )
        return self.render_to_response(self.get_context_data(plans=plans, side=side, a=a, b=b))
