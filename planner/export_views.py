"""Getting a plan out: CSV, a printable report, and read-only share links.

Members read the CSV and the report; owners and admins create and revoke share links.
The shared page is public by token (tests/tenancy/routes.py PUBLIC) and shows that one
plan's latest comparison, nothing else of the organization.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views import View
from django.views.generic import TemplateView

from accounts.csvsafe import safe_row
from accounts.mixins import TenantObjectMixin
from accounts.tenancy import organization_scope
from formatting import format_tokens, money_amount
from formatting.money import to_decimal
from planner import selectors, share_services, wording
from planner.models import Plan, PlanShareLink
from planner.views import comparison_context


def plan_csv_rows(plan: Plan) -> list[list[Any]]:
    """The plan and its latest comparison as rows: a header block, costs, break-evens.

    Amounts are in the comparison's currency (named in the header block and the column
    names), rounded to its minor units by the same formatter as the pages (JPY whole yen,
    KWD three places); token counts are whole numbers with their label beside them.
    """
    comparison = plan.latest_comparison
    rows: list[list[Any]] = [
        ["plan", plan.name],
        ["workload", plan.workload.name],
        ["catalog_version", str(plan.catalog_version)],
    ]
    if comparison is None:
        rows.append(["status", "not computed"])
        return rows
    results = comparison.results
    currency = selectors.comparison_currency(comparison=comparison, plan=plan)
    unit = currency.lower()

    def amount(value: Any) -> Any:
        return money_amount(value, currency)

    rows += [
        ["comparison", comparison.number],
        ["computed_at", comparison.created_at.isoformat()],
        ["currency", currency],
        ["tokens_per_month", round(results["tokens_per_month"])],
        ["recommended_option", results["recommendation"]["option"] or ""],
        [],
        ["reason_code", "reason"],
    ]
    for reason in results["recommendation"]["reasons"]:
        rows.append([reason["code"], wording.reason_text(reason, currency)])
        if reason["code"] == "five_questions":
            rows += [
                ["question", q["question"], "yes" if q["answer"] else "no", q["source"]]
                for q in wording.decision_answers(
                    reason.get("figures") or {}, results["tokens_per_month"]
                )
            ]
    rows += [
        [],
        ["option", "kind", "component", f"low_{unit}", f"expected_{unit}", f"high_{unit}"],
    ]
    for option in results["options"]:
        monthly = option["monthly"]
        rows.append(
            [
                option["name"],
                option["kind"],
                "total",
                amount(monthly["low"]),
                amount(monthly["expected"]),
                amount(monthly["high"]),
            ]
        )
        for part, values in (option.get("breakdown") or {}).items():
            rows.append(
                [
                    option["name"],
                    option["kind"],
                    part,
                    amount(values.get("low")),
                    amount(values.get("expected")),
                    amount(values.get("high")),
                ]
            )
    rows += _unit_cost_rows(results, unit)
    breakevens = [
        (option["name"], be)
        for option in results["options"]
        for be in option.get("breakevens") or []
    ]
    if breakevens:
        rows += [
            [],
            [
                "selfhost_option",
                "api_option",
                "breakeven_tokens_per_month",
                "breakeven_tokens_label",
                "reason",
            ],
        ]
        for name, be in breakevens:
            tokens = be["tokens_per_month"]
            rows.append(
                [
                    name,
                    be["api_option"],
                    tokens,
                    "" if tokens is None else format_tokens(tokens),
                    wording.breakeven_text(name, be),
                ]
            )
    if "outcome_ranking" in results:
        rows += _outcome_quality_energy_rows(results, unit)
    return rows


def _outcome_quality_energy_rows(results: dict[str, Any], unit: str) -> list[list[Any]]:
    """Per option: cost per successful outcome and its rank (known rates only), the
    published quality score against the floor, and energy and carbon a month."""
    rows: list[list[Any]] = [[]]
    if results.get("quality_floor"):
        rows.append(["quality_floor", wording.floor_text(results["quality_floor"])])
    rows.append(
        [
            "option",
            "success_rate",
            f"cost_per_successful_mtok_{unit}",
            "outcome_rank",
            "quality_score",
            "quality_benchmark",
            "quality_share_of_reference",
            "meets_quality_floor",
            "kwh_per_month",
            "kg_co2e_per_month",
            "energy",
        ]
    )
    for option in results["options"]:
        outcome = option.get("outcome") or {}
        quality = option.get("quality") or {}
        energy = option.get("energy") or {}
        meets = quality.get("meets_floor")
        rows.append(
            [
                option["name"],
                "unknown" if not outcome.get("known") else outcome.get("success_rate"),
                # A rate per 1M tokens, to 4 places as stored (cents would round it away).
                outcome.get("cost_per_successful_mtok"),
                "not ranked" if outcome.get("rank") is None else outcome["rank"],
                quality.get("model_score", ""),
                quality.get("benchmark") or "",
                "" if quality.get("share") is None else quality["share"],
                "" if meets is None else ("yes" if meets else "no"),
                energy.get("kwh_per_month", "unknown") if energy.get("known") else "unknown",
                "unknown"
                if energy.get("kg_co2e_per_month") is None
                else energy["kg_co2e_per_month"],
                wording.energy_basis(energy) if energy else "",
            ]
        )
    return rows


def _unit_cost_rows(results: dict[str, Any], unit: str) -> list[list[Any]]:
    """Each option's cost per 1M tokens, per request and per 1,000 requests, and its p99
    latency, when the workload states its request shape (unit prices keep their digits)."""
    shape = results.get("request_shape")
    if not shape:
        return []
    rows: list[list[Any]] = [
        [],
        ["input_tokens_per_request", round(shape["input_tokens"])],
        ["output_tokens_per_request", round(shape["output_tokens"])],
        ["requests_per_month", results["requests_per_month"]],
        [
            "option",
            f"per_mtok_{unit}",
            f"per_request_{unit}",
            f"per_1k_requests_{unit}",
            "p99_latency_s",
            "latency_source",
            "concurrency",
        ],
    ]
    for option in results["options"]:
        serving = option.get("serving") or {}
        rows.append(
            [
                option["name"],
                to_decimal(option.get("cost_per_mtok")),
                to_decimal(option.get("cost_per_request")),
                to_decimal(option.get("cost_per_1k_requests")),
                option.get("p99_latency_s"),
                option.get("latency_source") or "",
                serving.get("concurrency"),
            ]
        )
    return rows


class PlanCsvView(TenantObjectMixin, View):
    model = Plan

    def get_base_queryset(self):
        return Plan.objects.select_related("workload", "catalog_version__catalog")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = slugify(self.object.name) or "plan"
        response["Content-Disposition"] = f'attachment; filename="{name}-{self.object.pk}.csv"'
        writer = csv.writer(response)
        for row in plan_csv_rows(self.object):
            writer.writerow(safe_row(row))
        return response


class PlanReportView(TenantObjectMixin, TemplateView):
    """The plan as a printable page (no navigation): print it or save it as PDF."""

    model = Plan
    template_name = "planner/plan_report.html"

    def get_base_queryset(self):
        return Plan.objects.select_related("workload", "catalog_version__catalog")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            plan=self.object,
            shared=False,
            organization_name=self.organization.name,
            **comparison_context(self.object.latest_comparison, self.object),
        )
        return context


class PlanShareCreateView(TenantObjectMixin, View):
    model = Plan
    write_required = True
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            link = share_services.share_link_create(
                plan=self.object,
                actor=request.user,
                membership=self.membership,
                include_private_prices=request.POST.get("include_private_prices") == "on",
                expires_in=request.POST.get("expires_in", share_services.DEFAULT_EXPIRY),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("planner:plan_detail", pk=self.object.pk)
        url = request.build_absolute_uri(reverse("planner:shared_plan", args=[link.token]))
        prices = (
            "with your private negotiated prices"
            if link.include_private_prices
            else "with public catalog prices only"
        )
        until = f"until {link.expires_at:%Y-%m-%d}" if link.expires_at else "until revoked"
        messages.success(
            request,
            f"Share link created: {url} — anyone with it can read this plan, {prices}, {until}.",
        )
        return redirect("planner:plan_detail", pk=self.object.pk)


class PlanShareRevokeView(TenantObjectMixin, View):
    model = PlanShareLink
    write_required = True
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if share_services.share_link_revoke(
            link=self.object, actor=request.user, membership=self.membership
        ):
            messages.success(request, "Share link revoked: it no longer opens the plan.")
        else:
            messages.info(request, "That share link was already revoked.")
        return redirect("planner:plan_detail", pk=self.object.plan_id)


class SharedPlanView(View):
    """Public, read-only: the plan behind an active share token (404 once revoked)."""

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        plan, link = share_services.plan_for_share_token(token=token)
        # The token opens this plan's organization (read-only), and nothing else.
        with organization_scope(plan.organization_id):
            comparison = plan.latest_comparison
            context = {"plan": plan, "shared": True, **comparison_context(comparison, plan)}
            if not link.include_private_prices and share_services.comparison_uses_private_prices(
                comparison
            ):
                context.update(_public_price_context(plan, comparison))
            response = render(request, "planner/plan_report.html", context)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "private, no-store"
        return response


def _public_price_context(plan: Plan, comparison: Any) -> dict[str, Any]:
    """The shared page's figures when the link leaves private prices out: the plan priced
    with public catalog prices now (options with only a private price left out)."""
    public = share_services.public_price_results_cached(plan=plan)
    context: dict[str, Any] = {
        "public_prices": True,
        "hidden_options": public.hidden_options,
        "comparison": None,
        "chart_data": {},
    }
    if public.results is not None:
        results = public.results
        context.update(
            results=results,
            comparison={
                "number": comparison.number,
                "catalog_version_id": plan.catalog_version_id,
                "overlay_id": None,
                "created_at": timezone.now(),
            },
            chart_data={
                "comparison": comparison.number,
                "recommended": results["recommendation"]["option"],
                **results.get("curves", {}),
            },
        )
    return context
