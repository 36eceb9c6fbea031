"""A benchmark run's siblings: the organization's other runs of the same setup, one per
other concurrency, the newest of each (planner/bridge/serving.sibling_runs)."""

from __future__ import annotations

import pytest

from planner.bridge.serving import sibling_runs
from pricing.models import PrivateThroughputProfile
from tests.factories import private_profile_in

pytestmark = pytest.mark.django_db


def _at(org, concurrency: int, **kwargs) -> PrivateThroughputProfile:
    run = private_profile_in(org, **kwargs)
    PrivateThroughputProfile.objects.filter(pk=run.pk).update(concurrency=concurrency)
    run.refresh_from_db()
    return run


def test_one_sibling_per_other_concurrency_the_newest(cast):
    older_8 = _at(cast.org, 8)
    newer_8 = _at(cast.org, 8)
    at_32 = _at(cast.org, 32)
    other_gpu = _at(cast.org, 64, gpu_sku="A100 80GB")
    theirs = _at(cast.other_org, 16)

    found = sibling_runs([at_32, older_8])

    assert found[at_32.pk] == [newer_8]
    # A run's own concurrency is never a sibling's: the other 8 is the same point.
    assert found[older_8.pk] == [at_32]
    assert other_gpu not in found[at_32.pk]
    assert theirs not in found[at_32.pk]
