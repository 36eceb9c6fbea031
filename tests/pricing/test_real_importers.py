"""Real price files (../shared/reference/real) through the product's import paths.

Every file of the directory is named below; a missing directory or an unnamed file fails.
Prices are pinned to the cent (and beyond) per 1M tokens against the files' own figures.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import AuditEvent
from pricing.catalog_format import CatalogImportError
from pricing.exporters import content_hash, export_csv_zip, export_json
from pricing.models import ApiOffer, Catalog, CatalogVersion, GpuOffer, VersionStatus
from pricing.selectors import version_diff
from pricing.services import (
    catalog_import,
    catalog_import_price_history,
    catalog_import_prices,
    catalog_version_publish,
)

REAL_DIR = Path(settings.BASE_DIR).parent / "shared" / "reference" / "real"
LITELLM = "litellm-model-prices-1.110.2.json"
GENAI = "genai-prices-data-47df840.json"
SKYPILOT = "skypilot-catalog-v8-lambda-excerpt.csv"
PRISMA = "litellm-proxy-schema-1.110.2.prisma"
# Every file in the directory and what imports it; None: not a price file.
REAL_FILES = {
    LITELLM: "litellm",
    GENAI: "genai-prices",
    SKYPILOT: "skypilot",
    PRISMA: None,  # LiteLLM's proxy database schema: usage exports, not prices
    "README.md": None,
}
AS_OF = date(2026, 10, 1)

pytestmark = pytest.mark.django_db


def _read(name: str) -> bytes:
    return (REAL_DIR / name).read_bytes()


def _import(name: str, **options):
    return catalog_import_prices(
        content=_read(name),
        filename=name,
        price_format=REAL_FILES[name],
        actor=None,
        **options,
    )


def _offer(version, model, provider=None) -> ApiOffer:
    offers = ApiOffer.objects.filter(version=version, model_name=model)
    if provider is not None:
        offers = offers.filter(provider=provider)
    return offers.get()


def _d(text: str) -> Decimal:
    return Decimal(text)


def test_every_real_file_is_named_here():
    assert REAL_DIR.is_dir(), f"{REAL_DIR} is missing: the real-data tests cannot run"
    assert {p.name for p in REAL_DIR.iterdir()} == set(REAL_FILES)


@pytest.mark.parametrize("price_format", ["litellm", "genai-prices", "skypilot"])
def test_the_proxy_schema_is_not_a_price_file_and_is_rejected_whole(price_format):
    with pytest.raises(CatalogImportError) as caught:
        catalog_import_prices(
            content=_read(PRISMA), filename=PRISMA, price_format=price_format, actor=None
        )
    assert caught.value.errors[0][0] in ("document", "header")
    assert not CatalogVersion.objects.exists()
    assert not Catalog.objects.exists()


# --- LiteLLM ---------------------------------------------------------------------------


def test_litellm_price_map_imports_as_a_draft_with_its_report():
    version, report = _import(LITELLM)
    assert version.status == VersionStatus.DRAFT
    assert version.catalog.name == "LiteLLM prices"
    assert report.created
    assert report.version_id == version.pk
    data = json.loads(_read(LITELLM))
    api_modes = {"chat", "completion", "responses"}
    assert report.api_offers == 3592 == ApiOffer.objects.filter(version=version).count()
    # Counted independently from the file: every entry is an offer or in one skipped kind.
    assert sum(len(names) for names in report.skipped.values()) + 3592 == len(data)
    for mode in ("embedding", "image_generation", "audio_transcription", "rerank"):
        expected = sorted(k for k, v in data.items() if v.get("mode") == mode)
        assert sorted(report.skipped[mode]) == expected
    assert report.skipped_counts["embedding"] == 157
    assert report.skipped_counts["image_generation"] == 414
    assert report.skipped_counts["rerank"] == 41
    assert report.skipped_counts["no mode"] == 109
    assert report.skipped["documentation entry"] == ["sample_spec"]
    no_output = [
        k
        for k, v in data.items()
        if v.get("mode") in api_modes
        and v.get("output_cost_per_token") is None
        and not any(t.get("range", [None])[0] == 0 for t in v.get("tiered_pricing", []))
    ]
    assert sorted(report.skipped["no per-token output price"]) == sorted(no_output)
    assert "text-embedding-3-small" in report.skipped["embedding"]
    # Priced fields that have no place yet are counted, not dropped silently.
    assert report.fields_not_carried["cache_creation_input_token_cost_above_1hr"] == 233
    imported = set(ApiOffer.objects.filter(version=version).values_list("model_name", flat=True))
    with_image_price = [k for k in imported if data[k].get("output_cost_per_image") is not None]
    assert report.fields_not_carried["output_cost_per_image"] == len(with_image_price) > 0

    gpt5 = _offer(version, "gpt-5")
    assert (gpt5.provider, gpt5.license, gpt5.open_weights) == ("openai", "unknown", False)
    assert (gpt5.input_per_mtok, gpt5.output_per_mtok) == (_d("1.25"), _d("10"))
    assert gpt5.cached_input_per_mtok == _d("0.125")
    assert gpt5.cache_write_per_mtok is None
    assert gpt5.service_tiers == {
        "batch": {"input": 0.625, "output": 5, "cached_input": 0.0625},
        "priority": {"input": 2.5, "output": 20, "cached_input": 0.25},
        "flex": {"input": 0.625, "output": 5, "cached_input": 0.0625},
    }
    assert gpt5.context_tiers == []

    sonnet = _offer(version, "claude-sonnet-4-5")
    assert (sonnet.input_per_mtok, sonnet.output_per_mtok) == (_d("3"), _d("15"))
    assert sonnet.cached_input_per_mtok == _d("0.30")
    assert sonnet.cache_write_per_mtok == _d("3.75")
    assert sonnet.service_tiers == {
        "batch": {"input": 1.5, "output": 7.5, "cached_input": 0.15, "cache_write": 1.875}
    }

    gemini = _offer(version, "gemini-2.5-pro")
    assert gemini.context_tiers == [
        {
            "above_tokens": 200000,
            "input": 2.5,
            "output": 15,
            "cached_input": 0.25,
            "cache_write": 0.25,
        }
    ]
    # tiered_pricing: the range from 0 gives the base prices, the next a context tier.
    qwen = _offer(version, "dashscope/qwen-flash")
    assert (qwen.input_per_mtok, qwen.output_per_mtok) == (_d("0.05"), _d("0.4"))
    assert qwen.context_tiers[0] == {"above_tokens": 256000, "input": 0.25, "output": 2}

    # 2.9999900000000002e-06 per token: exact is 2.9999900000000002 per 1M, stored 2.99999.
    databricks = _offer(version, "databricks/databricks-claude-sonnet-4-1")
    assert databricks.input_per_mtok == _d("2.99999")
    rounded = {(r.row, r.field): (r.exact, r.stored) for r in report.rounded}
    assert rounded[("entry 'databricks/databricks-claude-sonnet-4-1'", "input_cost_per_token")] == (
        _d("2.9999900000000002"),
        _d("2.99999"),
    )
    assert len(report.rounded) == 62
    for value in report.rounded:  # one rule: half-to-even to 6 places
        assert value.stored == value.exact.quantize(_d("0.000001"), rounding="ROUND_HALF_EVEN")
        assert value.stored != value.exact

    assert not ApiOffer.objects.filter(version=version, open_weights=True).exists()
    assert set(ApiOffer.objects.filter(version=version).values_list("license", flat=True)) == {
        "unknown"
    }
    assert "3592 API offers" in version.notes
    assert "157 embedding" in version.notes
    event = AuditEvent.objects.get(action="catalog.import_prices")
    assert event.changes["skipped"]["embedding"] == 157


def test_importing_the_same_file_twice_makes_no_second_version():
    first, report = _import(LITELLM)
    again, second = _import(LITELLM)
    assert again.pk == first.pk
    assert report.created
    assert not second.created
    assert CatalogVersion.objects.count() == 1
    assert first.content_hash == second.content_hash != ""
    # The content decides, not the file's name.
    renamed, renamed_report = catalog_import_prices(
        content=_read(LITELLM), filename="prices.json", price_format="litellm", actor=None
    )
    assert renamed.pk == first.pk
    assert not renamed_report.created
    # A published version with that content is the same content too.
    catalog_version_publish(version=first, actor=None)
    third, third_report = _import(LITELLM)
    assert third.pk == first.pk
    assert not third_report.created
    assert CatalogVersion.objects.get(pk=first.pk).content_hash == first.content_hash


def test_an_imported_version_round_trips_through_json_and_csv():
    version, _ = _import(LITELLM)
    # The export's hash is the import's: nothing lost, nothing rounded again.
    assert content_hash(version) == version.content_hash
    for exported, filename in (
        (export_json(version), "x.json"),
        (export_csv_zip(version), "x.zip"),
    ):
        copy = catalog_import(content=exported, filename=filename, actor=None, catalog_name="copy")
        assert copy.content_hash == version.content_hash
        sonnet = _offer(copy, "claude-sonnet-4-5")
        assert sonnet.cache_write_per_mtok == _d("3.75")
        assert sonnet.service_tiers["batch"]["cache_write"] == 1.875
        assert _offer(copy, "gemini-2.5-pro").context_tiers[0]["above_tokens"] == 200000
    with zipfile.ZipFile(io.BytesIO(export_csv_zip(version))) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("api_prices.csv").decode())))
    row = next(r for r in rows if r["model"] == "claude-sonnet-4-5")
    assert row["cache_write"] == "3.75"
    assert row["license"] == "unknown"
    assert json.loads(row["service_tiers"])["batch"]["input"] == 1.5


def test_a_malformed_price_map_is_rejected_whole_naming_entry_and_field():
    data = json.loads(_read(LITELLM))
    data["gpt-5"]["input_cost_per_token"] = "1.25e-06"
    data["claude-sonnet-4-5"]["cache_creation_input_token_cost"] = -3.75e-06
    content = json.dumps(data).encode()
    with pytest.raises(CatalogImportError) as caught:
        catalog_import_prices(
            content=content, filename="broken.json", price_format="litellm", actor=None
        )
    assert sorted(caught.value.errors) == [
        (
            "entry 'claude-sonnet-4-5'",
            "cache_creation_input_token_cost",
            "must not be negative, got -3.75e-06",
        ),
        ("entry 'gpt-5'", "input_cost_per_token", "must be a finite number, got '1.25e-06'"),
    ]
    assert not CatalogVersion.objects.exists()
    assert not ApiOffer.objects.exists()


# --- genai-prices ----------------------------------------------------------------------


def test_genai_prices_imports_the_prices_of_a_date_and_lists_the_others():
    version, report = _import(GENAI, as_of=AS_OF)
    assert version.status == VersionStatus.DRAFT
    assert version.effective_date == AS_OF
    data = json.loads(_read(GENAI))
    models = sum(len(p["models"]) for p in data)
    assert report.api_offers == 1245 == ApiOffer.objects.filter(version=version).count()
    assert report.skipped_counts == {"no output price (embedding, rerank…)": 40, "no price": 157}
    assert report.api_offers + 40 + 157 == models
    assert "voyageai/voyage-3" in report.skipped["no output price (embedding, rerank…)"]

    gpt5 = _offer(version, "gpt-5", "openai")
    assert (gpt5.input_per_mtok, gpt5.output_per_mtok) == (_d("1.25"), _d("10"))
    assert gpt5.cached_input_per_mtok == _d("0.125")
    assert (gpt5.license, gpt5.open_weights) == ("unknown", False)

    sonnet = _offer(version, "claude-sonnet-4-5", "anthropic")
    assert (sonnet.input_per_mtok, sonnet.output_per_mtok) == (_d("3"), _d("15"))
    assert (sonnet.cached_input_per_mtok, sonnet.cache_write_per_mtok) == (_d("0.3"), _d("3.75"))
    assert sonnet.context_tiers == [
        {
            "above_tokens": 200000,
            "input": 6,
            "output": 22.5,
            "cached_input": 0.6,
            "cache_write": 7.5,
        }
    ]
    # A dated change (2026-09-01) applies on 2026-10-01; the earlier price is listed.
    sonnet5 = _offer(version, "claude-sonnet-5", "anthropic")
    assert (sonnet5.input_per_mtok, sonnet5.output_per_mtok) == (_d("3"), _d("15"))
    listed = [p for p in report.other_dated_prices if p["row"] == "anthropic/claude-sonnet-5"]
    assert listed == [
        {
            "row": "anthropic/claude-sonnet-5",
            "constraint": "before the first dated change",
            "prices": {
                "input_mtok": 2,
                "cache_write_mtok": 2.5,
                "cache_read_mtok": 0.2,
                "output_mtok": 10,
            },
        }
    ]
    # Off-peak hours: the price of the 16-hour window holds most of the day.
    deepseek = _offer(version, "deepseek-chat", "deepseek")
    assert (deepseek.input_per_mtok, deepseek.output_per_mtok) == (_d("0.27"), _d("1.1"))
    offpeak = next(p for p in report.other_dated_prices if p["row"] == "deepseek/deepseek-chat")
    assert offpeak["constraint"] == "outside 00:30:00Z-16:30:00Z UTC"
    assert offpeak["prices"]["input_mtok"] == 0.135

    rounded = {(r.row, r.field): (r.exact, r.stored) for r in report.rounded}
    assert rounded[("model 'openrouter/google/gemini-2.5-flash-lite'", "cache_write_mtok")] == (
        _d("0.08333333333333334"),
        _d("0.083333"),
    )
    assert len(report.rounded) == 7
    assert report.fields_not_carried["input_audio_mtok"] == 19
    assert content_hash(version) == version.content_hash


def test_genai_prices_before_a_dated_change_is_another_version():
    before, _ = _import(GENAI, as_of=date(2026, 8, 21))
    after, _ = _import(GENAI, as_of=AS_OF)
    assert before.pk != after.pk
    assert (before.number, after.number) == (1, 2)
    assert _offer(before, "claude-sonnet-5", "anthropic").input_per_mtok == _d("2")
    assert _offer(after, "claude-sonnet-5", "anthropic").input_per_mtok == _d("3")
    again, report = _import(GENAI, as_of=AS_OF)
    assert again.pk == after.pk
    assert not report.created


def test_genai_prices_dated_changes_become_successive_versions():
    results = catalog_import_price_history(content=_read(GENAI), filename=GENAI, actor=None)
    versions = [version for version, _ in results]
    assert [(v.number, v.effective_date) for v in versions] == [
        (1, date(2025, 6, 10)),
        (2, date(2026, 3, 13)),
        (3, date(2026, 9, 1)),
    ]
    assert all(v.status == VersionStatus.DRAFT for v in versions)
    first, second, third = versions
    # openai o3 dropped from 10/40 to 2/8 on 2025-06-10.
    assert _offer(first, "o3", "openai").output_per_mtok == _d("8")
    # claude-opus-4-6 lost its long-context tier on 2026-03-13.
    assert _offer(first, "claude-opus-4-6", "anthropic").context_tiers[0]["input"] == 10
    assert _offer(second, "claude-opus-4-6", "anthropic").context_tiers == []
    # claude-sonnet-5 went from 2/10 to 3/15 on 2026-09-01.
    assert _offer(second, "claude-sonnet-5", "anthropic").input_per_mtok == _d("2")
    assert _offer(third, "claude-sonnet-5", "anthropic").input_per_mtok == _d("3")
    # The diff between two dates names each price move, the cache-write price included.
    changes = {
        (c.key, c.field): c
        for c in version_diff(old=second, new=third)
        if c.key[:2] == ("claude-sonnet-5", "anthropic")
    }
    cache_write = changes[
        (("claude-sonnet-5", "anthropic", "genai-prices"), "cache_write_per_mtok")
    ]
    assert (cache_write.old, cache_write.new) == (_d("2.5"), _d("3.75"))
    assert cache_write.pct_change == _d("50.00")
    again = catalog_import_price_history(content=_read(GENAI), filename=GENAI, actor=None)
    assert [v.pk for v, _ in again] == [v.pk for v in versions]
    assert not any(report.created for _, report in again)
    assert CatalogVersion.objects.count() == 3


def test_a_malformed_genai_prices_file_is_rejected_whole():
    data = json.loads(_read(GENAI))
    openai = next(p for p in data if p["id"] == "openai")
    gpt5 = next(m for m in openai["models"] if m["id"] == "gpt-5")
    gpt5["prices"]["output_mtok"] = "ten"
    with pytest.raises(CatalogImportError) as caught:
        catalog_import_prices(
            content=json.dumps(data).encode(),
            filename="broken.json",
            price_format="genai-prices",
            actor=None,
        )
    assert caught.value.errors == [
        ("model 'openai/gpt-5'", "output_mtok", "must be a finite number, got 'ten'")
    ]
    assert not CatalogVersion.objects.exists()


# --- SkyPilot --------------------------------------------------------------------------


def test_skypilot_gpu_catalog_one_offer_per_region():
    version, report = _import(SKYPILOT, gpu_provider="lambda")
    assert report.gpu_offers == 10 == GpuOffer.objects.filter(version=version).count()
    assert report.skipped == {"instance without GPUs": ["row 2: cpu_4x_general in us-east-1"]}
    a100 = GpuOffer.objects.get(
        version=version, sku="NVIDIA A100 40GB", gpu_count=8, region="europe-central-1"
    )
    assert (a100.vram_per_gpu_gb, a100.hourly, a100.provider) == (_d("40"), _d("15.92"), "lambda")
    assert a100.hourly / a100.gpu_count == _d("1.99")
    assert a100.spot_hourly is None
    v100 = GpuOffer.objects.get(version=version, sku="NVIDIA V100 16GB")
    assert (v100.gpu_count, v100.vram_per_gpu_gb, v100.hourly) == (8, _d("16"), _d("6.32"))
    assert "8x NVIDIA V100 16GB in us-east-1: 6.32/h per instance, 0.79/h per GPU" in report.notes
    assert content_hash(version) == version.content_hash


def test_skypilot_cheapest_per_region_group_compares_the_price_per_gpu():
    version, report = _import(SKYPILOT, gpu_grouping="region-group", catalog_name="Lambda")
    offers = {
        (o.sku, o.region): (o.gpu_count, o.hourly) for o in GpuOffer.objects.filter(version=version)
    }
    # Every A100 instance in "us" costs 1.99 per GPU: the smallest wins.
    assert offers == {
        ("NVIDIA V100 16GB", "us-east-1"): (8, _d("6.32")),
        ("NVIDIA A6000 48GB", "us-east-1"): (1, _d("1.09")),
        ("NVIDIA A100 40GB", "us-east-1"): (1, _d("1.99")),
        ("NVIDIA A100 40GB", "europe-central-1"): (8, _d("15.92")),
        ("NVIDIA A100 40GB", "asia-northeast-1"): (1, _d("1.99")),
    }
    assert len(report.collapsed) == 5
    assert "row 4: gpu_4x_a6000 in us-east-1" in report.collapsed


def test_skypilot_spot_prices_and_a_malformed_row():
    text = _read(SKYPILOT).decode()
    lines = text.splitlines()
    header = lines[0].split(",")
    row = next(csv.reader([lines[2]]))
    row[header.index("SpotPrice")] = "1.5"
    spot = "\n".join([lines[0], _csv_line(row)]) + "\n"
    version, _ = catalog_import_prices(
        content=spot.encode(), filename="spot.csv", price_format="skypilot", actor=None
    )
    assert GpuOffer.objects.get(version=version).spot_hourly == _d("1.5")

    broken = next(csv.reader([lines[3]]))
    broken[header.index("Price")] = "4.36$"
    gpu_info = next(csv.reader([lines[4]]))
    gpu_info[header.index("GpuInfo")] = "{'Gpus': []}"
    content = "\n".join([*lines[:3], _csv_line(broken), _csv_line(gpu_info), *lines[5:]])
    count = CatalogVersion.objects.count()
    with pytest.raises(CatalogImportError) as caught:
        catalog_import_prices(
            content=content.encode(), filename="broken.csv", price_format="skypilot", actor=None
        )
    assert caught.value.errors == [
        ("row 4", "Price", "must be a number, got '4.36$'"),
        ("row 5", "GpuInfo", "must give Gpus[0].MemoryInfo.SizeInMiB"),
    ]
    assert CatalogVersion.objects.count() == count


def _csv_line(cells: list[str]) -> str:
    buffer = StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()


# --- the command -----------------------------------------------------------------------


def test_import_prices_command_prints_the_report_and_never_publishes():
    out = StringIO()
    path = str(REAL_DIR / SKYPILOT)
    call_command("import_prices", "--format", "skypilot", path, "--provider", "lambda", stdout=out)
    text = out.getvalue()
    assert "10 GPU offers" in text
    assert "instance without GPUs (1)" in text
    assert "Created draft" in text
    version = CatalogVersion.objects.get()
    assert version.status == VersionStatus.DRAFT
    assert version.catalog.name == "SkyPilot GPU prices"
    out = StringIO()
    call_command("import_prices", "--format", "skypilot", path, "--provider", "lambda", stdout=out)
    assert "no new version" in out.getvalue()
    assert CatalogVersion.objects.count() == 1


def test_import_prices_command_makes_a_version_per_dated_change():
    out = StringIO()
    path = str(REAL_DIR / GENAI)
    call_command(
        "import_prices", "--format", "genai-prices", path, "--each-dated-change", stdout=out
    )
    assert out.getvalue().count("Created draft") == 3
    assert CatalogVersion.objects.filter(status=VersionStatus.DRAFT).count() == 3
    with pytest.raises(CommandError, match="for genai-prices"):
        call_command("import_prices", "--format", "litellm", path, "--each-dated-change")


def test_import_prices_command_rejects_a_bad_file_naming_the_problem():
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_prices", "--format", "litellm", str(REAL_DIR / PRISMA))
    assert not CatalogVersion.objects.exists()


# --- API ------------------------------------------------------------------------------


def test_the_catalog_api_serves_cache_write_and_tiers(staff):
    from tests.api.conftest import token_client

    version, _ = _import(LITELLM)
    catalog_version_publish(version=version, actor=None)
    client = token_client(staff)
    url = "/api/v1/catalogs/api-offers/"
    body = client.get(url, {"version": version.pk, "model": "claude-sonnet-4-5"}).json()
    offer = next(o for o in body["results"] if o["model_name"] == "claude-sonnet-4-5")
    assert offer["cache_write_per_mtok"] == "3.750000"
    assert offer["license"] == "unknown"
    assert offer["service_tiers"]["batch"]["cache_write"] == 1.875
    gemini = client.get(url, {"version": version.pk, "model": "gemini-2.5-pro"}).json()
    tiers = next(o for o in gemini["results"] if o["model_name"] == "gemini-2.5-pro")
    assert tiers["context_tiers"][0]["above_tokens"] == 200000


# --- admin ----------------------------------------------------------------------------


def test_admin_shows_and_checks_an_offers_cache_write_and_tiers(client, staff):
    client.force_login(staff)
    version, _ = _import(LITELLM)
    offer = _offer(version, "claude-sonnet-4-5")
    url = reverse("admin:pricing_apioffer_change", args=[offer.pk])
    page = client.get(url).content.decode()
    assert 'name="cache_write_per_mtok"' in page
    assert 'value="3.750000"' in page
    assert "service_tiers" in page
    assert "1.875" in page
    assert 'name="context_tiers"' in page

    from tests.pricing.test_admin import _posted_back

    data = _posted_back(client.get(url))
    data["context_tiers"] = ['[{"above_tokens": 0, "input": -1}]']
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["context_tiers"]
    assert any("above_tokens" in e for e in errors)
    assert any("negative" in e for e in errors)
    data["context_tiers"] = ['[{"above_tokens": 100000, "input": 4}]']
    assert client.post(url, data).status_code == 302
    assert ApiOffer.objects.get(pk=offer.pk).context_tiers == [{"above_tokens": 100000, "input": 4}]


def test_admin_imports_another_tools_file_as_a_draft_and_shows_the_report(client, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(staff)
    url = reverse("admin:pricing_catalogversion_import")
    upload = SimpleUploadedFile(SKYPILOT, _read(SKYPILOT), content_type="text/csv")
    response = client.post(
        url, {"file": upload, "format": "skypilot", "gpu_grouping": "region", "provider": "lambda"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    version = CatalogVersion.objects.get()
    assert version.status == VersionStatus.DRAFT
    assert "Created the draft" in page
    assert reverse("admin:pricing_catalogversion_change", args=[version.pk]) in page
    assert "Not imported, instance without GPUs (1): row 2: cpu_4x_general in us-east-1" in page
    assert GpuOffer.objects.filter(version=version, provider="lambda").count() == 10

    # Another tool's file is never published on import.
    upload = SimpleUploadedFile(SKYPILOT, _read(SKYPILOT), content_type="text/csv")
    response = client.post(
        url, {"file": upload, "format": "skypilot", "gpu_grouping": "region", "publish": "on"}
    )
    assert response.status_code == 200
    assert "imported as a draft only" in response.content.decode()
    assert CatalogVersion.objects.count() == 1

    # A malformed file: every problem named, nothing written.
    broken = _read(SKYPILOT).replace(b"15.92", b"abc", 1)
    upload = SimpleUploadedFile("broken.csv", broken, content_type="text/csv")
    response = client.post(url, {"file": upload, "format": "skypilot", "gpu_grouping": "region"})
    page = response.content.decode()
    assert "nothing was imported" in page
    assert "<td>row 7</td><td>Price</td><td>must be a number, got &#x27;abc&#x27;</td>" in page
    assert CatalogVersion.objects.count() == 1


# --- the rules in one place -------------------------------------------------------------


def test_the_one_rounding_rule_is_half_to_even_and_reports_what_it_changed():
    from pricing.price_imports import ImportReport, rounded

    report = ImportReport(format="test", filename="x")
    # A tie at the 7th place goes to the even neighbour (half-up would give 0.000013).
    assert rounded(_d("0.0000125"), row="a", field_name="f", report=report) == _d("0.000012")
    assert rounded(_d("0.0000135"), row="b", field_name="f", report=report) == _d("0.000014")
    assert rounded(_d("2.5"), row="c", field_name="f", report=report) == _d("2.5")
    assert [(r.row, r.exact, r.stored) for r in report.rounded] == [
        ("a", _d("0.0000125"), _d("0.000012")),
        ("b", _d("0.0000135"), _d("0.000014")),
    ]


def test_a_catalog_row_without_a_license_is_unknown_and_not_open_weights():
    doc = {
        "name": "No licenses",
        "currency": "USD",
        "sources": {"s": "a source"},
        "api_prices": [
            {"model": "m", "offer": "s", "output": 1, "cache_write": 1.25},
            {"model": "n", "offer": "s", "license": "Apache-2.0", "output": 1},
        ],
    }
    version = catalog_import(content=json.dumps(doc).encode(), filename="x.json", actor=None)
    unknown, apache = ApiOffer.objects.filter(version=version).order_by("model_name")
    assert (unknown.license, unknown.open_weights) == ("unknown", False)
    assert unknown.cache_write_per_mtok == _d("1.25")
    assert (apache.license, apache.open_weights) == ("Apache-2.0", True)
    assert content_hash(version) != ""
    exported = json.loads(export_json(version))
    assert exported["api_prices"][0] == {
        "model": "m",
        "offer": "s",
        "license": "unknown",
        "output": 1,
        "cache_write": 1.25,
    }


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ({"batch": {"input": 1}, "turbo": {"input": 2}}, "unknown service tier"),
        ({"batch": {"input": -1}}, "must not be negative"),
        ({"batch": {}}, "a service tier has one or more of"),
    ],
)
def test_service_tiers_are_checked_on_import(tiers, message):
    doc = {
        "name": "Tiers",
        "currency": "USD",
        "sources": {"s": "a source"},
        "api_prices": [{"model": "m", "offer": "s", "output": 1, "service_tiers": tiers}],
    }
    with pytest.raises(CatalogImportError) as caught:
        catalog_import(content=json.dumps(doc).encode(), filename="x.json", actor=None)
    assert caught.value.errors[0][0] == "api_prices row 1"
    assert caught.value.errors[0][1].startswith("service_tiers")
    assert message in caught.value.errors[0][2]
    assert not CatalogVersion.objects.exists()


def test_context_tiers_ascend_and_carry_a_price():
    doc = {
        "name": "Tiers",
        "currency": "USD",
        "sources": {"s": "a source"},
        "api_prices": [
            {
                "model": "m",
                "offer": "s",
                "output": 1,
                "context_tiers": [
                    {"above_tokens": 200000, "input": 2},
                    {"above_tokens": 128000, "input": 3},
                    {"above_tokens": 300000},
                ],
            }
        ],
    }
    with pytest.raises(CatalogImportError) as caught:
        catalog_import(content=json.dumps(doc).encode(), filename="x.json", actor=None)
    assert [(field, message[:30]) for _, field, message in caught.value.errors] == [
        ("context_tiers[2].above_tokens", "tiers ascend from above 0 toke"),
        ("context_tiers[3]", "a context tier has 'above_toke"),
    ]


def test_the_catalog_page_shows_cache_write_and_which_tiers_an_offer_has(cast):
    version, _ = _import(LITELLM)
    catalog_version_publish(version=version, actor=None)
    url = reverse("pricing:catalog_detail", args=[version.pk])
    client = cast.client_for(cast.viewer)
    text = client.get(url, {"q": "claude-sonnet-4-5"}).content.decode()
    assert "Cache write" in text
    row = text[text.index("<td>claude-sonnet-4-5</td>") :].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split('<td class="num">')[1:]]
    assert cells == ["3.00", "15.00", "0.30", "3.75"]
    assert "also batch</span>" in row
    text = client.get(url, {"q": "gemini-2.5-pro"}).content.decode()
    row = text[text.index("<td>gemini-2.5-pro</td>") :].split("</tr>")[0]
    assert "also batch, priority, flex; above 200,000 tokens" in row
