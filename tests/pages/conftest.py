"""Page fixtures: the reference catalog and a computed plan on it (a Case-4-like plan)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from planner import services
from tests.planner.conftest import case4_options, make_plan


@pytest.fixture
def reference_version(db):
    from pricing.services import load_reference_catalog

    version, _created = load_reference_catalog()
    return version


@pytest.fixture
def computed_plan(cast, reference_version):
    plan = make_plan(
        cast.org,
        cast.owner,
        reference_version,
        options=case4_options(reference_version, labor_hours_per_month=Decimal(10)),
        name="Support bot",
    )
    services.plan_compute(plan=plan, actor=cast.owner)
    return plan
