"""Display conversion with the exchange-rate snapshot of a catalog version.

The engine computes in the catalog's currency. An organization whose currency differs
sees converted figures only when the version holds a rate for that currency; otherwise
figures stay in the catalog's currency with a note. Every converted figure carries its
rate and as-of date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from formatting import MISSING
from formatting import format_money as format_money_in


@dataclass(frozen=True)
class Conversion:
    catalog_currency: str
    target: str
    rate: Decimal | None = None
    as_of: date | None = None
    source: str = ""

    @property
    def converts(self) -> bool:
        return self.rate is not None and self.target != self.catalog_currency

    @property
    def note(self) -> str:
        if self.target == self.catalog_currency or self.converts:
            return ""
        return (
            f"Shown in {self.catalog_currency}: this catalog version has no "
            f"{self.target} exchange rate."
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "catalog_currency": self.catalog_currency,
            "currency": self.target if self.converts else self.catalog_currency,
            "rate": None if self.rate is None else str(self.rate),
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "note": self.note,
        }


def conversion_for(*, organization: Any, version: Any) -> Conversion:
    from pricing.models import ExchangeRate

    target = (organization.currency or version.currency).upper()
    if target == version.currency:
        return Conversion(version.currency, target)
    row = ExchangeRate.objects.filter(version=version, currency=target).first()
    if row is None:
        return Conversion(version.currency, target)
    return Conversion(version.currency, target, row.rate, row.as_of, row.source)


def to_catalog_currency(
    *, amount: Decimal, currency: str, version: Any
) -> tuple[Decimal | None, str]:
    """``amount`` of ``currency`` in the version's currency, or (None, why not)."""
    from pricing.models import ExchangeRate

    if currency == version.currency:
        return Decimal(amount), ""
    row = ExchangeRate.objects.filter(version=version, currency=currency).first()
    if row is None:
        return None, (
            f"The budget is in {currency} and catalog version {version.pk} has no {currency} "
            "rate: it cannot be compared."
        )
    converted = (Decimal(amount) / row.rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return converted, f"{currency} {amount} at {row.rate} on {row.as_of.isoformat()}"


def format_money(amount: Decimal | float | int | None, conversion: Conversion | str | None) -> str:
    """ "€1,234.56 (USD 1,300.00 at 0.9497 on 2026-06-17)", or the catalog figure alone;
    an amount in a currency given by its code (a budget's) as it is; "—" when there is
    no amount."""
    if amount is None:
        return MISSING
    if isinstance(conversion, str):
        return format_money_in(amount, conversion)
    if conversion is None:
        return format_money_in(amount, "USD")
    if not conversion.converts:
        return format_money_in(amount, conversion.catalog_currency)
    assert conversion.rate is not None
    assert conversion.as_of is not None
    converted = Decimal(str(amount)) * conversion.rate
    original = format_money_in(amount, conversion.catalog_currency, with_code=True)
    return (
        f"{format_money_in(converted, conversion.target)} "
        f"({original} at {conversion.rate.normalize():f} on {conversion.as_of.isoformat()})"
    )
