"""Schema-1 snapshots recompute exactly, without a database (issue 19: the bridge).

``tests/planner/data/comparisons_v1.json`` holds four comparisons stored by the code as
it stood before the one composition (commit ae678f0): their snapshots and the results
that code stored. A stored comparison must recompute to the figure, so the stored
results are the expected values; tests/planner/test_stored_v1.py checks the same through
the service and the pages.
"""

from __future__ import annotations

import copy

import pytest

from planner.bridge import plans
from planner.engine.errors import ScenarioError
from tests.bridge.snapshots import STORED_V1 as STORED


@pytest.mark.parametrize("stored", STORED, ids=[f"{i}-{s['name']}" for i, s in enumerate(STORED)])
def test_a_schema_1_snapshot_recomputes_its_stored_results(stored) -> None:
    assert stored["inputs"]["schema"] == 1
    assert plans.evaluate(copy.deepcopy(stored["inputs"])) == stored["results"]


def test_an_unknown_schema_is_refused() -> None:
    with pytest.raises(ScenarioError) as refused:
        plans.evaluate({"schema": 3})
    assert (refused.value.field, refused.value.message) == ("schema", "unknown snapshot schema 3")


def test_a_schema_1_snapshot_without_options_is_refused() -> None:
    inputs = copy.deepcopy(STORED[0]["inputs"])
    inputs["options"] = []
    with pytest.raises(ScenarioError) as refused:
        plans.evaluate(inputs)
    assert (refused.value.field, refused.value.message) == (
        "options",
        "a plan needs at least one option",
    )
