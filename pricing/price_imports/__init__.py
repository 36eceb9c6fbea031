"""Other tools' price files → a catalog document (the shape `catalog_format` validates).

Each format module turns the bytes of one file into a raw catalog document plus an
`ImportReport`; `pricing.services.catalog_import_prices` then sends the document through
the product's own path (`catalog_format.clean_document`, `importers.create_version_from_document`)
as a new *draft*, never published.

A format module reads the whole file before anything is written and raises
`CatalogImportError` naming every bad (entry, field); an entry that is well formed but has
no place in the catalog (an image model, an embedding, a CPU instance…) is not an error: it
is counted and named in the report under its kind.

Rounding, the one rule: a price is read exactly (a JSON float through its shortest repr,
`Decimal(repr(x))`; a CSV cell as written), converted exactly (per token x 1,000,000 = per 1M
tokens; an instance price stays per instance), then rounded half-to-even to the catalog's
`MAX_DECIMAL_PLACES` (6). Every value the rounding changed is listed in the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pricing.catalog_format import MAX_DECIMAL_PLACES

QUANTUM = Decimal(1).scaleb(-MAX_DECIMAL_PLACES)
PER_MTOK = Decimal(1_000_000)


@dataclass(frozen=True)
class RoundedValue:
    row: str
    field: str
    exact: Decimal
    stored: Decimal


@dataclass
class ImportReport:
    """What an import made of a file. Keys and numbers; `as_text` renders it."""

    format: str
    filename: str
    api_offers: int = 0
    gpu_offers: int = 0
    # kind ("embedding", "image_generation", "cpu instance", …) → entry names, file order.
    skipped: dict[str, list[str]] = field(default_factory=dict)
    # Priced fields on imported entries that the catalog has no place for → entries having it.
    fields_not_carried: dict[str, int] = field(default_factory=dict)
    rounded: list[RoundedValue] = field(default_factory=list)
    # Prices of another date or hour than the one imported (genai-prices' constraints).
    other_dated_prices: list[dict[str, Any]] = field(default_factory=list)
    # Rows left out because another row of the same offer was chosen (SkyPilot grouping).
    collapsed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    content_hash: str = ""
    version_id: int | None = None
    created: bool = False

    def skip(self, kind: str, name: str) -> None:
        self.skipped.setdefault(kind, []).append(name)

    def not_carried(self, field_name: str) -> None:
        self.fields_not_carried[field_name] = self.fields_not_carried.get(field_name, 0) + 1

    @property
    def skipped_counts(self) -> dict[str, int]:
        return {kind: len(names) for kind, names in sorted(self.skipped.items())}

    def summary(self) -> str:
        """One paragraph, kept in the version's notes. Names no file: the same content under
        another name is the same version (the notes are part of the content hash)."""
        skipped = ", ".join(f"{n} {kind}" for kind, n in self.skipped_counts.items())
        return (
            f"Imported by the {self.format} importer: {self.api_offers} API offers, "
            f"{self.gpu_offers} GPU offers; not imported: {skipped or 'none'}; "
            f"{len(self.rounded)} values rounded half-to-even to {MAX_DECIMAL_PLACES} places."
        )

    def as_text(self) -> str:
        lines = [f"{self.filename}:", self.summary()]
        for kind, names in sorted(self.skipped.items()):
            lines.append(f"Not imported, {kind} ({len(names)}): {', '.join(names)}")
        if self.fields_not_carried:
            lines.append("Priced fields with no place in the catalog (entries):")
            lines += [f"  {name}: {n}" for name, n in sorted(self.fields_not_carried.items())]
        if self.rounded:
            lines.append(f"Rounded half-to-even to {MAX_DECIMAL_PLACES} places:")
            lines += [f"  {r.row}: {r.field}: {r.exact} -> {r.stored}" for r in self.rounded]
        if self.other_dated_prices:
            lines.append("Prices of another date or hour, not imported:")
            lines += [
                f"  {p['row']}: {p['constraint']}: {p['prices']}" for p in self.other_dated_prices
            ]
        if self.collapsed:
            lines.append(
                f"Rows left out for a cheaper one of the same offer: {len(self.collapsed)}"
            )
            lines += [f"  {row}" for row in self.collapsed]
        lines += self.notes
        return "\n".join(lines)


def exact_decimal(value: int | float | Decimal) -> Decimal:
    """A number as read: a float through its shortest repr (never its binary expansion)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def rounded(exact: Decimal, *, row: str, field_name: str, report: ImportReport) -> Decimal:
    """The one rounding rule: half-to-even to the catalog's places; a change is reported."""
    stored = exact.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)
    if stored != exact:
        report.rounded.append(RoundedValue(row, field_name, exact.normalize(), stored.normalize()))
    return stored


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
