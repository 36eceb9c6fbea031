"""Sweep pages: list, new-sweep form, the sweep page (live progress, cancel, results) and
its CSV / Parquet downloads. Thin: access through the mixins, work in the services."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from accounts.mixins import OrgMemberMixin, TenantObjectMixin
from planner import sweep_selectors, sweep_services
from planner.bridge.sweeps import SweepSpecError
from planner.models import Sweep, Workload
from planner.sweep_admission import SweepQuotaError
from planner.sweep_downloads import (
    RETRY_AFTER_SECONDS,
    DownloadLimitError,
    sweep_download_response,
)

EXAMPLE_SPEC_HELP = (
    'JSON: "volumes" (tokens/month), "input_shares", "utilizations" — each a list of values '
    'or {"min", "max", "step"} / {"min", "max", "num", "scale": "linear"|"log"}; '
    '"api_offer_ids"; "selfhost": [{"gpu_offer_id" (or "owned_hardware_id"), "count", '
    '"tokens_per_second", "pricing": "on_demand"|"reserved"|"spot"|"monthly", '
    '"billing": "always_on"|"window", "window_hours", "hidden_monthly", '
    '"hidden_multiplier", "implementation_one_off", "name", and the model for its GPU '
    'memory fit: "model_name", "params_b", "precision", "context_tokens", '
    '"concurrent_sequences"}]; optional "cached_share", '
    '"hours_per_month", "analysis_months", "peak_to_average" and "availability_target" '
    '(the workload\'s by default), "lens": "full"|"marginal". Each point is priced as '
    "a plan with those inputs. At most 1,000,000 points."
)


def _published_versions():
    from pricing.models import CatalogVersion

    return CatalogVersion.objects.published().select_related("catalog")


def example_spec(version: Any) -> dict[str, Any]:
    api_ids = list(version.api_offers.order_by("pk").values_list("pk", flat=True)[:3])
    gpu_ids = list(version.gpu_offers.order_by("pk").values_list("pk", flat=True)[:1])
    return {
        "volumes": {"min": 1_000_000, "max": 100_000_000_000, "num": 100, "scale": "log"},
        "input_shares": {"min": 0.1, "max": 0.9, "step": 0.1},
        "utilizations": {"min": 0.1, "max": 1.0, "num": 10},
        "api_offer_ids": api_ids,
        "selfhost": [{"gpu_offer_id": pk, "tokens_per_second": 1500} for pk in gpu_ids],
    }


class SweepForm(forms.Form):
    name = forms.CharField(max_length=120)
    catalog_version = forms.ModelChoiceField(queryset=None, label="Catalog version (published)")
    workload = forms.ModelChoiceField(
        queryset=None,
        required=False,
        help_text="Optional: its input and cached shares are the defaults.",
    )
    spec = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false"}),
        help_text=EXAMPLE_SPEC_HELP,
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["catalog_version"].queryset = _published_versions()
        self.fields["workload"].queryset = Workload.objects.for_org(organization)

    def clean_spec(self) -> Any:
        try:
            return json.loads(self.cleaned_data["spec"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}).") from exc
        except RecursionError as exc:
            raise forms.ValidationError("Not valid JSON: nested too deeply.") from exc


class SweepListView(OrgMemberMixin, ListView):
    template_name = "planner/sweeps/list.html"
    context_object_name = "sweeps"
    paginate_by = 50

    def get_queryset(self):
        return sweep_selectors.sweeps_for_org(organization=self.organization)


class SweepCreateView(OrgMemberMixin, FormView):
    template_name = "planner/sweeps/form.html"
    form_class = SweepForm
    write_required = True

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "organization": self.organization}

    def get_initial(self) -> dict[str, Any]:
        version = _published_versions().first()
        if version is None:
            return {}
        return {"catalog_version": version, "spec": json.dumps(example_spec(version), indent=2)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context["form"]
        if form.is_bound:
            version = getattr(form, "cleaned_data", {}).get("catalog_version")
        else:
            version = form.initial.get("catalog_version")
        if version is not None:
            context["version"] = version
            context["api_offers"] = version.api_offers.select_related("source").order_by("pk")
            context["gpu_offers"] = version.gpu_offers.order_by("pk")
        return context

    def form_valid(self, form: SweepForm) -> HttpResponse:
        try:
            sweep = sweep_services.sweep_start(
                organization=self.organization,
                actor=self.request.user,
                name=form.cleaned_data["name"],
                catalog_version=form.cleaned_data["catalog_version"],
                workload=form.cleaned_data["workload"],
                spec=form.cleaned_data["spec"],
            )
        except SweepSpecError as exc:
            target = exc.field if exc.field in ("name", "catalog_version", "workload") else "spec"
            message = exc.message if target != "spec" else f"{exc.field}: {exc.message}"
            form.add_error(target, message)
            return self.form_invalid(form)
        except SweepQuotaError as exc:
            form.add_error(None, str(exc))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        messages.success(self.request, f"Sweep queued: {sweep.total_points:,} points.")
        return redirect("planner:sweep_detail", pk=sweep.pk)


class SweepDetailView(TenantObjectMixin, DetailView):
    model = Sweep
    template_name = "planner/sweeps/detail.html"
    context_object_name = "sweep"

    def get_base_queryset(self):
        return Sweep.objects.defer("result").select_related("catalog_version__catalog", "workload")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_write"] = self.membership.can_write
        summary = self.object.summary or {}
        names = summary.get("option_names", [])
        if summary:
            context["wins"] = [
                (name, summary["wins"].get(name, 0), summary["win_share"].get(name, 0) * 100)
                for name in names
            ]
            grid = summary["map"]
            context["map_rows"] = [
                (volume, [names[i] for i in row])
                for volume, row in zip(grid["volumes"], grid["cheapest"], strict=True)
            ]
            context["map"] = grid
            crossover = summary.get("selfhost_from_volume") or {}
            context["crossover"] = list(
                zip(crossover.get("utilizations", []), crossover.get("volumes", []), strict=True)
            )
        return context


class SweepProgressView(TenantObjectMixin, View):
    """The progress partial; htmx polls it every second while the sweep runs."""

    model = Sweep

    def get_base_queryset(self):
        return Sweep.objects.defer("result", "spec", "summary")

    def get(self, request, *args: Any, **kwargs: Any) -> HttpResponse:
        from django.template.loader import render_to_string

        sweep = self.object
        if request.htmx and sweep.is_finished:
            # Finished: reload the page once so it shows the results.
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        html = render_to_string("planner/sweeps/_progress.html", {"sweep": sweep}, request=request)
        return HttpResponse(html)


class SweepCancelView(TenantObjectMixin, View):
    model = Sweep
    write_required = True

    def get_base_queryset(self):
        return Sweep.objects.defer("result", "spec", "summary")

    def post(self, request, *args: Any, **kwargs: Any) -> HttpResponse:
        if sweep_services.sweep_cancel(sweep=self.object, actor=request.user):
            messages.success(request, "Sweep cancelled.")
        else:
            messages.info(request, "The sweep had already finished.")
        return HttpResponseRedirect(reverse("planner:sweep_detail", args=[self.object.pk]))


class _SweepDownloadView(TenantObjectMixin, View):
    model = Sweep
    download_format = ""

    def get_base_queryset(self):
        return Sweep.objects.defer("result", "summary")

    def get(self, request, *args: Any, **kwargs: Any) -> HttpResponse:
        from django.http import Http404

        try:
            response = sweep_download_response(sweep=self.object, fmt=self.download_format)
        except DownloadLimitError as exc:
            busy = HttpResponse(str(exc), status=429, content_type="text/plain; charset=utf-8")
            busy["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return busy
        if response is None:
            raise Http404("This sweep has no results yet.")
        return response


class SweepCsvView(_SweepDownloadView):
    download_format = "csv"


class SweepParquetView(_SweepDownloadView):
    download_format = "parquet"
