"""Scheduled price refresh: read each configured source and make a *draft* version when
its content changed. Publishing stays with a person (the admin shows the draft's diff
against the catalog's current version).

A source is a file path or an http(s) URL per importer (settings ``PRICE_REFRESH_SOURCES``,
from ``PRICE_REFRESH_LITELLM``, ``PRICE_REFRESH_GENAI_PRICES``, ``PRICE_REFRESH_SKYPILOT``).
Each is imported through `pricing.services.catalog_import_prices`, the path an operator's
upload takes, so "changed" means what it means there: the converted document's content hash
matches no version of the catalog yet. The same file again, or a file whose prices did not
move, makes nothing. (A source that goes back to the prices of an older version makes
nothing either: that version exists.) A source that cannot be read or converted is logged
and reported; the others still run.
"""

from __future__ import annotations

import logging
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from pricing.catalog_format import CatalogImportError

logger = logging.getLogger(__name__)

# LiteLLM's map is 3.5 MB, genai-prices' 0.35 MB; a whole cloud's SkyPilot CSV a few MB.
MAX_SOURCE_BYTES = 100 * 1024 * 1024
FETCH_TIMEOUT_S = 60


class SourceError(Exception):
    """A source that could not be read."""


@dataclass(frozen=True)
class RefreshOutcome:
    price_format: str
    source: str
    status: str  # "created", "unchanged" or "failed"
    version_id: int | None = None
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.price_format,
            "source": self.source,
            "status": self.status,
            "version": self.version_id,
            "error": self.error,
        }


def configured_sources() -> dict[str, str]:
    """Importer -> source, for the importers that have one."""
    sources = getattr(settings, "PRICE_REFRESH_SOURCES", {}) or {}
    return {name: location for name, location in sources.items() if location}


def read_source(location: str) -> bytes:
    """The bytes at a file path or an http(s) URL (at most `MAX_SOURCE_BYTES`)."""
    if location.startswith(("http://", "https://")):
        # Only http(s) reaches here, from the operator's settings (never a user's input).
        request = urllib.request.Request(location, headers={"User-Agent": "breakeven"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as response:  # noqa: S310
                data = response.read(MAX_SOURCE_BYTES + 1)
        except OSError as exc:  # URLError, HTTPError, timeouts
            raise SourceError(f"{location}: {exc}") from exc
    else:
        path = Path(location)
        try:
            if path.stat().st_size > MAX_SOURCE_BYTES:
                raise SourceError(f"{location}: larger than {MAX_SOURCE_BYTES // 2**20} MB")
            data = path.read_bytes()
        except OSError as exc:
            raise SourceError(f"{location}: {exc.strerror or exc}") from exc
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(f"{location}: larger than {MAX_SOURCE_BYTES // 2**20} MB")
    return data


def _filename(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[-1] or location


def refresh_prices(*, sources: dict[str, str] | None = None) -> list[RefreshOutcome]:
    """Read every source and import it as a draft if its content is new; one outcome per
    source. Never publishes."""
    from pricing.services import catalog_import_prices

    outcomes = []
    for price_format, location in (configured_sources() if sources is None else sources).items():
        try:
            content = read_source(location)
            version, report = catalog_import_prices(
                content=content,
                filename=_filename(location),
                price_format=price_format,
                actor=None,
                gpu_grouping=getattr(settings, "PRICE_REFRESH_SKYPILOT_GROUPING", "region"),
                gpu_provider=getattr(settings, "PRICE_REFRESH_SKYPILOT_PROVIDER", ""),
            )
        except SourceError as exc:
            outcome = RefreshOutcome(price_format, location, "failed", error=str(exc))
        except CatalogImportError as exc:
            outcome = RefreshOutcome(price_format, location, "failed", error=exc.report())
        else:
            status = "created" if report.created else "unchanged"
            outcome = RefreshOutcome(price_format, location, status, version.pk)
        if outcome.status == "failed":
            logger.warning(
                "Price refresh of %s from %s failed: %s", price_format, location, outcome.error
            )
        else:
            logger.info(
                "Price refresh of %s from %s: %s (version %s)",
                price_format,
                location,
                outcome.status,
                outcome.version_id,
            )
        outcomes.append(outcome)
    return outcomes
