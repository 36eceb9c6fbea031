from __future__ import annotations

from django.core.management.base import BaseCommand

from pricing.services import load_reference_catalog


class Command(BaseCommand):
    help = "Import and publish pricing/data/catalog-2026.json unless it is already published."

    def handle(self, *args, **options):
        version, created = load_reference_catalog(actor=None)
        if created:
            self.stdout.write(self.style.SUCCESS(f"Published {version} (id {version.pk})"))
        else:
            self.stdout.write(f"Already published as {version} (id {version.pk}): nothing to do")
