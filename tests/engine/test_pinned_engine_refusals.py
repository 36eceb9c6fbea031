"""Every engine refusal names its field and its rule (issue 19: mutation survivors).

A plan form, the REST API and the CLI show the engine's ``field: message`` as it is, so
each row pins the exact field and sentence for one bad input of one constructor or
function; the last tests pin the small figures next to those checks (reliability,
scale-to-zero's variable price, the reserve's refusal).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from planner.engine import compose as eng
from planner.engine.api import ApiOffer
from planner.engine.errors import ScenarioError
from planner.engine.fleet import Serving, pack_replicas, require_cost_inputs
from planner.engine.owned import ServerFinance
from planner.engine.reliability import (
    combined_availability,
    compare_reliability,
    downtime_cost,
    downtime_hours,
)
from planner.engine.rented import RentedCapacity
from planner.engine.reserve import AvailabilityTarget, deployment_availability, plan_reserve
from planner.engine.selfhost import (
    Billing,
    BillingMode,
    FlatMonthly,
    OnDemandRate,
    OwnedHardware,
    ReservedRate,
    SelfHostConfig,
    SpotRate,
    selfhost_cost,
)
from planner.engine.sensitivity import (
    ComposedSensitivity,
    SensitivityBase,
    Swing,
    difference,
)

NON_NEGATIVE = "must be a non-negative number"
POSITIVE = "must be a positive number"
SHARE = "must be a number between 0 and 1"
UTILIZATION = "must be a number greater than 0 and at most 1"
INPUTS = "one of utilization, gpu_price, engineer_rate, volume, input_share"
GPT = ApiOffer(output_per_mtok=10.0, input_per_mtok=1.25, name="GPT-5")


def _config(**changes: Any) -> SelfHostConfig:
    return SelfHostConfig(**{"pricing": OnDemandRate(2.0), "tokens_per_second": 1500.0, **changes})


def _base(**changes: Any) -> SensitivityBase:
    return SensitivityBase(
        **{"tokens_per_month": 1e9, "api": GPT, "selfhost": _config(), **changes}
    )


def _reliability(**changes: Any) -> object:
    return compare_reliability(
        **{
            "api_monthly": 5625.0,
            "api_availability": 0.999,
            "selfhost_gpu_monthly": 1440.0,
            "single_region_availability": 0.99,
            "downtime_cost_per_hour": 100.0,
            **changes,
        }
    )


def _rented() -> eng.FleetChoice:
    fleet = RentedCapacity(pricing=OnDemandRate(2.0), serving=Serving(1500.0, 1, 1.0), name="A100")
    return eng.FleetChoice("A100", fleet, eng.Span.of(2.0), eng.Span.of(1500.0), eng.Span.of(0.0))


def _composed(selfhost: str = "A100", *, hourly: float = 2.0) -> ComposedSensitivity:
    fleet = RentedCapacity(
        pricing=OnDemandRate(hourly), serving=Serving(1500.0, 1, 1.0), name="A100"
    )
    option = eng.FleetChoice(
        "A100", fleet, eng.Span.of(hourly), eng.Span.of(1500.0), eng.Span.of(0.0)
    )
    scenario = eng.Scenario(eng.Workload(1e9), (eng.ApiChoice("GPT-5", GPT), option))
    return ComposedSensitivity(scenario=scenario, api="GPT-5", selfhost=selfhost)


REFUSALS: list[tuple[str, Callable[[], object], str, str]] = [
    ("on-demand hourly", lambda: OnDemandRate(-1.0), "selfhost.hourly", NON_NEGATIVE),
    ("reserved hourly", lambda: ReservedRate(-1.0), "selfhost.reserved_hourly", NON_NEGATIVE),
    ("flat monthly", lambda: FlatMonthly(-1.0), "selfhost.monthly", NON_NEGATIVE),
    ("spot hourly", lambda: SpotRate(hourly=-1.0), "selfhost.spot_hourly", NON_NEGATIVE),
    (
        "spot with nothing",
        lambda: SpotRate(),
        "selfhost.spot_hourly",
        "give a spot hourly or an on-demand hourly and a discount",
    ),
    (
        "spot without a discount",
        lambda: SpotRate(on_demand_hourly=2.0),
        "selfhost.spot_hourly",
        "give a spot hourly or an on-demand hourly and a discount",
    ),
    (
        "spot on-demand hourly",
        lambda: SpotRate(on_demand_hourly=-1.0, discount=0.5),
        "selfhost.on_demand_hourly",
        NON_NEGATIVE,
    ),
    (
        "spot discount",
        lambda: SpotRate(on_demand_hourly=2.0, discount=1.5),
        "selfhost.spot_discount",
        SHARE,
    ),
    (
        "interruption allowance",
        lambda: SpotRate(hourly=1.0, interruption_allowance=-0.1),
        "selfhost.interruption_allowance",
        NON_NEGATIVE,
    ),
    ("purchase price", lambda: OwnedHardware(-1.0), "selfhost.purchase_price", NON_NEGATIVE),
    (
        "useful life",
        lambda: OwnedHardware(1.0, useful_life_months=0.0),
        "selfhost.useful_life_months",
        POSITIVE,
    ),
    ("power", lambda: OwnedHardware(1.0, power_w=-1.0), "selfhost.power_w", NON_NEGATIVE),
    ("pue", lambda: OwnedHardware(1.0, pue=0.0), "selfhost.pue", POSITIVE),
    ("kwh", lambda: OwnedHardware(1.0, usd_per_kwh=-1.0), "selfhost.usd_per_kwh", NON_NEGATIVE),
    (
        "colocation",
        lambda: OwnedHardware(1.0, colocation_monthly=-1.0),
        "selfhost.colocation_monthly",
        NON_NEGATIVE,
    ),
    (
        "window without hours",
        lambda: Billing(BillingMode.WINDOW),
        "selfhost.window_hours",
        "required for the window billing mode",
    ),
    (
        "window hours",
        lambda: Billing(BillingMode.WINDOW, window_hours=0.0),
        "selfhost.window_hours",
        POSITIVE,
    ),
    (
        "buffer",
        lambda: Billing(buffer_fraction=-0.1),
        "selfhost.buffer_fraction",
        NON_NEGATIVE,
    ),
    ("throughput", lambda: _config(tokens_per_second=0.0), "selfhost.tokens_per_second", POSITIVE),
    ("utilization", lambda: _config(utilization=0.0), "selfhost.utilization", UTILIZATION),
    (
        "hidden multiplier",
        lambda: _config(hidden_multiplier=0.9),
        "selfhost.hidden_multiplier",
        "must be a number >= 1",
    ),
    (
        "hidden multiplier nan",
        lambda: _config(hidden_multiplier=math.nan),
        "selfhost.hidden_multiplier",
        "must be a number >= 1",
    ),
    (
        "hidden monthly",
        lambda: _config(hidden_monthly=-1.0),
        "selfhost.hidden_monthly",
        NON_NEGATIVE,
    ),
    # reliability
    ("downtime availability", lambda: downtime_hours(1.5), "availability", SHARE),
    (
        "downtime hours",
        lambda: downtime_hours(0.9, hours_per_month=0.0),
        "hours_per_month",
        POSITIVE,
    ),
    (
        "downtime cost",
        lambda: downtime_cost(0.9, cost_per_hour=-1.0),
        "downtime_cost_per_hour",
        NON_NEGATIVE,
    ),
    ("regions availability", lambda: combined_availability(1.5), "availability", SHARE),
    (
        "regions 0",
        lambda: combined_availability(0.9, regions=0),
        "regions",
        "must be a whole number >= 1",
    ),
    (
        "regions float",
        lambda: combined_availability(0.9, regions=2.0),
        "regions",
        "must be a whole number >= 1",
    ),  # type: ignore[arg-type]
    (
        "regions bool",
        lambda: combined_availability(0.9, regions=True),
        "regions",
        "must be a whole number >= 1",
    ),
    (
        "multi-region availability",
        lambda: _reliability(multi_region_availability=1.5),
        "multi_region_availability",
        SHARE,
    ),
    (
        "gpu monthly",
        lambda: _reliability(selfhost_gpu_monthly=-1.0),
        "selfhost_gpu_monthly",
        NON_NEGATIVE,
    ),
    (
        "other monthly",
        lambda: _reliability(selfhost_other_monthly=-1.0),
        "selfhost_other_monthly",
        NON_NEGATIVE,
    ),
    ("api monthly", lambda: _reliability(api_monthly=-1.0), "api_monthly", NON_NEGATIVE),
    # sensitivity
    ("sensitivity volume", lambda: _base(tokens_per_month=-1.0), "tokens_per_month", NON_NEGATIVE),
    ("sensitivity share", lambda: _base(input_share=2.0), "input_share", SHARE),
    (
        "sensitivity hours",
        lambda: _base(engineer_hours_per_month=-1.0),
        "engineer_hours_per_month",
        NON_NEGATIVE,
    ),
    (
        "sensitivity rate",
        lambda: _base(engineer_hourly_rate=-1.0),
        "engineer_hourly_rate",
        NON_NEGATIVE,
    ),
    (
        "base value name",
        lambda: _base().value("colour"),
        "sensitivity.name",
        f"unknown input 'colour' ({INPUTS})",
    ),
    (
        "swing name",
        lambda: Swing("colour", pct=0.1),
        "sensitivity.name",
        f"unknown input 'colour' ({INPUTS})",
    ),
    (
        "swing ends",
        lambda: Swing("volume", low=1.0),
        "sensitivity.volume",
        "give low and high, or pct",
    ),
    ("swing pct", lambda: Swing("volume", pct=-0.1), "sensitivity.volume.pct", NON_NEGATIVE),
    (
        "composed value name",
        lambda: _composed().value("colour"),
        "sensitivity.name",
        f"unknown input 'colour' ({INPUTS})",
    ),
    (
        "composed not a fleet",
        lambda: _composed("GPT-5").difference(),
        "sensitivity.selfhost",
        "'GPT-5' is not a fleet option",
    ),
    (
        "composed zero gpu price",
        lambda: _composed(hourly=0.0).difference(gpu_price=1.0),
        "sensitivity.gpu_price",
        "the base GPU price is 0",
    ),
    (
        "base zero gpu price",
        lambda: difference(_base(selfhost=_config(pricing=OnDemandRate(0.0))), gpu_price=1.0),
        "sensitivity.gpu_price",
        "the base GPU price is 0",
    ),
    # reserve
    ("reserve target", lambda: AvailabilityTarget(1.5, 0.99), "availability_target", SHARE),
    ("reserve replica", lambda: AvailabilityTarget(0.9, 1.5), "replica_availability", SHARE),
    ("reserve region", lambda: AvailabilityTarget(0.9, 0.99, 1.5), "region_availability", SHARE),
    (
        "reserve spares",
        lambda: AvailabilityTarget(0.9, 0.99, max_spares=-1),
        "max_spares",
        "must be a whole number >= 0",
    ),
    (
        "reserve regions",
        lambda: AvailabilityTarget(0.9, 0.99, max_regions=0),
        "max_regions",
        "must be a whole number >= 1",
    ),
    (
        "spares per replica",
        lambda: AvailabilityTarget(0.9, 0.99, spares_per_replica=-0.5),
        "spares_per_replica",
        "must be a number >= 0",
    ),
    (
        "spares per replica nan",
        lambda: AvailabilityTarget(0.9, 0.99, spares_per_replica=math.nan),
        "spares_per_replica",
        "must be a number >= 0",
    ),
    (
        "deployment needed",
        lambda: deployment_availability(needed=0, spares=0, replica_availability=0.9),
        "replicas",
        "must be a whole number >= 1",
    ),
    (
        "deployment spares",
        lambda: deployment_availability(needed=1, spares=-1, replica_availability=0.9),
        "spares",
        "must be a whole number >= 0",
    ),
    (
        "deployment regions",
        lambda: deployment_availability(needed=1, spares=0, replica_availability=0.9, regions=0),
        "regions",
        "must be a whole number >= 1",
    ),
    (
        "deployment replica availability",
        lambda: deployment_availability(needed=1, spares=0, replica_availability=1.5),
        "replica_availability",
        SHARE,
    ),
    (
        "deployment region availability",
        lambda: deployment_availability(
            needed=1, spares=0, replica_availability=0.9, region_availability=1.5
        ),
        "region_availability",
        SHARE,
    ),
    (
        "reserve out of reach",
        # One region at 99.9% caps what spares can do; 0.5 spares a replica allow
        # 8 + ceil(0.5 x 3) = 10 for 3 replicas.
        lambda: plan_reserve(
            3, AvailabilityTarget(0.9999, 0.99, 0.999, max_regions=1, spares_per_replica=0.5)
        ),
        "availability_target",
        "0.9999 cannot be met with up to 10 spares in up to 1 regions (replica availability "
        "0.99, region availability 0.999)",
    ),
    # the composition's inputs
    ("workload tokens", lambda: eng.Workload(-1.0), "tokens_per_month", NON_NEGATIVE),
    ("workload share", lambda: eng.Workload(1.0, input_share=1.5), "input_share", SHARE),
    ("workload cached", lambda: eng.Workload(1.0, cached_share=1.5), "cached_share", SHARE),
    (
        "workload target",
        lambda: eng.Workload(1.0, availability_target=1.5),
        "availability_target",
        SHARE,
    ),
    (
        "workload downtime",
        lambda: eng.Workload(1.0, downtime_cost_per_hour=-1.0),
        "downtime_cost_per_hour",
        NON_NEGATIVE,
    ),
    (
        "scenario without options",
        lambda: eng.Scenario(eng.Workload(1.0), ()),
        "options",
        "a scenario needs at least one option",
    ),
    (
        "scenario names",
        lambda: eng.Scenario(eng.Workload(1.0), (eng.ApiChoice("A", GPT), eng.ApiChoice("A", GPT))),
        "options",
        "option names must be unique",
    ),
    (
        "hybrid of nothing",
        lambda: eng.Scenario(
            eng.Workload(1.0),
            (eng.HybridChoice("H", premium=GPT, cheap="nobody", routed_share=0.5),),
        ),
        "cheap_option",
        "H: name an API or self-host option",
    ),
    (
        "hybrid of a hybrid",
        lambda: eng.Scenario(
            eng.Workload(1.0),
            (
                eng.ApiChoice("A", GPT),
                eng.HybridChoice("H", premium=GPT, cheap="A", routed_share=0.5),
                eng.HybridChoice("H2", premium=GPT, cheap="H", routed_share=0.5),
            ),
        ),
        "cheap_option",
        "H2: name an API or self-host option",
    ),
    (
        "hybrid share",
        lambda: eng.Scenario(
            eng.Workload(1.0),
            (
                eng.ApiChoice("A", GPT),
                eng.HybridChoice("H", premium=GPT, cheap="A", routed_share=1.5),
            ),
        ),
        "routed_share",
        SHARE,
    ),
    (
        "hybrid escalation",
        lambda: eng.Scenario(
            eng.Workload(1.0),
            (
                eng.ApiChoice("A", GPT),
                eng.HybridChoice(
                    "H", premium=GPT, cheap="A", routed_share=0.5, escalation_rate=2.0
                ),
            ),
        ),
        "escalation_rate",
        SHARE,
    ),
    # fleet, owned (the quick mutation run's survivors, 2026-12-02)
    (
        "analysis months",
        lambda: require_cost_inputs(
            tokens_per_month=1e9, analysis_months=0.0, hours_per_month=720.0, lens="full"
        ),
        "analysis_months",
        POSITIVE,
    ),
    (
        "negative volume",
        lambda: require_cost_inputs(
            tokens_per_month=-1.0, analysis_months=36.0, hours_per_month=720.0, lens="full"
        ),
        "tokens_per_month",
        NON_NEGATIVE,
    ),
    (
        "no GPUs per replica",
        lambda: Serving(1500.0, gpus_per_replica=0),
        "selfhost.gpus_per_replica",
        "must be a whole number >= 1",
    ),
    (
        "headroom above 1",
        lambda: Serving(1500.0, headroom=1.5),
        "selfhost.headroom",
        "must be a number greater than 0 and at most 1",
    ),
    (
        "peak below average",
        lambda: Serving(1500.0, peak_to_average=0.9),
        "selfhost.peak_to_average",
        "must be a number >= 1",
    ),
    (
        "replicas for a negative volume",
        lambda: Serving(1500.0).replicas_for(-1.0),
        "tokens_per_month",
        NON_NEGATIVE,
    ),
    (
        "negative replicas to pack",
        lambda: pack_replicas(
            -1, gpus_per_replica=1, gpus_per_unit=8, allow_split=False, field="gpus_per_instance"
        ),
        "replicas",
        "must be a whole number >= 0",
    ),
    (
        "negative cost of capital",
        lambda: ServerFinance(server_price=1.0, cost_of_capital=-0.01),
        "owned.cost_of_capital",
        NON_NEGATIVE,
    ),
    (
        "PUE below 1",
        lambda: ServerFinance(server_price=1.0, pue=0.9),
        "owned.pue",
        "must be a number >= 1",
    ),
]


@pytest.mark.parametrize(
    ("build", "field", "message"), [row[1:] for row in REFUSALS], ids=[row[0] for row in REFUSALS]
)
def test_refusal_names_the_field_and_the_rule(build, field, message) -> None:
    with pytest.raises(ScenarioError) as refused:
        build()
    assert (refused.value.field, refused.value.message) == (field, message)


def test_values_at_the_edges_are_accepted() -> None:
    # Zero prices, a full-discount spot, a one-region reserve search, one region.
    assert OnDemandRate(0.0).hourly == 0.0
    assert SpotRate(on_demand_hourly=2.0, discount=1.0).effective_hourly == 0.0
    assert combined_availability(0.9, regions=1) == pytest.approx(0.9)
    assert AvailabilityTarget(0.9, 0.99, max_spares=0, max_regions=1).max_spares == 0
    assert deployment_availability(needed=1, spares=0, replica_availability=1.0) == 1.0
    assert Billing(BillingMode.WINDOW, window_hours=1.0).window_hours == 1.0


def test_downtime_figures() -> None:
    # 99% up over a 720 h month: 7.2 h down; x $100 = $720. Over a 730 h month: 7.3 h.
    assert downtime_hours(0.99) == pytest.approx(7.2)
    assert downtime_hours(0.99, hours_per_month=730.0) == pytest.approx(7.3)
    assert downtime_cost(0.99, cost_per_hour=100.0, hours_per_month=730.0) == pytest.approx(730.0)
    # Three regions at 90%: down only together, 0.1^3: 99.9% up.
    assert combined_availability(0.9, regions=3) == pytest.approx(0.999)


def test_compare_reliability_prices_each_option_with_its_downtime() -> None:
    api, single, multi = _reliability(
        selfhost_other_monthly=500.0, regions=3, hours_per_month=730.0
    )  # type: ignore[misc]
    # The API: $5,625, 99.9% up: 0.73 h down x $100 = $73.
    assert (api.name, api.availability, api.monthly) == ("api", 0.999, 5625.0)
    assert api.downtime_hours == pytest.approx(0.73)
    assert api.downtime_cost == pytest.approx(73.0)
    # One region: $1,440 + $500; 99%: 7.3 h, $730.
    assert (single.name, single.monthly) == ("selfhost_single_region", 1940.0)
    assert single.downtime_cost == pytest.approx(730.0)
    # Three regions: the GPUs three times, the rest once: 3 x 1,440 + 500 = $4,820;
    # 1 - 0.01^3 = 99.9999% up: 0.00073 h down.
    assert (multi.name, multi.monthly) == ("selfhost_multi_region", 4820.0)
    assert multi.availability == pytest.approx(0.999999)
    assert multi.downtime_hours == pytest.approx(0.00073)
    assert multi.total == pytest.approx(4820.0 + 0.073)
    # A stated multi-region figure is used as given.
    _, _, stated = _reliability(multi_region_availability=0.9995)  # type: ignore[misc]
    assert stated.availability == 0.9995


def test_scale_to_zero_variable_price_per_million_tokens() -> None:
    billing = Billing(BillingMode.SCALE_TO_ZERO, buffer_fraction=0.1)
    config = _config(
        tokens_per_second=1000.0, utilization=0.5, billing=billing, hidden_multiplier=1.2
    )
    # 1M tokens at 1,000 tok/s = 0.2778 h; x 1.1 buffer / 0.5 utilization = 0.6111 h;
    # x $2/h x 1.2 = $1.4667 per 1M tokens.
    assert config.variable_per_mtok() == pytest.approx(1e6 / 1000 / 3600 * 1.1 / 0.5 * 2 * 1.2)
    assert _config().variable_per_mtok() == 0.0  # always-on: nothing grows with volume


def test_swing_ends_are_clipped_to_each_input_range() -> None:
    # A share stays within [0, 1]; money and volume stay >= 0; utilization in (0, 1].
    assert Swing("input_share", low=-0.5, high=1.5).ends(0.5) == (0.0, 1.0)
    assert Swing("input_share", pct=0.5).ends(0.8) == (pytest.approx(0.4), 1.0)
    assert Swing("volume", low=-5.0, high=-1.0).ends(1.0) == (0.0, 0.0)
    assert Swing("gpu_price", pct=2.0).ends(100.0) == (0.0, 300.0)
    assert Swing("utilization", low=0.0, high=2.0).ends(0.5) == (1e-6, 1.0)
    assert Swing("engineer_rate", low=0.5, high=2.0).ends(1.0) == (0.5, 2.0)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"tokens_per_month": -1.0}, "tokens_per_month", NON_NEGATIVE),
        ({"tokens_per_month": 1.0, "hours_per_month": 0.0}, "hours_per_month", POSITIVE),
    ],
)
def test_selfhost_cost_refusals(kwargs, field, message) -> None:
    with pytest.raises(ScenarioError) as refused:
        selfhost_cost(_config(), **kwargs)
    assert (refused.value.field, refused.value.message) == (field, message)


def test_scale_to_zero_bills_the_busy_hours_at_the_planned_throughput() -> None:
    # 3.6e9 tokens at 1,000 tok/s planned at 50%: 3.6e9 / (1,000 x 3,600 x 0.5) = 2,000
    # busy hours; a replica carries 1,000 x 3,600 x 720 x 0.5 = 1.296e9, so 3 replicas
    # could bill up to 2,160 h. $2/h x 2,000 h = $4,000; nothing idles.
    config = _config(
        tokens_per_second=1000.0, utilization=0.5, billing=Billing(BillingMode.SCALE_TO_ZERO)
    )
    cost = selfhost_cost(config, tokens_per_month=3.6e9)
    assert (cost.replicas, cost.billed_hours, cost.gpu_monthly) == (3, 2000.0, 4000.0)
    assert cost.idle_cost == 0.0


def test_a_reservation_is_owed_for_every_hour_of_the_month_asked() -> None:
    # $1.50/h reserved over a 730-hour month: $1,095 a replica, billed or not.
    reserved = _config(pricing=ReservedRate(1.5))
    assert reserved.replica_monthly(hours_per_month=730.0) == pytest.approx(1095.0)
    idle = _config(pricing=ReservedRate(1.5), billing=Billing(BillingMode.SCALE_TO_ZERO))
    assert idle.fixed_monthly(hours_per_month=730.0) == pytest.approx(1095.0)
    # Scale-to-zero over 730 h: one replica's reservation plus nothing hourly.
    cost = selfhost_cost(idle, tokens_per_month=1e6, hours_per_month=730.0)
    assert cost.gpu_monthly == pytest.approx(1095.0)
