from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pricing.catalog_format import CatalogImportError
from pricing.services import catalog_import


class Command(BaseCommand):
    help = "Import a catalog file (reference JSON format, or the CSV zip) as a new draft version."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--name", help="Catalog to add the version to (default: the file's name)."
        )
        parser.add_argument("--publish", action="store_true", help="Publish the new version.")
        parser.add_argument("--effective-date", type=date.fromisoformat, default=None)

    def handle(self, *args, file: Path, name: str | None, publish: bool, effective_date, **options):
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        try:
            version = catalog_import(
                content=file.read_bytes(),
                filename=file.name,
                actor=None,
                catalog_name=name,
                publish=publish,
                effective_date=effective_date,
            )
        except CatalogImportError as exc:
            raise CommandError(f"{file} rejected, nothing imported:\n{exc.report()}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {version} (id {version.pk}, hash {version.content_hash[:12]})"
            )
        )
        for note in getattr(version, "publish_notes", []):
            self.stdout.write(note)
