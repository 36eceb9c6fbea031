"""Staff admin for catalogs: edit drafts, publish, clone, retire, export, import, diff.

Published and retired versions are read-only here (and in the model layer, and in
PostgreSQL). Every action goes through `pricing.services`, which audits it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from accounts.audit import record
from pricing import catalog_format as fmt
from pricing import services
from pricing.catalog_format import CatalogImportError
from pricing.exporters import export_csv_zip, export_json
from pricing.models import (
    ApiOffer,
    Catalog,
    CatalogSource,
    CatalogVersion,
    EngineFigure,
    ExchangeRate,
    GpuOffer,
    GpuPower,
    GridIntensity,
    HiddenCost,
    ModelSpec,
    OverlayApiOffer,
    OverlayGpuOffer,
    OwnedHardware,
    PriceOverlay,
    QualityScore,
    ThroughputProfile,
    VersionStatus,
    VolumeTier,
)
from pricing.price_imports import ImportReport
from pricing.selectors import catalog_version_current, version_diff
from pricing.templatetags.pricing_tags import price, signed_pct


@admin.register(Catalog)
class CatalogAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "created_at"]
    search_fields = ["name"]


class VersionRowInline(admin.TabularInline):
    extra = 0
    show_change_link = False

    def _editable(self, obj: CatalogVersion | None) -> bool:
        return obj is None or obj.status == VersionStatus.DRAFT

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        # A row's source must be one of its own version's sources.
        if "source" in formset.form.base_fields:
            formset.form.base_fields["source"].queryset = CatalogSource.objects.filter(version=obj)
        return formset


class CatalogSourceInline(VersionRowInline):
    model = CatalogSource
    fields = ["position", "key", "description"]


class ApiOfferInline(VersionRowInline):
    model = ApiOffer
    fields = [
        "position",
        "model_name",
        "model_id",
        "provider",
        "source",
        "license",
        "open_weights",
        "input_per_mtok",
        "output_per_mtok",
        "cached_input_per_mtok",
        "cache_write_per_mtok",
        "service_tiers",
        "context_tiers",
        "currency",
        "params_total_b",
        "params_active_b",
        "selfhost_monthly_low",
        "selfhost_monthly_high",
    ]


class GpuOfferInline(VersionRowInline):
    model = GpuOffer
    fields = [
        "position",
        "sku",
        "gpu_count",
        "vram_per_gpu_gb",
        "hourly",
        "hourly_low",
        "hourly_high",
        "monthly",
        "monthly_low",
        "monthly_high",
        "spot_hourly",
        "spot_discount",
        "reserved_hourly",
        "region",
        "provider",
        "source",
    ]


class ExchangeRateInline(VersionRowInline):
    model = ExchangeRate
    fields = ["currency", "rate", "as_of", "source"]


class VersionRowAdmin(admin.ModelAdmin):
    """One kind of catalog row on pages of its own, 50 to a page, filtered by version.

    A version's rows used to be inlines of its change form: a draft cloned from the
    reference catalog had more than Django's 1,000 form fields (DATA_UPLOAD_MAX_NUMBER_FIELDS)
    and could not be saved. A draft's rows are editable here; a published or retired
    version's rows are read-only (as in the model layer and in PostgreSQL).
    """

    list_per_page = 50
    list_filter = ["version"]
    list_select_related = ["version__catalog"]

    def _editable(self, obj: Any) -> bool:
        return obj is None or obj.version.status == VersionStatus.DRAFT

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "version":  # rows are added to drafts only
            kwargs["queryset"] = CatalogVersion.objects.filter(
                status=VersionStatus.DRAFT
            ).select_related("catalog")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A row stays in its version; new rows choose theirs.
        return ["version"] if obj is not None else []

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        kwargs.setdefault("form", VersionRowForm)
        form = super().get_form(request, obj, change, **kwargs)
        source = form.base_fields.get("source")
        if source is not None:
            # A row's source must be one of its own version's sources.
            source.queryset = (
                CatalogSource.objects.filter(version=obj.version)
                if obj is not None
                else CatalogSource.objects.filter(version__status=VersionStatus.DRAFT)
            )
        return form

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record(
            actor=request.user,
            action="catalog.edit_draft",
            obj=obj.version,
            changes={"row": f"{obj._meta.model_name} {obj.pk}", "fields": list(form.changed_data)},
        )


class VersionRowForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        version = cleaned.get("version") or getattr(self.instance, "version", None)
        source = cleaned.get("source")
        if version is not None and source is not None and source.version_id != version.pk:
            self.add_error("source", "Choose one of this row's version's sources.")
        for name, empty in (("service_tiers", {}), ("context_tiers", [])):
            if name not in self.fields or name in self.errors:
                continue
            if cleaned.get(name) in (None, "", {}, []):
                cleaned[name] = empty
                continue
            _, problems = fmt.clean_offer_tiers(name, cleaned[name])
            for _row, field, message in problems:
                self.add_error(name, f"{field}: {message}")
        return cleaned


ROW_ADMIN_FIELDS = {ApiOffer: ApiOfferInline.fields, GpuOffer: GpuOfferInline.fields}
ROW_MODELS = [ApiOffer, GpuOffer, OwnedHardware, ModelSpec, ThroughputProfile, HiddenCost]
ROW_MODELS += [VolumeTier, EngineFigure, GpuPower, GridIntensity, QualityScore]
for _row_model in ROW_MODELS:
    _fields = ROW_ADMIN_FIELDS.get(_row_model)
    admin.site.register(
        _row_model,
        type(
            f"{_row_model.__name__}Admin",
            (VersionRowAdmin,),
            {
                "list_display": ["__str__", "version"],
                **({"fields": ["version", *_fields]} if _fields else {}),
            },
        ),
    )


CATALOG_FORMAT = "catalog"


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="Reference-format JSON, the CSV zip from an export, or another tool's "
        "price file (choose its format)."
    )
    format = forms.ChoiceField(
        choices=[
            (CATALOG_FORMAT, "Catalog (our JSON or CSV zip)"),
            ("litellm", "LiteLLM price map (JSON)"),
            ("genai-prices", "genai-prices data (JSON)"),
            ("skypilot", "SkyPilot GPU catalog (CSV)"),
        ],
        initial=CATALOG_FORMAT,
        required=False,
    )
    catalog_name = forms.CharField(required=False, help_text="Default: the document's name.")
    publish = forms.BooleanField(
        required=False, help_text="Catalog format only: another tool's file imports as a draft."
    )
    as_of = forms.DateField(
        required=False, help_text="genai-prices: the date whose prices to import (default today)."
    )
    gpu_grouping = forms.ChoiceField(
        choices=[
            ("region", "One offer per region"),
            ("region-group", "Cheapest per GPU per region group"),
        ],
        initial="region",
        required=False,
        help_text="SkyPilot only.",
    )
    provider = forms.CharField(required=False, max_length=120, help_text="SkyPilot: the cloud.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["format"] = cleaned.get("format") or CATALOG_FORMAT
        cleaned["gpu_grouping"] = cleaned.get("gpu_grouping") or "region"
        if cleaned.get("publish") and cleaned["format"] != CATALOG_FORMAT:
            self.add_error("publish", "Another tool's price file is imported as a draft only.")
        return cleaned


# How many of a draft's changes its page lists (the diff page has them all).
DRAFT_DIFF_ROWS = 25


class DiffForm(forms.Form):
    old = forms.ModelChoiceField(queryset=CatalogVersion.objects.select_related("catalog"))
    new = forms.ModelChoiceField(queryset=CatalogVersion.objects.select_related("catalog"))


@admin.register(CatalogVersion)
class CatalogVersionAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "status",
        "effective_date",
        "age_column",
        "stale_column",
        "published_by",
        "published_at",
    ]
    list_filter = ["status", "catalog"]
    list_select_related = ["catalog", "published_by"]
    readonly_fields = [
        "status",
        "content_hash",
        "source_filename",
        "created_by",
        "created_at",
        "published_by",
        "published_at",
        "cloned_from",
        "age_column",
        "stale_column",
        "rows_column",
        "changes_column",
    ]
    fields = [
        "catalog",
        "number",
        "title",
        "effective_date",
        "notes",
        "currency",
        "month_hours",
        "electricity_price_per_kwh",
        "pue",
        "reference_facts",
        *readonly_fields,
    ]
    # Only the short lists are inlines; every other kind of row has its own pages
    # (VersionRowAdmin), linked from `rows_column`, so any draft fits in one form.
    inlines = [CatalogSourceInline, ExchangeRateInline]
    actions = ["publish", "retire", "clone", "export_json", "export_csv", "diff_two"]
    change_list_template = "admin/pricing/catalogversion/change_list.html"

    class Media:
        css = {"all": ["pricing/admin.css"]}

    @admin.display(description="Age (days)")
    def age_column(self, obj: CatalogVersion) -> int:
        return obj.age_days

    @admin.display(description="Fresh?")
    def stale_column(self, obj: CatalogVersion) -> str:
        if obj.is_stale:
            return format_html('<span class="pricing-badge pricing-stale">{}</span>', "stale")
        return format_html('<span class="pricing-badge pricing-fresh">{}</span>', "fresh")

    @admin.display(description="Rows")
    def rows_column(self, obj: CatalogVersion) -> str:
        if obj.pk is None:
            return "-"
        links = []
        for model in ROW_MODELS:
            url = reverse(f"admin:pricing_{model._meta.model_name}_changelist")
            count = model.objects.filter(version=obj).count()
            links.append(
                format_html(
                    '<a href="{}?version__id__exact={}">{}: {}</a>',
                    url,
                    obj.pk,
                    model._meta.verbose_name_plural.capitalize(),
                    count,
                )
            )
        return format_html_join(" · ", "{}", ((link,) for link in links))

    @admin.display(description="Changes from the current version")
    def changes_column(self, obj: CatalogVersion) -> str:
        """A draft's price changes against its catalog's current version (the catalog
        diff), so whoever publishes it sees what moves."""
        if obj.pk is None or obj.status != VersionStatus.DRAFT:
            return "-"
        current = catalog_version_current(catalog=obj.catalog)
        if current is None:
            return "No published version of this catalog yet: every offer is new."
        changes = version_diff(old=current, new=obj)
        url = reverse("admin:pricing_catalogversion_diff")
        counts = {
            kind: sum(c.kind == kind for c in changes) for kind in ("added", "removed", "changed")
        }
        summary = format_html(
            '{} added, {} removed, {} changed against {} · <a href="{}?old={}&amp;new={}">the whole diff</a>',
            counts["added"],
            counts["removed"],
            counts["changed"],
            current,
            url,
            current.pk,
            obj.pk,
        )
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    c.kind,
                    c.key_label,
                    c.field,
                    price(c.old),
                    price(c.new),
                    signed_pct(c.pct_change),
                )
                for c in changes[:DRAFT_DIFF_ROWS]
            ),
        )
        more = (
            f"… and {len(changes) - DRAFT_DIFF_ROWS} more" if len(changes) > DRAFT_DIFF_ROWS else ""
        )
        if not changes:
            return format_html("{}<p>No price differences.</p>", summary)
        return format_html(
            '{}<table class="pricing-draft-diff"><thead><tr><th>Change</th><th>Row</th>'
            "<th>Field</th><th>Old</th><th>New</th><th>Change %</th></tr></thead>"
            "<tbody>{}</tbody></table>{}",
            summary,
            rows,
            more,
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: CatalogVersion, form: Any, change: bool
    ) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        record(
            actor=request.user,
            action="catalog.edit_draft" if change else "catalog.create_draft",
            obj=obj,
            changes={"fields": list(form.changed_data)},
        )

    def delete_model(self, request: HttpRequest, obj: CatalogVersion) -> None:
        services.catalog_version_delete_draft(version=obj, actor=request.user)

    # --- actions (all call services, which audit) ---

    def _each(self, request, queryset, service, verb: str) -> None:
        done = 0
        for version in queryset:
            try:
                result = service(version=version, actor=request.user)
                done += 1
            except services.CatalogStateError as exc:
                self.message_user(request, f"{version}: {exc}", messages.ERROR)
            else:
                # What publishing started (the re-evaluation of the catalog's plans).
                for note in getattr(result, "publish_notes", []):
                    self.message_user(request, f"{version}: {note}", messages.INFO)
        if done:
            self.message_user(request, f"{verb} {done} version(s).", messages.SUCCESS)

    @admin.action(description="Publish selected drafts")
    def publish(self, request: HttpRequest, queryset) -> None:
        self._each(request, queryset, services.catalog_version_publish, "Published")

    @admin.action(description="Retire selected published versions")
    def retire(self, request: HttpRequest, queryset) -> None:
        self._each(request, queryset, services.catalog_version_retire, "Retired")

    @admin.action(description="Clone selected versions to new drafts")
    def clone(self, request: HttpRequest, queryset) -> None:
        self._each(request, queryset, services.catalog_version_clone, "Cloned")

    def _export(self, request: HttpRequest, queryset, kind: str) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to export.", messages.ERROR)
            return None
        version = queryset.get()
        if kind == "json":
            data, content_type, ext = export_json(version), "application/json", "json"
        else:
            data, content_type, ext = export_csv_zip(version), "application/zip", "zip"
        record(actor=request.user, action="catalog.export", obj=version, changes={"format": kind})
        response = HttpResponse(data, content_type=content_type)
        filename = f"catalog-{version.pk}-v{version.number}.{ext}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @admin.action(description="Export as JSON")
    def export_json(self, request: HttpRequest, queryset) -> HttpResponse | None:
        return self._export(request, queryset, "json")

    @admin.action(description="Export as CSV (zip)")
    def export_csv(self, request: HttpRequest, queryset) -> HttpResponse | None:
        return self._export(request, queryset, "csv")

    @admin.action(description="Diff two selected versions (older → newer)")
    def diff_two(self, request: HttpRequest, queryset) -> HttpResponse | None:
        versions = list(queryset.order_by("effective_date", "pk"))
        if len(versions) != 2:
            self.message_user(request, "Select exactly two versions to diff.", messages.ERROR)
            return None
        url = reverse("admin:pricing_catalogversion_diff")
        return HttpResponseRedirect(f"{url}?old={versions[0].pk}&new={versions[1].pk}")

    # --- extra pages ---

    def get_urls(self):
        extra = [
            path(
                "diff/",
                self.admin_site.admin_view(self.diff_view),
                name="pricing_catalogversion_diff",
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="pricing_catalogversion_import",
            ),
        ]
        return extra + super().get_urls()

    def diff_view(self, request: HttpRequest) -> HttpResponse:
        form = DiffForm(request.GET or None)
        changes = None
        if form.is_valid():
            changes = version_diff(old=form.cleaned_data["old"], new=form.cleaned_data["new"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Diff catalog versions",
            "form": form,
            "changes": changes,
        }
        return TemplateResponse(request, "admin/pricing/catalogversion/diff.html", context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = ImportForm(request.POST or None, request.FILES or None)
        import_errors: list[tuple[str, str, str]] = []
        report: ImportReport | None = None
        version: CatalogVersion | None = None
        if request.method == "POST" and form.is_valid():
            upload, data = form.cleaned_data["file"], form.cleaned_data
            try:
                if data["format"] == CATALOG_FORMAT:
                    version = services.catalog_import(
                        content=upload.read(),
                        filename=upload.name,
                        actor=request.user,
                        catalog_name=data["catalog_name"] or None,
                        publish=data["publish"],
                    )
                else:
                    version, report = services.catalog_import_prices(
                        content=upload.read(),
                        filename=upload.name,
                        price_format=data["format"],
                        actor=request.user,
                        catalog_name=data["catalog_name"] or None,
                        as_of=data["as_of"],
                        gpu_grouping=data["gpu_grouping"],
                        gpu_provider=data["provider"],
                    )
            except CatalogImportError as exc:
                import_errors = exc.errors
            else:
                if report is None:
                    self.message_user(request, f"Imported {version}.", messages.SUCCESS)
                    for note in getattr(version, "publish_notes", []):
                        self.message_user(request, note, messages.INFO)
                    return HttpResponseRedirect(
                        reverse("admin:pricing_catalogversion_change", args=[version.pk])
                    )
                # Another tool's file: the report is the answer, shown with the draft's link.
                form = ImportForm(initial={"format": data["format"]})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a catalog",
            "form": form,
            "import_errors": import_errors,
            "report": report,
            "version": version,
        }
        return TemplateResponse(request, "admin/pricing/catalogversion/import.html", context)


class OverlayRowAdminForm(forms.ModelForm):
    """An overlay row checked as the private-price pages check it
    (`services.overlay_row_check`: the importer's rules), one path for both."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        overlay_id = getattr(self.instance, "overlay_id", None)
        if self.errors or overlay_id is None:
            return cleaned  # a new overlay's rows: its version is not known yet
        model = self._meta.model
        values = {
            f.name: cleaned.get(f.name, getattr(self.instance, f.name))
            for f in model._meta.concrete_fields
            if f.name not in ("id", "overlay")
        }
        row = model(pk=self.instance.pk, overlay_id=overlay_id, **values)
        try:
            services.overlay_row_check(row)
        except ValidationError as exc:
            for field, messages_ in exc.message_dict.items():
                for message in messages_:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned


class OverlayApiOfferInline(admin.TabularInline):
    model = OverlayApiOffer
    form = OverlayRowAdminForm
    extra = 0
    raw_id_fields = ["replaces"]


class OverlayGpuOfferInline(admin.TabularInline):
    model = OverlayGpuOffer
    form = OverlayRowAdminForm
    extra = 0
    raw_id_fields = ["replaces"]


@admin.register(PriceOverlay)
class PriceOverlayAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "base_version", "created_at"]
    list_select_related = ["organization", "base_version__catalog"]
    raw_id_fields = ["base_version"]
    inlines = [OverlayApiOfferInline, OverlayGpuOfferInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Staff edits of an organization's prices are audited as its managers' are."""
        super().save_formset(request, form, formset, change)
        organization = form.instance.organization
        for row in formset.new_objects:
            record(
                actor=request.user, action="overlay.admin_add", obj=row, organization=organization
            )
        for row, fields in formset.changed_objects:
            record(
                actor=request.user,
                action="overlay.admin_change",
                obj=row,
                organization=organization,
                changes={"fields": list(fields)},
            )
        for row in formset.deleted_objects:
            record(
                actor=request.user,
                action="overlay.admin_remove",
                obj=row,
                organization=organization,
            )
