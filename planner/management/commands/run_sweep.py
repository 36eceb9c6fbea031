"""Run a sweep from a spec JSON file and print its summary.

    manage.py run_sweep spec.json acme 3 [--name "Grid"] [--chunk-size N] [--timeout 600]

(spec file, organization slug, catalog version id)

With no broker (embedded mode) the sweep runs in this process; with one, the command
queues it and waits for the workers.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization
from planner import sweep_services
from planner.bridge.sweeps import SweepSpecError
from planner.models import Sweep


class Command(BaseCommand):
    help = "Run a parameter sweep (spec JSON file, organization slug, catalog version id)."

    def add_arguments(self, parser):
        parser.add_argument("spec", type=Path)
        parser.add_argument("org", help="Organization slug.")
        parser.add_argument("catalog_version", type=int, help="Catalog version id.")
        parser.add_argument("--name", default="")
        parser.add_argument("--chunk-size", type=int, default=None)
        parser.add_argument("--timeout", type=float, default=600.0)

    def handle(self, *args, **options):
        from pricing.models import CatalogVersion

        try:
            spec = json.loads(options["spec"].read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"spec: cannot read {options['spec']}: {exc}") from exc
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"org: no organization {options['org']!r}")
        version = CatalogVersion.objects.filter(pk=options["catalog_version"]).first()
        if version is None:
            raise CommandError(f"catalog_version: no catalog version {options['catalog_version']}")
        started = time.perf_counter()
        try:
            sweep = sweep_services.sweep_start(
                organization=organization,
                actor=None,
                name=options["name"] or options["spec"].stem,
                catalog_version=version,
                spec=spec,
                chunk_size=options["chunk_size"],
            )
        except SweepSpecError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from exc
        deadline = time.monotonic() + options["timeout"]
        sweep.refresh_from_db()
        while not sweep.is_finished and time.monotonic() < deadline:
            time.sleep(0.2)
            sweep = Sweep.objects.defer("result").get(pk=sweep.pk)
        elapsed = time.perf_counter() - started
        self._print(sweep, elapsed)
        if not sweep.is_finished:
            raise CommandError(
                f"sweep {sweep.pk} still {sweep.status} after {options['timeout']} s"
            )

    def _print(self, sweep: Sweep, elapsed: float) -> None:
        w = self.stdout.write
        w(
            f"Sweep {sweep.pk} {sweep.name!r}: {sweep.status}, {sweep.total_points:,} points, "
            f"{sweep.chunks_total} chunks, {elapsed:.2f} s, result {sweep.result_bytes:,} bytes"
        )
        if sweep.error:
            w(f"Error: {sweep.error}")
        summary = sweep.summary or {}
        for name in summary.get("option_names", []):
            count = summary["wins"].get(name, 0)
            w(
                f"  cheapest at {count:>9,} points ({100 * summary['win_share'][name]:5.1f}%): {name}"
            )
        if summary:
            w(f"Frontier: {summary['frontier_count']:,} flips along the volume axis")
            for flip in summary["frontier"][:10]:
                w(
                    f"  share {flip['input_share']:.2f} util {flip['utilization']:.2f}: "
                    f"{flip['from']} -> {flip['to']} between {flip['volume_below']:,.0f} and "
                    f"{flip['volume_above']:,.0f} tokens/month"
                )
