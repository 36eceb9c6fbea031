"""Data generations (accounts/generations.py): every way a tenant row is written gives its
organization a new token, and only its organization; Redis down or caching off gives
None (nothing is cached) and writes still work."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import caches

from accounts.generations import generation
from planner.models import Workload
from tests.factories import WorkloadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_tokens():
    caches["fragments"].clear()
    yield
    caches["fragments"].clear()


def _rename_by_save(workload):
    workload.name = "Renamed"
    workload.save()


WRITES = {
    "create": lambda org, _w: WorkloadFactory(organization=org),
    "save": lambda _org, w: _rename_by_save(w),
    "delete": lambda _org, w: w.delete(),
    "queryset update": lambda org, _w: Workload.objects.for_org(org).update(name="Bulk"),
    "queryset delete": lambda org, _w: Workload.objects.for_org(org).delete(),
    "bulk_create": lambda org, _w: Workload.objects.bulk_create(
        [WorkloadFactory.build(organization=org)]
    ),
    "bulk_update": lambda _org, w: Workload.objects.bulk_update(
        [Workload(pk=w.pk, organization_id=w.organization_id, name="Bulk")], ["name"]
    ),
}


@pytest.mark.parametrize("write", WRITES)
def test_every_write_path_starts_a_new_generation_of_its_organization_only(cast, write):
    workload = WorkloadFactory(organization=cast.org)
    WorkloadFactory(organization=cast.other_org)
    before, other_before = generation(cast.org), generation(cast.other_org)
    assert before is not None
    assert generation(cast.org) == before  # stable while nothing is written

    WRITES[write](cast.org, workload)

    assert generation(cast.org) != before
    assert generation(cast.other_org) == other_before


def test_a_write_that_touches_no_row_keeps_the_generation(cast):
    before = generation(cast.org)
    assert Workload.objects.for_org(cast.org).filter(name="nothing").update(name="x") == 0
    assert Workload.objects.for_org(cast.org).filter(name="nothing").delete()[0] == 0
    assert generation(cast.org) == before


def test_renaming_the_organization_starts_a_new_generation(cast):
    before = generation(cast.org)
    cast.org.name = "Acme Renamed"
    cast.org.save()
    assert generation(cast.org) != before


def test_the_generation_is_dropped_again_after_commit(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        WorkloadFactory(organization=cast.org)
        inside = generation(cast.org)  # a reader between the write and the commit
    assert callbacks, "no invalidation was scheduled for the commit"
    for callback in callbacks:
        callback()
    assert generation(cast.org) != inside


def test_an_organization_recreated_with_the_same_id_never_meets_an_old_token(cast):
    before = generation(cast.org)
    cast.org.created_at -= timedelta(seconds=1)  # same pk, another row's creation time
    assert generation(cast.org) != before


def test_no_generation_when_page_caching_is_off(cast, settings):
    settings.TENANT_PAGE_CACHE_SECONDS = 0
    assert generation(cast.org) is None
