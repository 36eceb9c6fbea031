"""Sweep pages: list, new-sweep form, the sweep page (live progress, cancel, results) and
its CSV / Parquet downloads. Thin: access through the mixins, work in the services."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from accounts.mixins import OrgMemberMixin, TenantObjectMixin
from planner import sweep_selectors, sweep_services
from planner.bridge.sweeps import SweepSpecError, workload_input_share
from planner.models import Plan, Sweep, Workload
from planner.sweep_admission import SweepQuotaError
from planner.sweep_downloads import (
    RETRY_AFTER_SECONDS,
    DownloadLimitError,
    sweep_download_response,
)
from planner.sweep_forms import (
    DEFAULT_PRESET,
    PRESET_BY_KEY,
    PRESETS,
    SweepPlanForm,
    preset_initial,
)

EXAMPLE_SPEC_HELP = (
    'JSON: "volumes" (tokens/month), "input_shares", "utilizations" — each a list of values '
    'or {"min", "max", "step"} / {"min", "max", "num", "scale": "linear"|"log"}; '
    '"api_offer_ids" (with optional "api_offer_names" to label them); '
    '"selfhost": [{"gpu_offer_id" (or "owned_hardware_id"), "count", '
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
    """The sweep spec as JSON, as the API takes it (the advanced way to start a sweep)."""

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
        kwargs.setdefault("auto_id", "id_json_%s")  # it shares a page with SweepPlanForm
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


class SweepCreateView(OrgMemberMixin, TemplateView):
    """The new-sweep page: a plan's options and axes by name (`SweepPlanForm`), with the
    JSON spec the API takes as an advanced alternative (`SweepForm`, posted with ``spec``).
    Both start the sweep through `sweep_services.sweep_start`, the one validation path."""

    template_name = "planner/sweeps/form.html"
    write_required = True

    def plans(self):
        return Plan.objects.for_org(self.organization).select_related(
            "workload", "catalog_version__catalog"
        )

    def chosen_plan(self) -> Plan | None:
        """The plan named by ``?plan=`` (the organization's only: else 404), else the
        most recently changed one."""
        pk = self.request.GET.get("plan")
        if pk:
            if not pk.isdigit():
                raise Http404("No such plan.")
            return get_object_or_404(self.plans(), pk=int(pk))
        return self.plans().first()

    def get(self, request, *args: Any, **kwargs: Any) -> HttpResponse:
        plan = self.chosen_plan()
        preset = request.GET.get("preset") or DEFAULT_PRESET
        if preset not in PRESET_BY_KEY:
            preset = DEFAULT_PRESET
        form = SweepPlanForm(
            organization=self.organization, plan=plan, initial=preset_initial(preset, plan)
        )
        json_form = SweepForm(organization=self.organization, initial=self.json_initial())
        return self.render_to_response(self.get_context_data(form=form, json_form=json_form))

    def json_initial(self) -> dict[str, Any]:
        version = _published_versions().first()
        if version is None:
            return {}
        return {"catalog_version": version, "spec": json.dumps(example_spec(version), indent=2)}

    def post(self, request, *args: Any, **kwargs: Any) -> HttpResponse:
        if "spec" in request.POST:
            return self.post_json()
        form = SweepPlanForm(request.POST, organization=self.organization, plan=None)
        json_form = SweepForm(organization=self.organization, initial=self.json_initial())
        if form.is_valid():
            plan = form.cleaned_data["plan"]
            try:
                sweep = self.start(
                    name=form.cleaned_data["name"],
                    catalog_version=plan.catalog_version,
                    workload=plan.workload,
                    spec=form.cleaned_data["spec"],
                )
            except SweepSpecError as exc:
                form.add_spec_error(exc)
            except SweepQuotaError as exc:
                form.add_error(None, str(exc))
                return self.invalid(form, json_form, status=429)
            else:
                return self.started(sweep)
        return self.invalid(form, json_form)

    def post_json(self) -> HttpResponse:
        json_form = SweepForm(self.request.POST, organization=self.organization)
        form = SweepPlanForm(
            organization=self.organization,
            plan=self.plans().first(),
            initial=preset_initial(DEFAULT_PRESET, self.plans().first()),
        )
        if json_form.is_valid():
            try:
                sweep = self.start(
                    name=json_form.cleaned_data["name"],
                    catalog_version=json_form.cleaned_data["catalog_version"],
                    workload=json_form.cleaned_data["workload"],
                    spec=json_form.cleaned_data["spec"],
                )
            except SweepSpecError as exc:
                target = (
                    exc.field if exc.field in ("name", "catalog_version", "workload") else "spec"
                )
                message = exc.message if target != "spec" else f"{exc.field}: {exc.message}"
                json_form.add_error(target, message)
            except SweepQuotaError as exc:
                json_form.add_error(None, str(exc))
                return self.invalid(form, json_form, status=429, advanced=True)
            else:
                return self.started(sweep)
        return self.invalid(form, json_form, advanced=True)

    def start(self, **fields: Any) -> Sweep:
        return sweep_services.sweep_start(
            organization=self.organization, actor=self.request.user, **fields
        )

    def started(self, sweep: Sweep) -> HttpResponse:
        messages.success(self.request, f"Sweep queued: {sweep.total_points:,} points.")
        return redirect("planner:sweep_detail", pk=sweep.pk)

    def invalid(
        self,
        form: SweepPlanForm,
        json_form: SweepForm,
        *,
        status: int = 200,
        advanced: bool = False,
    ) -> HttpResponse:
        context = self.get_context_data(form=form, json_form=json_form, advanced=advanced)
        return self.render_to_response(context, status=status)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context["form"]
        json_form = context["json_form"]
        context["plans"] = self.plans()
        context["plan"] = form.plan
        context["presets"] = PRESETS
        preset_key = form["preset"].value() or DEFAULT_PRESET
        context["preset"] = PRESET_BY_KEY.get(preset_key, PRESET_BY_KEY[DEFAULT_PRESET])
        if json_form.is_bound:
            version = getattr(json_form, "cleaned_data", {}).get("catalog_version")
        else:
            version = json_form.initial.get("catalog_version")
        if version is not None:
            context["version"] = version
            context["api_offers"] = version.api_offers.select_related("source").order_by("pk")
            context["gpu_offers"] = version.gpu_offers.order_by("pk")
        return context


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
            context["heatmap"] = heatmap_slice(
                summary, sweep=self.object, requested=self.request.GET.get("slice")
            )
        return context


def sweep_finished_words(sweep: Sweep) -> str:
    """What a finished sweep's state is, for the message a late Cancel gets."""
    from formatting.durations import format_duration

    took = format_duration(sweep.elapsed_seconds)
    return f"the sweep had already finished ({sweep.get_status_display().lower()} in {took})"


def _nearest(values: list[float], target: float) -> int:
    return min(range(len(values)), key=lambda i: (abs(values[i] - target), i))


def heatmap_slice(
    summary: dict[str, Any], *, sweep: Sweep, requested: str | None
) -> dict[str, Any]:
    """The heatmap at one value of its other axis: ``requested`` (an index into the stored
    slices) if valid, else the nearest to the sweep's workload input share (the middle
    slice without a workload). Summaries stored before slices show their one map."""
    names = summary["option_names"]
    maps = summary.get("heatmap")
    if maps is None:  # stored before the heatmap had slices: one map at the middle share
        grid = summary["map"]
        crossover = summary.get("selfhost_from_volume") or {}
        return {
            "columns": "utilizations",
            "slice_axis": "input_shares",
            "column_values": grid["utilizations"],
            "slice_values": [grid["input_share"]],
            "slice_value": grid["input_share"],
            "index": 0,
            "default_index": 0,
            "rows": [
                (volume, [names[i] for i in row])
                for volume, row in zip(grid["volumes"], grid["cheapest"], strict=True)
            ],
            "crossover": list(
                zip(crossover.get("utilizations", []), crossover.get("volumes", []), strict=True)
            ),
        }
    values = maps["slice_values"]
    if maps["slice_axis"] == "input_shares" and sweep.workload is not None:
        default = _nearest(values, workload_input_share(sweep.workload))
    else:
        default = len(values) // 2
    index = default
    if requested is not None and requested.isdigit() and int(requested) < len(values):
        index = int(requested)
    return {
        "default_index": default,
        "slice_value": values[index],
        "columns": maps["columns"],
        "slice_axis": maps["slice_axis"],
        "column_values": maps["column_values"],
        "slice_values": values,
        "index": index,
        "rows": [
            (volume, [names[i] for i in row])
            for volume, row in zip(maps["volumes"], maps["cheapest"][index], strict=True)
        ],
        "crossover": list(
            zip(maps["column_values"], maps["selfhost_from_volume"][index], strict=True)
        ),
    }


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
        html = render_to_string(
            "planner/sweeps/_progress.html",
            {"sweep": sweep, "can_write": self.membership.can_write},
            request=request,
        )
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
            self.object.refresh_from_db(fields=["status", "started_at", "finished_at"])
            messages.info(request, f"Nothing to cancel: {sweep_finished_words(self.object)}.")
        return HttpResponseRedirect(reverse("planner:sweep_detail", args=[self.object.pk]))


class _SweepDownloadView(TenantObjectMixin, View):
    model = Sweep
    download_format = ""

    def get_base_queryset(self):
        return Sweep.objects.defer("result", "summary")

    def get(self, request, *args: Any, **kwargs: Any) -> HttpResponse:
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
