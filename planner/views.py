from __future__ import annotations

from django.views.generic import TemplateView

from accounts.mixins import OrgMemberMixin


class DashboardView(OrgMemberMixin, TemplateView):
    template_name = "planner/dashboard.html"
