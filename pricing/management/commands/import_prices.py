from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pricing.catalog_format import CatalogImportError
from pricing.price_imports.skypilot import GROUPINGS
from pricing.services import (
    PRICE_FORMATS,
    catalog_import_price_history,
    catalog_import_prices,
    catalog_version_publish,
)


class Command(BaseCommand):
    help = (
        "Import another tool's price file (LiteLLM's price map, genai-prices data, a "
        "SkyPilot GPU catalog CSV) as a new draft catalog version, and print the report. "
        "The same content twice makes no second version. --publish publishes the version "
        "(plans pinned to earlier versions of its catalog are then re-evaluated)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=PRICE_FORMATS, dest="price_format")
        parser.add_argument("file", type=Path)
        parser.add_argument("--catalog", help="Catalog to add the version to.")
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help="genai-prices: the date whose prices to import (default today); the "
            "version's effective date.",
        )
        parser.add_argument(
            "--gpu-grouping",
            choices=GROUPINGS,
            default="region",
            help="skypilot: one offer per region, or the cheapest per region group.",
        )
        parser.add_argument("--provider", default="", help="skypilot: the cloud's name.")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the imported version (a draft of the same content too).",
        )
        parser.add_argument(
            "--each-dated-change",
            action="store_true",
            help="genai-prices: one draft version per dated price change, effective from it.",
        )

    def handle(self, *args, price_format, file: Path, catalog, as_of, gpu_grouping, provider, **o):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        if o["each_dated_change"] and (price_format != "genai-prices" or as_of is not None):
            raise CommandError("--each-dated-change is for genai-prices, without --as-of.")
        try:
            if o["each_dated_change"]:
                results = catalog_import_price_history(
                    content=file.read_bytes(), filename=file.name, actor=None, catalog_name=catalog
                )
            else:
                results = [
                    catalog_import_prices(
                        content=file.read_bytes(),
                        filename=file.name,
                        price_format=price_format,
                        actor=None,
                        catalog_name=catalog,
                        as_of=as_of,
                        gpu_grouping=gpu_grouping,
                        gpu_provider=provider,
                    )
                ]
        except CatalogImportError as exc:
            raise CommandError(f"{file} rejected, nothing imported:\n{exc.report()}") from exc
        for version, report in results:
            self._print(version, report)
            if o["publish"] and version.is_draft:
                published = catalog_version_publish(version=version, actor=None)
                self.stdout.write(self.style.SUCCESS(f"Published {published}"))
                for note in getattr(published, "publish_notes", []):
                    self.stdout.write(note)

    def _print(self, version, report) -> None:
        self.stdout.write(report.as_text())
        if report.created:
            message = f"Created draft {version} (id {version.pk}, hash {version.content_hash[:12]})"
        else:
            message = f"Same content as {version} (id {version.pk}): no new version"
        self.stdout.write(self.style.SUCCESS(message))
