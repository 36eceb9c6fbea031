"""Comparisons stored before one composition (snapshot schema 1) still recompute exactly
and still render.

``data/comparisons_v1.json`` was written by the code as it stood before the change
(commit ae678f0): case 5 with a hybrid at 70% input, a peak of 2 and a 99.9% target; an
owned H100 node with a reserve; the same node under the marginal lens over 48 months;
and the milestone plan. Each holds the snapshot and the results that code stored.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse

from planner import services
from planner.models import Comparison
from tests.planner.conftest import case4_options, make_plan

pytestmark = pytest.mark.django_db

STORED = json.loads((Path(__file__).parent / "data" / "comparisons_v1.json").read_text())


@pytest.mark.parametrize("stored", STORED, ids=[s["name"] for s in STORED])
def test_a_schema_1_comparison_recomputes_exactly(stored):
    assert stored["inputs"]["schema"] == 1
    comparison = Comparison(inputs=stored["inputs"], results=stored["results"])
    assert services.comparison_recompute(comparison=comparison) == stored["results"]


@pytest.mark.parametrize("stored", STORED, ids=[s["name"] for s in STORED])
def test_a_schema_1_comparison_still_renders(cast, reference_version, stored):
    plan = make_plan(
        cast.org, cast.owner, reference_version, options=case4_options(reference_version)
    )
    results = stored["results"]
    comparison = Comparison.objects.create(
        organization=cast.org,
        plan=plan,
        number=1,
        catalog_version=reference_version,
        tokens_per_month=round(results["tokens_per_month"]),
        recommended_option=results["recommendation"]["option"] or "",
        inputs=stored["inputs"],
        results=results,
    )
    for url in (
        reverse("planner:plan_detail", args=[plan.pk]),
        reverse("planner:comparison_detail", args=[comparison.pk]),
    ):
        response = cast.client_for(cast.viewer).get(url)
        assert response.status_code == 200
        html = response.content.decode()
        for option in results["options"]:
            assert f'data-option="{option["name"]}"' in html
            assert f'data-monthly="{option["monthly"]["expected"]:.2f}"' in html
