"""The plan from the issue on one computation: its page never contradicts itself.

50M tokens/day at 70% input with a 99.9% availability target; GPT-5, Claude Sonnet 4.5 at
a private negotiated price, DeepSeek V3.2 and Qwen3-32B against Llama 3.3 70B FP8 on
rented H100s and on an owned H100 node. Every section of the page (the cost table, the
ownership section, the break-even table, the chart's markers) names the same replica
count and monthly cost for an option, and every crossing is marked.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from planner import services
from planner.wording import breakeven_text
from pricing.models import OwnedHardware
from tests.planner.conftest import api_offer, gpu_offer, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue_plan(cast, reference_version):
    from pricing.services import overlay_api_price_set, price_overlay_create

    version = reference_version
    overlay = price_overlay_create(
        organization=cast.org, base_version=version, name="Negotiated", actor=None
    )
    claude = api_offer(version, "Claude Sonnet 4.5", "feb-2026")
    overlay_api_price_set(
        overlay=overlay,
        actor=None,
        replaces=claude,
        input_per_mtok=Decimal("2.40"),
        output_per_mtok=Decimal("12.00"),
    )
    llama = {
        "model_name": "Llama 3.3 70B",
        "params_b": Decimal(70),
        "precision": "fp8",
        # 70B at FP8: 70 GB of weights + 21.5 GB of KV cache (16 x 4,096 tokens) = 91.5 GB;
        # two 80 GB GPUs hold 144 GB usable: two a replica.
        "gpu_count": 2,
        "hidden_multiplier": Decimal("1.3"),
        "labor_hours_per_month": Decimal(10),
        "utilization": Decimal("0.8"),
    }
    options = [
        {"kind": "api", "api_offer": api_offer(version, "GPT-5", "feb-2026")},
        {"kind": "api", "api_offer": claude},
        {"kind": "api", "api_offer": api_offer(version, "DeepSeek V3.2", "feb-2026")},
        {"kind": "api", "api_offer": api_offer(version, "Qwen3-32B", "global-2026")},
        {
            "kind": "selfhost",
            "name": "Llama on rented H100",
            "gpu_offer": gpu_offer(version, sku="NVIDIA H100 80GB"),
            "gpus_per_instance": 2,
            **llama,
        },
        {
            "kind": "selfhost",
            "name": "Llama on an owned H100 node",
            "rent_mode": "owned",
            "owned_hardware": OwnedHardware.objects.get(version=version, name="8x H100 HGX node"),
            "gpus_per_server": 8,
            # the catalog's profile of two H100s (vLLM, 70B FP8), as the rented option finds
            "tokens_per_second": Decimal(1728),
            "maintenance_per_year": Decimal("0.05"),
            "cost_of_capital": Decimal("0.08"),
            **llama,
        },
    ]
    plan = make_plan(
        cast.org,
        cast.owner,
        version,
        options=options,
        name="One computation",
        tokens_per_day=50_000_000,
        tokens_per_month=None,
        input_share=Decimal("0.7"),
        availability_target=Decimal("0.999"),
        downtime_cost_per_hour=Decimal(2000),
        peak_to_average=Decimal(2),
    )
    services.plan_compute(plan=plan, actor=cast.owner)
    return plan


def _attrs(html: str, css_class: str) -> list[dict[str, str]]:
    rows = []
    for tag in re.findall(rf'<[a-z]+[^>]* class="{css_class}"[^>]*>', html):
        rows.append(dict(re.findall(r'data-([a-z-]+)="([^"]*)"', tag)))
    return rows


def test_the_plan_page_never_contradicts_itself(cast, issue_plan):
    html = (
        cast.client_for(cast.owner)
        .get(reverse("planner:plan_detail", args=[issue_plan.pk]))
        .content.decode()
    )
    results = issue_plan.latest_comparison.results
    by_name = {o["name"]: o for o in results["options"]}
    table = {row["option"]: row for row in _attrs(html, "option-total")}
    depth = {row["option"]: row for row in _attrs(html, "depth-summary")}
    fleets = _attrs(html, "muted option-fleet")

    # One monthly figure per option: the cost table and the ownership section agree.
    assert set(table) == set(by_name)
    for name, option in by_name.items():
        assert Decimal(table[name]["monthly"]) == Decimal(str(option["monthly"]["expected"]))
    selfhost = [o for o in results["options"] if o["kind"] == "selfhost"]
    assert len(selfhost) == 2
    for option in selfhost:
        assert depth[option["name"]]["monthly"] == table[option["name"]]["monthly"]
        # One replica count: the fleet row, the ownership section and its reserve.
        assert int(depth[option["name"]]["replicas"]) == option["replicas"]
        assert int(depth[option["name"]]["total-replicas"]) == option["total_replicas"]
        # 99.9% on replicas that are up 99% of the time needs a spare.
        assert option["spares"] >= 1
        assert option["availability"] >= 0.999
        # The replica needs two GPUs, and is priced on them.
        assert option["gpus"] >= 2 * option["total_replicas"]
    assert sorted(int(f["total-replicas"]) for f in fleets) == sorted(
        o["total_replicas"] for o in selfhost
    )

    # Every crossing in the chart's range is marked, and the break-even table's are among
    # them; a crossing volume is where the two costs meet, or where a replica step flips them.
    charts = json.loads(
        re.search(
            r'<script id="plan-charts" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    volumes = charts["volume"]["volumes"]
    marked = {(m["tokens"], m["selfhost"]) for m in charts["volume"]["breakevens"]}
    in_range = {
        (c["volume"], c["cheaper_above"])
        for pair in results["crossings"]
        for c in pair["crossings"]
        if volumes[0] <= c["volume"] <= volumes[-1]
    }
    assert marked == in_range
    for option in selfhost:
        for be in option["breakevens"]:
            for c in be["crossings"]:
                winner = option["name"] if c["selfhost_cheaper_above"] else be["api_option"]
                if volumes[0] <= c["tokens_per_month"] <= volumes[-1]:
                    assert (c["tokens_per_month"], winner) in marked
                # listed in the table with its volume
                assert f'data-volume="{c["tokens_per_month"]}"' in html
            # "never" only when no fleet size wins up to the search limit
            if not be["reachable"]:
                assert be["cheaper_at_limit"] == be["api_option"]
                assert "reason" not in be  # the words are rendered, not stored
                assert escape(breakeven_text(option["name"], be)) in html
                assert "never breaks even" in breakeven_text(option["name"], be)

    # The cheapest option at the workload's volume is the one the crossings put there.
    cheapest = results["cheapest"]["name"]
    assert table[cheapest]["monthly"] == min(
        (row["monthly"] for row in table.values()), key=Decimal
    )
