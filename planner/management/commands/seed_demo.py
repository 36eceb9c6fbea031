"""`manage.py seed_demo`: a demo organization to click through (planner/demo.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from planner.demo import (
    DEMO_ORGANIZATION_NAME,
    DEMO_OWNER_EMAIL,
    DEMO_PASSWORD,
    DEMO_VIEWER_EMAIL,
    seed_demo,
)


class Command(BaseCommand):
    help = "Creates (or keeps) the demo organization 'Demo Co' with a demo owner and viewer."

    def handle(self, *args: object, **options: object) -> None:
        ctx = seed_demo()
        for line in ctx.log:
            self.stdout.write(f"  {line}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: {DEMO_OWNER_EMAIL} / {DEMO_PASSWORD} (owner of {DEMO_ORGANIZATION_NAME}); "
                f"read-only: {DEMO_VIEWER_EMAIL} / {DEMO_PASSWORD}"
            )
        )
