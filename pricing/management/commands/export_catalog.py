from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pricing.exporters import export_csv_zip, export_json
from pricing.models import CatalogVersion


class Command(BaseCommand):
    help = "Export a catalog version as JSON (reference format) or as a zip of CSV files."

    def add_arguments(self, parser):
        parser.add_argument("version_id", type=int)
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("-o", "--output", type=Path, default=None)

    def handle(self, *args, version_id: int, format: str, output: Path | None, **options):
        version = CatalogVersion.objects.filter(pk=version_id).first()
        if version is None:
            raise CommandError(f"No catalog version {version_id}")
        data = export_json(version) if format == "json" else export_csv_zip(version)
        if output is None:
            if format == "csv":
                raise CommandError("The CSV export is a zip: give -o <file.zip>.")
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        output.write_bytes(data)
        self.stderr.write(f"Wrote {output} ({len(data)} bytes)")
