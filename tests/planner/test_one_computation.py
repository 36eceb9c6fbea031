"""Every surface reads the one composition: the preview, the plan, the stored result's
sections, the forecast's first month and the quote give the same figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import services
from planner.bridge import forecasts
from planner.bridge.preview import preview
from planner.bridge.quotes import quote
from planner.models import Workload
from tests.planner.conftest import api_offer, gpu_offer, make_plan

pytestmark = pytest.mark.django_db

# Hypothesis runs examples inside the test's one transaction: a handful of examples
# each, since every example computes plans against the reference catalog.
DB_SETTINGS = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

workloads = st.fixed_dictionaries(
    {
        "tokens_per_month": st.integers(10**6, 3 * 10**10),
        "input_share": st.decimals("0", "1", places=2),
        "cached_share": st.decimals("0", "0.5", places=2),
        "peak_to_average": st.decimals("1", "3", places=1),
        "availability_target": st.none() | st.sampled_from([Decimal("0.99"), Decimal("0.999")]),
        "engineer_hourly_rate": st.none() | st.decimals("50", "200", places=0),
    }
)


def _workload(org, fields: dict) -> Workload:
    return Workload(organization=org, name="Unsaved", **fields)


@DB_SETTINGS
@given(fields=workloads)
def test_the_preview_is_the_plan_on_the_same_inputs(cast, reference_version, fields):
    unsaved = _workload(cast.org, fields)
    shown = preview(organization=cast.org, workload=unsaved)
    assert shown is not None
    # The same options as rows of a plan: the preview's own unsaved options.
    from planner.bridge.preview import first_plan_preview_options

    rows, _roles = first_plan_preview_options(
        version=reference_version, organization=cast.org, workload=unsaved
    )
    plan_options = []
    for row in rows:
        fields_of = {
            "kind": row.kind,
            "name": row.name,
            "api_offer": row.api_offer,
            "model_name": row.model_name,
            "params_b": row.params_b,
            "gpu_offer": row.gpu_offer,
            "precision": row.precision,
            "utilization": row.utilization,
            "hidden_multiplier": row.hidden_multiplier,
            "labor_hours_per_month": row.labor_hours_per_month,
        }
        plan_options.append({k: v for k, v in fields_of.items() if v not in (None, "")})
    workload = Workload.objects.create(organization=cast.org, name="Saved", **fields)
    plan = make_plan(
        cast.org, cast.owner, reference_version, workload=workload, options=plan_options
    )
    computed = services.plan_compute(plan=plan, actor=cast.owner).results
    assert [o["name"] for o in computed["options"]] == [o["name"] for o in shown.results["options"]]
    for planned, previewed in zip(computed["options"], shown.results["options"], strict=True):
        assert previewed["monthly"] == planned["monthly"]
        assert previewed.get("total_replicas") == planned.get("total_replicas")
        assert previewed["cost_per_mtok"] == planned["cost_per_mtok"]


def _issue_like_plan(cast, version, **workload_fields):
    options = [
        {"kind": "api", "api_offer": api_offer(version, "GPT-5", "feb-2026")},
        {"kind": "api", "api_offer": api_offer(version, "DeepSeek V3.2", "feb-2026")},
        {
            "kind": "selfhost",
            "name": "Rented",
            "model_name": "Llama 3.3 70B",
            "gpu_offer": gpu_offer(version, sku="NVIDIA H100 80GB"),
            "precision": "fp8",  # FP8: 70 + 21.5 GB of KV cache fit two 80 GB GPUs (144 GB usable)
            "gpu_count": 2,
            "gpus_per_instance": 2,
            "tokens_per_second": Decimal(1728),
            "utilization": Decimal("0.8"),
            "hidden_multiplier": Decimal("1.3"),
            "labor_hours_per_month": Decimal(10),
        },
        {
            "kind": "hybrid",
            "api_offer": api_offer(version, "GPT-5", "feb-2026"),
            "cheap_ref": 2,
            "routed_share": Decimal("0.7"),
            "escalation_rate": Decimal("0.1"),
        },
    ]
    return make_plan(cast.org, cast.owner, version, options=options, **workload_fields)


@DB_SETTINGS
@given(fields=workloads)
def test_every_section_of_a_stored_result_names_one_fleet_and_one_cost(
    cast, reference_version, fields
):
    plan = _issue_like_plan(cast, reference_version, **fields)
    results = services.plan_compute(plan=plan, actor=cast.owner).results
    for option in results["options"]:
        parts = sum(part["expected"] for part in option["breakdown"].values())
        assert parts == pytest.approx(option["monthly"]["expected"], abs=0.05)
        if option["kind"] != "selfhost":
            continue
        depth = option["depth"]
        assert depth["monthly"] == option["monthly"]["expected"]
        assert depth["replicas_needed"] == option["replicas"]
        assert depth["machines"] == option["machines"]
        if depth["reserve"] is not None:
            assert depth["reserve"]["total_replicas"] == option["total_replicas"]
        lines = sum(line["monthly"] for line in depth["lines"] if line["in_lens"])
        assert lines == pytest.approx(option["monthly"]["expected"], abs=0.05)
        mc = option["monte_carlo"]["selfhost"]
        assert option["monthly"]["low"] <= mc["p10"] + 0.01
        assert mc["p90"] <= option["monthly"]["high"] + 0.01
    hybrid = next(o for o in results["options"] if o["kind"] == "hybrid")
    assert hybrid["cheap_tokens"] == round(0.7 * results["tokens_per_month"])
    # the markers on the chart are the stored crossings inside its range
    volumes = results["curves"]["volume"]["volumes"]
    marked = {(m["volume"], m["cheaper_above"]) for m in results["curves"]["volume"]["crossings"]}
    assert marked == {
        (c["volume"], c["cheaper_above"])
        for pair in results["crossings"]
        for c in pair["crossings"]
        if volumes[0] <= c["volume"] <= volumes[-1]
    }


@DB_SETTINGS
@given(fields=workloads, growth=st.decimals("0", "0.3", places=2))
def test_the_forecast_starts_at_the_plan(cast, reference_version, fields, growth):
    plan = _issue_like_plan(cast, reference_version, growth_per_month=growth, **fields)
    comparison = services.plan_compute(plan=plan, actor=cast.owner)
    forecast = forecasts.forecast_snapshot(comparison.inputs, comparison.results)
    by_name = {o["name"]: o for o in comparison.results["options"]}
    first = forecast["months"][0]
    assert first["tokens_per_month"] == round(comparison.results["tokens_per_month"])
    assert first["api_monthly"] == by_name[forecast["api_option"]]["monthly"]["expected"]
    assert first["selfhost_monthly"] == by_name[forecast["selfhost_option"]]["monthly"]["expected"]


@DB_SETTINGS
@given(
    tokens=st.integers(10**6, 3 * 10**10),
    share=st.decimals("0", "1", places=2),
    tps=st.integers(200, 5000),
    utilization=st.decimals("0.3", "1", places=2),
    other=st.integers(0, 5000),
)
def test_the_quote_and_the_plan_price_the_same_scenario_alike(
    cast, reference_version, tokens, share, tps, utilization, other
):
    gpt5 = api_offer(reference_version, "GPT-5", "feb-2026")
    a100 = gpu_offer(reference_version)  # $2.00 an hour, one GPU
    plan = make_plan(
        cast.org,
        cast.owner,
        reference_version,
        tokens_per_month=tokens,
        input_share=share,
        options=[
            {"kind": "api", "api_offer": gpt5},
            {
                "kind": "selfhost",
                "name": "A100",
                "model_name": "Llama 3.3 70B",
                "gpu_offer": a100,
                "precision": "int4",
                "tokens_per_second": Decimal(tps),
                "utilization": utilization,
                "other_monthly": Decimal(other),
            },
        ],
    )
    results = services.plan_compute(plan=plan, actor=cast.owner).results
    answer = quote(
        {
            "tokens_per_month": tokens,
            "input_share": float(share),
            "api": {
                "input_per_mtok": float(gpt5.input_per_mtok),
                "output_per_mtok": float(gpt5.output_per_mtok),
            },
            "selfhost": {
                "hourly": 2.0,
                "tokens_per_second": tps,
                "utilization": float(utilization),
                "hidden_monthly": other,
            },
        }
    )
    by_name = {o["name"]: o for o in results["options"]}
    assert answer["selfhost_monthly"] == by_name["A100"]["monthly"]["expected"]
    assert answer["replicas"] == by_name["A100"]["total_replicas"]
    assert answer["api_monthly"] == by_name[results["options"][0]["name"]]["monthly"]["expected"]
    plan_first = next(
        (b["tokens_per_month"] for b in by_name["A100"]["breakevens"] if b["reachable"]), None
    )
    if by_name["A100"]["breakevens"][0]["cheaper_at_start"] == "A100":
        plan_first = 0
    assert answer["selfhost_wins_from_tokens_per_month"] == plan_first


@DB_SETTINGS
@given(fields=workloads)
def test_the_preview_of_a_plans_options_is_that_plan_computed(cast, reference_version, fields):
    # The workload form's preview prices the options of the plan being compared: the
    # same figures computing that plan gives for the same workload figures.
    plan = _issue_like_plan(cast, reference_version, **fields)
    shown = preview(organization=cast.org, workload=_workload(cast.org, fields), plan=plan)
    assert shown is not None
    assert shown.plan == plan
    computed = services.plan_compute(plan=plan, actor=cast.owner).results
    assert [o["name"] for o in shown.results["options"]] == [o["name"] for o in computed["options"]]
    assert shown.roles == {o["name"]: o["kind"] for o in computed["options"]}
    for planned, previewed in zip(computed["options"], shown.results["options"], strict=True):
        assert previewed["monthly"] == planned["monthly"]
        assert previewed.get("total_replicas") == planned.get("total_replicas")
        assert previewed["cost_per_mtok"] == planned["cost_per_mtok"]
