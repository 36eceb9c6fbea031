from __future__ import annotations

from django.urls import include, path

from planner import depth_views, export_views, preview_views, views
from planner.onboarding.views import FirstPlanView

app_name = "planner"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("workloads/", views.WorkloadListView.as_view(), name="workload_list"),
    path("workloads/new/", views.WorkloadCreateView.as_view(), name="workload_create"),
    path("workloads/<int:pk>/edit/", views.WorkloadUpdateView.as_view(), name="workload_edit"),
    path("workloads/<int:pk>/delete/", views.WorkloadDeleteView.as_view(), name="workload_delete"),
    path("plans/", views.PlanListView.as_view(), name="plan_list"),
    path("plans/new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("plans/compare/", views.PlanCompareView.as_view(), name="plan_compare"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/compute/", views.PlanComputeView.as_view(), name="plan_compute"),
    path("plans/<int:pk>/reevaluate/", views.PlanReevaluateView.as_view(), name="plan_reevaluate"),
    path("plans/<int:pk>/flag/clear/", views.PlanFlagClearView.as_view(), name="plan_flag_clear"),
    path("plans/<int:pk>/history/", views.PlanHistoryView.as_view(), name="plan_history"),
    path("plans/<int:pk>/lens/", depth_views.PlanLensView.as_view(), name="plan_lens"),
    path("plans/<int:pk>/delete/", views.PlanDeleteView.as_view(), name="plan_delete"),
    path("comparisons/<int:pk>/", views.ComparisonDetailView.as_view(), name="comparison_detail"),
    path("sweeps/", include("planner.sweep_urls")),
    # The guided first plan (issue 18): a preset and a volume to a computed plan.
    path("start/", FirstPlanView.as_view(), name="first_plan"),
    # Live preview, exports and share links (planner/preview_views.py, planner/export_views.py).
    path(
        "workloads/preview/", preview_views.WorkloadPreviewView.as_view(), name="workload_preview"
    ),
    path("plans/preview/", preview_views.PlanPreviewView.as_view(), name="plan_preview"),
    path("plans/<int:pk>/export.csv", export_views.PlanCsvView.as_view(), name="plan_csv"),
    path("plans/<int:pk>/report/", export_views.PlanReportView.as_view(), name="plan_report"),
    path("plans/<int:pk>/share/", export_views.PlanShareCreateView.as_view(), name="plan_share"),
    path(
        "shares/<int:pk>/revoke/",
        export_views.PlanShareRevokeView.as_view(),
        name="plan_share_revoke",
    ),
    path("s/<str:token>/", export_views.SharedPlanView.as_view(), name="shared_plan"),
]
