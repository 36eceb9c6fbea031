"""The small engine modules' refusals and edge figures (issue 19: mutation survivors).

``bench/mutation/run.py capacity outcome shape energy reliability`` left these alive: a
refusal that named the wrong field (a form points at the field the engine names), an
unused default, the zero-success and zero-token edges. Each row or test pins the exact
field and sentence, or the figure, a slip there would change.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from planner.engine.api import ApiOffer
from planner.engine.capacity import (
    aggregate_tokens_per_second,
    busy_hours,
    capacity_tokens_per_month,
    cost_per_mtok,
    cost_per_mtok_at_utilization,
    replicas_needed,
    scaling_efficiency,
)
from planner.engine.energy import GridIntensity, PowerDraw, fleet_energy, gpu_load
from planner.engine.errors import ScenarioError
from planner.engine.outcome import attempt_cost, cheapest_per_outcome, outcome_cost
from planner.engine.reliability import compare_reliability
from planner.engine.shape import (
    SHAPE_PRESETS,
    RequestShape,
    cost_per_request,
    preset_shape,
    requests_for,
)

NON_NEGATIVE = "must be a non-negative number"
POSITIVE = "must be a positive number"
SHARE = "must be a number between 0 and 1"
UTILIZATION = "must be a number greater than 0 and at most 1"
AT_LEAST_ONE = "must be a number of at least 1"
# $1.25 in, $10 out, $0.125 cached in (a GPT-5-like offer).
OFFER = ApiOffer(output_per_mtok=10.0, input_per_mtok=1.25, cached_input_per_mtok=0.125)


def _shape(**changes: float) -> RequestShape:
    return RequestShape(**{"input_tokens": 1000.0, "output_tokens": 400.0, **changes})


def _outcome(**changes: float) -> object:
    return outcome_cost(**{"cost_per_attempt": 0.02, "success_rate": 0.8, **changes})


REFUSALS: list[tuple[str, Callable[[], object], str, str]] = [
    # capacity
    (
        "capacity throughput",
        lambda: capacity_tokens_per_month(tokens_per_second=0.0),
        "tokens_per_second",
        POSITIVE,
    ),
    (
        "capacity hours",
        lambda: capacity_tokens_per_month(tokens_per_second=1500.0, hours_per_month=0.0),
        "hours_per_month",
        POSITIVE,
    ),
    (
        "capacity utilization",
        lambda: capacity_tokens_per_month(tokens_per_second=1500.0, utilization=1.5),
        "utilization",
        UTILIZATION,
    ),
    (
        "aggregate single stream",
        lambda: aggregate_tokens_per_second(single_stream_tokens_per_second=0.0, concurrency=8),
        "single_stream_tokens_per_second",
        POSITIVE,
    ),
    (
        "aggregate concurrency",
        lambda: aggregate_tokens_per_second(single_stream_tokens_per_second=20.0, concurrency=0),
        "concurrency",
        POSITIVE,
    ),
    (
        "aggregate scaling efficiency",
        lambda: aggregate_tokens_per_second(
            single_stream_tokens_per_second=20.0, concurrency=8, scaling_efficiency=-0.1
        ),
        "scaling_efficiency",
        NON_NEGATIVE,
    ),
    (
        "efficiency single stream",
        lambda: scaling_efficiency(
            single_stream_tokens_per_second=0.0, aggregate_tokens_per_second=620.0, concurrency=33
        ),
        "single_stream_tokens_per_second",
        POSITIVE,
    ),
    (
        "efficiency concurrency",
        lambda: scaling_efficiency(
            single_stream_tokens_per_second=100.0, aggregate_tokens_per_second=620.0, concurrency=0
        ),
        "concurrency",
        POSITIVE,
    ),
    (
        "efficiency aggregate",
        lambda: scaling_efficiency(
            single_stream_tokens_per_second=100.0, aggregate_tokens_per_second=-1.0, concurrency=33
        ),
        "aggregate_tokens_per_second",
        NON_NEGATIVE,
    ),
    (
        "replicas volume",
        lambda: replicas_needed(tokens_per_month=-1.0, capacity_tokens_per_month=1e9),
        "tokens_per_month",
        NON_NEGATIVE,
    ),
    (
        "replicas capacity",
        lambda: replicas_needed(tokens_per_month=1e9, capacity_tokens_per_month=0.0),
        "capacity_tokens_per_month",
        POSITIVE,
    ),
    (
        "busy hours volume",
        lambda: busy_hours(tokens_per_month=-1.0, tokens_per_second=1500.0),
        "tokens_per_month",
        NON_NEGATIVE,
    ),
    (
        "busy hours throughput",
        lambda: busy_hours(tokens_per_month=1e9, tokens_per_second=0.0),
        "tokens_per_second",
        POSITIVE,
    ),
    (
        "cost per mtok volume",
        lambda: cost_per_mtok(monthly_cost=100.0, tokens_per_month=-1.0),
        "tokens_per_month",
        NON_NEGATIVE,
    ),
    (
        "cost per mtok cost",
        lambda: cost_per_mtok(monthly_cost=-1.0, tokens_per_month=1e9),
        "monthly_cost",
        NON_NEGATIVE,
    ),
    (
        "cost at utilization cost",
        lambda: cost_per_mtok_at_utilization(
            monthly_cost=-1.0, tokens_per_second=1500.0, utilization=0.5
        ),
        "monthly_cost",
        NON_NEGATIVE,
    ),
    # outcome
    (
        "attempt tokens",
        lambda: attempt_cost(OFFER, tokens_per_task=-1.0),
        "tokens_per_task",
        NON_NEGATIVE,
    ),
    (
        "outcome attempt cost",
        lambda: _outcome(cost_per_attempt=-1.0),
        "cost_per_attempt",
        NON_NEGATIVE,
    ),
    ("outcome success rate", lambda: _outcome(success_rate=1.5), "success_rate", SHARE),
    (
        "outcome retries",
        lambda: _outcome(max_retries=-1),
        "max_retries",
        "must be a non-negative integer",
    ),
    (
        "outcome human cost",
        lambda: _outcome(human_correction_cost=-1.0),
        "human_correction_cost",
        NON_NEGATIVE,
    ),
    ("cheapest of none", lambda: cheapest_per_outcome([]), "options", "needs at least one option"),
    # shape
    ("shape input", lambda: _shape(input_tokens=0.5), "request_shape.input_tokens", AT_LEAST_ONE),
    (
        "shape output",
        lambda: _shape(output_tokens=0.5),
        "request_shape.output_tokens",
        AT_LEAST_ONE,
    ),
    (
        "shape output not a number",
        lambda: _shape(output_tokens="400"),  # type: ignore[arg-type]
        "request_shape.output_tokens",
        AT_LEAST_ONE,
    ),
    (
        "shape input a bool",
        lambda: _shape(input_tokens=True),
        "request_shape.input_tokens",
        AT_LEAST_ONE,
    ),
    (
        "shape output infinite",
        lambda: _shape(output_tokens=math.inf),
        "request_shape.output_tokens",
        AT_LEAST_ONE,
    ),
    ("requests tokens", lambda: requests_for(-1.0, _shape()), "tokens_per_month", NON_NEGATIVE),
    (
        "cost per request cost",
        lambda: cost_per_request(monthly_cost=-1.0, tokens_per_month=1e6, shape=_shape()),
        "monthly_cost",
        NON_NEGATIVE,
    ),
    # energy
    (
        "power base",
        lambda: PowerDraw(700.0, server_base_watts=-1.0),
        "selfhost.server_base_watts",
        NON_NEGATIVE,
    ),
    (
        "grid intensity",
        lambda: GridIntensity("us-east", -1.0),
        "grid_g_co2e_per_kwh",
        NON_NEGATIVE,
    ),
]


@pytest.mark.parametrize(
    ("call", "field", "message"),
    [pytest.param(call, field, message, id=name) for name, call, field, message in REFUSALS],
)
def test_refusal_names_its_field_and_rule(
    call: Callable[[], object], field: str, message: str
) -> None:
    """Guards each refusal's field (what a form points at) and its sentence."""
    with pytest.raises(ScenarioError) as refused:
        call()
    assert (refused.value.field, refused.value.message) == (field, message)
    assert str(refused.value) == f"{field}: {message}"


def test_unknown_preset_names_the_field_and_lists_the_presets() -> None:
    """Guards the preset refusal: its field (default and stated) and the presets it lists."""
    with pytest.raises(ScenarioError) as refused:
        preset_shape("chatbot")
    known = "chat_assistant, rag, agentic_tool_use, batch_summarisation"
    assert list(SHAPE_PRESETS) == known.split(", ")
    assert refused.value.field == "request_shape.preset"
    assert refused.value.message == f"unknown preset 'chatbot' (one of {known})"
    with pytest.raises(ScenarioError) as stated:
        preset_shape("chatbot", field="workload.shape")
    assert stated.value.field == "workload.shape"
    assert preset_shape("rag") == RequestShape(4_000, 300)


def test_cost_per_request_of_one_request_and_of_none() -> None:
    """Guards the no-tokens edge: exactly one request's worth of tokens is priced (not None),
    zero tokens give None."""
    shape = _shape()  # 1,400 tokens a request
    assert cost_per_request(monthly_cost=7.0, tokens_per_month=1400.0, shape=shape) == 7.0
    assert cost_per_request(monthly_cost=7.0, tokens_per_month=0.0, shape=shape) is None
    assert requests_for(2800.0, shape) == 2.0


def test_attempt_cost_uses_the_input_and_cached_shares_stated() -> None:
    """Guards the blend an attempt is priced at: 70% input of which half cached,
    30% output; the default cached share is none."""
    # 0.35 x 1.25 + 0.35 x 0.125 + 0.3 x 10 = 3.48125 $/M; 20,000 tokens = $0.069625.
    cost = attempt_cost(OFFER, tokens_per_task=20_000, input_share=0.7, cached_share=0.5)
    assert cost == pytest.approx(0.069625, rel=1e-12)
    # No cached share by default: 0.7 x 1.25 + 0.3 x 10 = 3.875 $/M.
    assert attempt_cost(OFFER, tokens_per_task=20_000, input_share=0.7) == pytest.approx(
        0.0775, rel=1e-12
    )


def test_outcome_of_a_task_that_never_succeeds_pays_every_attempt_and_the_human() -> None:
    """Guards the zero-success edge: 1 + retries attempts, all to a human, the name kept."""
    never = outcome_cost(
        cost_per_attempt=0.5,
        success_rate=0.0,
        max_retries=2,
        human_correction_cost=10.0,
        name="small model",
    )
    assert never.expected_attempts == 3.0
    assert never.human_share == 1.0
    assert never.cost_per_task == 11.5
    assert never.success_rate == 0.0
    assert never.name == "small model"
    assert outcome_cost(cost_per_attempt=1.0, success_rate=0.5).name == "option"


def test_outcome_records_the_success_rate_it_priced() -> None:
    """Guards the result's success rate: the stated one, as a float."""
    assert _outcome(success_rate=0.8).success_rate == 0.8  # type: ignore[attr-defined]


def test_gpu_load_below_one_gpu_hour_is_still_a_share() -> None:
    """Guards the nothing-running edge: only zero GPU-hours give load 0; half an hour, a
    quarter busy, is load 0.5."""
    assert gpu_load(busy_gpu_hours=0.25, gpu_hours=0.5) == 0.5
    assert gpu_load(busy_gpu_hours=0.0, gpu_hours=0.0) == 0.0


def test_fleet_energy_keeps_the_grid_it_was_priced_on() -> None:
    """Guards the grid the result carries (the page names its region and source)."""
    grid = GridIntensity("us-east", 400.0, year=2024, source="EIA")
    energy = fleet_energy(
        PowerDraw(700.0, server_base_watts=500.0, pue=1.2),
        gpu_hours=1440.0,
        busy_gpu_hours=720.0,
        machine_hours=720.0,
        grid=grid,
    )
    assert energy.grid is grid
    # (700 W x 0.5 x 1,440 h + 500 W x 720 h) x 1.2 = 1,036.8 kWh; x 400 g = 414.72 kg.
    assert energy.kwh_per_month == pytest.approx(1036.8, rel=1e-12)
    assert energy.kg_co2e_per_month == pytest.approx(414.72, rel=1e-12)


def test_reliability_non_gpu_costs_default_to_none() -> None:
    """Guards the default of the self-host's non-GPU monthly costs: 0."""
    options = compare_reliability(
        api_monthly=5625.0,
        api_availability=0.999,
        selfhost_gpu_monthly=1440.0,
        single_region_availability=0.99,
        downtime_cost_per_hour=100.0,
    )
    assert [option.monthly for option in options] == [5625.0, 1440.0, 2880.0]


def test_capacity_defaults_and_figures() -> None:
    """Guards the defaults (a full 720-hour month, linear batching) and each formula."""
    assert capacity_tokens_per_month(tokens_per_second=1500.0) == 3_888_000_000.0
    assert aggregate_tokens_per_second(single_stream_tokens_per_second=20.0, concurrency=8) == 160.0
    assert scaling_efficiency(
        single_stream_tokens_per_second=100.0, aggregate_tokens_per_second=620.0, concurrency=33
    ) == pytest.approx(620 / 3300, rel=1e-12)
    assert busy_hours(tokens_per_month=5_400_000.0, tokens_per_second=1500.0) == 1.0


def test_cost_per_mtok_at_utilization_uses_the_hours_stated() -> None:
    """Guards the month's hours passed through: 360 hours at 1,500 tok/s and 50% busy
    serve 972M tokens, so $1,440 is $1.4815 per 1M (720 hours would halve it)."""
    cost = cost_per_mtok_at_utilization(
        monthly_cost=1440.0, tokens_per_second=1500.0, utilization=0.5, hours_per_month=360.0
    )
    assert cost == pytest.approx(1440.0 / 972.0, rel=1e-12)
