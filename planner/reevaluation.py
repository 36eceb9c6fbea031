"""Re-evaluating many plans against a published catalog version, in the background.

Publishing a version (`pricing.services.catalog_version_publish`, from the admin, a
command or an import) calls `on_version_published` through the pricing hook the planner
registers at startup. It starts a `ReevaluationRun` over every plan pinned to an *earlier*
version of the *same* catalog (an imported price list never moves plans made on another
catalog) and queues it once the publication commits. The run moves each plan with
`planner.services.plan_reevaluate`, the one re-evaluation there is: offers matched by
model identity, options it cannot carry listed with the closest offers, the plan flagged
when its recommendation or cheapest option flips (with the price move that caused it),
and the organization notified through the plan-evaluated hooks (tracking's alert and
signed webhooks on the ``notifications`` queue).

Each plan is its own transaction and its own `PlanReevaluation` row, claimed while
pending: a redelivered task, or a worker that died half-way, carries on where the run
stopped and never re-evaluates a plan twice. The run works through `BATCH` plans per task
and queues the next batch itself, so no task runs long.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.availability import BROKER_ERRORS
from planner import services
from planner.models import (
    Plan,
    PlanReevaluation,
    PlanRunStatus,
    ReevaluationRun,
    RunScope,
    RunStatus,
)

logger = logging.getLogger(__name__)

BATCH = 25
QUEUEING_FAILED = (
    "Background workers were unavailable when the version was published, so no plan was "
    "re-evaluated: run `manage.py reevaluate_plans {version}`."
)


def plans_to_reevaluate(*, version: Any, scope: str = RunScope.CATALOG) -> QuerySet[Plan]:
    """The plans a run moves to ``version``: those pinned to an earlier version (by
    effective date, then number) of its catalog; with scope ``all``, every plan on
    another version of any catalog."""
    if scope == RunScope.ALL:
        return Plan.objects.exclude(catalog_version=version)
    earlier = Q(catalog_version__effective_date__lt=version.effective_date) | Q(
        catalog_version__effective_date=version.effective_date,
        catalog_version__number__lt=version.number,
    )
    return Plan.objects.filter(earlier, catalog_version__catalog_id=version.catalog_id)


@transaction.atomic
def reevaluation_start(
    *, version: Any, actor: Any, scope: str = RunScope.CATALOG, queue: bool = True
) -> ReevaluationRun | None:
    """A run over the plans `plans_to_reevaluate` finds, queued once committed (``queue``
    False: the caller runs it, as the command does). None when there is no such plan."""
    plans = list(
        plans_to_reevaluate(version=version, scope=scope)
        .order_by("pk")
        .values_list("pk", "organization_id", "catalog_version_id")
    )
    if not plans:
        return None
    run = ReevaluationRun.objects.create(
        version=version,
        scope=scope,
        total=len(plans),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    PlanReevaluation.objects.bulk_create(
        PlanReevaluation(run=run, plan_id=pk, organization_id=org, from_version_id=old)
        for pk, org, old in plans
    )
    if queue:
        run_id = run.pk
        transaction.on_commit(lambda: enqueue(run_id=run_id))
    return run


def enqueue(*, run_id: int) -> None:
    from planner.tasks import reevaluation_run_task

    try:
        reevaluation_run_task.delay(run_id)
    except BROKER_ERRORS:
        logger.warning("Could not queue re-evaluation run %s", run_id, exc_info=True)
        run = ReevaluationRun.objects.filter(pk=run_id).first()
        if run is not None:
            reevaluation_fail(run_id=run_id, error=QUEUEING_FAILED.format(version=run.version_id))


def on_version_published(*, version: Any, actor: Any) -> str:
    """The pricing hook: start the run for a version just published; say what it does."""
    run = reevaluation_start(version=version, actor=actor)
    catalog = version.catalog.name
    if run is None:
        return f"No plan is pinned to an earlier version of {catalog}: nothing to re-evaluate."
    return (
        f"Re-evaluating {run.total} plan(s) pinned to earlier versions of {catalog} against "
        f"v{version.number} in the background (re-evaluation run #{run.pk}; progress in "
        "the admin under Planner > Re-evaluation runs)."
    )


def reevaluation_fail(*, run_id: int, error: str) -> None:
    ReevaluationRun.objects.filter(
        pk=run_id, status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
    ).update(status=RunStatus.FAILED, error=error[:2000], finished_at=timezone.now())


def reevaluation_run_batch(*, run_id: int, batch: int = BATCH) -> bool:
    """Re-evaluate the next ``batch`` pending plans of a run; True while plans remain."""
    from pricing.matching import ApiOfferIndex

    with transaction.atomic():
        run = (
            ReevaluationRun.objects.select_for_update(of=("self",))
            .select_related("version__catalog", "created_by")
            .filter(pk=run_id, status__in=(RunStatus.QUEUED, RunStatus.RUNNING))
            .first()
        )
        if run is None:
            return False
        if run.status == RunStatus.QUEUED:
            run.status, run.started_at = RunStatus.RUNNING, timezone.now()
            run.save(update_fields=["status", "started_at"])
    pending = PlanReevaluation.objects.filter(run_id=run_id, status=PlanRunStatus.PENDING)
    row_ids = list(pending.order_by("pk").values_list("pk", flat=True)[:batch])
    offers = ApiOfferIndex(run.version)
    for row_id in row_ids:
        _reevaluate_one(row_id=row_id, run=run, offers=offers)
    if pending.exists():
        return True
    ReevaluationRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.DONE, finished_at=timezone.now()
    )
    return False


def _reevaluate_one(*, row_id: int, run: ReevaluationRun, offers: Any) -> None:
    with transaction.atomic():
        row = (
            PlanReevaluation.objects.select_for_update(of=("self",))
            .select_related("plan")
            .filter(pk=row_id, status=PlanRunStatus.PENDING)
            .first()
        )
        if row is None:
            return  # done by an earlier delivery of the task
        plan = row.plan
        if plan.catalog_version_id != row.from_version_id:
            row.status = PlanRunStatus.SKIPPED
        else:
            try:
                with transaction.atomic():
                    comparison = services.plan_reevaluate(
                        plan=plan, version=run.version, actor=run.created_by, offers=offers
                    )
            except ValidationError as exc:
                row.status, row.error = PlanRunStatus.FAILED, " ".join(exc.messages)
            except Exception:  # one plan never stops the run; the log has the trace
                logger.exception("Re-evaluating plan %s in run %s failed", plan.pk, run.pk)
                row.status = PlanRunStatus.FAILED
                row.error = "The re-evaluation failed on our side; the plan was not changed."
            else:
                row.comparison_number = comparison.number
                row.flag = comparison.flag_raised  # type: ignore[attr-defined]
                row.left_out = [item.as_dict() for item in comparison.left_out]  # type: ignore[attr-defined]
                row.matched_by_alias = comparison.matched_by_alias  # type: ignore[attr-defined]
                row.status = PlanRunStatus.FLAGGED if row.flag else PlanRunStatus.REEVALUATED
        row.finished_at = timezone.now()
        row.save()
        ReevaluationRun.objects.filter(pk=run.pk).update(
            done=F("done") + 1,
            flagged=F("flagged") + int(row.status == PlanRunStatus.FLAGGED),
            failed=F("failed") + int(row.status == PlanRunStatus.FAILED),
        )


def reevaluation_run_now(*, run_id: int) -> ReevaluationRun:
    """Run a whole run in this process (the command), batch after batch."""
    while reevaluation_run_batch(run_id=run_id):
        pass
    return ReevaluationRun.objects.get(pk=run_id)


def reevaluations_in_progress(*, organization: Any) -> list[dict[str, Any]]:
    """The organization's plans being re-evaluated right now, per catalog version: what
    its dashboard shows while a run goes on."""
    rows = (
        PlanReevaluation.objects.for_org(organization)
        .filter(run__status__in=(RunStatus.QUEUED, RunStatus.RUNNING))
        .select_related("run__version__catalog")
        .order_by("run_id", "pk")
    )
    runs: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = runs.setdefault(
            row.run_id,
            {"version": services.version_label(row.run.version), "total": 0, "done": 0},
        )
        entry["total"] += 1
        entry["done"] += int(row.status != PlanRunStatus.PENDING)
    return list(runs.values())
