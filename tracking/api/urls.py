"""Routes of the tracking API (included from config/api_urls.py)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from tracking.api.views import (
    AlertViewSet,
    BudgetViewSet,
    PlanForecastViewSet,
    UsageImportViewSet,
    UsageRoutingRuleViewSet,
    WebhookViewSet,
    WorkloadActualsViewSet,
)

ORG = r"orgs/(?P<org_slug>[-a-zA-Z0-9_]+)"

router = SimpleRouter()
router.register(rf"{ORG}/budgets", BudgetViewSet, basename="budget")
router.register(rf"{ORG}/alerts", AlertViewSet, basename="alert")
router.register(rf"{ORG}/webhooks", WebhookViewSet, basename="webhook")
router.register(
    rf"{ORG}/usage-routing-rules", UsageRoutingRuleViewSet, basename="usage-routing-rule"
)
router.register(rf"{ORG}/usage-imports", UsageImportViewSet, basename="usage-import")
# Detail actions only (no list or detail routes): plans/{id}/forecast/, plans/{id}/sensitivity/
router.register(rf"{ORG}/plans", PlanForecastViewSet, basename="plan-tracking")
# workloads/{id}/actuals/ and workloads/{id}/actuals/apply/
router.register(rf"{ORG}/workloads", WorkloadActualsViewSet, basename="workload-tracking")

urlpatterns = router.urls
