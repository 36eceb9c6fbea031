"""Sweep services in embedded (eager) mode: validation, results, redelivery, cancel."""

from __future__ import annotations

import dataclasses
import io
import json
from unittest import mock

import numpy as np
import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from planner import sweep_services
from planner.bridge.sweeps import SweepSpecError, engine_spec
from planner.engine.api import api_monthly_cost
from planner.engine.compose import fleet_cost
from planner.models import Sweep, SweepChunk, SweepStatus
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


def at_utilization(option, utilization):
    """The plan-shaped fleet at a grid point: the utilization is its headroom."""
    fleet = option.fleet
    serving = dataclasses.replace(fleet.serving, headroom=utilization)
    return dataclasses.replace(option, fleet=dataclasses.replace(fleet, serving=serving))


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
            api_monthly_cost(o, tokens_per_month=volume, input_share=share) for o in spec.api_offers
        ] + [
            fleet_cost(
                at_utilization(f, float(spec.utilizations[u])), volume, spec.scenario()
            ).monthly
            for f in spec.fleets
        ]
        assert names[data["cheapest"][v, s, u]] == names[int(np.argmin(costs))]
        for o in range(2):
            assert data["api_monthly"][v, s, o] == pytest.approx(costs[o], rel=1e-9)
        for c in range(2):
            assert data["selfhost_monthly"][v, u, c] == pytest.approx(costs[2 + c], rel=1e-9)
    assert sum(sweep.summary["wins"].values()) == 60
    assert AuditEvent.objects.filter(action="sweep.start", object_id=str(sweep.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        (
            {
                "volumes": {"min": 1e6, "max": 1e10, "num": 1000, "scale": "log"},
                "input_shares": {"min": 0, "max": 1, "num": 100},
                "utilizations": {"min": 0.1, "max": 1, "num": 11},
            },
            "volumes",
            "1,100,000 points",
        ),
        ({"volumes": {"min": 1e9, "max": 1e6, "num": 4}}, "volumes.max", "inverted"),
        (
            {"input_shares": {"min": 0.1, "max": 0.9, "step": 0}},
            "input_shares.step",
            "greater than 0",
        ),
        (
            {"input_shares": {"min": 0.1, "max": 0.9, "step": -0.1}},
            "input_shares.step",
            "greater than 0",
        ),
        ({"utilizations": []}, "utilizations", "empty"),
        ({"volumes": {"min": 1, "max": 10, "num": 0}}, "volumes.num", ">= 1"),
        ({"utilizations": [0.5, 0]}, "utilizations[1]", "greater than 0"),
        ({"volumes": {"min": 0, "max": 1e9, "num": 3, "scale": "log"}}, "volumes.min", "log"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"api_offer_ids": []}, "api_offer_ids", "non-empty"),
    ],
)
def test_bad_specs_name_the_field_and_write_nothing(cast, version, overrides, field, words):
    with pytest.raises(SweepSpecError) as caught:
        start(cast, version, **overrides)
    assert caught.value.field == field
    assert words in caught.value.message
    assert not Sweep.objects.exists()
    assert not SweepChunk.objects.exists()
    assert not AuditEvent.objects.filter(action="sweep.start").exists()


def test_offers_of_another_version_are_refused(cast, version):
    other = sweep_catalog_version()
    foreign_api = other.api_offers.first().pk
    foreign_gpu = other.gpu_offers.first().pk
    spec = sweep_spec_for(version)
    with pytest.raises(SweepSpecError) as caught:
        start(cast, version, api_offer_ids=[*spec["api_offer_ids"], foreign_api])
    assert caught.value.field == "api_offer_ids[2]"
    selfhost = [{"gpu_offer_id": foreign_gpu, "tokens_per_second": 100}]
    with pytest.raises(SweepSpecError) as caught:
        start(cast, version, selfhost=selfhost)
    assert caught.value.field == "selfhost[0].gpu_offer_id"
    assert caught.value.message == f"GPU offer {foreign_gpu} is not in catalog version {version.pk}"
    # Owned hardware is named as such.
    owned = [{"owned_hardware_id": 987_654, "tokens_per_second": 100}]
    with pytest.raises(SweepSpecError) as caught:
        start(cast, version, selfhost=owned)
    assert (caught.value.field, caught.value.message) == (
        "selfhost[0].owned_hardware_id",
        f"owned hardware 987654 is not in catalog version {version.pk}",
    )
    assert not Sweep.objects.exists()


def test_a_spec_without_volumes_names_the_missing_axis(cast, version):
    spec = sweep_spec_for(version)
    del spec["volumes"]
    with pytest.raises(SweepSpecError) as caught:
        sweep_services.sweep_start(
            organization=cast.org, actor=cast.owner, name="x", catalog_version=version, spec=spec
        )
    assert (caught.value.field, caught.value.message) == ("volumes", "required")
    assert not Sweep.objects.exists()


def test_a_draft_version_and_another_orgs_workload_are_refused(cast, version):
    from pricing.models import CatalogVersion

    draft = CatalogVersion.objects.create(catalog=version.catalog, number=99, title="Draft")
    with pytest.raises(SweepSpecError) as caught:
        sweep_services.sweep_start(
            organization=cast.org,
            actor=cast.owner,
            name="x",
            catalog_version=draft,
            spec=sweep_spec_for(version),
        )
    assert caught.value.field == "catalog_version"
    foreign = WorkloadFactory(organization=cast.other_org)
    with pytest.raises(SweepSpecError) as caught:
        sweep_services.sweep_start(
            organization=cast.org,
            actor=cast.owner,
            name="x",
            catalog_version=version,
            spec=sweep_spec_for(version),
            workload=foreign,
        )
    assert caught.value.field == "workload"
    assert not Sweep.objects.exists()


def test_workload_shares_are_the_defaults(cast, version):
    workload = WorkloadFactory(organization=cast.org, input_share="0.7", cached_share="0.1")
    spec = sweep_spec_for(version)
    del spec["input_shares"]
    sweep = sweep_services.sweep_start(
        organization=cast.org,
        actor=cast.owner,
        name="w",
        catalog_version=version,
        spec=spec,
        workload=workload,
    )
    assert sweep.spec["input_shares"] == [0.7]
    assert sweep.spec["cached_share"] == pytest.approx(0.1)
    assert sweep.total_points == 15


@pytest.fixture
def queued(cast, version):
    """A 60-point sweep in 9 chunks whose tasks are not sent (we run them by hand): neither
    the first chunks at the start nor the next one each recorded chunk queues."""
    with mock.patch.object(sweep_services, "enqueue_chunks"):
        sweep = start(cast, version)
        assert sweep.status == SweepStatus.QUEUED
        yield sweep


def run_all(sweep):
    for index in range(sweep.chunks_total):
        sweep_services.sweep_chunk_run(sweep_id=sweep.pk, index=index)


def test_redelivered_chunk_is_recorded_once(queued):
    with mock.patch.object(sweep_services, "enqueue_finalize") as finalize:
        assert sweep_services.sweep_chunk_run(sweep_id=queued.pk, index=0) == "done"
        first = SweepChunk.objects.get(sweep=queued, index=0)
        assert sweep_services.sweep_chunk_run(sweep_id=queued.pk, index=0) == "duplicate"
        again = SweepChunk.objects.get(sweep=queued, index=0)
        queued.refresh_from_db()
        assert (queued.done_points, queued.chunks_done) == (7, 1)
        assert bytes(again.cheapest) == bytes(first.cheapest)
        assert again.attempts == 1
        run_all(queued)
        queued.refresh_from_db()
        assert (queued.done_points, queued.chunks_done) == (60, 9)
        assert finalize.call_count == 1  # only the transaction that saw 9/9
    assert sweep_services.sweep_finalize(sweep_id=queued.pk) is True
    assert sweep_services.sweep_finalize(sweep_id=queued.pk) is False
    queued.refresh_from_db()
    assert queued.status == SweepStatus.SUCCEEDED
    assert sum(queued.summary["wins"].values()) == 60


def test_a_redelivered_chunk_queues_the_successor_a_dead_worker_never_queued(queued):
    # Each recorded chunk queues the one two places on. A worker that dies after recording
    # chunk 0 but before chunk 2 reaches the broker leaves the sweep without a successor:
    # chunk 0's redelivery must queue it, or the sweep stays running for ever.
    with mock.patch.object(sweep_services, "enqueue_chunks") as enqueue:
        assert sweep_services.sweep_chunk_run(sweep_id=queued.pk, index=0) == "done"
        enqueue.assert_called_once_with(sweep_id=queued.pk, indices=[2])
        enqueue.reset_mock()  # ...but it never ran: chunk 2 is not marked queued
        assert sweep_services.sweep_chunk_run(sweep_id=queued.pk, index=0) == "duplicate"
        enqueue.assert_called_once_with(sweep_id=queued.pk, indices=[2])
        # Once chunk 2 is in the broker, a further redelivery queues nothing again.
        SweepChunk.objects.filter(sweep=queued, index=2).update(queued_at=timezone.now())
        enqueue.reset_mock()
        assert sweep_services.sweep_chunk_run(sweep_id=queued.pk, index=0) == "duplicate"
        enqueue.assert_not_called()
    queued.refresh_from_db()
    assert (queued.done_points, queued.chunks_done) == (7, 1)


def test_queueing_chunks_marks_them_queued(cast, version):
    with mock.patch("planner.tasks.sweep_chunk_compute.apply_async") as send:
        sweep = start(cast, version)  # queues its first two chunks after commit
    assert send.call_count == 2
    marked = SweepChunk.objects.filter(sweep=sweep, queued_at__isnull=False)
    assert sorted(marked.values_list("index", flat=True)) == [0, 1]


def test_crash_between_compute_and_mark_done_then_retry(queued):
    real = sweep_services._record_chunk
    with (
        mock.patch.object(sweep_services, "_record_chunk", side_effect=RuntimeError("worker died")),
        pytest.raises(RuntimeError),
    ):
        sweep_services.sweep_chunk_run(sweep_id=queued.pk, index=3)
    chunk = SweepChunk.objects.get(sweep=queued, index=3)
    assert chunk.status == "pending"
    assert chunk.cheapest is None
    queued.refresh_from_db()
    assert queued.done_points == 0
    assert real is sweep_services._record_chunk
    assert sweep_services.sweep_chunk_run(sweep_id=queued.pk, index=3) == "done"
    queued.refresh_from_db()
    assert (queued.done_points, queued.chunks_done) == (7, 1)


def test_cancel_stops_remaining_chunks(cast, queued):
    sweep_services.sweep_chunk_run(sweep_id=queued.pk, index=0)
    assert sweep_services.sweep_cancel(sweep=queued, actor=cast.owner) is True
    assert sweep_services.sweep_chunk_run(sweep_id=queued.pk, index=1) == "duplicate"
    queued.refresh_from_db()
    assert queued.status == SweepStatus.CANCELLED
    assert (queued.done_points, queued.chunks_done) == (7, 1)
    assert (
        SweepChunk.objects.filter(sweep=queued, status="skipped", cheapest__isnull=True).count()
        == 8
    )
    assert sweep_services.sweep_finalize(sweep_id=queued.pk) is False
    assert sweep_services.sweep_cancel(sweep=queued, actor=cast.owner) is False
    assert AuditEvent.objects.filter(action="sweep.cancel").count() == 1


def test_run_sweep_command_prints_the_summary(cast, version, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "spec.json"
    path.write_text(json.dumps(sweep_spec_for(version)))
    out = io.StringIO()
    call_command("run_sweep", str(path), "acme", str(version.pk), stdout=out)
    text = out.getvalue()
    sweep = Sweep.objects.get()
    assert sweep.status == SweepStatus.SUCCEEDED
    assert "60 points" in text
    assert "succeeded" in text
    for name in sweep.summary["option_names"]:
        assert name in text
