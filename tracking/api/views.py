"""/api/v1/orgs/{org_slug}/...: budgets, alerts, webhooks, plan forecasts and sensitivity,
workload actuals. Thin: parse, check access (``OrgScopedViewSet``), call a tracking
service or selector, respond. The forecast, sensitivity and plan-vs-actual figures come
from the same selectors as the pages, so both show the same numbers.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.idempotency import IdempotentCreateMixin
from accounts.api.permissions import Capability
from accounts.api.scoping import OrgScopedViewSet
from planner.api.serializers import WorkloadSerializer
from planner.models import Plan, Workload
from pricing.api.filters import StrictBooleanFilter, StrictFilterSet
from tracking import forecasting, selectors, services
from tracking.api.serializers import (
    AlertSerializer,
    AlertsReadSerializer,
    AssumptionsQuerySerializer,
    AssumptionsSerializer,
    BudgetSerializer,
    BudgetUpdateSerializer,
    ForecastSerializer,
    OrgUsageUploadSerializer,
    PlanVsActualSerializer,
    RoutingRuleSerializer,
    RoutingRuleUpdateSerializer,
    SensitivitySerializer,
    SuggestionsAppliedSerializer,
    UsageImportJobSerializer,
    UsageUploadSerializer,
    WebhookCreatedSerializer,
    WebhookSerializer,
    WebhookTestSerializer,
)
from tracking.models import (
    Alert,
    Budget,
    UsageImportJob,
    UsageRoutingRule,
    WebhookDelivery,
    WebhookEndpoint,
)
from tracking.usage import services as usage_services

# --- budgets -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Budgets of the organization (its own and per workload)"),
    create=extend_schema(
        summary="Set a monthly budget for the organization or one workload",
        description="Creates the budget of that scope (201), or replaces its amount and "
        "currency if it already has one (200). `workload` empty: the organization's budget, "
        "used by plans whose workload has none. A workload of another organization is a 400 "
        "naming `workload`.",
        responses={200: BudgetSerializer, 201: BudgetSerializer},
    ),
    retrieve=extend_schema(summary="One budget"),
    partial_update=extend_schema(
        summary="Change a budget's amount or currency",
        request=BudgetUpdateSerializer,
        responses={200: BudgetSerializer},
    ),
    destroy=extend_schema(summary="Delete a budget"),
)
class BudgetViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    queryset = Budget.objects.all()
    serializer_class = BudgetSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering = ["pk"]

    def get_queryset(self) -> QuerySet[Budget]:
        organization = self._resolved_organization()
        if organization is None:
            return Budget.objects.none()
        return selectors.budgets_for_org(organization=organization)

    def get_serializer_class(self) -> type:
        if self.action in ("update", "partial_update"):
            return BudgetUpdateSerializer
        return BudgetSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = BudgetSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        workload = data.get("workload")
        existed = self.get_queryset().filter(workload=workload).exists()
        budget = services.budget_set(
            organization=self.organization,
            actor=request.user,
            workload=workload,
            monthly_amount=data["monthly_amount"],
            currency=data.get("currency") or self.organization.currency,
        )
        body = BudgetSerializer(self.get_queryset().get(pk=budget.pk)).data
        return Response(body, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def perform_update(self, serializer: BudgetUpdateSerializer) -> None:
        budget = serializer.instance
        data = serializer.validated_data
        services.budget_set(
            organization=self.organization,
            actor=self.request.user,
            workload=budget.workload,
            monthly_amount=data.get("monthly_amount", budget.monthly_amount),
            currency=data.get("currency", budget.currency),
        )
        serializer.instance = self.get_queryset().get(pk=budget.pk)

    def perform_destroy(self, instance: Budget) -> None:
        services.budget_delete(
            organization=self.organization, actor=self.request.user, budget=instance
        )


# --- alerts ------------------------------------------------------------------------------


class AlertFilter(StrictFilterSet):
    unread = StrictBooleanFilter(
        field_name="read_at", lookup_expr="isnull", help_text="Only unread (or only read) alerts."
    )

    class Meta:
        model = Alert
        fields = ["unread", "kind"]


@extend_schema_view(
    list=extend_schema(summary="Alerts of the organization, newest first"),
    retrieve=extend_schema(summary="One alert"),
)
class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    queryset = Alert.objects.all()
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    ordering = ["-created_at", "-pk"]

    def get_queryset(self) -> QuerySet[Alert]:
        organization = self._resolved_organization()
        if organization is None:
            return Alert.objects.none()
        return selectors.alerts_for_org(organization=organization)

    @extend_schema(summary="Mark an alert read", request=None, responses={200: AlertSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def read(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        alert = self.get_object()
        alert = services.alert_mark_read(
            organization=self.organization, actor=request.user, alert=alert
        )
        return Response(AlertSerializer(alert).data)

    @extend_schema(
        summary="Mark every unread alert read",
        request=None,
        responses={200: AlertsReadSerializer},
        filters=False,
    )
    @action(detail=False, methods=["post"], url_path="read-all", filterset_class=None)
    def read_all(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        count = services.alerts_mark_all_read(organization=self.organization, actor=request.user)
        return Response(AlertsReadSerializer({"marked": count}).data)


# --- webhooks ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Webhook endpoints (owners and admins; secrets never shown)"),
    create=extend_schema(
        summary="Register a webhook endpoint: the response holds its secret, once",
        description="Alerts are POSTed to `url`, signed with the secret (HMAC-SHA256). The "
        "secret is in this response only: store it now. The URL must be http(s) and resolve "
        "to a public address.",
        request=WebhookSerializer,
        responses={201: WebhookCreatedSerializer},
    ),
    retrieve=extend_schema(summary="One webhook endpoint (without its secret)"),
    destroy=extend_schema(summary="Delete a webhook endpoint"),
)
class WebhookViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    """Owners and admins only, reads included: the endpoints say where alerts go.

    No Idempotency-Key on create: the response carries the secret, which must not sit in
    the idempotency cache."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookSerializer
    ordering = ["-created_at", "-pk"]

    def required_capability(self) -> Capability:
        return "manage"

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        organization = self._resolved_organization()
        if organization is None:
            return WebhookEndpoint.objects.none()
        return selectors.webhooks_for_org(organization=organization)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = WebhookSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        endpoint, secret = services.webhook_create(
            organization=self.organization, actor=request.user, url=serializer.validated_data["url"]
        )
        body = {**WebhookSerializer(endpoint).data, "secret": secret}
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response

    def perform_destroy(self, instance: WebhookEndpoint) -> None:
        services.webhook_delete(
            organization=self.organization, actor=self.request.user, endpoint=instance
        )

    @extend_schema(
        summary="Queue a signed `ping` to the endpoint",
        request=None,
        responses={202: WebhookTestSerializer},
    )
    @action(detail=True, methods=["post"])
    def test(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        delivery_id = services.webhook_test(
            organization=self.organization, actor=request.user, endpoint=endpoint
        )
        delivery = WebhookDelivery.objects.for_org(self.organization).get(pk=delivery_id)
        body = {"delivery": delivery_id, "status": delivery.status}
        return Response(WebhookTestSerializer(body).data, status=status.HTTP_202_ACCEPTED)


# --- plan forecast and sensitivity ---------------------------------------------------------

FORECAST_KEYS = {
    name: [] if name in ("months", "projected_monthly") else None
    for name in ForecastSerializer().fields
}
SENSITIVITY_KEYS = dict.fromkeys(SensitivitySerializer().fields)
SENSITIVITY_KEYS["bars"] = []
ASSUMPTION_PARAMETERS = [
    OpenApiParameter(
        name,
        OpenApiTypes.NUMBER,
        description=f"Try another {name.replace('_', ' ')} without saving it "
        "(default: the plan's saved assumption).",
    )
    for name in AssumptionsSerializer().fields
]


def forecast_body(forecast: dict[str, Any]) -> dict[str, Any]:
    """The selector's forecast with every documented key, and the budget block carrying the
    projected spend and the month it passes the budget."""
    body = {**FORECAST_KEYS, "over_budget_now": False, **forecast}
    budget = forecast.get("budget")
    if budget is not None:
        body["budget"] = {
            "id": None,
            "scope": None,
            "amount": None,
            "currency": None,
            "amount_in_catalog_currency": None,
            **budget,
            "projected_monthly": forecast.get("recommended_monthly"),
            "over_budget_now": bool(forecast.get("over_budget_now")),
            "exceeded_month": forecast.get("budget_exceeded_month"),
        }
    return body


class PlanForecastViewSet(OrgScopedViewSet):
    """``plans/{id}/forecast/`` and ``plans/{id}/sensitivity/`` (the plan pages' tabs)."""

    queryset = Plan.objects.all()
    serializer_class = ForecastSerializer
    filterset_class = None
    filter_backends: list = []
    http_method_names = ["get", "put", "head", "options"]

    def get_queryset(self) -> QuerySet[Plan]:
        organization = self._resolved_organization()
        if organization is None:
            return Plan.objects.none()
        return Plan.objects.for_org(organization).select_related(
            "workload", "catalog_version", "organization"
        )

    def _forecast(self, plan: Plan, overrides: dict[str, Any]) -> dict[str, Any]:
        if not overrides:
            return forecasting.forecast_for_plan(plan=plan)
        comparison = plan.latest_comparison
        if comparison is None:
            return forecasting.forecast_for_plan(plan=plan)
        assumptions = forecasting.assumptions_for_plan(plan=plan)
        assumptions.update({name: float(value) for name, value in overrides.items()})
        return forecasting.forecast_for_comparison(
            plan=plan, comparison=comparison, assumptions=assumptions
        )

    @extend_schema(
        methods=["GET"],
        summary="The plan's 24-month forecast, its budget and the month spend passes it",
        description="From the plan's latest comparison, as on the forecast page: API and "
        "self-host lines month by month with the workload's growth and the assumptions, "
        "break-even and payback months, and `budget`: the budget that applies (the "
        "workload's, else the organization's), the projected spend now and "
        "`exceeded_month`. Query parameters try other assumptions without saving them. "
        "Before a computation: `available` false with a `reason`.",
        parameters=ASSUMPTION_PARAMETERS,
        responses={200: ForecastSerializer},
    )
    @extend_schema(
        methods=["PUT"],
        summary="Save the plan's forecast assumptions; returns the new forecast",
        request=AssumptionsSerializer,
        responses={200: ForecastSerializer},
    )
    @action(detail=True, methods=["get", "put"])
    def forecast(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        if request.method == "PUT":
            serializer = AssumptionsSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.forecast_assumptions_set(
                organization=self.organization,
                actor=request.user,
                plan=plan,
                **serializer.validated_data,
            )
            return Response(forecast_body(forecasting.forecast_for_plan(plan=plan)))
        query = AssumptionsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(forecast_body(self._forecast(plan, dict(query.validated_data))))

    @extend_schema(
        summary="Sensitivity (tornado) of the plan's cheapest API vs cheapest self-host option",
        description="Each input swings by +/- 20%; bars sorted by swing, largest first; "
        "`flips` when the cheaper side changes. Needs a computed plan with an API and a "
        "self-host option (otherwise `available` false with a `reason`).",
        responses={200: SensitivitySerializer},
    )
    @action(detail=True, methods=["get"])
    def sensitivity(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        return Response({**SENSITIVITY_KEYS, **forecasting.sensitivity_for_plan(plan=plan)})


# --- workload actuals ----------------------------------------------------------------------

PLAN_PARAMETER = OpenApiParameter(
    "plan",
    OpenApiTypes.INT,
    description="Compare with this plan of the workload (default: its latest computed plan).",
)


class WorkloadActualsViewSet(OrgScopedViewSet):
    """``workloads/{id}/actuals/``: actual usage against the plan, CSV import, suggestions."""

    queryset = Workload.objects.all()
    serializer_class = PlanVsActualSerializer
    filterset_class = None
    filter_backends: list = []

    def _plan(self, workload: Workload) -> Plan | None:
        """The page's choice: ``?plan=`` among the workload's plans, else the latest
        computed one."""
        plans = selectors.plans_for_workload(workload=workload)
        wanted = self.request.query_params.get("plan")
        if wanted:
            if not wanted.isdigit() or len(wanted) > 18:
                raise ValidationError({"plan": ["A plan id is a whole number."]})
            chosen = plans.filter(pk=wanted).first()
            if chosen is None:
                raise ValidationError({"plan": ["Choose a plan of this workload."]})
            return chosen
        return plans.filter(comparisons__isnull=False).distinct().first()

    @extend_schema(
        methods=["GET"],
        summary="Plan vs actual, month by month, and the figures the actuals suggest",
        parameters=[PLAN_PARAMETER],
        responses={200: PlanVsActualSerializer},
    )
    @extend_schema(
        methods=["POST"],
        summary="Import actual usage (multipart CSV upload): the whole file or nothing",
        description="Send `file_format` and `file` as multipart/form-data. The file is "
        "imported in the background: the answer is a 202 with the import job (and its URL in "
        "`Location`) to poll until `status` is `succeeded` or `failed`. A file that cannot "
        "be read at all (format, size, encoding, missing columns) is a 400 at once; a bad "
        "row makes the job `failed` with `errors` listing every problem as "
        "`Row <n>, field <name>: ...` (the header is row 1), and nothing is written. Rows "
        "go to workloads by the organization's routing rules first; the rest come to this "
        "workload. A month in the file replaces the same month, model and kind imported "
        "before (so the same file twice changes nothing).",
        request={"multipart/form-data": UsageUploadSerializer},
        responses={202: UsageImportJobSerializer},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def actuals(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        workload = self.get_object()
        if request.method == "GET":
            body = selectors.plan_vs_actual(workload=workload, plan=self._plan(workload))
            return Response(body)
        upload = UsageUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        job = usage_services.usage_import_start(
            organization=self.organization,
            actor=request.user,
            workload=workload,
            content=file,
            file_format=upload.validated_data["file_format"],
            filename=file.name or "",
            date_order=upload.validated_data["date_order"],
        )
        url = self._job_url(workload, job.pk)
        return Response(
            UsageImportJobSerializer(job, context={"url": url}).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": url},
        )

    def _job_url(self, workload: Workload, job_id: int) -> str:
        path = reverse(
            "workload-tracking-actuals-import",
            kwargs={"org_slug": self.organization.slug, "pk": workload.pk, "job_id": job_id},
        )
        return self.request.build_absolute_uri(path)

    @extend_schema(
        summary="One usage import job: status, rows read, problems, the import it made",
        responses={200: UsageImportJobSerializer},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"actuals/imports/(?P<job_id>[0-9]{1,18})",
        url_name="actuals-import",
    )
    def actuals_import(self, request: Request, *args: Any, job_id: str, **kwargs: Any) -> Response:
        workload = self.get_object()
        job = (
            selectors.import_jobs_for_workload(workload=workload)
            .select_related("usage_import")
            .filter(pk=int(job_id))
            .first()
        )
        if job is None:
            raise NotFound()
        url = self._job_url(workload, job.pk)
        return Response(UsageImportJobSerializer(job, context={"url": url}).data)

    @extend_schema(
        summary="Set the workload's volume, input share and growth to the suggested figures",
        description="The suggestions of `GET actuals/`: volume = mean of the last three "
        "months, input share over all months, growth = compound monthly rate. 400 before any "
        "actual usage was imported. Plans are not recomputed.",
        request=None,
        responses={200: SuggestionsAppliedSerializer},
    )
    @action(detail=True, methods=["post"], url_path="actuals/apply", url_name="actuals-apply")
    def apply(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        workload = self.get_object()
        suggestion = selectors.suggestions(months=selectors.actual_months(workload=workload))
        if suggestion is None:
            raise ValidationError("Import actual usage first: there is nothing to apply.")
        workload = services.workload_apply_suggestions(
            organization=self.organization,
            actor=request.user,
            workload=workload,
            suggestion=suggestion,
        )
        body = {
            "applied": selectors.suggestion_as_dict(suggestion),
            "workload": WorkloadSerializer(workload).data,
        }
        return Response(SuggestionsAppliedSerializer(body).data)


# --- usage imports and routing rules --------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Routing rules: which workload a usage row goes to"),
    create=extend_schema(
        summary="Add a routing rule",
        description="Rows of later imports whose `dimension` equals `value` go to "
        "`workload`. A row is routed by its API key first, then its tags (in order), team, "
        "user and model group; a file's own `workload` column comes before any rule. A "
        "second rule for the same dimension and value is a 400 naming `value`.",
    ),
    retrieve=extend_schema(summary="One routing rule"),
    partial_update=extend_schema(
        summary="Send a rule's rows to another workload",
        request=RoutingRuleUpdateSerializer,
        responses={200: RoutingRuleSerializer},
    ),
    destroy=extend_schema(summary="Delete a routing rule"),
)
class UsageRoutingRuleViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    queryset = UsageRoutingRule.objects.all()
    serializer_class = RoutingRuleSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering = ["dimension", "value", "pk"]
    filterset_fields = ["dimension", "workload"]

    def get_queryset(self) -> QuerySet[UsageRoutingRule]:
        organization = self._resolved_organization()
        if organization is None:
            return UsageRoutingRule.objects.none()
        return selectors.routing_rules_for_org(organization=organization)

    def get_serializer_class(self) -> type:
        if self.action in ("update", "partial_update"):
            return RoutingRuleUpdateSerializer
        return RoutingRuleSerializer

    def perform_create(self, serializer: RoutingRuleSerializer) -> None:
        serializer.instance = usage_services.routing_rule_create(
            organization=self.organization, actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: RoutingRuleUpdateSerializer) -> None:
        rule = serializer.instance
        serializer.instance = usage_services.routing_rule_update(
            organization=self.organization,
            actor=self.request.user,
            rule=rule,
            workload=serializer.validated_data.get("workload", rule.workload),
        )

    def perform_destroy(self, instance: UsageRoutingRule) -> None:
        usage_services.routing_rule_delete(
            organization=self.organization, actor=self.request.user, rule=instance
        )


@extend_schema_view(
    list=extend_schema(summary="Usage import jobs of the organization, newest first"),
    retrieve=extend_schema(
        summary="One usage import job: status, rows read, problems, its report",
        responses={200: UsageImportJobSerializer},
    ),
)
class UsageImportViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet
):
    """``usage-imports/``: one upload feeding many workloads by the routing rules."""

    queryset = UsageImportJob.objects.all()
    serializer_class = UsageImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]
    ordering = ["-created_at", "-pk"]
    filterset_fields = ["status", "file_format"]

    def get_queryset(self) -> QuerySet[UsageImportJob]:
        organization = self._resolved_organization()
        if organization is None:
            return UsageImportJob.objects.none()
        return selectors.import_jobs_for_org(organization=organization)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["url"] = None
        return context

    def _url(self, job: UsageImportJob) -> str:
        path = reverse(
            "usage-import-detail", kwargs={"org_slug": self.organization.slug, "pk": job.pk}
        )
        return self.request.build_absolute_uri(path)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        body = [UsageImportJobSerializer(job, context={"url": self._url(job)}).data for job in page]
        return self.get_paginated_response(body)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        job = self.get_object()
        return Response(UsageImportJobSerializer(job, context={"url": self._url(job)}).data)

    @extend_schema(
        summary="Import a usage file into the workloads its rows belong to",
        description="Send `file_format`, `file` and optionally `workload` and `date_order` "
        "as multipart/form-data. Each row goes to a workload by the organization's routing "
        "rules; rows no rule claims go to `workload`, or are left out and counted in the "
        "report. Tool-call rows (no model) are skipped and counted; embeddings, other calls "
        "and proxy-cache answers are kept apart from chat; cached input tokens count toward "
        "the cached share. The answer is a 202 with the job (its URL in `Location`) to poll. "
        "A file that cannot be read at all is a 400 at once; a bad row makes the job "
        "`failed` with `errors` naming row and field, and nothing is written.",
        request={"multipart/form-data": OrgUsageUploadSerializer},
        responses={202: UsageImportJobSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = OrgUsageUploadSerializer(data=request.data, context=self.get_serializer_context())
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        file = data["file"]
        job = usage_services.usage_import_start(
            organization=self.organization,
            actor=request.user,
            workload=data.get("workload"),
            content=file,
            file_format=data["file_format"],
            filename=file.name or "",
            date_order=data["date_order"],
        )
        url = self._url(job)
        return Response(
            UsageImportJobSerializer(job, context={"url": url}).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": url},
        )
