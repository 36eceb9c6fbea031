"""The charts' payload (planner_charts.plan_charts) comes from the stored results of the
one computation: every crossing the results hold inside the chart's volumes, each option
at the workload's volume at its stored expected cost, and a count of the crossings that
lie outside the chart (listed in the break-even tables instead)."""

from __future__ import annotations

from planner.templatetags.planner_charts import plan_charts


def test_the_volume_chart_marks_what_the_results_hold(every_kind_plan):
    results = every_kind_plan.latest_comparison.results
    charts = plan_charts(results, results["curves"], "USD")
    volume = charts["volume"]
    curves = results["curves"]["volume"]
    low, high = curves["volumes"][0], curves["volumes"][-1]
    every = [c for pair in results["crossings"] for c in pair["crossings"]]
    inside = [c for c in every if low <= c["volume"] <= high]
    assert len(inside) > 3
    assert sorted((p["tokens"], p["selfhost"], p["api"]) for p in volume["breakevens"]) == sorted(
        (c["volume"], c["cheaper_above"], c["cheaper_below"]) for c in inside
    )
    assert volume["crossings_beyond"] == len(every) - len(inside)
    assert volume["workload_tokens"] == results["tokens_per_month"]
    assert volume["workload_label"] == "1.5B"
    assert {p["option"]: p["cost"] for p in volume["workload_points"]} == {
        o["name"]: o["monthly"]["expected"] for o in results["options"]
    }
