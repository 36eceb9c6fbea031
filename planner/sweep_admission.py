"""Admission control and fair scheduling for sweeps: one organization cannot starve the
others of sweep workers.

Quotas, per organization (settings, from the environment):

- ``SWEEPS_ACTIVE_PER_ORGANIZATION`` (2): sweeps queued or running at once;
- ``SWEEP_POINTS_PER_DAY_PER_ORGANIZATION`` (10,000,000): grid points started in the last
  24 hours.

A start beyond either is refused with `SweepQuotaError` (a 429 in the API, a form error on
the page), and nothing is written. The check runs in `sweep_start`'s transaction with the
organization's row locked, so two starts at once cannot both slip under a quota.

Fairness: a sweep has at most `CHUNKS_IN_FLIGHT` (2) chunks queued at a time; each chunk
that finishes queues the next one (`next_chunk_index`). It is a constant, not a setting:
running sweeps rely on it to queue each chunk exactly once. With the quota above, one
organization has at most 2 x 2 chunks waiting in the ``sweeps`` queue, so another
organization's one-point sweep waits behind a few chunks (a fraction of a second each),
not behind all the chunks of a million-point grid. Sweeps have their own queue and
workers; webhooks and mail have theirs (``notifications``, CELERY_TASK_ROUTES).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Organization
from planner.models import Sweep
from planner.models.sweeps import ACTIVE_STATUSES

DEFAULT_ACTIVE_PER_ORGANIZATION = 2
DEFAULT_POINTS_PER_DAY = 10_000_000
CHUNKS_IN_FLIGHT = 2


class SweepQuotaError(Exception):
    """The organization is at one of its sweep quotas; the message says which and what to
    do."""


def active_per_organization() -> int:
    return int(getattr(settings, "SWEEPS_ACTIVE_PER_ORGANIZATION", DEFAULT_ACTIVE_PER_ORGANIZATION))


def points_per_day() -> int:
    return int(getattr(settings, "SWEEP_POINTS_PER_DAY_PER_ORGANIZATION", DEFAULT_POINTS_PER_DAY))


def sweep_admit(*, organization: Organization, points: int) -> None:
    """Raise `SweepQuotaError` unless `organization` may start a sweep of `points` points
    now. Call inside the transaction that creates the sweep: it locks the organization's
    row until that transaction ends."""
    Organization.objects.select_for_update().filter(pk=organization.pk).values_list("pk").get()
    sweeps = Sweep.objects.for_org(organization)
    active = sweeps.filter(status__in=ACTIVE_STATUSES).count()
    limit = active_per_organization()
    if active >= limit:
        raise SweepQuotaError(
            f"Your organization already has {active} sweep{'s' if active != 1 else ''} queued "
            f"or running, the most allowed at once ({limit}). Start this one when one has "
            "finished, or cancel one."
        )
    since = timezone.now() - timedelta(days=1)
    used = sweeps.filter(created_at__gte=since).aggregate(points=Sum("total_points"))["points"]
    used = int(used or 0)
    allowed = points_per_day()
    if used + points > allowed:
        raise SweepQuotaError(
            f"This sweep has {points:,} points and your organization has started {used:,} of "
            f"its {allowed:,} points in the last 24 hours. Try a smaller grid, or again later."
        )


def first_chunk_indices(count: int) -> range:
    """The chunks a new sweep queues at once."""
    return range(min(count, CHUNKS_IN_FLIGHT))


def next_chunk_index(*, done_index: int, count: int) -> int | None:
    """The chunk to queue when chunk `done_index` has been recorded, if any: each chunk
    queues the one `CHUNKS_IN_FLIGHT` places after it, so every chunk is queued exactly
    once and a sweep never has more than that many waiting."""
    following = done_index + CHUNKS_IN_FLIGHT
    return following if following < count else None
