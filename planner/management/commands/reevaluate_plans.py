"""`manage.py reevaluate_plans <version-id>`: re-evaluate plans against a published version,
in this process, printing what happened to each plan."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from planner import reevaluation
from planner.models import PlanReevaluation, PlanRunStatus, RunScope


class Command(BaseCommand):
    help = (
        "Re-evaluates plans against a published catalog version: by default those pinned to "
        "earlier versions of its catalog (what publishing does in the background), with "
        "--all every plan of every organization on another version."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("version_id", type=int)
        parser.add_argument(
            "--all",
            action="store_true",
            help="Every plan on another version, of any catalog (offers matched by model).",
        )

    def handle(self, *args: object, version_id: int, all: bool, **options: object) -> None:
        from pricing.models import CatalogVersion

        version = (
            CatalogVersion.objects.published()
            .select_related("catalog")
            .filter(pk=version_id)
            .first()
        )
        if version is None:
            raise CommandError(f"No published catalog version {version_id}.")
        scope = RunScope.ALL if all else RunScope.CATALOG
        run = reevaluation.reevaluation_start(version=version, actor=None, scope=scope, queue=False)
        if run is None:
            self.stdout.write("No plan to re-evaluate.")
            return
        run = reevaluation.reevaluation_run_now(run_id=run.pk)
        moved = PlanReevaluation.objects.filter(
            run=run, status__in=(PlanRunStatus.REEVALUATED, PlanRunStatus.FLAGGED)
        ).count()
        self.stdout.write(
            f"Re-evaluated {moved} plan(s); {run.flagged} flagged; {run.failed} failed "
            f"(run #{run.pk})."
        )
        rows = (
            PlanReevaluation.objects.filter(run=run)
            .exclude(status=PlanRunStatus.REEVALUATED)
            .select_related("plan__organization")
        )
        for row in rows:
            text = row.flag or row.error or row.get_status_display()
            label = f"{row.plan.organization.name} / {row.plan.name}"
            self.stdout.write(f"  {row.get_status_display().lower()}: {label}: {text}")
