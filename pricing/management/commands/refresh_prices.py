from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from pricing.price_imports.refresh import configured_sources, refresh_prices


class Command(BaseCommand):
    help = (
        "Run the scheduled price refresh now: read every configured source "
        "(PRICE_REFRESH_LITELLM, PRICE_REFRESH_GENAI_PRICES, PRICE_REFRESH_SKYPILOT) and make a "
        "draft version of each whose content changed. Never publishes."
    )

    def handle(self, *args, **options):
        if not configured_sources():
            self.stdout.write("No price sources are configured (PRICE_REFRESH_* settings).")
            return
        failed = 0
        for outcome in refresh_prices():
            if outcome.status == "failed":
                failed += 1
                self.stderr.write(f"{outcome.price_format} from {outcome.source}: {outcome.error}")
            elif outcome.status == "created":
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{outcome.price_format}: new draft version {outcome.version_id}"
                    )
                )
            else:
                self.stdout.write(
                    f"{outcome.price_format}: unchanged (same as version {outcome.version_id})"
                )
        if failed:
            raise CommandError(f"{failed} source(s) could not be refreshed.")
