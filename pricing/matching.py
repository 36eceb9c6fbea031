"""Finding an offer of one catalog version in another (re-evaluation, issue 17 item 3).

An API offer is found by its natural key (model, provider, source) when the new version
has it, else by model identity: the same canonical model id (`pricing.model_identity`)
from the same seller, whatever the source calls it (``GPT-5 (OpenAI) · feb-2026`` is
``gpt-5 (openai) · litellm``). Of several, the one named like the old offer wins, then a
plain name over a dated or prefixed alias, then the same source, then the shorter name.
A model sold by another seller is never taken silently: it is a suggestion.

What cannot be found comes back with the closest offers as suggestions: the same model
from other sellers, else the nearest model ids by spelling.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from accounts.models import Organization
from pricing.model_identity import canonical_model_id, canonical_provider_id
from pricing.models import (
    ApiOffer,
    CatalogVersion,
    GpuOffer,
    OverlayApiOffer,
    OverlayGpuOffer,
    OwnedHardware,
    PriceOverlay,
)

MAX_SUGGESTIONS = 3
SPELLING_CUTOFF = 0.6
_PLAIN = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Found:
    """What matching made of one row: the row in the new version (None: not found), how
    (``"same"``: natural key, ``"alias"``: model identity) and, when not found, the
    closest rows' labels."""

    row: Any | None
    how: str = ""
    suggestions: tuple[str, ...] = ()


def _plain(name: str) -> str:
    return _PLAIN.sub("-", name.lower()).strip("-")


class ApiOfferIndex:
    """A version's API offers, indexed once for matching many plans' offers into it."""

    def __init__(self, version: CatalogVersion) -> None:
        self.version = version
        offers = list(ApiOffer.objects.filter(version=version).select_related("source"))
        self._by_key = {(o.model_name, o.provider, o.source.key): o for o in offers}
        self._by_model: dict[str, list[ApiOffer]] = defaultdict(list)
        for offer in offers:
            self._by_model[offer.canonical_model].append(offer)

    def _rank(self, offer: ApiOffer, model_name: str, source_key: str) -> tuple[Any, ...]:
        return (
            offer.model_name.lower() != model_name.lower(),
            _plain(offer.model_name) != offer.canonical_model,
            offer.source.key != source_key,
            len(offer.model_name),
            offer.position,
            offer.pk,
        )

    def match(self, *, model_name: str, provider: str, source_key: str = "") -> Found:
        exact = self._by_key.get((model_name, provider, source_key))
        if exact is not None:
            return Found(exact, "same")
        model_id = canonical_model_id(model_name)
        same_model = self._by_model.get(model_id, [])
        seller = canonical_provider_id(provider)
        if seller:
            same_seller = [o for o in same_model if canonical_provider_id(o.provider) == seller]
        else:
            # An offer that names no seller (a gateway's price list) matches one that
            # names none either, or the only seller the new version has for the model.
            same_seller = [o for o in same_model if not o.provider]
            sellers = {canonical_provider_id(o.provider) for o in same_model}
            if not same_seller and len(sellers) == 1:
                same_seller = same_model
        if same_seller:
            best = min(same_seller, key=lambda o: self._rank(o, model_name, source_key))
            return Found(best, "alias")
        return Found(None, "", self._suggest(model_id, model_name, source_key))

    def _suggest(self, model_id: str, model_name: str, source_key: str) -> tuple[str, ...]:
        pool = self._by_model.get(model_id, [])
        if not pool:
            near = difflib.get_close_matches(
                model_id, list(self._by_model), n=MAX_SUGGESTIONS, cutoff=SPELLING_CUTOFF
            )
            pool = [
                min(self._by_model[i], key=lambda o: self._rank(o, model_name, source_key))
                for i in near
            ]
        else:
            pool = sorted(pool, key=lambda o: self._rank(o, model_name, source_key))
        return tuple(str(o) for o in pool[:MAX_SUGGESTIONS])


def _spelling(name: str, labels: list[str]) -> tuple[str, ...]:
    return tuple(difflib.get_close_matches(name, labels, n=MAX_SUGGESTIONS, cutoff=SPELLING_CUTOFF))


def gpu_label(offer: GpuOffer) -> str:
    """How a GPU offer is named in matching: ``1\u00d7 NVIDIA A100 80GB (Lambda) \u00b7 feb-2026``."""
    who = f" ({offer.provider})" if offer.provider else ""
    return f"{offer.gpu_count}\u00d7 {offer.sku}{who} \u00b7 {offer.source.key}"


def match_gpu_offer(old: GpuOffer, version: CatalogVersion) -> Found:
    """The GPU offer with the same SKU, GPU count and provider (the same source first;
    another source only when it is the only one); else the closest SKUs as suggestions."""
    candidates = list(
        GpuOffer.objects.filter(
            version=version, sku=old.sku, gpu_count=old.gpu_count, provider=old.provider
        ).select_related("source")
    )
    same_source = next((g for g in candidates if g.source.key == old.source.key), None)
    if same_source is not None:
        return Found(same_source, "same")
    if len(candidates) == 1:
        return Found(candidates[0], "alias")
    if candidates:
        return Found(None, "", tuple(gpu_label(g) for g in candidates[:MAX_SUGGESTIONS]))
    offers = GpuOffer.objects.filter(version=version).select_related("source")
    return Found(None, "", _spelling(gpu_label(old), [gpu_label(g) for g in offers]))


def _overlay_rows(model: Any, version: CatalogVersion, organization: Organization) -> list[Any]:
    overlay = PriceOverlay.objects.for_org(organization).filter(base_version=version).first()
    if overlay is None:
        return []
    return list(model.objects.filter(overlay=overlay).select_related("replaces"))


def match_private_api_offer(
    old: OverlayApiOffer, version: CatalogVersion, organization: Organization
) -> Found:
    """The organization's own price row for the same model and seller on ``version`` (its
    overlay there); else, as suggestions, the public offers of that model."""
    name = old.model_name or (old.replaces.model_name if old.replaces_id else "")
    seller = old.provider or (old.replaces.provider if old.replaces_id else "")
    model_id, seller_id = canonical_model_id(name), canonical_provider_id(seller)
    for row in _overlay_rows(OverlayApiOffer, version, organization):
        row_name = row.model_name or (row.replaces.model_name if row.replaces_id else "")
        row_seller = row.provider or (row.replaces.provider if row.replaces_id else "")
        if (canonical_model_id(row_name), canonical_provider_id(row_seller)) == (
            model_id,
            seller_id,
        ):
            return Found(row, "same" if row_name == name else "alias")
    public = ApiOfferIndex(version).match(model_name=name, provider=seller)
    suggestions = (str(public.row),) if public.row is not None else public.suggestions
    return Found(None, "", suggestions)


def match_private_gpu_offer(
    old: OverlayGpuOffer, version: CatalogVersion, organization: Organization
) -> Found:
    """The organization's own GPU price row for the same SKU and count on ``version``;
    else, as suggestions, the public GPU offers closest by name."""
    sku = old.sku or (old.replaces.sku if old.replaces_id else "")
    count = old.gpu_count or (old.replaces.gpu_count if old.replaces_id else None)
    for row in _overlay_rows(OverlayGpuOffer, version, organization):
        row_sku = row.sku or (row.replaces.sku if row.replaces_id else "")
        row_count = row.gpu_count or (row.replaces.gpu_count if row.replaces_id else None)
        if (row_sku, row_count) == (sku, count):
            return Found(row, "same")
    offers = GpuOffer.objects.filter(version=version).select_related("source")
    labels = {gpu_label(g): g.sku for g in offers}
    near = _spelling(sku, sorted(set(labels.values())))
    return Found(
        None, "", tuple(label for label, s in labels.items() if s in near)[:MAX_SUGGESTIONS]
    )


def match_owned_hardware(old: OwnedHardware, version: CatalogVersion) -> Found:
    """Owned hardware of the same name; else the closest names as suggestions."""
    rows = {h.name: h for h in OwnedHardware.objects.filter(version=version)}
    if old.name in rows:
        return Found(rows[old.name], "same")
    return Found(None, "", _spelling(old.name, list(rows)))
