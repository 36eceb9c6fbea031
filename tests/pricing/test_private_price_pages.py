"""catalogs/private-prices/: an organization's negotiated prices, read by every member and
changed by its owners and admins through the overlay services (issue 18 item 8)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from pricing.models import ApiOffer, GpuOffer, OverlayApiOffer, OverlayGpuOffer, PriceOverlay
from pricing.services import overlay_api_price_set, price_overlay_create

pytestmark = pytest.mark.django_db

LIST = reverse("pricing:private_prices")
ADD_API = reverse("pricing:private_api_add")
ADD_GPU = reverse("pricing:private_gpu_add")


def _gpt5(version) -> ApiOffer:
    return ApiOffer.objects.get(version=version, model_name="GPT-5", source__key="feb-2026")


def _a100(version) -> GpuOffer:
    return GpuOffer.objects.get(
        version=version, sku="NVIDIA A100 80GB", gpu_count=1, source__key="feb-2026"
    )


def _override(org, version, output: str = "7.50", notes: str = "") -> OverlayApiOffer:
    overlay = PriceOverlay.objects.filter(organization=org, base_version=version).first()
    if overlay is None:
        overlay = price_overlay_create(
            organization=org, base_version=version, name=f"{org.name} deal", actor=None
        )
    return overlay_api_price_set(
        overlay=overlay,
        actor=None,
        replaces=_gpt5(version),
        output_per_mtok=Decimal(output),
        notes=notes,
    )


# --- reading ---------------------------------------------------------------------------


def test_every_member_reads_their_own_prices_only(cast, reference):
    _override(cast.org, reference, "7.50", notes="Acme MSA 2026")
    _override(cast.other_org, reference, "3.25", notes="Rival secret deal")
    for user in (cast.owner, cast.admin, cast.teammate, cast.viewer):
        page = cast.client_for(user).get(LIST).content.decode()
        assert "Acme MSA 2026" in page
        assert "7.50" in page
        assert "catalog 10.00" in page  # the catalog price it replaces, beside it
        assert "Rival secret deal" not in page
        assert "3.25" not in page
    rival = cast.client_for(cast.outsider).get(LIST).content.decode()
    assert "Rival secret deal" in rival
    assert "Acme MSA 2026" not in rival


def test_managers_see_change_links_and_others_do_not(cast, reference):
    row = _override(cast.org, reference)
    edit = reverse("pricing:private_api_edit", args=[row.pk])
    for user in (cast.owner, cast.admin):
        page = cast.client_for(user).get(LIST).content.decode()
        assert edit in page
        assert ADD_API in page
    for user in (cast.teammate, cast.viewer):
        page = cast.client_for(user).get(LIST).content.decode()
        assert edit not in page
        assert ADD_API not in page
        assert "Only owners and admins" in page


def test_list_page_is_linked_from_the_catalog_pages(cast, reference):
    client = cast.client_for(cast.viewer)
    assert LIST in client.get(reverse("pricing:catalog_list")).content.decode()
    detail = client.get(reverse("pricing:catalog_detail", args=[reference.pk])).content.decode()
    assert f"{LIST}?version={reference.pk}" in detail


def test_list_of_an_unknown_version_is_404(cast, reference):
    client = cast.client_for(cast.owner)
    assert client.get(LIST, {"version": "999999"}).status_code == 404
    assert client.get(LIST, {"version": "abc"}).status_code == 404


def test_list_queries_do_not_grow_with_prices(cast, reference, django_assert_max_num_queries):
    client = cast.client_for(cast.owner)
    _override(cast.org, reference)
    url = f"{LIST}?version={reference.pk}"
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    overlay = PriceOverlay.objects.get(organization=cast.org)
    for n in range(4):
        overlay_api_price_set(
            overlay=overlay, actor=None, model_name=f"Private {n}", output_per_mtok=Decimal(1)
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


# --- adding ----------------------------------------------------------------------------


def test_admin_adds_an_override_through_the_service_with_an_audit_entry(cast, reference):
    gpt5 = _gpt5(reference)
    response = cast.client_for(cast.admin).post(
        f"{ADD_API}?version={reference.pk}",
        {"version": reference.pk, "replaces": gpt5.pk, "output_per_mtok": "7.5", "notes": "MSA"},
    )
    assert response.status_code == 302
    assert response.url == f"{LIST}?version={reference.pk}"
    row = OverlayApiOffer.objects.get(overlay__organization=cast.org)
    assert row.replaces == gpt5
    assert row.output_per_mtok == Decimal("7.5")
    assert row.input_per_mtok is None  # inherits the catalog's
    assert row.overlay.base_version == reference
    actions = list(
        AuditEvent.objects.filter(organization=cast.org).values_list("action", "actor__email")
    )
    assert ("overlay.create", "admin@acme.test") in actions
    assert ("overlay.api_price", "admin@acme.test") in actions
    event = AuditEvent.objects.get(action="overlay.api_price")
    assert event.changes["output_per_mtok"] == "7.5"
    assert event.changes["replaces"] == gpt5.pk


def test_owner_adds_a_private_api_offer_and_a_private_gpu_offer(cast, reference):
    client = cast.client_for(cast.owner)
    response = client.post(
        ADD_API,
        {
            "version": reference.pk,
            "model_name": "Acme Private LLM",
            "provider": "Acme",
            "input_per_mtok": "0.2",
            "output_per_mtok": "0.8",
        },
    )
    assert response.status_code == 302
    response = client.post(
        ADD_GPU,
        {
            "version": reference.pk,
            "sku": "H200 141GB",
            "gpu_count": "8",
            "vram_per_gpu_gb": "141",
            "hourly": "19.50",
        },
    )
    assert response.status_code == 302
    api = OverlayApiOffer.objects.get(overlay__organization=cast.org)
    assert (api.model_name, api.provider, api.output_per_mtok) == (
        "Acme Private LLM",
        "Acme",
        Decimal("0.8"),
    )
    gpu = OverlayGpuOffer.objects.get(overlay__organization=cast.org)
    assert (gpu.sku, gpu.gpu_count, gpu.hourly) == ("H200 141GB", 8, Decimal("19.5"))
    assert PriceOverlay.objects.filter(organization=cast.org).count() == 1
    assert AuditEvent.objects.filter(organization=cast.org, action="overlay.gpu_price").exists()
    page = client.get(f"{LIST}?version={reference.pk}").content.decode()
    assert "Acme Private LLM (Acme)" in page
    assert "8x H200 141GB" in page
    assert "19.50" in page


def test_add_form_names_the_currency_of_the_version(cast, reference):
    page = cast.client_for(cast.owner).get(ADD_API, {"version": reference.pk}).content.decode()
    assert "Output price per 1M tokens (USD)" in page
    assert "GPT-5 (OpenAI)" in page  # the catalog offers to re-price


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"model_name": "Private", "output_per_mtok": "-1"},
            "output_per_mtok",
            "Output price per 1M tokens must not be negative, got -1",
        ),
        (
            {"model_name": "Private", "output_per_mtok": "0.1234567"},
            "output_per_mtok",
            "Output price per 1M tokens at most 6 decimal places, got 0.1234567",
        ),
        ({"model_name": "Private"}, "output_per_mtok", "Output price per 1M tokens is required"),
        ({"output_per_mtok": "1"}, "model_name", "Model is required"),
        (
            {"model_name": "Private", "output_per_mtok": "1", "input_per_mtok": "1e13"},
            "input_per_mtok",
            "Input price per 1M tokens is too large",
        ),
        ({"model_name": "Private", "output_per_mtok": "fifty"}, "output_per_mtok", "number"),
    ],
)
def test_invalid_api_price_names_the_field_and_writes_nothing(
    cast, reference, data, field, message
):
    response = cast.client_for(cast.owner).post(ADD_API, {"version": reference.pk, **data})
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert message.split(",")[0] in response.content.decode().replace("&#x27;", "'")
    assert not OverlayApiOffer.objects.exists()
    assert not PriceOverlay.objects.exists()  # the overlay made for it is rolled back too
    assert not AuditEvent.objects.filter(action__startswith="overlay.").exists()


def test_override_without_any_price_is_refused(cast, reference):
    response = cast.client_for(cast.owner).post(
        ADD_API, {"version": reference.pk, "replaces": _gpt5(reference).pk}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["input_per_mtok"] == [
        "Input price per 1M tokens is empty, as are the other prices: give at least one."
    ]
    assert not PriceOverlay.objects.exists()


def test_second_override_of_the_same_offer_is_refused(cast, reference):
    _override(cast.org, reference)
    response = cast.client_for(cast.owner).post(
        ADD_API,
        {"version": reference.pk, "replaces": _gpt5(reference).pk, "output_per_mtok": "6"},
    )
    assert response.status_code == 400
    assert "already has a negotiated price" in response.context["form"].errors["replaces"][0]
    assert OverlayApiOffer.objects.count() == 1


def test_private_gpu_offer_is_checked_as_the_importer_checks_it(cast, reference):
    response = cast.client_for(cast.owner).post(
        ADD_GPU, {"version": reference.pk, "sku": "H100", "gpu_count": "0", "hourly": "2"}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "GPUs per offer must be at least 1" in errors["gpu_count"]
    assert "VRAM per GPU (GB) is required" in errors["vram_per_gpu_gb"]
    assert not OverlayGpuOffer.objects.exists()


def test_an_offer_of_another_version_cannot_be_chosen(cast, reference, draft):
    foreign = _gpt5(draft)
    response = cast.client_for(cast.owner).post(
        ADD_API, {"version": reference.pk, "replaces": foreign.pk, "output_per_mtok": "1"}
    )
    assert response.status_code == 400
    assert "replaces" in response.context["form"].errors
    assert not OverlayApiOffer.objects.exists()


def test_a_draft_version_cannot_take_private_prices(cast, reference, draft):
    client = cast.client_for(cast.owner)
    assert client.get(ADD_API, {"version": draft.pk}).status_code == 302
    response = client.post(ADD_API, {"version": draft.pk, "model_name": "X", "output_per_mtok": 1})
    assert response.status_code == 404
    assert not PriceOverlay.objects.exists()


@pytest.mark.parametrize("who", ["teammate", "viewer"])
def test_members_and_viewers_cannot_add(cast, reference, who):
    client = cast.client_for(getattr(cast, who))
    assert client.get(ADD_API, {"version": reference.pk}).status_code == 403
    response = client.post(
        ADD_API, {"version": reference.pk, "model_name": "X", "output_per_mtok": "1"}
    )
    assert response.status_code == 403
    assert not OverlayApiOffer.objects.exists()


# --- editing and removing -----------------------------------------------------------------


def test_admin_edits_an_override_with_an_audit_entry_of_the_change(cast, reference):
    row = _override(cast.org, reference, "7.50")
    url = reverse("pricing:private_api_edit", args=[row.pk])
    client = cast.client_for(cast.admin)
    page = client.get(url).content.decode()
    assert 'value="7.50"' in page  # as typed, not as stored (7.500000)
    assert "Empty: the catalog's 1.25." in page  # what an empty price means
    assert "model_name" not in page  # an override changes prices and notes only
    response = client.post(url, {"output_per_mtok": "6.25", "cached_input_per_mtok": "0.1"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.output_per_mtok == Decimal("6.25")
    assert row.cached_input_per_mtok == Decimal("0.1")
    event = AuditEvent.objects.get(action="overlay.api_price_change")
    assert event.actor == cast.admin
    assert event.organization == cast.org
    assert event.changes["output_per_mtok"] == ["7.500000", "6.25"]


def test_invalid_edit_names_the_field_and_changes_nothing(cast, reference):
    row = _override(cast.org, reference, "7.50")
    url = reverse("pricing:private_api_edit", args=[row.pk])
    response = cast.client_for(cast.owner).post(url, {"output_per_mtok": "-3"})
    assert response.status_code == 400
    assert response.context["form"].errors["output_per_mtok"] == [
        "Output price per 1M tokens must not be negative, got -3"
    ]
    row.refresh_from_db()
    assert row.output_per_mtok == Decimal("7.50")
    assert not AuditEvent.objects.filter(action="overlay.api_price_change").exists()


def test_owner_removes_a_price_with_an_audit_entry(cast, reference):
    row = _override(cast.org, reference)
    url = reverse("pricing:private_api_remove", args=[row.pk])
    client = cast.client_for(cast.owner)
    assert "Remove" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert not OverlayApiOffer.objects.filter(pk=row.pk).exists()
    event = AuditEvent.objects.get(action="overlay.api_price_remove")
    assert event.actor == cast.owner
    assert event.object_id == str(row.pk)


def test_owner_edits_and_removes_a_private_gpu_offer(cast, reference):
    client = cast.client_for(cast.owner)
    client.post(
        ADD_GPU,
        {"version": reference.pk, "sku": "H200", "gpu_count": "1", "vram_per_gpu_gb": "141"}
        | {"hourly": "3"},
    )
    row = OverlayGpuOffer.objects.get()
    response = client.post(
        reverse("pricing:private_gpu_edit", args=[row.pk]),
        {"sku": "H200", "gpu_count": "1", "vram_per_gpu_gb": "141", "hourly": "2.75"},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.hourly == Decimal("2.75")
    assert client.post(reverse("pricing:private_gpu_remove", args=[row.pk])).status_code == 302
    assert not OverlayGpuOffer.objects.exists()
    assert AuditEvent.objects.filter(action="overlay.gpu_price_remove").count() == 1


@pytest.mark.parametrize("who", ["teammate", "viewer"])
def test_members_and_viewers_cannot_edit_or_remove(cast, reference, who):
    row = _override(cast.org, reference, "7.50")
    client = cast.client_for(getattr(cast, who))
    edit = reverse("pricing:private_api_edit", args=[row.pk])
    remove = reverse("pricing:private_api_remove", args=[row.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"output_per_mtok": "1"}).status_code == 403
    assert client.post(remove).status_code == 403
    row.refresh_from_db()
    assert row.output_per_mtok == Decimal("7.50")


def test_another_organizations_prices_are_404_by_url_guessing(cast, reference):
    theirs = _override(cast.other_org, reference, "3.25")
    client = cast.client_for(cast.owner)
    for name in ("pricing:private_api_edit", "pricing:private_api_remove"):
        url = reverse(name, args=[theirs.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"output_per_mtok": "0"}).status_code == 404
    gpu_url = reverse("pricing:private_gpu_edit", args=[theirs.pk])
    assert client.get(gpu_url).status_code == 404  # an id of the other kind: not found either
    theirs.refresh_from_db()
    assert theirs.output_per_mtok == Decimal("3.25")
    assert not AuditEvent.objects.filter(action__startswith="overlay.api_price_").exists()


def test_the_admin_checks_an_overlay_row_by_the_same_rules(cast, reference):
    from django.forms import modelform_factory

    from pricing.admin import OverlayRowAdminForm

    row = _override(cast.org, reference, "7.50")
    form_class = modelform_factory(
        OverlayApiOffer,
        form=OverlayRowAdminForm,
        fields=["replaces", "model_name", "provider", "output_per_mtok", "notes"],
    )
    form = form_class(
        {"replaces": row.replaces_id, "output_per_mtok": "-2", "model_name": "", "provider": ""},
        instance=row,
    )
    assert not form.is_valid()
    assert form.errors["output_per_mtok"] == [
        "Output price per 1M tokens must not be negative, got -2"
    ]
    row.refresh_from_db()
    assert row.output_per_mtok == Decimal("7.50")


# --- copying to a newer version -----------------------------------------------------------


def test_owner_copies_prices_to_a_newer_version_with_an_audit_entry(cast, reference, staff):
    from pricing.services import catalog_version_clone, catalog_version_publish, private_price_add

    private_price_add(
        organization=cast.org,
        version=reference,
        kind="api",
        actor=None,
        model_name="Acme Private LLM",
        output_per_mtok=Decimal("0.8"),
    )
    _override(cast.org, reference, "7.50", notes="MSA")
    private_price_add(
        organization=cast.org,
        version=reference,
        kind="gpu",
        actor=None,
        replaces=_a100(reference),
        hourly=Decimal("1.6"),
    )
    newer = catalog_version_publish(
        version=catalog_version_clone(version=reference, actor=staff), actor=staff
    )
    client = cast.client_for(cast.owner)
    page = client.get(LIST, {"version": newer.pk}).content.decode()
    assert reverse("pricing:private_copy") in page
    response = client.post(
        reverse("pricing:private_copy"), {"source": reference.pk, "version": newer.pk}
    )
    assert response.status_code == 302
    copied = OverlayApiOffer.objects.filter(overlay__base_version=newer).order_by("pk")
    assert [(r.replaces_id is None, r.output_per_mtok, r.notes) for r in copied] == [
        (True, Decimal("0.8"), ""),
        (False, Decimal("7.5"), "MSA"),
    ]
    assert copied[1].replaces == _gpt5(newer)  # the same offer, in the newer version
    gpu = OverlayGpuOffer.objects.get(overlay__base_version=newer)
    assert gpu.replaces == _a100(newer)
    assert gpu.hourly == Decimal("1.6")
    event = AuditEvent.objects.get(action="overlay.copy")
    assert event.actor == cast.owner
    assert len(event.changes["copied"]) == 3
    # A second copy leaves everything behind, saying why, and adds nothing.
    client.post(reverse("pricing:private_copy"), {"source": reference.pk, "version": newer.pk})
    assert OverlayApiOffer.objects.filter(overlay__base_version=newer).count() == 2
    page = client.get(LIST, {"version": newer.pk}).content.decode()
    assert "Not copied" in page
    assert "already has a negotiated price" in page


@pytest.mark.parametrize("who", ["teammate", "viewer", "outsider"])
def test_only_managers_of_the_organization_copy_prices(cast, reference, staff, who):
    from pricing.services import catalog_version_clone, catalog_version_publish

    _override(cast.org, reference)
    newer = catalog_version_publish(
        version=catalog_version_clone(version=reference, actor=staff), actor=staff
    )
    response = cast.client_for(getattr(cast, who)).post(
        reverse("pricing:private_copy"), {"source": reference.pk, "version": newer.pk}
    )
    assert response.status_code in (302, 403)
    if who != "outsider":
        assert response.status_code == 403
    assert not OverlayApiOffer.objects.filter(overlay__base_version=newer).exists()
