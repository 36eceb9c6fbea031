"""Routes of the planner API (included from config/api_urls.py)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from planner.api.comparisons import ComparisonViewSet
from planner.api.plans import PlanViewSet
from planner.api.reevaluations import PlanReevaluationViewSet
from planner.api.sweeps import SweepViewSet
from planner.api.views import QuoteView
from planner.api.workloads import WorkloadViewSet

ORG = r"orgs/(?P<org_slug>[-a-zA-Z0-9_]+)"

router = SimpleRouter()
router.register(rf"{ORG}/workloads", WorkloadViewSet, basename="workload")
router.register(rf"{ORG}/plans", PlanViewSet, basename="plan")
router.register(rf"{ORG}/comparisons", ComparisonViewSet, basename="comparison")
router.register(rf"{ORG}/sweeps", SweepViewSet, basename="sweep")
router.register(rf"{ORG}/reevaluations", PlanReevaluationViewSet, basename="reevaluation")

urlpatterns = [
    path("quote", QuoteView.as_view(), name="quote"),
    *router.urls,
]
