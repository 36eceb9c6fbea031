"""GPU power, grid intensity and quality scores: published figures with their sources."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from datetime import date
from decimal import Decimal

import pytest

from pricing.catalog_format import CatalogImportError
from pricing.exporters import export_csv_zip, export_json
from pricing.models import GpuPower, GridIntensity, QualityScore
from pricing.services import catalog_import, catalog_version_clone, load_reference_catalog

pytestmark = pytest.mark.django_db

MINIMAL = {
    "name": "Figures",
    "currency": "USD",
    "sources": {"card": "A model card", "grid": "A grid agency"},
    "api_prices": [{"model": "M", "offer": "card", "output": 1}],
    "gpu_power": [{"gpu": "NVIDIA H100 80GB", "tdp_w": 700, "source": "card"}],
    "grid_intensity": [{"region": "world", "g_co2e_per_kwh": 436, "year": 2022, "source": "grid"}],
    "quality_scores": [
        {
            "model": "M",
            "benchmark": "GPQA Diamond",
            "score": 50.5,
            "as_of": "2024-12-06",
            "source": "card",
        }
    ],
}


def _import(doc: dict, name: str = "Figures") -> object:
    return catalog_import(
        content=json.dumps(doc).encode(), filename="c.json", actor=None, catalog_name=name
    )


def test_the_reference_loads_with_its_cited_figures() -> None:
    version, created = load_reference_catalog()
    assert created
    llama = QualityScore.objects.get(version=version, model_name="Llama 3.3 70B")
    assert (llama.benchmark, llama.score, llama.as_of) == (
        "GPQA Diamond",
        Decimal("50.5"),
        date(2024, 12, 6),
    )
    assert "Llama 3.3 model card" in llama.source.description
    world = GridIntensity.objects.get(version=version, region="world")
    assert (world.g_co2e_per_kwh, world.year, world.source.key) == (
        Decimal(436),
        2022,
        "ember-ger-2023",
    )
    h100 = GpuPower.objects.get(version=version, sku="NVIDIA H100 80GB")
    assert h100.tdp_w == Decimal(700)
    # Every figure cites a source of its own version.
    for model in (GpuPower, GridIntensity, QualityScore):
        for row in model.objects.filter(version=version):
            assert row.source.version_id == version.pk
    assert load_reference_catalog() == (version, False)  # idempotent by content


def test_json_and_csv_round_trip_the_figures() -> None:
    version = _import(MINIMAL)
    exported = json.loads(export_json(version))
    for key in ("gpu_power", "grid_intensity", "quality_scores"):
        assert exported[key] == MINIMAL[key]
    archive = export_csv_zip(version)
    names = set(zipfile.ZipFile(io.BytesIO(archive)).namelist())
    assert {"gpu_power.csv", "grid_intensity.csv", "quality_scores.csv"} <= names
    again = catalog_import(content=archive, filename="c.zip", actor=None, catalog_name="Again")
    assert json.loads(export_json(again))["quality_scores"] == MINIMAL["quality_scores"]


def test_a_clone_keeps_the_figures_on_its_own_sources(staff) -> None:
    version = _import(MINIMAL)
    clone = catalog_version_clone(version=version, actor=staff)
    score = QualityScore.objects.get(version=clone)
    assert score.source.version_id == clone.pk
    assert GridIntensity.objects.filter(version=clone).count() == 1
    assert GpuPower.objects.filter(version=clone).count() == 1


BAD = {
    "a date that is not one": (
        lambda d: d["quality_scores"][0].update(as_of="06/12/2024"),
        ("quality_scores row 1", "as_of", "must be a date YYYY-MM-DD, got '06/12/2024'"),
    ),
    "an unknown source": (
        lambda d: d["grid_intensity"][0].update(source="nowhere"),
        ("grid_intensity row 1", "source", "unknown source key 'nowhere' (not in 'sources')"),
    ),
    "a year out of range": (
        lambda d: d["grid_intensity"][0].update(year=22),
        ("grid_intensity row 1", "year", "must be a year from 1990 to 2100"),
    ),
    "a GPU drawing nothing": (
        lambda d: d["gpu_power"][0].update(tdp_w=0),
        ("gpu_power row 1", "tdp_w", "must be positive"),
    ),
    "a score twice": (
        lambda d: d["quality_scores"].append(dict(d["quality_scores"][0])),
        ("quality_scores row 2", "model,benchmark", "duplicate of row 1"),
    ),
    "a negative score": (
        lambda d: d["quality_scores"][0].update(score=-1),
        ("quality_scores row 1", "score", "must not be negative, got -1"),
    ),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_figure_rejects_the_file_naming_row_and_field(case: str) -> None:
    mutate, expected = BAD[case]
    doc = copy.deepcopy(MINIMAL)
    mutate(doc)
    with pytest.raises(CatalogImportError) as error:
        _import(doc)
    assert expected in error.value.errors
    assert not QualityScore.objects.exists()
