"""Sweeps over the analysis period (issue 10): validated, stored, passed to the engine and
shown on the sweep page; utilization keeps varying on its own axis."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.urls import reverse

from planner import sweep_services
from planner.bridge.sweeps import SweepSpecError, clean_sweep_spec, engine_spec
from planner.engine.sweep import evaluate_chunk
from planner.models import Sweep
from tests.factories import sweep_catalog_version, sweep_spec_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(db):
    return sweep_catalog_version()


def spec_with(version, *, months=None, one_off=36000.0, volume=1e9):
    spec = sweep_spec_for(version, volumes=[volume], input_shares=[0.5], utilizations=[0.5, 1.0])
    spec["selfhost"][0]["implementation_one_off"] = one_off
    if months is not None:
        spec["analysis_months"] = months
    return spec


def selfhost_costs(cleaned) -> np.ndarray:
    spec = engine_spec(cleaned)
    return evaluate_chunk(spec, 0, spec.size).selfhost_monthly


def test_analysis_months_spreads_the_one_off_and_is_stored(version):
    cleaned_12 = clean_sweep_spec(spec_with(version, months=12), version=version)
    cleaned_36 = clean_sweep_spec(spec_with(version), version=version)
    assert cleaned_12["analysis_months"] == 12.0
    assert cleaned_36["analysis_months"] == 36.0  # the default period
    assert cleaned_12["selfhost"][0]["implementation_one_off"] == 36000.0
    assert engine_spec(cleaned_12).analysis_months == 12.0
    difference = selfhost_costs(cleaned_12) - selfhost_costs(cleaned_36)
    # $36,000 over 12 months is $3,000 a month, over 36 months $1,000: $2,000 more,
    # at every utilization, for the config that has the one-off and only for it.
    assert difference[:, 0] == pytest.approx([2000.0, 2000.0], abs=1e-6)
    assert difference[:, 1] == pytest.approx([0.0, 0.0], abs=1e-9)


def test_utilization_still_varies_with_the_period(version):
    cleaned = clean_sweep_spec(spec_with(version, months=24, volume=3e9), version=version)
    costs = selfhost_costs(cleaned)
    # 1,500 tok/s x 720 h serves 3.888B a month: one replica at utilization 1, two at
    # 0.5. A replica is $2.5/h x 720 h = $1,800; plus $500 hidden and $36,000 / 24.
    assert costs[:, 0] == pytest.approx([2 * 1800 + 500 + 1500, 1800 + 500 + 1500])


@pytest.mark.parametrize(
    ("months", "message"),
    [
        (0, "must be at least 1 and at most 240"),
        (241, "must be at least 1 and at most 240"),
        ("36", "must be a number"),
        (True, "must be a number"),
    ],
)
def test_bad_analysis_months_names_the_field(version, months, message):
    with pytest.raises(SweepSpecError) as caught:
        clean_sweep_spec(spec_with(version, months=months), version=version)
    assert caught.value.field == "analysis_months"
    assert message in caught.value.message


def test_bad_one_off_names_the_field(version):
    with pytest.raises(SweepSpecError) as caught:
        clean_sweep_spec(spec_with(version, one_off=-1), version=version)
    assert caught.value.field == "selfhost[0].implementation_one_off"


def test_specs_stored_before_the_period_still_run(version):
    cleaned = clean_sweep_spec(spec_with(version, one_off=0.0), version=version)
    cleaned.pop("analysis_months")
    for config in cleaned["selfhost"]:
        config.pop("implementation_one_off")
    assert engine_spec(cleaned).analysis_months == 36.0


def test_sweep_page_shows_the_period_and_bad_input_saves_nothing(cast, version):
    client = cast.client_for(cast.owner)
    bad = client.post(
        reverse("planner:sweep_create"),
        {
            "name": "Period",
            "catalog_version": version.pk,
            "spec": json.dumps(spec_with(version, months=0)),
        },
    )
    assert bad.status_code == 200
    assert "analysis_months: must be at least 1" in bad.content.decode()
    assert not Sweep.objects.exists()
    sweep = sweep_services.sweep_start(
        organization=cast.org,
        actor=cast.owner,
        name="Period",
        catalog_version=version,
        spec=spec_with(version, months=18),
    )
    for who in ("owner", "teammate", "viewer"):
        page = cast.client_for(getattr(cast, who)).get(
            reverse("planner:sweep_detail", args=[sweep.pk])
        )
        assert page.status_code == 200
        assert "analysis period 18 months" in page.content.decode()
    outsider = cast.client_for(cast.outsider)
    assert outsider.get(reverse("planner:sweep_detail", args=[sweep.pk])).status_code == 404
