"""Sweep services in embedded (eager) mode: validation, results, redelivery, cancel."""

from __future__ import annotations

import io
from unittest import mock

import numpy as np
import pytest

from accounts.models import AuditEvent
from planner import sweep_services
from planner.engine.api import api_monthly_cost
from planner.engine.selfhost import selfhost_monthly_cost
from planner.models import Sweep, SweepChunk, SweepStatus
from planner.sweep_adapter import SweepSpecError, engine_spec
from tests.factories import WorkloadFactory, sweep_catalog_version, sweep_spec_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def version(db):
    return sweep_catalog_version()


def start(cast, version, chunk_size=7, **overrides):
    return sweep_services.sweep_start(
        organization=cast.org,
        actor=cast.owner,
        name="Grid",
        catalog_version=version,
        spec=sweep_spec_for(version, **overrides),
        chunk_size=chunk_size,
    )


def grid(sweep):
    with np.load(io.BytesIO(bytes(sweep.result))) as archive:
        return {key: archive[key] for key in archive.files}


def test_eager_sweep_completes_and_matches_scalar_engine(cast, version):
    sweep = start(cast, version)
    sweep.refresh_from_db()
    assert sweep.status == SweepStatus.SUCCEEDED
    assert (sweep.total_points, sweep.done_points) == (60, 60)
    assert (sweep.chunks_total, sweep.chunks_done) == (9, 9)
    assert SweepChunk.objects.filter(sweep=sweep, status="done").count() == 9

    spec = engine_spec(sweep.spec)
    data = grid(sweep)
    assert data["cheapest"].shape == (3, 4, 5)
    names = list(data["option_names"])
    # Spot-check points against the scalar engine functions.
    for v, s, u in [(0, 0, 0), (1, 2, 3), (2, 3, 4), (2, 0, 0), (1, 1, 1)]:
        volume = float(spec.volumes[v])
        share = float(spec.input_shares[s])
        costs = [
            api_monthly_cost(o, tokens_per_month=volume, input_share=share)
            for o in spec.api_offers
        ] + [
            selfhost_monthly_cost(
                c.with_utilization(float(spec.utilizations[u])), tokens_per_month=volume
            )
            for c in spec.selfhost_configs
        ]
        assert names[data["cheapest"][v, s, u]] == names[int(np.argmin(costs))]
        for o in range(2):
            assert data["api_monthly"][v, s, o] == pytest.approx(costs[o], rel=1e-9)
        for c in range(2):
            assert data["selfhost_monthly"][v, u, c] == pytest.approx(costs[2 + c], rel=1e-9)
    assert sum(sweep.summary["wins"].values()) == 60
    assert AuditEvent.objects.filter(action="sweep.start", object_id=str(sweep.pk)).exists()
