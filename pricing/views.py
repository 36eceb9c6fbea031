"""Catalog pages: read-only, for any logged-in member of an organization.

Catalog versions are public (not tenant-owned): `tenant_scoped = False` tells the
cross-tenant harness so. Private overlay prices appear only for the current
organization, through `selectors.effective_prices`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from accounts import access
from accounts.mixins import OrgMemberMixin, TenantObjectMixin
from accounts.models import Membership, Organization
from pricing import selectors, services
from pricing.forms import BenchmarkUploadForm, PrivateApiPriceForm, PrivateGpuPriceForm
from pricing.models import (
    CatalogVersion,
    HiddenCost,
    ModelSpec,
    OverlayApiOffer,
    OverlayGpuOffer,
    OwnedHardware,
    ThroughputProfile,
    VersionStatus,
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


# --- private (negotiated) prices ----------------------------------------------------------


class _ManagersOnly:
    """After the organization mixins have found the membership: owners and admins only.

    An organization's negotiated prices are its contracts, set by the people who manage
    it (as members and invitations are); members and viewers read them."""

    membership: Membership

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        access.require_manage(self.membership)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def _private_version(organization: Organization, wanted: Any) -> CatalogVersion | None:
    """The public version named by ``wanted`` (a pk), else the default catalog's current."""
    if not wanted:
        return selectors.catalog_version_current()
    if not str(wanted).isdigit():
        return None
    return selectors.versions_visible_to(organization).filter(pk=int(wanted)).first()


class PrivatePriceListView(OrgMemberMixin, TemplateView):
    """The organization's negotiated prices on one catalog version; managers change them."""

    template_name = "pricing/private_prices.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        version = _private_version(self.organization, request.GET.get("version"))
        if version is None and request.GET.get("version"):
            raise Http404
        context = self.get_context_data(version=version, **kwargs)
        return self.render_to_response(context)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        version: CatalogVersion | None = kwargs.get("version")
        overlays = list(selectors.private_price_overlays(organization=self.organization))
        context.update(
            version=version,
            versions=selectors.versions_visible_to(self.organization).filter(
                status=VersionStatus.PUBLISHED
            ),
            overlays=overlays,
            copy_sources=[o for o in overlays if version and o.base_version_id != version.pk],
            can_manage=self.membership.can_manage,
        )
        if version is not None:
            context.update(
                selectors.private_prices(organization=self.organization, version=version)
            )
        return context


class _PrivatePriceFormMixin:
    kind: str  # "api" | "gpu"
    request: HttpRequest
    organization: Organization

    def form_class_for(self) -> type[PrivateApiPriceForm] | type[PrivateGpuPriceForm]:
        return PrivateApiPriceForm if self.kind == "api" else PrivateGpuPriceForm

    def _errors_to(self, form: forms.Form, exc: ValidationError) -> None:
        """A service's errors on the fields they name (else on the form)."""
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                form.add_error(None, message)
            return
        for field, messages_ in exc.message_dict.items():
            for message in messages_:
                form.add_error(field if field in form.fields else None, message)

    def _list_url(self, version: CatalogVersion) -> str:
        return f"{reverse('pricing:private_prices')}?version={version.pk}"


class PrivatePriceAddView(OrgMemberMixin, _ManagersOnly, _PrivatePriceFormMixin, TemplateView):
    """Add a private API (``kind = "api"``) or GPU price on a published catalog version."""

    template_name = "pricing/private_price_form.html"
    write_required = True
    kind = "api"

    def _version(self) -> CatalogVersion | None:
        wanted = self.request.POST.get("version") or self.request.GET.get("version")
        version = _private_version(self.organization, wanted)
        if version is not None and version.status != VersionStatus.PUBLISHED:
            return None
        return version

    def _form(self, version: CatalogVersion) -> forms.Form:
        offers = (
            selectors.api_offers(version).order_by("model_name", "provider", "pk")
            if self.kind == "api"
            else selectors.gpu_offers(version).order_by("sku", "gpu_count", "pk")
        )
        data = self.request.POST if self.request.method == "POST" else None
        return self.form_class_for()(data, currency=version.currency, offers=offers)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        version = self._version()
        if version is None:
            messages.error(request, "Choose a published catalog version first.")
            return redirect("pricing:private_prices")
        return self._render(version, self._form(version))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        version = self._version()
        if version is None:
            raise Http404
        form = self._form(version)
        if form.is_valid():
            try:
                services.private_price_add(
                    organization=self.organization,
                    version=version,
                    kind=self.kind,
                    actor=request.user,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                self._errors_to(form, exc)
            else:
                messages.success(request, "Private price saved.")
                return redirect(self._list_url(version))
        return self._render(version, form, status=400)

    def _render(self, version: CatalogVersion, form: forms.Form, status: int = 200) -> HttpResponse:
        return self.render_to_response(
            self.get_context_data(version=version, form=form, kind=self.kind, row=None),
            status=status,
        )


def _as_typed(value: Any) -> Any:
    """A stored amount as people type it: 7.500000 -> 7.50, 1.000001 stays."""
    if not isinstance(value, Decimal):
        return value
    plain = value.normalize()
    exponent = plain.as_tuple().exponent
    return plain.quantize(Decimal("0.01")) if isinstance(exponent, int) and exponent > -2 else plain


class PrivatePriceEditView(TenantObjectMixin, _ManagersOnly, _PrivatePriceFormMixin, TemplateView):
    """Change one private price (an override: its prices and notes)."""

    template_name = "pricing/private_price_form.html"
    write_required = True
    model: type[OverlayApiOffer] | type[OverlayGpuOffer] = OverlayApiOffer
    kind = "api"

    def get_base_queryset(self) -> QuerySet[Any]:
        return self.model.objects.select_related(
            "overlay__organization", "overlay__base_version__catalog", "replaces__source"
        )

    def _form(self) -> forms.Form:
        row = self.object
        data = self.request.POST if self.request.method == "POST" else None
        fields = services.overlay_row_fields(row)
        initial = {f: _as_typed(getattr(row, f)) for f in fields}
        return self.form_class_for()(
            data,
            initial=initial,
            currency=row.overlay.base_version.currency,
            fields=fields,
            base=row.replaces,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._render(self._form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form()
        if form.is_valid():
            try:
                services.private_price_change(
                    row=self.object, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                self._errors_to(form, exc)
            else:
                messages.success(request, "Private price changed.")
                return redirect(self._list_url(self.object.overlay.base_version))
        return self._render(form, status=400)

    def _render(self, form: forms.Form, status: int = 200) -> HttpResponse:
        return self.render_to_response(
            self.get_context_data(
                version=self.object.overlay.base_version, form=form, kind=self.kind, row=self.object
            ),
            status=status,
        )


class PrivatePriceRemoveView(TenantObjectMixin, _ManagersOnly, TemplateView):
    """Confirm, then remove one private price."""

    template_name = "pricing/private_price_remove.html"
    write_required = True
    model: type[OverlayApiOffer] | type[OverlayGpuOffer] = OverlayApiOffer
    kind = "api"

    def get_base_queryset(self) -> QuerySet[Any]:
        return self.model.objects.select_related(
            "overlay__organization", "overlay__base_version__catalog", "replaces__source"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "row": self.object,
            "kind": self.kind,
            "version": self.object.overlay.base_version,
        }

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        version = self.object.overlay.base_version
        try:
            services.private_price_remove(row=self.object, actor=request.user)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(errors=exc.messages), status=400)
        messages.success(request, "Private price removed.")
        return redirect(f"{reverse('pricing:private_prices')}?version={version.pk}")


class PrivatePriceCopyView(OrgMemberMixin, _ManagersOnly, View):
    """Copy the organization's prices from one version to another (POST only)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        source = _private_version(self.organization, request.POST.get("source") or "x")
        target = _private_version(self.organization, request.POST.get("version") or "x")
        if source is None or target is None:
            raise Http404
        try:
            report = services.private_prices_copy(
                organization=self.organization, source=source, target=target, actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if report.copied:
                messages.success(
                    request,
                    f"Copied {len(report.copied)} price(s) from {source.catalog.name} "
                    f"v{source.number}: " + "; ".join(report.copied) + ".",
                )
            if report.left:
                messages.warning(request, "Not copied: " + "; ".join(report.left) + ".")
        return redirect(f"{reverse('pricing:private_prices')}?version={target.pk}")
