"""View mixins that every organization-scoped page uses.

`OrgMemberMixin` gives a view `self.membership` and `self.organization` (the
current organization) and `self.scoped(queryset)`; `TenantObjectMixin` fetches
the object named in the URL through `accounts.access`, so a view cannot forget
the tenancy check. The cross-tenant test harness relies on each object view
declaring `model`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts import access
from accounts.models import Membership, Organization


class OrgMemberMixin(LoginRequiredMixin):
    """Requires a login and a current organization; writes need a writing role."""

    write_required = False
    membership: Membership
    organization: Organization

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = request.membership  # type: ignore[attr-defined]
        if not membership:
            return redirect("accounts:organization_create")
        self.membership = membership
        self.organization = membership.organization
        if self.write_required or request.method not in ("GET", "HEAD", "OPTIONS"):
            access.require_write(membership)
        return super().dispatch(request, *args, **kwargs)

    def scoped(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.for_org(self.organization)  # type: ignore[attr-defined]


class TenantObjectMixin(LoginRequiredMixin):
    """Fetches `self.object` (of `model`, by the URL's `pk`) for a member of its organization.

    Non-members get 404; members without a writing role get 403 on writes.
    """

    model: type[models.Model]
    write_required = False
    pk_url_kwarg = "pk"
    membership: Membership
    organization: Organization

    def get_base_queryset(self) -> models.QuerySet:
        return self.model._default_manager.all()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        writing = self.write_required or request.method not in ("GET", "HEAD", "OPTIONS")
        fetch = access.get_for_writer if writing else access.get_for_member
        self.object, self.membership = fetch(
            self.get_base_queryset(), request.user, kwargs[self.pk_url_kwarg]
        )
        self.organization = self.membership.organization
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, queryset: models.QuerySet | None = None) -> models.Model:
        return self.object
