"""Published architectures of open-weight models, shipped with the product.

Importers fill a version's model specs from here (a catalog's own figures win), so
any catalog, ours or imported, can size GPU memory for the models it names.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pricing.model_identity import canonical_model_id

REGISTRY_PATH = Path(__file__).resolve().parent / "data" / "model_architectures.json"
ARCHITECTURE_FIELDS = ("layers", "kv_heads", "head_dim", "max_context", "attention")


def normalized_name(name: str) -> str:
    """The registry's key for a name: the model identity's canonical id (one rule for
    provider prefixes, dated suffixes and punctuation); aliases cover the rest."""
    return canonical_model_id(name)


@cache
def _registry() -> dict[str, dict[str, Any]]:
    rows = json.loads(REGISTRY_PATH.read_text())["models"]
    known: dict[str, dict[str, Any]] = {}
    for row in rows:
        for name in [row["model"], *row.get("aliases", [])]:
            known[normalized_name(name)] = row
    return known


def published(name: str) -> dict[str, Any] | None:
    """The registry row for a model name or alias; None when unknown or unpublished."""
    row = _registry().get(normalized_name(name))
    if row is None or row.get("unpublished"):
        return None
    return row


def spec_fields(name: str) -> dict[str, Any]:
    """ModelSpec field values the registry knows for ``name`` (empty when it does not)."""
    row = published(name)
    if row is None:
        return {}
    fields: dict[str, Any] = {k: row[k] for k in ARCHITECTURE_FIELDS if k in row}
    fields["config_source"] = row["config_source"]
    return fields


def size_fields(name: str) -> dict[str, Any]:
    """Total and active parameters (billions) the registry knows for ``name``."""
    row = published(name)
    if row is None:
        return {}
    return {"params_total_b": row["params_b"], "params_active_b": row.get("active_params_b")}
