"""Live preview of a workload's monthly cost while its form is being filled in.

htmx posts the whole workload form here (``hx-trigger="input changed delay:300ms"``);
the answer is a partial with what a few offers of the current published catalog would
cost at that volume. It validates like the real form but never saves anything.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import View

from accounts.mixins import OrgMemberMixin
from planner.bridge.plans import cents, pick_throughput_profile, profile_tokens_per_second
from planner.engine import api as eng_api
from planner.engine import selfhost as eng_selfhost
from planner.engine.errors import ScenarioError
from planner.engine.units import HOURS_PER_MONTH
from planner.forms import WorkloadForm
from planner.models import Workload

# The reference self-host option: a 70B open model on one rented 80 GB GPU.
REFERENCE_MODEL = "Llama 3.3 70B"
REFERENCE_PARAMS_B = 70.0
REFERENCE_PRECISION = "int4"
REFERENCE_GPU_SKUS = ("NVIDIA A100 80GB", "NVIDIA H100 80GB")
REFERENCE_UTILIZATION = 0.6


@dataclass(frozen=True)
class PreviewRow:
    label: str
    kind: str  # "api" | "selfhost"
    role: str  # "cheapest" | "middle" | "premium" | "reference"
    monthly: float
    per_mtok: float | None
    detail: str


def _api_rows(book: Any, *, tokens: float, input_share: float, cached_share: float) -> list:
    priced = []
    for price in book.api_offers:
        offer = eng_api.ApiOffer(
            output_per_mtok=float(price.output_per_mtok),
            input_per_mtok=None if price.input_per_mtok is None else float(price.input_per_mtok),
            cached_input_per_mtok=None
            if price.cached_input_per_mtok is None
            else float(price.cached_input_per_mtok),
            name=price.model_name,
        )
        share = {"input_share": input_share, "cached_share": cached_share}
        blended = eng_api.blended_price_per_mtok(offer, **share)
        monthly = eng_api.api_monthly_cost(offer, tokens_per_month=tokens, **share)
        who = f" ({price.provider})" if price.provider else ""
        priced.append((blended, monthly, f"{price.model_name}{who}", price.offer_key))
    if not priced:
        return []
    priced.sort(key=lambda row: (row[0], row[2]))
    median = statistics.median_low([row[0] for row in priced])
    picks = [("cheapest", priced[0]), ("middle", next(r for r in priced if r[0] == median))]
    picks.append(("premium", priced[-1]))
    rows, seen = [], set()
    for role, (blended, monthly, label, key) in picks:
        if label in seen:
            continue
        seen.add(label)
        rows.append(
            PreviewRow(
                label=label,
                kind="api",
                role=role,
                monthly=cents(monthly) or 0.0,
                per_mtok=round(blended, 4),
                detail=f"{key} · ${blended:,.4f} per 1M tokens blended",
            )
        )
    return rows


def _selfhost_row(version: Any, book: Any, *, tokens: float, engineer_rate: float | None) -> Any:
    from pricing.models import ThroughputProfile
    from pricing.selectors import catalog_assumptions

    gpus = {(g.sku, g.gpu_count): g for g in book.gpu_offers}
    gpu = next((gpus[(sku, 1)] for sku in REFERENCE_GPU_SKUS if (sku, 1) in gpus), None)
    if gpu is None:
        return None
    profiles = ThroughputProfile.objects.filter(version=version)
    profile = pick_throughput_profile(
        profiles,
        model_name=REFERENCE_MODEL,
        params_b=REFERENCE_PARAMS_B,
        gpu_sku=gpu.sku,
        gpu_count=1,
        precision=REFERENCE_PRECISION,
    )
    figure = profile_tokens_per_second(profile, gpu_count=1) if profile else None
    if figure is None:
        return None
    a = catalog_assumptions(version)
    hours = float(version.month_hours or HOURS_PER_MONTH)
    devops_hours = float(a.devops_hours_per_month.expected) if a.devops_hours_per_month else 0.0
    if engineer_rate is None and a.devops_hourly_rate is not None:
        engineer_rate = float(a.devops_hourly_rate.expected)
    labor = devops_hours * (engineer_rate or 0.0)
    hourly = (float(gpu.hourly.low) + float(gpu.hourly.high)) / 2
    config = eng_selfhost.SelfHostConfig(
        pricing=eng_selfhost.OnDemandRate(hourly),
        tokens_per_second=figure[0],
        utilization=REFERENCE_UTILIZATION,
        hidden_multiplier=float(a.hidden_cost_multiplier.expected)
        if a.hidden_cost_multiplier
        else 1.0,
        hidden_monthly=labor,
        name=REFERENCE_MODEL,
    )
    cost = eng_selfhost.selfhost_cost(config, tokens_per_month=tokens, hours_per_month=hours)
    return PreviewRow(
        label=f"{REFERENCE_MODEL} on {gpu.sku}",
        kind="selfhost",
        role="reference",
        monthly=cents(cost.monthly) or 0.0,
        per_mtok=None if tokens <= 0 else round(cost.monthly / tokens * 1e6, 4),
        detail=(
            f"{cost.replicas} replica{'s' if cost.replicas != 1 else ''} at ${hourly:,.2f}/h, "
            f"{figure[0]:,.0f} tok/s, {REFERENCE_UTILIZATION:.0%} utilization, "
            f"{devops_hours:,.0f} h/month of engineering"
        ),
    )


def preview_rows(*, organization: Any, workload: Workload) -> tuple[Any, list[PreviewRow]]:
    """(catalog version, rows) for an unsaved workload; reads prices, writes nothing."""
    from pricing.selectors import catalog_version_current, effective_prices

    version = catalog_version_current()
    if version is None:
        return None, []
    book = effective_prices(version=version, organization=organization)
    tokens = float(workload.monthly_tokens)
    rows = _api_rows(
        book,
        tokens=tokens,
        input_share=float(workload.input_share),
        cached_share=float(workload.cached_share),
    )
    rate = workload.engineer_hourly_rate
    selfhost = _selfhost_row(
        version, book, tokens=tokens, engineer_rate=None if rate is None else float(rate)
    )
    if selfhost is not None:
        rows.append(selfhost)
    return version, rows


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
            try:
                context["version"], context["rows"] = preview_rows(
                    organization=self.organization, workload=workload
                )
            except ScenarioError as exc:
                context["engine_error"] = str(exc)
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
