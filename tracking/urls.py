from __future__ import annotations

from django.urls import path

from tracking import views

app_name = "tracking"
urlpatterns = [
    path("plans/<int:pk>/forecast/", views.PlanForecastView.as_view(), name="plan_forecast"),
    path(
        "plans/<int:pk>/sensitivity/", views.PlanSensitivityView.as_view(), name="plan_sensitivity"
    ),
    path("budgets/", views.BudgetListView.as_view(), name="budget_list"),
    path("budgets/<int:pk>/delete/", views.BudgetDeleteView.as_view(), name="budget_delete"),
    path("alerts/", views.AlertListView.as_view(), name="alert_list"),
    path("alerts/read-all/", views.AlertsReadAllView.as_view(), name="alerts_read_all"),
    path("alerts/<int:pk>/read/", views.AlertReadView.as_view(), name="alert_read"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("webhooks/<int:pk>/delete/", views.WebhookDeleteView.as_view(), name="webhook_delete"),
    path("webhooks/<int:pk>/test/", views.WebhookTestView.as_view(), name="webhook_test"),
    path(
        "workloads/<int:pk>/actuals/", views.WorkloadActualsView.as_view(), name="workload_actuals"
    ),
    path("usage/", views.UsageImportsView.as_view(), name="usage_imports"),
    path(
        "usage/rules/<int:pk>/delete/",
        views.RoutingRuleDeleteView.as_view(),
        name="routing_rule_delete",
    ),
    path(
        "workloads/<int:pk>/actuals/apply/",
        views.WorkloadApplySuggestionsView.as_view(),
        name="workload_apply_suggestions",
    ),
]
