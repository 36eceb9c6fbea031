"""A sweep request's checks and its engine spec, without a database (issue 19: the bridge).

``axis_count``/``axis_values`` and ``selfhost_option`` check a request before any row is
read, and ``engine_spec`` turns a cleaned (stored) spec into the engine's sweep; each
refusal is pinned by field and sentence. ``selfhost_option`` reads a catalog GPU row: a
stand-in with the row's attributes serves here (tests/planner/test_sweep_services.py
runs the same checks against the real catalog).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from planner.bridge import sweeps
from planner.bridge.sweeps import SweepSpecError, axis_count, axis_values, engine_spec
from planner.engine.selfhost import (
    BillingMode,
    FlatMonthly,
    OnDemandRate,
    ReservedRate,
    SpotRate,
)
from planner.engine.sweep import evaluate_chunk
from tests.bridge.snapshots import selfhost_snap


def _refused(call) -> tuple[str, str]:
    with pytest.raises(SweepSpecError) as refused:
        call()
    return refused.value.field, refused.value.message


AXIS_REFUSALS = [
    ("volumes", [], "volumes", "needs at least one value (the list is empty)"),
    ("volumes", [1, "2"], "volumes[1]", "must be a number"),
    ("volumes", [True], "volumes[0]", "must be a number"),
    ("volumes", [float("inf")], "volumes[0]", "must be a finite number"),
    ("volumes", [-1], "volumes[0]", "must be at least 0 and at most 1e+15"),
    ("volumes", [2e15], "volumes[0]", "must be at least 0 and at most 1e+15"),
    ("input_shares", [1.5], "input_shares[0]", "must be at least 0 and at most 1"),
    ("utilizations", [0], "utilizations[0]", "must be greater than 0 and at most 1"),
    ("volumes", "1e9", "volumes", "must be a JSON object"),
    ("volumes", {"min": 1, "max": 2, "num": 2, "x": 1}, "volumes.x", "unknown field"),
    ("volumes", {"max": 2, "num": 2}, "volumes.min", "required"),
    ("volumes", {"min": 1, "num": 2}, "volumes.max", "required"),
    (
        "volumes",
        {"min": -1, "max": 2, "num": 2},
        "volumes.min",
        "must be at least 0 and at most 1e+15",
    ),
    (
        "volumes",
        {"min": 1, "max": 3e15, "num": 2},
        "volumes.max",
        "must be at least 0 and at most 1e+15",
    ),
    (
        "volumes",
        {"min": 3, "max": 2, "num": 2},
        "volumes.max",
        "must be >= volumes.min (3); the range is inverted",
    ),
    (
        "volumes",
        {"min": 1, "max": 2, "num": 2, "scale": "cubic"},
        "volumes.scale",
        "must be 'linear' or 'log'",
    ),
    ("volumes", {"min": 1, "max": 2}, "volumes.step", "give step or num (not both)"),
    (
        "volumes",
        {"min": 1, "max": 2, "num": 2, "step": 1},
        "volumes.step",
        "give step or num (not both)",
    ),
    (
        "volumes",
        {"min": 1, "max": 2, "step": 1, "scale": "log"},
        "volumes.step",
        "a log scale takes num, not step",
    ),
    ("volumes", {"min": 1, "max": 2, "step": 0}, "volumes.step", "must be greater than 0"),
    ("volumes", {"min": 1, "max": 2, "step": "1"}, "volumes.step", "must be a number"),
    (
        "volumes",
        {"min": 0, "max": 1e6, "step": 1},
        "volumes.step",
        "is too small for the range: more than 1,000,000 values",
    ),
    (
        "volumes",
        {"min": 0, "max": 1e15, "step": 5e-324},
        "volumes.step",
        "is too small for the range: more than 1,000,000 values",
    ),
    ("volumes", {"min": 1, "max": 2, "num": 0}, "volumes.num", "must be a whole number >= 1"),
    ("volumes", {"min": 1, "max": 2, "num": 1.5}, "volumes.num", "must be a whole number >= 1"),
    (
        "volumes",
        {"min": 0, "max": 2, "num": 3, "scale": "log"},
        "volumes.min",
        "must be greater than 0 for a log scale",
    ),
    (
        "volumes",
        {"min": 2, "max": 2, "num": 3},
        "volumes.max",
        "equals min: the range is empty; use a list of one value",
    ),
]


@pytest.mark.parametrize(("axis", "raw", "field", "message"), AXIS_REFUSALS)
def test_axis_refusal_names_the_field_and_the_rule(axis, raw, field, message) -> None:
    assert _refused(lambda: axis_count(axis, raw)) == (field, message)


@pytest.mark.parametrize(
    ("axis", "raw", "values"),
    [
        ("volumes", [1, 2.5], [1.0, 2.5]),
        ("input_shares", [0, 1], [0.0, 1.0]),  # both ends of a share
        ("utilizations", [1], [1.0]),
        # step 0.3 from 0 to 1: 0, 0.3, 0.6, 0.9 (the next, 1.2, is past the max).
        ("input_shares", {"min": 0, "max": 1, "step": 0.3}, [0.0, 0.3, 0.6, 0.9]),
        # step 0.5 from 0 to 1 reaches 1 exactly: three values.
        ("input_shares", {"min": 0, "max": 1, "step": 0.5}, [0.0, 0.5, 1.0]),
        ("volumes", {"min": 10, "max": 30, "num": 3}, [10.0, 20.0, 30.0]),
        ("volumes", {"min": 10, "max": 1000, "num": 3, "scale": "log"}, [10.0, 100.0, 1000.0]),
        ("volumes", {"min": 5, "max": 5, "num": 1}, [5.0]),  # one value may repeat min
    ],
)
def test_axis_values(axis, raw, values) -> None:
    assert axis_count(axis, raw) == len(values)
    assert axis_values(axis, raw) == pytest.approx(values)


def test_a_step_that_almost_lands_on_the_max_counts_it() -> None:
    # (1 - 0) / 0.1 = 9.999999999999998 in floating point: within 1e-9 of 10 steps,
    # so 11 values, the last clipped to the max.
    assert axis_count("input_shares", {"min": 0, "max": 1, "step": 0.1}) == 11
    assert axis_values("input_shares", {"min": 0, "max": 1, "step": 0.1})[-1] == 1.0


def gpu(**changes: Any) -> SimpleNamespace:
    """The attributes selfhost_option reads from a pricing.GpuOffer row."""
    row = {
        "pk": 7,
        "name": "A100 node",
        "gpu_count": 2,
        "sku": "A100 80GB",
        "reserved_hourly": 1.5,
        "monthly_range": SimpleNamespace(expected=1000.0),
        "hourly_range": SimpleNamespace(expected=2.0),
        **changes,
    }
    return SimpleNamespace(**row)


SELFHOST_REFUSALS = [
    ({"colour": 1}, {}, "selfhost[0].colour", "unknown field"),
    ({"count": 0}, {}, "selfhost[0].count", "must be a whole number >= 1"),
    ({"count": 1025}, {}, "selfhost[0].count", "must be at most 1024"),
    ({"tokens_per_second": None}, {}, "selfhost[0].tokens_per_second", "required"),
    ({"tokens_per_second": 0}, {}, "selfhost[0].tokens_per_second", "must be greater than 0"),
    (
        {"pricing": "owned"},
        {},
        "selfhost[0].pricing",
        "must be one of on_demand, reserved, spot, monthly",
    ),
    (
        {"owned_hardware_id": 1, "pricing": "spot"},
        {},
        "selfhost[0].pricing",
        "owned hardware is priced as owned",
    ),
    ({"billing": "scale_to_zero"}, {}, "selfhost[0].billing", "must be one of always_on, window"),
    (
        {"owned_hardware_id": 1, "billing": "window"},
        {},
        "selfhost[0].billing",
        "owned servers run always on",
    ),
    ({"billing": "window"}, {}, "selfhost[0].window_hours", "required for window billing"),
    (
        {"billing": "window", "window_hours": 0},
        {},
        "selfhost[0].window_hours",
        "must be greater than 0 and at most 744",
    ),
    (
        {"billing": "window", "window_hours": 745},
        {},
        "selfhost[0].window_hours",
        "must be greater than 0 and at most 744",
    ),
    ({"window_hours": 100}, {}, "selfhost[0].window_hours", "only applies to window billing"),
    (
        {"hidden_monthly": -1},
        {},
        "selfhost[0].hidden_monthly",
        "must be at least 0 and at most 1e+09",
    ),
    (
        {"hidden_multiplier": 0.5},
        {},
        "selfhost[0].hidden_multiplier",
        "must be at least 1 and at most 100",
    ),
    (
        {"implementation_one_off": 2e12},
        {},
        "selfhost[0].implementation_one_off",
        "must be at least 0 and at most 1e+12",
    ),
    (
        {"pricing": "reserved"},
        {"reserved_hourly": None},
        "selfhost[0].pricing",
        "this GPU offer has no reserved price",
    ),
    (
        {"pricing": "monthly"},
        {"monthly_range": None},
        "selfhost[0].pricing",
        "this GPU offer has no monthly price",
    ),
    ({"name": 5}, {}, "selfhost[0].name", "must be a string"),
]


@pytest.mark.parametrize(("change", "row", "field", "message"), SELFHOST_REFUSALS)
def test_selfhost_refusal_names_the_field_and_the_rule(change, row, field, message) -> None:
    raw = {"gpu_offer_id": 7, "tokens_per_second": 1500, **change}
    raw = {k: v for k, v in raw.items() if v is not None}
    assert _refused(lambda: sweeps.selfhost_option("selfhost[0]", raw, gpu(**row))) == (
        field,
        message,
    )


def test_selfhost_option_defaults_and_rates() -> None:
    found = sweeps.selfhost_option(
        "selfhost[0]", {"gpu_offer_id": 7, "tokens_per_second": 900}, gpu()
    )
    # One unit of the 2-GPU offer at its expected $2/h; the name says what it is.
    assert found == {
        "gpu_offer_id": 7,
        "count_given": False,
        "name": "2x A100 80GB on-demand",
        "count": 1,
        "tokens_per_second": 900.0,
        "pricing": "on_demand",
        "rate": 2.0,
        "billing": "always_on",
        "window_hours": None,
        "hidden_monthly": 0.0,
        "hidden_multiplier": 1.0,
        "implementation_one_off": 0.0,
    }
    # Three units reserved at $1.50/h each: $4.50 for the replica, 6 GPUs in the name.
    reserved = sweeps.selfhost_option(
        "selfhost[0]",
        {"gpu_offer_id": 7, "tokens_per_second": 900, "count": 3, "pricing": "reserved"},
        gpu(),
    )
    assert (reserved["rate"], reserved["name"], reserved["count_given"]) == (
        4.5,
        "6x A100 80GB reserved",
        True,
    )
    monthly = sweeps.selfhost_option(
        "selfhost[0]", {"gpu_offer_id": 7, "tokens_per_second": 900, "pricing": "monthly"}, gpu()
    )
    assert monthly["rate"] == 1000.0
    spot = sweeps.selfhost_option(
        "selfhost[0]",
        {"gpu_offer_id": 7, "tokens_per_second": 900, "pricing": "spot", "name": "  Mine  "},
        gpu(),
    )
    assert (spot["rate"], spot["name"]) == (None, "Mine")  # resolved when snapshotted
    window = sweeps.selfhost_option(
        "selfhost[0]",
        {"gpu_offer_id": 7, "tokens_per_second": 900, "billing": "window", "window_hours": 744},
        gpu(),
    )
    assert (window["billing"], window["window_hours"]) == ("window", 744.0)
    owned = sweeps.selfhost_option(
        "selfhost[0]", {"owned_hardware_id": 3, "tokens_per_second": 900}, gpu(pk=3)
    )
    assert owned["owned_hardware_id"] == 3
    assert (owned["pricing"], owned["rate"], owned["name"]) == ("owned", None, "A100 node owned")


def _basic(**changes: Any) -> dict[str, Any]:
    return {
        "name": "a100",
        "pricing": "on_demand",
        "rate": 2.0,
        "tokens_per_second": 1500.0,
        "billing": "always_on",
        "window_hours": None,
        "hidden_monthly": 0.0,
        "hidden_multiplier": 1.0,
        **changes,
    }


def _cleaned(selfhost: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    return {
        "volumes": [1e8, 1e9],
        "input_shares": [0.5],
        "utilizations": [1.0],
        "cached_share": 0.0,
        "hours_per_month": 720.0,
        "api": [
            {
                "id": 1,
                "name": "gpt",
                "input_per_mtok": 1.25,
                "output_per_mtok": 10.0,
                "cached_input_per_mtok": None,
                "tiers": [],
            }
        ],
        "selfhost": selfhost,
        **changes,
    }


def test_a_stored_schema_1_spec_prices_basic_configs_as_before() -> None:
    spec = engine_spec(
        _cleaned(
            [
                _basic(implementation_one_off=3600.0),
                _basic(name="res", pricing="reserved", rate=1.5),
                _basic(name="spot", pricing="spot", rate=0.8),
                _basic(
                    name="flat",
                    pricing="monthly",
                    rate=1000.0,
                    billing="window",
                    window_hours=240.0,
                    hidden_monthly=50.0,
                    hidden_multiplier=1.2,
                ),
            ]
        )
    )
    pricings = [c.pricing for c in spec.selfhost_configs]
    assert pricings == [
        OnDemandRate(2.0),
        ReservedRate(1.5),
        SpotRate(hourly=0.8),
        FlatMonthly(1000.0),
    ]
    flat = spec.selfhost_configs[3]
    assert flat.billing.mode is BillingMode.WINDOW
    assert flat.billing.window_hours == 240.0
    assert (flat.hidden_monthly, flat.hidden_multiplier, flat.name) == (50.0, 1.2, "flat")
    assert spec.selfhost_configs[0].billing.mode is BillingMode.ALWAYS_ON
    assert spec.one_off_costs == (3600.0, 0.0, 0.0, 0.0)
    assert spec.analysis_months == 36.0  # stored before the period existed: the default
    # 1e9 tokens: the API 5.625 $/M = $5,625; the on-demand replica $1,440 + $3,600 / 36.
    chunk = evaluate_chunk(spec, 1, 2, with_breakeven=False)
    assert chunk.api_monthly[0, 0] == pytest.approx(5625.0)
    assert chunk.selfhost_monthly[0, 0] == pytest.approx(1540.0)
    # Without one-offs the spec carries none.
    assert engine_spec(_cleaned([_basic()], analysis_months=12)).one_off_costs == ()
    assert engine_spec(_cleaned([_basic()], analysis_months=12)).analysis_months == 12.0


def test_a_schema_2_spec_prices_the_snapshotted_fleet() -> None:
    fleet = selfhost_snap(hourly=(1.8, 2.2), count=2, gpus_per_instance=4)["selfhost"]
    config = {"name": "2x A100", "pricing": "on_demand", "rate": 4.0, "fleet": fleet}
    cleaned = _cleaned(
        [config],
        schema=2,
        workload={"peak_to_average": 2.0, "availability_target": 0.999},
        lens="marginal",
        analysis_months=24.0,
        volumes={"min": 1e8, "max": 1e10, "num": 3, "scale": "log"},
    )
    spec = engine_spec(cleaned)
    (option,) = spec.fleets
    # The snapshot prices the 2-GPU replica at $1.80-$2.20/h ($2 expected); a 4-GPU
    # instance holds two replicas: $4/h an instance.
    assert option.name == "2x A100"
    assert option.fleet.pricing == OnDemandRate(4.0)
    assert (spec.peak_to_average, spec.availability_target) == (2.0, 0.999)
    assert (spec.lens.value, spec.analysis_months) == ("marginal", 24.0)
    assert spec.volumes.tolist() == pytest.approx([1e8, 1e9, 1e10])
    assert sweeps.grid_size(cleaned) == 3


def test_a_monthly_priced_fleet_is_priced_per_instance() -> None:
    # $1,000 a month for the 2-GPU replica; an instance of 4 GPUs holds two: $2,000.
    fleet = selfhost_snap(count=2, gpus_per_instance=4)["selfhost"]
    config = {"name": "m", "pricing": "monthly", "rate": 1000.0, "fleet": fleet}
    spec = engine_spec(
        _cleaned(
            [config],
            schema=2,
            workload={"peak_to_average": 1.0, "availability_target": None},
            lens="full",
        )
    )
    (option,) = spec.fleets
    assert option.fleet.pricing == FlatMonthly(2000.0)
    assert option.price.expected == 2000.0
    chunk = evaluate_chunk(spec, 0, 1, with_breakeven=False)
    assert chunk.selfhost_monthly[0, 0] == pytest.approx(2000.0)


def test_api_offer_option_reads_the_row() -> None:
    row = SimpleNamespace(
        pk=4,
        input_per_mtok=None,
        output_per_mtok=10,
        cached_input_per_mtok=None,
        volume_tiers=[{"min_mtok": 1000, "input": None, "output": 5}],
    )
    found = sweeps.api_offer_option(row)
    assert found["id"] == 4
    assert (found["input_per_mtok"], found["output_per_mtok"]) == (None, 10.0)
    assert found["tiers"] == [{"from_tokens": 1e9, "input_per_mtok": None, "output_per_mtok": 5.0}]
    # The offer's label is its str(), cut to 120 characters (this stand-in's is longer).
    assert found["name"] == str(row)[:120]
    assert len(found["name"]) == 120


def test_a_spec_prices_the_month_it_was_stored_with() -> None:
    # A 744-hour month (31 days): the on-demand replica costs $2 x 744 = $1,488.
    spec = engine_spec(_cleaned([_basic()], hours_per_month=744.0))
    assert spec.hours_per_month == 744.0
    chunk = evaluate_chunk(spec, 1, 2, with_breakeven=False)
    assert chunk.selfhost_monthly[0, 0] == pytest.approx(1_488.0)
