"""Engine depth in plans (issue 10): owned finance lines, lenses, reserve, milestones.

Every figure is worked by hand in the comments; the engine's own tests cover the maths in
depth, these check that the adapter hands the plan's fields to it correctly.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from planner import services
from planner.bridge import plans as adapter
from planner.models import Comparison, Plan
from pricing.models import OwnedHardware
from tests.planner.conftest import api_offer, case4_options, gpu_offer, make_plan

pytestmark = pytest.mark.django_db

# 8x H100 node, 1 replica per server at 6,000 tok/s (x 0.9 x 720 h = 14.0B tokens/month).
OWNED = {
    "kind": "selfhost",
    "model_name": "Llama 3.3 70B",
    "rent_mode": "owned",
    "tokens_per_second": Decimal(6000),
    "server_price": Decimal(200000),
    "gpus_per_server": 8,
    "installation_per_server": Decimal(5000),
    "useful_life_years": Decimal(3),
    "residual_value": Decimal("0.1"),
    "cost_of_capital": Decimal("0.08"),
    "maintenance_per_year": Decimal("0.05"),
    "server_base_watts": Decimal(1500),
    "gpu_tdp_watts": Decimal(700),
    "pue": Decimal("1.4"),
    "usd_per_kwh": Decimal("0.12"),
    "facilities_per_server_monthly": Decimal(400),
    "facilities_shared_monthly": Decimal(1000),
    "ops_fte": Decimal("0.5"),
    "ops_fte_monthly_cost": Decimal(15000),
    "implementation_one_off": Decimal(36000),
}


def owned_plan(cast, version, *, lens="full", analysis_months=36, **workload):
    node = OwnedHardware.objects.get(version=version, name="8x H100 HGX node")
    options = [
        {"kind": "api", "api_offer": api_offer(version, "GPT-5", "feb-2026")},
        {**OWNED, "owned_hardware": node},
    ]
    plan = make_plan(cast.org, cast.owner, version, options=options, name="Owned", **workload)
    Plan.objects.filter(pk=plan.pk).update(lens=lens, analysis_months=analysis_months)
    plan.refresh_from_db()
    return plan


def depth_of(comparison: Comparison, kind: str = "owned") -> dict:
    return next(
        o["depth"]
        for o in comparison.results["options"]
        if o["kind"] == "selfhost" and o["depth"]["kind"] == kind
    )


def lines(depth: dict) -> dict[str, tuple[float, bool]]:
    return {line["key"]: (line["monthly"], line["in_lens"]) for line in depth["lines"]}


def test_snapshot_carries_the_finance_fields_to_the_engine(cast, reference_version):
    plan = owned_plan(cast, reference_version)
    inputs = adapter.build_inputs(plan)
    # how far crossings are searched follows from the scenario, not the snapshot
    assert inputs["depth"] == {"lens": "full", "analysis_months": 36.0}
    d = inputs["options"][1]["selfhost"]["depth"]
    assert d["kind"] == "owned"
    assert d["gpus_per_replica"] == 8  # no GPU count: a replica is the whole server
    assert d["finance"] == {
        "server_price": 200000.0,
        "gpus_per_server": 8,
        "installation_per_server": 5000.0,
        "installation_policy": "capitalised",  # the default
        "useful_life_years": 3.0,
        "residual_value": 0.1,
        "cost_of_capital": 0.08,
        "maintenance_per_year": 0.05,
        "server_base_watts": 1500.0,
        "gpu_tdp_watts": 700.0,
        "gpu_load": None,  # from the hours the tokens take
        "pue": 1.4,
        "usd_per_kwh": 0.12,
        "facilities_per_server_monthly": 400.0,
        "facilities_shared_monthly": 1000.0,
    }
    assert d["finance_defaults"] == {}  # every figure given on the option
    assert (d["ops_fte"], d["ops_fte_monthly_cost"], d["implementation_one_off"]) == (
        0.5,
        15000.0,
        36000.0,
    )
    assert d["headroom"] == 1.0  # the option's utilization: one planning share


def test_owned_line_items_match_a_hand_computation(cast, reference_version):
    comparison = services.plan_compute(plan=owned_plan(cast, reference_version), actor=cast.owner)
    depth = depth_of(comparison)
    assert depth["lens"] == "full"
    assert "lens_label" not in depth  # words are the page's: planner.labels
    assert (depth["replicas_needed"], depth["machines"], depth["gpus"]) == (1, 1, 8)
    # Installation is capitalised (issue 15): 205,000 of book value a server, the
    # hardware depreciated to its 20,000 residual and the installation to nothing.
    assert lines(depth) == {
        "depreciation": (5138.89, True),  # (200,000 x (1 - 0.1) + 5,000) / 36 months
        # book averages 200,000 x (1 + 0.1) / 2 + 5,000 / 2 = 112,500; x 8% / 12
        "capital": (750.00, True),
        "maintenance": (833.33, True),  # 200,000 x 5% / 12
        # base 1,500 W x 720 h = 1,080 kWh; 1B tokens at 6,000 tok/s keep the 8 GPUs
        # working 1e9 / (6,000 x 3,600) = 46.30 h: x 8 x 0.7 kW = 259.26 kWh;
        # 1,339.26 kWh x 1.4 x $0.12 = $225.00
        "energy": (225.00, True),
        "facilities": (1400.00, True),  # 400 per server + 1,000 shared
        "staff": (7500.00, True),  # 0.5 FTE x 15,000
        "implementation": (1000.00, True),  # 36,000 / 36
        "other": (0.00, True),  # no hidden, labor or other monthly costs on this option
        "reserve": (0.00, True),
    }
    assert depth["monthly"] == 16847.22  # the sum, from unrounded lines
    assert depth["period_total"] == 606499.84  # 16,847.2178 x 36 months
    assert depth["finance"]["purchases"] == 1
    assert depth["finance"]["average_book_value"] == 112500.00
    assert depth["finance"]["book_value_at_end"] == 20000.00  # the 10% residual
    assert depth["finance"]["installation_policy"] == "capitalised"
    assert depth["finance"]["capitalised"] == 205000.00
    assert depth["finance"]["gpu_load"] == round(46.296296 / 720, 6)  # 6.43% of the month
    assert depth["finance"]["energy_kwh"] == 1874.96  # 1,339.26 kWh x PUE 1.4
    assert "lens_label" not in comparison.results
    page = _comparison_page(cast, comparison)
    assert "Lens: Full TCO" in page
    assert "<td>Depreciation</td>" in page
    assert "<td>Cost of capital</td>" in page
    assert "Installation capitalised with the hardware (book value $205,000.00 a purchase)" in page
    assert "GPU load 6.4%" in page


def _comparison_page(cast, comparison) -> str:
    response = cast.client_for(cast.owner).get(
        reverse("planner:comparison_detail", args=[comparison.pk])
    )
    assert response.status_code == 200
    return response.content.decode()


def test_a_period_longer_than_the_life_buys_the_fleet_again(cast, reference_version):
    plan = owned_plan(cast, reference_version, analysis_months=48)
    depth = depth_of(services.plan_compute(plan=plan, actor=cast.owner))
    found = lines(depth)
    assert depth["finance"]["purchases"] == 2
    assert "installation" not in found  # capitalised: inside depreciation and capital
    assert found["implementation"][0] == 750.00  # 36,000 / 48
    # The hardware's book value averages 0.55 of its price over the first life and
    # 1 - 0.9 x (1/3) / 2 = 0.85 over the third of the second life used: (36 x 0.55 +
    # 12 x 0.85) / 48 = 0.625 -> 125,000. The installation's averages 2,500, then
    # 5,000 x (1 - (1/3) / 2) = 4,166.67: (36 x 2,500 + 12 x 4,166.67) / 48 = 2,916.67.
    assert found["capital"][0] == 852.78  # 127,916.67 x 8% / 12
    # 185,000 / 36 a month: the second installation is charged for the third of its
    # life the period uses, as the hardware is (it was charged in full before issue 15).
    assert found["depreciation"][0] == 5138.89


def test_marginal_lens_leaves_out_the_fixed_lines(cast, reference_version):
    plan = owned_plan(cast, reference_version, lens="marginal")
    comparison = services.plan_compute(plan=plan, actor=cast.owner)
    depth = depth_of(comparison)
    found = lines(depth)
    left_out = {key for key, (_, counted) in found.items() if not counted}
    # installation is capitalised: inside depreciation and capital
    assert left_out == {"depreciation", "capital", "staff", "implementation"}
    # The lines left out are still shown with their amounts.
    assert found["depreciation"] == (5138.89, False)
    assert depth["monthly"] == 2458.33  # maintenance 833.33 + energy 225.00 + facilities 1,400
    assert depth["lens"] == "marginal"
    assert "Lens: Marginal: leaves out depreciation" in _comparison_page(cast, comparison)
    assert comparison.results["lens"] == "marginal"


def test_reserve_is_priced_when_the_target_beats_one_deployment(cast, reference_version):
    # The A100 ($2/h) at 1B tokens/month needs 1 replica; the catalog's single-region
    # availability (0.99-0.995, mid 0.9925) misses 0.999, one spare reaches
    # 1 - 0.0075^2 = 0.99994375, and the spare costs another 720 h x $2.
    plan = make_plan(cast.org, cast.owner, reference_version, availability_target=Decimal("0.999"))
    depth = depth_of(services.plan_compute(plan=plan, actor=cast.owner), "rented")
    reserve = depth["reserve"]
    assert reserve["applied"] is True
    assert (reserve["spares"], reserve["regions"], reserve["total_replicas"]) == (1, 1, 2)
    assert reserve["availability"] == 0.99994375
    assert reserve["base_availability"] == 0.9925
    assert reserve["target"] == 0.999
    assert reserve["monthly"] == 1440.00
    assert lines(depth)["reserve"] == (1440.00, True)
    assert depth["machines"] == 2


def test_no_reserve_when_one_deployment_already_meets_the_target(cast, reference_version):
    plan = make_plan(cast.org, cast.owner, reference_version, availability_target=Decimal("0.99"))
    depth = depth_of(services.plan_compute(plan=plan, actor=cast.owner), "rented")
    assert depth["reserve"]["applied"] is False
    assert depth["reserve"]["monthly"] == 0.0
    assert depth["machines"] == 1


def test_no_target_no_reserve(cast, reference_version):
    plan = make_plan(cast.org, cast.owner, reference_version)
    depth = depth_of(services.plan_compute(plan=plan, actor=cast.owner), "rented")
    assert depth["reserve"] is None


def milestone_plan(cast, version, **workload):
    """GPT-5 ($1.25 in / $10 out: $5.625/M at half input) vs the A100 at 200 tok/s.

    A replica serves 200 x 0.9 x 720 x 3600 = 466,560,000 tokens/month for $1,440, so
    rented first costs no more at 1,440 / 5.625 = 256M, is dearer again at the second
    replica (466,560,001) and wins for good from 2,880 / 5.625 = 512M.
    """
    options = [
        {"kind": "api", "api_offer": api_offer(version, "GPT-5", "feb-2026")},
        {
            "kind": "selfhost",
            "model_name": "Llama 3.3 70B",
            "gpu_offer": gpu_offer(version),
            "precision": "int4",  # INT4: 35 + 21.5 GB of KV cache fit one A100 80GB (72 GB usable)
            "tokens_per_second": Decimal(200),
            "utilization": Decimal("0.9"),
        },
    ]
    return make_plan(cast.org, cast.owner, version, options=options, name="Milestones", **workload)


def test_milestones_are_exact_and_say_when_a_win_is_lost(cast, reference_version):
    comparison = services.plan_compute(
        plan=milestone_plan(cast, reference_version), actor=cast.owner
    )
    milestones = comparison.results["milestones"]
    items = {m["key"]: m for m in milestones["items"]}
    assert set(items) == {"rented_beats_api", "rented_cheapest_overall"}  # no owned option
    rented = items["rented_beats_api"]
    assert rented["volume"] == 256_000_000
    assert "volume_label" not in rented
    assert "reason" not in rented
    assert rented["holds_to_limit"] is False
    assert rented["lost_at"] == 466_560_001
    assert rented["wins_for_good_from"] == 512_000_000
    assert rented["limit"] == max(10**10, 100 * comparison.tokens_per_month)
    pair = next(p for p in milestones["pairs"] if p["challenger_kind"] == "rented")
    assert (pair["volume"], pair["lost_at"]) == (256_000_000, 466_560_001)
    assert (
        "A rented option beats every API from 256M tokens/month (lost again at 466.6M; wins for good from 512M)"
        in _comparison_page(cast, comparison)
    )


def test_old_snapshots_recompute_without_depth(cast, reference_version):
    plan = make_plan(
        cast.org, cast.owner, reference_version, options=case4_options(reference_version)
    )
    inputs = adapter.build_inputs(plan)
    inputs.pop("depth")
    inputs["schema"] = 1  # snapshots from before issue 10 were schema 1
    results = adapter.evaluate(inputs)
    assert "milestones" not in results
    assert all("depth" not in option for option in results["options"])


def test_lens_switch_service_recomputes_and_audits(cast, reference_version):
    from accounts.models import AuditEvent

    plan = owned_plan(cast, reference_version)
    comparison = services.plan_set_lens(
        plan=plan, actor=cast.owner, lens="marginal", analysis_months=48
    )
    plan.refresh_from_db()
    assert (plan.lens, plan.analysis_months) == ("marginal", 48)
    assert comparison.results["lens"] == "marginal"
    assert comparison.results["analysis_months"] == 48.0
    assert AuditEvent.objects.filter(action="plan.lens").count() == 1


def test_lens_switch_service_refuses_a_bad_period_and_keeps_the_plan(cast, reference_version):
    from django.core.exceptions import ValidationError

    plan = owned_plan(cast, reference_version)
    with pytest.raises(ValidationError) as caught:
        services.plan_set_lens(plan=plan, actor=cast.owner, lens="full", analysis_months=0)
    assert "analysis_months" in caught.value.message_dict
    plan.refresh_from_db()
    assert plan.analysis_months == 36
    assert not Comparison.objects.filter(plan=plan).exists()


def left_empty(version, hardware, **fields) -> list[dict]:
    """GPT-5 and Llama 3.3 70B on ``hardware``, its running costs left to the catalog."""
    return [
        {"kind": "api", "api_offer": api_offer(version, "GPT-5", "feb-2026")},
        {
            "kind": "selfhost",
            "model_name": "Llama 3.3 70B",
            "rent_mode": "owned",
            "owned_hardware": hardware,
            "tokens_per_second": Decimal(3000),
            **fields,
        },
    ]


def test_an_owned_option_left_empty_takes_its_running_costs_from_the_catalog(
    cast, reference_version
):
    """Energy, maintenance and facilities default from the catalog, never to $0 (issue 15).

    The 8x H100 HGX node's row: $200,000-250,000 (midpoint 225,000), 6-8 kW (7 kW), of
    which 1,400 W is its base draw (so 8 GPUs x 700 W), and electricity at $700-1,200 a
    month (950 at full load). The version: PUE 1.56, maintenance 5-10% of the price a year
    (7.5%), facilities $163.44-184.06 per kW a month ($173.75).
    """
    node = OwnedHardware.objects.get(version=reference_version, name="8x H100 HGX node")
    options = left_empty(reference_version, node)
    plan = make_plan(cast.org, cast.owner, reference_version, options=options)
    comparison = services.plan_set_lens(
        plan=plan, actor=cast.owner, lens="marginal", analysis_months=36
    )
    owned = next(o for o in comparison.results["options"] if o["kind"] == "selfhost")
    assert owned["depth"]["machines"] == 1
    found = lines(owned["depth"])
    # The node's own electricity figure sets the price: 950 / (7,000 W x 720 h x 1.56)
    # = $0.1208/kWh. Its base draws 1,400 W x 720 h = 1,008 kWh; 1B tokens at 3,000
    # tok/s keep the 8 GPUs working 92.59 h: 518.52 kWh. 1,526.52 kWh x 1.56 x $0.1208
    # = 1,526.52 / 5,040 x $950 = $287.74 (it was $950, every GPU at full power all
    # month, before issue 15).
    assert found["energy"] == (287.74, True)
    assert found["maintenance"] == (1406.25, True)  # 225,000 x 7.5% / 12
    assert found["facilities"] == (1216.25, True)  # 7 kW x $173.75
    # Marginal: the running costs are what is left.
    assert owned["monthly"]["expected"] == 2910.24
    # The stored snapshot carries the price the node's row gives (its midpoint), which
    # sweeps and forecasts of this plan price the servers at.
    depth = next(o for o in comparison.inputs["options"] if o["kind"] == "selfhost")
    assert depth["selfhost"]["depth"]["finance"]["server_price"] == 225_000.0
    finance = owned["depth"]["finance"]
    assert {d["field"]: d["source"] for d in finance["defaults"]} == {
        "server_base_watts": "hardware",
        "gpu_tdp_watts": "hardware",
        "pue": "catalog",
        "usd_per_kwh": "hardware",
        "maintenance_per_year": "catalog",
        "facilities_per_server_monthly": "catalog",
    }
    page = _comparison_page(cast, comparison)
    assert "Maintenance a year: 7.5% of the price (the catalog&#x27;s figure)" in page
    assert "Facilities a server a month: $1,216.25 (the catalog&#x27;s figure)" in page
    assert "GPU power at full load: 700 W (the catalog&#x27;s hardware figure)" in page


def test_a_figure_the_catalog_version_lacks_says_so(cast, reference_version):
    # A version without the maintenance figure (the reference document without it):
    # maintenance is 0, and the page says the catalog version states none rather than
    # showing a silent $0.
    import json

    from pricing.services import REFERENCE_CATALOG_PATH, catalog_import

    document = json.loads(REFERENCE_CATALOG_PATH.read_text())
    del document["owned_maintenance_per_year"]
    version = catalog_import(
        content=json.dumps(document).encode(),
        filename="older.json",
        actor=None,
        catalog_name="Older",
        publish=True,
    )
    node = OwnedHardware.objects.get(version=version, name="8x H100 HGX node")
    options = left_empty(version, node)
    comparison = services.plan_compute(
        plan=make_plan(cast.org, cast.owner, version, options=options), actor=cast.owner
    )
    owned = next(o for o in comparison.results["options"] if o["kind"] == "selfhost")
    assert lines(owned["depth"])["maintenance"] == (0.0, True)
    sources = {d["field"]: d["source"] for d in owned["depth"]["finance"]["defaults"]}
    assert sources["maintenance_per_year"] == "missing"
    assert "Maintenance a year: 0% of the price (not in this catalog version)" in (
        _comparison_page(cast, comparison)
    )


def test_hardware_without_a_power_figure_draws_nothing_and_says_so(cast, reference_version):
    # The catalog states no power for the Mac M4 Max: its GPU power is missing (0 W, not
    # a made-up watt), so the fleet's energy is $0 and the page can say why.
    mac = OwnedHardware.objects.get(version=reference_version, name="Mac M4 Max 128GB")
    options = left_empty(
        reference_version, mac, gpus_per_server=1, precision="int4", tokens_per_second=Decimal(30)
    )
    comparison = services.plan_compute(
        plan=make_plan(cast.org, cast.owner, reference_version, options=options), actor=cast.owner
    )
    owned = next(o for o in comparison.results["options"] if o["kind"] == "selfhost")
    sources = {d["field"]: d["source"] for d in owned["depth"]["finance"]["defaults"]}
    assert sources["gpu_tdp_watts"] == "missing"
    assert lines(owned["depth"])["energy"] == (0.0, True)
