"""Services for actual usage: routing rules, and importing usage files (now, or as a
background job). Keyword-only; organization and actor explicit.

An import writes nothing until the whole file has been read without a problem; then every
(workload, month, model, kind) total it holds is written in one transaction, replacing the
same month, model and kind imported before for that workload. So importing the same file
again changes nothing: the importer's promise of idempotence.
"""

from __future__ import annotations

import logging
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import record
from accounts.availability import BROKER_ERRORS, require_broker
from accounts.models import Organization
from planner.models import Workload
from tracking.models import (
    ActualUsageImport,
    ActualUsageMonth,
    DateOrder,
    ImportJobStatus,
    RoutingDimension,
    UsageImportJob,
    UsageRoutingRule,
)
from tracking.usage import storage
from tracking.usage.parser import (
    MAX_BYTES,
    ImportRejectedError,
    ParsedUsage,
    RowError,
    check_header,
    parse_usage,
)
from tracking.usage.routing import Router

logger = logging.getLogger(__name__)

USAGE_WRITE_BATCH = 1_000
MAX_ROUTING_RULES = 1_000
IMPORT_QUEUEING_FAILED = (
    "Background workers were unavailable when this file was queued, so it was not imported. "
    "Upload it again."
)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _check_org(obj: Any, organization: Organization) -> None:
    if obj is not None and obj.organization_id != organization.pk:
        raise ValidationError("This object belongs to another organization.")


def _rejected(exc: ImportRejectedError) -> ValidationError:
    return ValidationError({"file": [str(e) for e in exc.errors]})


# --- routing rules -----------------------------------------------------------------------


def _clean_rule(
    *, organization: Organization, dimension: str, value: str, workload: Workload | None
) -> tuple[str, str]:
    errors: dict[str, str] = {}
    if dimension not in RoutingDimension.values:
        errors["dimension"] = f"Choose one of: {', '.join(RoutingDimension.values)}."
    value = (value or "").strip()
    if not value:
        errors["value"] = "Give the value to match, as it appears in the file."
    elif len(value) > 200:
        errors["value"] = "At most 200 characters."
    if workload is None or workload.organization_id != organization.pk:
        errors["workload"] = "Choose a workload of this organization."
    if errors:
        raise ValidationError(errors)
    return dimension, value


@transaction.atomic
def routing_rule_create(
    *, organization: Organization, actor: Any, dimension: str, value: str, workload: Workload
) -> UsageRoutingRule:
    """Rows whose `dimension` is `value` go to `workload` in every later import."""
    dimension, value = _clean_rule(
        organization=organization, dimension=dimension, value=value, workload=workload
    )
    # The organization's row is the lock that keeps two creations from passing the checks.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    rules = UsageRoutingRule.objects.for_org(organization)
    if rules.filter(dimension=dimension, value=value).exists():
        raise ValidationError({"value": f"There is already a rule for this {dimension}."})
    if rules.count() >= MAX_ROUTING_RULES:
        raise ValidationError(
            {"value": f"An organization can have at most {MAX_ROUTING_RULES} routing rules."}
        )
    rule = UsageRoutingRule.objects.create(
        organization=organization,
        dimension=dimension,
        value=value,
        workload=workload,
        created_by=_user(actor),
    )
    record(
        actor=actor,
        action="usage.routing_rule.create",
        obj=rule,
        organization=organization,
        changes={"dimension": dimension, "value": value, "workload": workload.pk},
    )
    return rule


@transaction.atomic
def routing_rule_update(
    *, organization: Organization, actor: Any, rule: UsageRoutingRule, workload: Workload
) -> UsageRoutingRule:
    """Send the rule's rows to another workload."""
    _check_org(rule, organization)
    _clean_rule(
        organization=organization, dimension=rule.dimension, value=rule.value, workload=workload
    )
    old = rule.workload_id
    rule.workload = workload
    rule.save(update_fields=["workload"])
    record(
        actor=actor,
        action="usage.routing_rule.update",
        obj=rule,
        organization=organization,
        changes={"workload": [old, workload.pk]},
    )
    return rule


@transaction.atomic
def routing_rule_delete(*, organization: Organization, actor: Any, rule: UsageRoutingRule) -> None:
    _check_org(rule, organization)
    record(actor=actor, action="usage.routing_rule.delete", obj=rule, organization=organization)
    rule.delete()


def router_for(*, organization: Organization, default: Workload | None) -> Router:
    """The organization's rules, its workloads by name and the default, as a `Router`."""
    rules = UsageRoutingRule.objects.for_org(organization).values_list(
        "dimension", "value", "workload_id"
    )
    workloads = dict(Workload.objects.for_org(organization).values_list("name", "pk"))
    return Router(
        rules=list(rules),
        workloads_by_name=workloads,
        default=default.pk if default is not None else None,
    )


# --- imports -----------------------------------------------------------------------------


def _check_options(*, organization: Organization, workload: Workload | None, date_order: str):
    _check_org(workload, organization)
    if date_order not in DateOrder.values:
        raise ValidationError({"date_order": f"Choose one of: {', '.join(DateOrder.values)}."})


def _usage_write(
    *,
    organization: Organization,
    actor: Any,
    workload: Workload | None,
    parsed: ParsedUsage,
    file_format: str,
    filename: str,
) -> ActualUsageImport:
    """Write a parsed file's months, in batches, inside the caller's transaction. A month
    in the file replaces the same month, model and kind imported before for its workload."""
    usage = ActualUsageImport.objects.create(
        organization=organization,
        workload=workload,
        filename=filename[:200],
        file_format=file_format,
        rows=parsed.rows,
        report=parsed.report,
        created_by=_user(actor),
    )
    months = [
        ActualUsageMonth(
            organization=organization,
            usage_import=usage,
            workload_id=workload_id,
            month=month,
            model=model,
            kind=kind,
            requests=total.requests,
            input_tokens=total.input_tokens,
            cached_input_tokens=total.cached_input_tokens,
            output_tokens=total.output_tokens,
            cost=total.cost,
        )
        for (workload_id, month, model, kind), total in sorted(
            parsed.totals.items(), key=lambda kv: kv[0]
        )
    ]
    ActualUsageMonth.objects.bulk_create(
        months,
        batch_size=USAGE_WRITE_BATCH,
        update_conflicts=True,
        unique_fields=["workload", "month", "model", "kind"],
        update_fields=[
            "organization",
            "usage_import",
            "requests",
            "input_tokens",
            "cached_input_tokens",
            "output_tokens",
            "cost",
        ],
    )
    record(
        actor=actor,
        action="usage.import",
        obj=usage,
        organization=organization,
        changes={
            "rows": parsed.rows,
            "months": len(parsed.totals),
            "format": file_format,
            "workloads": sorted({key[0] for key in parsed.totals}),
        },
    )
    return usage


def usage_import(
    *,
    organization: Organization,
    actor: Any,
    workload: Workload | None,
    content: bytes,
    file_format: str,
    filename: str = "",
    date_order: str = DateOrder.AUTO,
) -> ActualUsageImport:
    """Import a whole file or nothing, now (pages and the API queue `usage_import_start`
    instead). Rows go to workloads by the organization's routing rules; `workload` takes
    the rest. Raises ValidationError listing ``Row n, field f: ...`` for every problem."""
    _check_options(organization=organization, workload=workload, date_order=date_order)
    router = router_for(organization=organization, default=workload)
    try:
        check_header(content[: storage.CHUNK_BYTES], file_format=file_format, size=len(content))
        parsed = parse_usage(content, file_format=file_format, router=router, date_order=date_order)
    except ImportRejectedError as exc:
        raise _rejected(exc) from None
    with transaction.atomic():
        return _usage_write(
            organization=organization,
            actor=actor,
            workload=workload,
            parsed=parsed,
            file_format=file_format,
            filename=filename,
        )


def usage_import_start(
    *,
    organization: Organization,
    actor: Any,
    workload: Workload | None,
    content: bytes | IO[bytes],
    file_format: str,
    filename: str = "",
    date_order: str = DateOrder.AUTO,
) -> UsageImportJob:
    """Check what needs only the header, keep the file (in pieces) with a job and queue it
    once committed; the rows are read and written in the background (`usage_import_run`).

    `content` is the file's bytes or a binary stream (an upload), read a piece at a time.
    Raises ValidationError({"file": [...]}) for a file that cannot be read at all (format,
    size, encoding, missing columns), or ServiceUnavailableError when the task broker
    cannot be reached; nothing is saved then.
    """
    _check_options(organization=organization, workload=workload, date_order=date_order)
    pieces = storage.pieces(content)
    first = next(pieces, b"")
    declared = len(content) if isinstance(content, bytes) else getattr(content, "size", None)
    try:
        check_header(first, file_format=file_format, size=declared)
    except ImportRejectedError as exc:
        raise _rejected(exc) from None
    require_broker()
    with transaction.atomic():
        job = UsageImportJob.objects.create(
            organization=organization,
            workload=workload,
            filename=filename[:200],
            file_format=file_format,
            date_order=date_order,
            created_by=_user(actor),
        )
        size, lines = storage.store(job=job, first=first, rest=pieces)
        if size > MAX_BYTES:
            raise _rejected(ImportRejectedError([RowError(None, "file", "is larger than 1 GB")]))
        job.size_bytes, job.rows_total = size, max(0, lines - 1)
        job.save(update_fields=["size_bytes", "rows_total"])
    job_id = job.pk
    transaction.on_commit(lambda: enqueue_usage_import(job_id=job_id))
    return job


def enqueue_usage_import(*, job_id: int) -> None:
    from tracking.tasks import run_usage_import

    try:
        run_usage_import.apply_async(args=(job_id,), task_id=f"usage-import-{job_id}")
    except BROKER_ERRORS:
        logger.warning("Could not queue usage import %s", job_id, exc_info=True)
        usage_import_fail(job_id=job_id, error=IMPORT_QUEUEING_FAILED)


def _finish_failed(job_id: int, errors: list[str], *, states: tuple[str, ...]) -> int:
    with transaction.atomic():
        changed = UsageImportJob.objects.filter(pk=job_id, status__in=states).update(
            status=ImportJobStatus.FAILED, errors=errors, finished_at=timezone.now()
        )
        if changed:
            storage.discard(job_id)
    return changed


def usage_import_fail(*, job_id: int, error: str) -> None:
    _finish_failed(job_id, [error], states=(ImportJobStatus.QUEUED, ImportJobStatus.RUNNING))


def usage_import_run(*, job_id: int) -> str:
    """Import a queued file: stream it row by row (progress saved as it goes), then write
    every month in one transaction — or record every problem and write nothing.

    Safe to run twice (a redelivered task): the job is claimed while queued or running, and
    only the run that finds it still running when it writes does so. Returns ``done``,
    ``rejected`` or ``skipped``.
    """
    claimed = UsageImportJob.objects.filter(
        pk=job_id, status__in=(ImportJobStatus.QUEUED, ImportJobStatus.RUNNING)
    ).update(status=ImportJobStatus.RUNNING, rows_done=0)
    if not claimed:
        return "skipped"
    job = UsageImportJob.objects.select_related("organization", "workload", "created_by").get(
        pk=job_id
    )
    organization = job.organization
    router = router_for(organization=organization, default=job.workload)

    def progress(rows: int) -> None:
        UsageImportJob.objects.filter(pk=job_id, status=ImportJobStatus.RUNNING).update(
            rows_done=rows
        )

    try:
        parsed = parse_usage(
            storage.open_stored(job_id),
            file_format=job.file_format,
            router=router,
            date_order=job.date_order,
            on_progress=progress,
        )
    except ImportRejectedError as exc:
        _finish_failed(job_id, [str(e) for e in exc.errors], states=(ImportJobStatus.RUNNING,))
        return "rejected"
    with transaction.atomic():
        running = UsageImportJob.objects.select_for_update().filter(
            pk=job_id, status=ImportJobStatus.RUNNING
        )
        if not list(running.values_list("pk", flat=True)):  # finished meanwhile
            return "skipped"
        usage = _usage_write(
            organization=organization,
            actor=job.created_by,
            workload=job.workload,
            parsed=parsed,
            file_format=job.file_format,
            filename=job.filename,
        )
        UsageImportJob.objects.filter(pk=job_id).update(
            status=ImportJobStatus.SUCCEEDED,
            rows_done=parsed.rows,
            rows_total=parsed.rows,
            report=parsed.report,
            usage_import=usage,
            finished_at=timezone.now(),
        )
        storage.discard(job_id)
    return "done"
