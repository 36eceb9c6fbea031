"""`manage.py reevaluate_plans <version-id>`: re-evaluate every plan on a new catalog version."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from planner import services


class Command(BaseCommand):
    help = "Re-evaluates every plan of every organization against a published catalog version."

    def add_arguments(self, parser) -> None:
        parser.add_argument("version_id", type=int)

    def handle(self, *args: object, version_id: int, **options: object) -> None:
        from pricing.models import CatalogVersion

        version = CatalogVersion.objects.published().filter(pk=version_id).first()
        if version is None:
            raise CommandError(f"No published catalog version {version_id}.")
        summary = services.plans_reevaluate_all(version=version, actor=None)
        for line in summary.lines():
            self.stdout.write(line)
