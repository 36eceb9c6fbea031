"""Open-weight model architectures: filled on import from published configurations."""

from __future__ import annotations

import json

import pytest

from pricing.architectures import normalized_name, published, spec_fields
from pricing.catalog_format import CatalogImportError
from pricing.exporters import export_json
from pricing.models import ApiOffer, ModelSpec
from pricing.services import REFERENCE_CATALOG_PATH, catalog_import

pytestmark = pytest.mark.django_db

REFERENCE = json.loads(REFERENCE_CATALOG_PATH.read_text())


def test_every_open_weight_model_of_the_shipped_catalog_is_in_the_registry(reference):
    open_models = set(
        ApiOffer.objects.filter(version=reference, open_weights=True).values_list(
            "model_name", flat=True
        )
    )
    from pricing.architectures import _registry

    listed = {normalized_name(row["model"]) for row in _registry().values()}
    assert {normalized_name(m) for m in open_models} <= listed


def test_the_reference_catalog_gets_published_architectures(reference):
    llama = ModelSpec.objects.get(version=reference, name="Llama 3.3 70B")
    # The catalog's own size (70B from its offer) wins; the architecture is Meta's config.
    assert llama.params_total_b == 70
    assert (llama.layers, llama.kv_heads, llama.head_dim, llama.max_context) == (
        80,
        8,
        128,
        131_072,
    )
    assert "meta-llama/Llama-3.3-70B-Instruct" in llama.config_source
    # An open-weight offer without a size in the catalog gets the registry's, MoE included.
    deepseek = ModelSpec.objects.get(version=reference, name="DeepSeek V3.2")
    assert (deepseek.params_total_b, deepseek.params_active_b) == (671, 37)
    assert (deepseek.attention, deepseek.head_dim, deepseek.kv_heads) == ("mla", 576, 1)
    # A model whose configuration is not published keeps no architecture.
    unknown = ModelSpec.objects.get(version=reference, name="Qwen3.5-27B")
    assert unknown.has_architecture is False


def test_aliases_and_provider_prefixes_find_the_same_model():
    assert published("meta-llama/Llama-3.3-70B-Instruct")["model"] == "Llama 3.3 70B"
    assert published("llama 3.3 70b")["model"] == "Llama 3.3 70B"
    assert published("GLM-5.2") is None  # listed as unpublished
    assert spec_fields("no such model") == {}


def test_a_catalog_states_its_own_architecture_and_it_round_trips():
    doc = json.loads(json.dumps(REFERENCE))
    doc["model_specs"] = [
        {
            "model": "Llama 3.3 70B",
            "params_b": 70.6,
            "layers": 81,
            "kv_heads": 8,
            "head_dim": 128,
            "max_context": 65_536,
            "config_source": "our own fork",
        }
    ]
    version = catalog_import(
        content=json.dumps(doc).encode(), filename="c.json", actor=None, catalog_name="Own"
    )
    spec = ModelSpec.objects.get(version=version, name="Llama 3.3 70B")
    assert (spec.layers, spec.max_context, spec.config_source) == (81, 65_536, "our own fork")
    exported = json.loads(export_json(version))["model_specs"]
    assert exported == [
        {
            "model": "Llama 3.3 70B",
            "params_b": 70.6,
            "layers": 81,
            "kv_heads": 8,
            "head_dim": 128,
            "max_context": 65_536,
            "attention": "gqa",
            "config_source": "our own fork",
        }
    ]


def test_a_bad_attention_kind_is_rejected_naming_the_field():
    doc = json.loads(json.dumps(REFERENCE))
    doc["model_specs"] = [{"model": "X", "params_b": 7, "attention": "mqa"}]
    with pytest.raises(CatalogImportError) as exc:
        catalog_import(
            content=json.dumps(doc).encode(), filename="c.json", actor=None, catalog_name="Bad"
        )
    assert "attention" in str(exc.value)
    assert "mqa" in str(exc.value)
