"""Catalog pages: read-only, for any logged-in member of an organization.

Catalog versions are public (not tenant-owned): `tenant_scoped = False` tells the
cross-tenant harness so. Private overlay prices appear only for the current
organization, through `selectors.effective_prices`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.generic import DetailView, ListView, TemplateView

from accounts.mixins import OrgMemberMixin
from pricing import selectors, services
from pricing.forms import BenchmarkUploadForm
from pricing.models import (
    CatalogVersion,
    HiddenCost,
    ModelSpec,
    OwnedHardware,
    ThroughputProfile,
    VolumeTier,
)


class CatalogListView(OrgMemberMixin, ListView):
    model = CatalogVersion
    tenant_scoped = False
    template_name = "pricing/catalog_list.html"
    context_object_name = "versions"

    def get_queryset(self) -> QuerySet[CatalogVersion]:
        return selectors.versions_visible_to(self.organization)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["current"] = selectors.catalog_version_current()
        # Each catalog's own current version is marked in the list.
        context["current_ids"] = {v.pk for v in selectors.catalog_versions_current().values()}
        return context


class CatalogVersionDetailView(OrgMemberMixin, DetailView):
    model = CatalogVersion
    tenant_scoped = False
    template_name = "pricing/catalog_detail.html"
    context_object_name = "version"

    def get_queryset(self) -> QuerySet[CatalogVersion]:
        return selectors.versions_visible_to(self.organization)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        version: CatalogVersion = self.object
        query = self.request.GET.get("q", "").strip()[:100]
        book = selectors.effective_prices(version=version, organization=self.organization)
        api = book.api_offers
        gpus = book.gpu_offers
        throughput = ThroughputProfile.objects.filter(version=version).select_related("source")
        specs = ModelSpec.objects.filter(version=version)
        owned = OwnedHardware.objects.filter(version=version)
        if query:
            q = query.lower()
            api = tuple(o for o in api if q in o.model_name.lower() or q in o.provider.lower())
            gpus = tuple(g for g in gpus if q in g.sku.lower())
            throughput = throughput.filter(Q(setup__icontains=query) | Q(gpu_sku__icontains=query))
            specs = specs.filter(name__icontains=query)
            owned = owned.filter(name__icontains=query)
        context.update(
            query=query,
            book=book,
            api_offers=api,
            gpu_offers=gpus,
            owned_hardware=owned,
            model_specs=specs,
            throughput=throughput,
            hidden_costs=HiddenCost.objects.filter(version=version),
            volume_tiers=VolumeTier.objects.filter(version=version),
            assumptions=selectors.catalog_assumptions(version),
        )
        return context


class DiffForm(forms.Form):
    old = forms.IntegerField()
    new = forms.IntegerField()


class CatalogDiffView(OrgMemberMixin, TemplateView):
    template_name = "pricing/catalog_diff.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        visible = selectors.versions_visible_to(self.organization)
        form = DiffForm(self.request.GET or None)
        context.update(form=form, versions=visible, changes=None)
        if not form.is_bound:
            # Two different versions to start with: the newest and the one before it (of
            # the same catalog when there is one), never the same version on both sides.
            newest = list(visible[:50])
            if newest:
                new = newest[0]
                older = [v for v in newest[1:] if v.catalog_id == new.catalog_id] or newest[1:]
                context.update(new=new, old=older[0] if older else None)
        if form.is_valid():
            by_pk = {
                v.pk: v
                for v in visible.filter(pk__in=[form.cleaned_data["old"], form.cleaned_data["new"]])
            }
            old, new = by_pk.get(form.cleaned_data["old"]), by_pk.get(form.cleaned_data["new"])
            if old is None or new is None:
                raise Http404
            context.update(old=old, new=new, changes=selectors.version_diff(old=old, new=new))
        return context


class PrivateProfileListView(OrgMemberMixin, TemplateView):
    """The organization's own throughput profiles; writers import a benchmark file here."""

    template_name = "pricing/private_profiles.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            profiles=selectors.private_profiles_for_org(organization=self.organization)[:200],
            form=kwargs.get("form") or BenchmarkUploadForm(),
            can_write=self.membership.can_write,
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = BenchmarkUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            upload = data.pop("file")
            try:
                profile = services.private_profile_import(
                    organization=self.organization,
                    actor=request.user,
                    content=upload.read(),
                    filename=upload.name or "",
                    **data,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, f"Imported {profile.name}.")
                return redirect("pricing:private_profiles")
        return self.render_to_response(self.get_context_data(form=form), status=400)
