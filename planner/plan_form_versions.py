"""Switching the catalog version of a plan being written keeps what was entered.

The plan form's choices are rows of one catalog version (API offers, GPU offers, owned
hardware, hidden costs). Switching versions moves each chosen row to its counterpart in
the new version, found the way a re-evaluation finds it (pricing/matching.py); what has
no counterpart is named so the page can say so. Everything typed is kept as typed.
"""

from __future__ import annotations

from django.http import QueryDict

from accounts.models import Organization
from pricing.matching import ApiOfferIndex, match_gpu_offer, match_owned_hardware
from pricing.models import (
    ApiOffer,
    CatalogVersion,
    GpuOffer,
    HiddenCost,
    OverlayApiOffer,
    OverlayGpuOffer,
    OwnedHardware,
)


def _pks(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def _private_left_out(
    data: QueryDict, *, old: CatalogVersion, prefix: str, organization: Organization | None
) -> list[str]:
    """The names of the organization's private offers chosen on ``old``."""
    if organization is None:
        return []
    mine = {"overlay__organization": organization, "overlay__base_version": old}
    names = [
        f"{row.model_name} (your price)"
        for row in OverlayApiOffer.objects.filter(
            pk__in=_pks(data.getlist("private_api_offers")), **mine
        )
    ]
    total = data.get(f"{prefix}-TOTAL_FORMS", "0")
    gpu_pks = _pks(
        [
            data.get(f"{prefix}-{n}-private_gpu_offer", "")
            for n in range(int(total) if total.isdigit() else 0)
        ]
    )
    names += [
        f"{row.gpu_count}\u00d7 {row.sku} (your price)"
        for row in OverlayGpuOffer.objects.filter(pk__in=gpu_pks, **mine)
    ]
    return names


def carry_to_version(
    data: QueryDict,
    *,
    old: CatalogVersion,
    new: CatalogVersion,
    prefix: str = "selfhost",
    organization: Organization | None = None,
) -> tuple[QueryDict, list[str]]:
    """(the posted plan form with its catalog rows moved to ``new``, the rows left out).

    The organization's private offers belong to its prices on ``old``: they are left out
    (named, when they are ``organization``'s own)."""
    moved = data.copy()
    left_out: list[str] = []
    left_out += _private_left_out(data, old=old, prefix=prefix, organization=organization)
    moved.setlist("private_api_offers", [])
    index = ApiOfferIndex(new)

    def api(pk: int) -> int | None:
        offer = ApiOffer.objects.filter(version=old, pk=pk).select_related("source").first()
        if offer is None:
            return None
        found = index.match(
            model_name=offer.model_name, provider=offer.provider, source_key=offer.source.key
        )
        if found.row is None:
            left_out.append(str(offer))
            return None
        return int(found.row.pk)

    moved.setlist(
        "api_offers", [str(pk) for pk in map(api, _pks(data.getlist("api_offers"))) if pk]
    )
    premium = _pks([data.get("hybrid_premium", "")])
    moved["hybrid_premium"] = str(api(premium[0]) or "") if premium else ""
    kind, _, ref = data.get("hybrid_cheap", "").partition(":")
    if kind == "api" and ref.isdigit():
        new_pk = api(int(ref))
        moved["hybrid_cheap"] = f"api:{new_pk}" if new_pk else ""

    total = data.get(f"{prefix}-TOTAL_FORMS", "0")
    for n in range(int(total) if total.isdigit() else 0):
        name = f"{prefix}-{n}-"
        moved[name + "private_gpu_offer"] = ""
        gpu = GpuOffer.objects.filter(
            version=old, pk=next(iter(_pks([data.get(name + "gpu_offer", "")])), None)
        ).first()
        if gpu is not None:
            found = match_gpu_offer(gpu, new)
            moved[name + "gpu_offer"] = str(found.row.pk) if found.row is not None else ""
            if found.row is None:
                left_out.append(str(gpu))
        owned = OwnedHardware.objects.filter(
            version=old, pk=next(iter(_pks([data.get(name + "owned_hardware", "")])), None)
        ).first()
        if owned is not None:
            found = match_owned_hardware(owned, new)
            moved[name + "owned_hardware"] = str(found.row.pk) if found.row is not None else ""
            if found.row is None:
                left_out.append(owned.name)
        hidden = HiddenCost.objects.filter(
            version=old, pk__in=_pks(data.getlist(name + "hidden_costs"))
        )
        counterparts = {
            h.item: h.pk
            for h in HiddenCost.objects.filter(version=new, item__in=[h.item for h in hidden])
        }
        moved.setlist(
            name + "hidden_costs",
            [str(counterparts[h.item]) for h in hidden if h.item in counterparts],
        )
        left_out += [h.item for h in hidden if h.item not in counterparts]
    return moved, left_out
