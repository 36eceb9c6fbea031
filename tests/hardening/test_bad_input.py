"""Bad input across the API and the forms: a clear 4xx naming the problem, nothing written.

Oversized bodies, deeply nested JSON, NaN/Infinity/1e999, huge integers, unicode names
(emoji, right-to-left override, NUL) and CSV formula injection in every CSV export.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.conf import settings
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.csvsafe import safe_cell, unsafe_cell
from accounts.models import ApiToken, AuditEvent, Organization
from planner import sweep_services
from planner.models import Plan, Sweep, Workload
from pricing import services as pricing_services
from pricing.exporters import export_csv_zip
from pricing.models import (
    ApiOffer,
    Catalog,
    CatalogSource,
    CatalogVersion,
    GpuOffer,
    VersionStatus,
)
from tests.factories import plan_in, sweep_catalog_version, sweep_spec_for
from tests.hardening.conftest import assert_error

pytestmark = pytest.mark.django_db

QUOTE = {
    "tokens_per_month": 1_000_000_000,
    "input_share": 0.5,
    "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
    "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
}
DEEP = "[" * 10_000 + "]" * 10_000
WORKLOAD_FORM = {
    "name": "Support bot",
    "volume": "50000000",
    "volume_unit": "day",
    "days_per_month": "30",
    "input_share": "50",
    "cached_share": "0",
    "growth_per_month": "0",
    "peak_to_average": "1",
    "downtime_cost_per_hour": "0",
    "success_rates": "",
}


def _raw(client, path: str, body: str, method: str = "post"):
    return getattr(client, method)(path, data=body, content_type="application/json")


def _counts() -> tuple[int, ...]:
    return (
        ApiToken.objects.count(),
        Workload.objects.count(),
        Plan.objects.count(),
        Sweep.objects.count(),
        Organization.objects.count(),
        AuditEvent.objects.count(),
    )


# --- oversized bodies ----------------------------------------------------------------------


def test_oversized_json_body_is_a_400_and_nothing_is_written(api, cast):
    client, owner = api("teammate"), api("owner")
    before = _counts()
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    for path in ("/api/v1/tokens/", "/api/v1/quote"):
        body = json.dumps({"name": padding, "expires_in_days": 3})
        assert_error(_raw(client, path, body), 400, "request_too_large")
    assert_error(
        _raw(owner, "/api/v1/orgs/acme/", json.dumps({"name": padding}), "patch"),
        400,
        "request_too_large",
    )
    assert _counts() == before
    assert Organization.objects.get(slug="acme").name == "Acme AI"


def test_oversized_form_post_is_a_400_and_nothing_is_written(cast):
    client = cast.client_for(cast.owner)
    before = _counts()
    form = {**WORKLOAD_FORM, "description": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    response = client.post(reverse("planner:workload_create"), form)
    assert response.status_code == 400
    assert _counts() == before


# --- malformed JSON --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/quote", "/api/v1/tokens/"])
def test_deeply_nested_json_is_a_400_parse_error(api, path):
    client = api("teammate")
    before = _counts()
    error = assert_error(_raw(client, path, DEEP), 400, "parse_error")
    assert "JSON parse error" in error["message"]
    assert _counts() == before


def test_deeply_nested_json_in_the_sweep_form_is_a_field_error(cast):
    version = sweep_catalog_version()
    before = _counts()
    response = cast.client_for(cast.owner).post(
        reverse("planner:sweep_create"),
        {"name": "Deep", "catalog_version": version.pk, "workload": "", "spec": DEEP},
    )
    assert response.status_code in (200, 400)
    assert "spec" in response.context["json_form"].errors
    assert _counts() == before


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
def test_nan_infinity_and_overflowing_floats_are_400(api, constant):
    client = api("teammate")
    before = _counts()
    quote = json.dumps(QUOTE).replace("1440", constant)
    assert_error(_raw(client, "/api/v1/quote", quote), 400, "parse_error")
    token = '{"name": "x", "expires_in_days": ' + constant + "}"
    assert_error(_raw(client, "/api/v1/tokens/", token), 400, "parse_error")
    assert _counts() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tokens_per_month", 10**400),
        ("tokens_per_day", 10**309),
        ("input_share", 10**40),
        ("api.output_per_mtok", 10**300),
        ("selfhost.monthly", 10**309),
    ],
)
def test_huge_integers_in_the_quote_are_400_naming_the_field(api, field, value):
    body = json.loads(json.dumps(QUOTE))
    target = body
    *parents, leaf = field.split(".")
    for key in parents:
        target = target[key]
    target[leaf] = value
    response = _raw(api("teammate"), "/api/v1/quote", json.dumps(body))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    named = set(error.get("fields", {})) | {error["message"]}
    assert any(field in name for name in named) or "too large" in error["message"], error


def test_huge_integers_in_token_and_forms_are_400_naming_the_field(api, cast):
    api_client = api("teammate")
    before = _counts()
    error = assert_error(
        _raw(
            api_client,
            "/api/v1/tokens/",
            '{"name": "x", "expires_in_days": 1' + "0" * 40 + "}",
        ),
        400,
        "validation_error",
        field="expires_in_days",
    )
    assert error["fields"]["expires_in_days"]
    client = cast.client_for(cast.owner)
    for field in ("volume", "downtime_cost_per_hour", "days_per_month"):
        form = {**WORKLOAD_FORM, field: "9" * 40}
        response = client.post(reverse("planner:workload_create"), form)
        assert response.status_code in (200, 400)
        assert field in response.context["form"].errors, response.context["form"].errors
    page = client.post("/accounts/tokens/", {"name": "x", "expires_in_days": "9" * 40})
    assert page.status_code == 400
    assert "expires_in_days" in page.context["form"].errors
    assert _counts() == before


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    number=st.one_of(
        st.integers(min_value=-(10**60), max_value=10**60),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
    field=st.sampled_from(
        ["tokens_per_month", "input_share", "api.input_per_mtok", "selfhost.tokens_per_second"]
    ),
)
def test_quote_answers_200_or_400_for_any_number(api, number, field):
    body = json.loads(json.dumps(QUOTE))
    target = body
    *parents, leaf = field.split(".")
    for key in parents:
        target = target[key]
    target[leaf] = number
    response = _raw(api("teammate"), "/api/v1/quote", json.dumps(body))
    assert response.status_code in (200, 400), (field, number, response.content)
    if response.status_code == 200:
        payload = response.json()
        assert all(v is None or v == v for v in payload.values() if isinstance(v, float))


# --- unicode names -----------------------------------------------------------------------------

UNICODE_NAME = '🚀 <b>Ops</b> \u202eevil\u202c مرحبا "q" & 漢字'


def test_unicode_names_are_stored_and_rendered_escaped(cast):
    client = cast.client_for(cast.owner)
    response = client.post(
        reverse("planner:workload_create"), {**WORKLOAD_FORM, "name": UNICODE_NAME}
    )
    assert response.status_code == 302
    workload = Workload.objects.get()
    assert workload.name == UNICODE_NAME
    html = client.get(reverse("planner:workload_list")).content.decode()
    assert "🚀 &lt;b&gt;Ops&lt;/b&gt;" in html
    assert "<b>Ops</b>" not in html
    assert "\u202eevil" in html  # kept as text, inside an escaped element
    assert "&quot;q&quot; &amp; 漢字" in html


def test_nul_bytes_are_refused_naming_the_field(api, cast):
    api_client = api("teammate")
    before = _counts()
    client = cast.client_for(cast.owner)
    response = client.post(reverse("planner:workload_create"), {**WORKLOAD_FORM, "name": "a\x00b"})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert_error(
        _raw(api_client, "/api/v1/tokens/", '{"name": "a\\u0000b", "expires_in_days": 3}'),
        400,
        "validation_error",
        field="name",
    )
    assert _counts() == before


def test_unicode_token_name_round_trips_through_the_api(api, cast):
    client = api("teammate")
    created = client.post(
        "/api/v1/tokens/", {"name": "CI 🚀 مرحبا", "expires_in_days": 3}, format="json"
    )
    assert created.status_code == 201
    listed = client.get("/api/v1/tokens/").json()["results"]
    assert "CI 🚀 مرحبا" in [t["name"] for t in listed]


# --- CSV formula injection ---------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", FORMULAS)
def test_safe_cell_neutralises_formulas_and_round_trips(text):
    assert safe_cell(text) == "'" + text
    assert unsafe_cell(safe_cell(text)) == text


@pytest.mark.parametrize("text", ["GPT-5", "-12.5", "1e-3", "", "'=already quoted", "plain"])
def test_safe_cell_leaves_harmless_text_and_numbers(text):
    if text.startswith("'"):
        assert safe_cell(text) == "''=already quoted"  # one more quote, so import is exact
    else:
        assert safe_cell(text) == text
    assert unsafe_cell(safe_cell(text)) == text


@given(st.text(max_size=30))
def test_safe_cell_round_trips_any_text(text):
    cell = safe_cell(text)
    assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell == text
    assert unsafe_cell(cell) == text


def _hostile_version(name: str) -> CatalogVersion:
    """A published version whose API offer is called `name` (rows lock once published)."""
    catalog = Catalog.objects.create(name="Hostile catalog")
    version = CatalogVersion.objects.create(catalog=catalog, number=1, title="Hostile")
    source = CatalogSource.objects.create(version=version, key="src", description="Test")
    ApiOffer.objects.create(
        version=version,
        model_name=name,
        provider=name,
        source=source,
        license="proprietary",
        input_per_mtok="1",
        output_per_mtok="4",
    )
    GpuOffer.objects.create(
        version=version,
        sku="GPU 0",
        gpu_count=1,
        vram_per_gpu_gb=80,
        hourly="2.5",
        reserved_hourly="1.8",
        source=source,
    )
    version.status = VersionStatus.PUBLISHED
    version.save()
    return version


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_no_formula(cells: list[str]) -> None:
    for cell in cells:
        if cell and cell[0] in "=+@\t\r":
            raise AssertionError(f"formula cell in CSV: {cell!r}")
        if cell.startswith("-"):
            float(cell)  # a minus only starts a plain number


def test_plan_csv_neutralises_formulas(cast):
    plan = plan_in(cast.org, computed=True)
    Plan.objects.filter(pk=plan.pk).update(name='=HYPERLINK("http://evil","x")')
    plan.workload.name = "@SUM(1+1)"
    plan.workload.save()
    response = cast.client_for(cast.viewer).get(reverse("planner:plan_csv", args=[plan.pk]))
    assert response.status_code == 200
    cells = _cells(response.content.decode())
    assert '\'=HYPERLINK("http://evil","x")' in cells
    assert "'@SUM(1+1)" in cells
    assert_no_formula(cells)


def test_sweep_csv_neutralises_formulas(cast):
    version = _hostile_version("=cmd|'/C calc'!A0")
    sweep = sweep_services.sweep_start(
        organization=cast.org,
        actor=cast.owner,
        name="+formula sweep",
        catalog_version=version,
        spec=sweep_spec_for(version),
    )
    for index in range(sweep.chunks_total):
        sweep_services.sweep_chunk_run(sweep_id=sweep.pk, index=index)
    sweep_services.sweep_finalize(sweep_id=sweep.pk)
    response = cast.client_for(cast.viewer).get(reverse("planner:sweep_csv", args=[sweep.pk]))
    assert response.status_code == 200
    cells = _cells(b"".join(response.streaming_content).decode())
    assert any(c.startswith("'=cmd") for c in cells)
    assert_no_formula(cells)


def test_catalog_csv_export_neutralises_formulas_and_reimports_exactly(cast):
    version = _hostile_version("=cmd|'/C calc'!A0")
    data = export_csv_zip(version)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        cells = [
            cell
            for name in archive.namelist()
            for cell in _cells(archive.read(name).decode("utf-8"))
        ]
    assert any(c.startswith("'=cmd") for c in cells)
    assert_no_formula(cells)
    # Importing our own export gives back the same names (the neutraliser is undone).
    imported = pricing_services.catalog_import(content=data, filename="export.zip", actor=None)
    assert isinstance(imported, CatalogVersion)
    names = set(imported.api_offers.values_list("model_name", flat=True))
    assert names == {"=cmd|'/C calc'!A0"}
