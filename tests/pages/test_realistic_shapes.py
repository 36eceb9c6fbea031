"""The plan page and its CSV for a plan with realistic shapes (issue 19): a 70/30 input
share, 40% of input cached, a tiered offer, a hidden multiplier and a hybrid with
escalations. The figures a reader sees are pinned, worked by hand from the catalog in
tests/planner/test_realistic_shapes.py (repeated briefly here).
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from planner import services
from tests.planner.conftest import make_plan
from tests.planner.test_realistic_shapes import shaped_options, shaped_version

pytestmark = pytest.mark.django_db

# option -> expected monthly, as the page prints it
EXPECTED = {
    # 0.7 x (0.6 x $1.25 + 0.4 x $0.125) + 0.3 x $10 = $3.56 per 1M x 1,000M
    "GPT-5 (OpenAI) · feb-2026": "$3,560.00",
    # 500M x $6.60 + 500M x $5.28 (the 500M tier at $2.40 / $12)
    "Claude Sonnet 4.5 (Anthropic) · feb-2026": "$5,940.00",
    # 0.7 x $0.27 + 0.3 x $1.10 = $0.519 per 1M x 1,000M
    "DeepSeek V3.2 (DeepSeek) · feb-2026": "$519.00",
    # self-host: 1 replica x $2/h x 720 h x 1.3 hidden multiplier
    "Llama 3.3 70B on 1× NVIDIA A100 80GB": "$1,872.00",  # noqa: RUF001 - the option's name
    # 800M x $0.519 + (200M + 10% of 800M) x $3.56 = $415.20 + $996.80
    "Hybrid: 80% DeepSeek V3.2 (DeepSeek) · feb-2026 + GPT-5": "$1,412.00",
}


@pytest.fixture
def shaped_plan(cast, reference_version):
    version = shaped_version(reference_version, cast.owner)
    plan = make_plan(
        cast.org,
        cast.owner,
        version,
        options=shaped_options(version),
        name="Shaped",
        input_share=Decimal("0.7"),
        cached_share=Decimal("0.4"),
    )
    services.plan_compute(plan=plan, actor=cast.owner)
    return plan


def option_totals(html: str) -> dict[str, str]:
    """Option name -> the expected (bold) figure of its total row, in page order."""
    rows = re.findall(
        r'<tr class="option-total"[^>]*>\s*<td[^>]*><strong>(.*?)</strong>.*?'
        r"<td><strong>Total</strong></td>\s*<td[^>]*>[^<]*</td>\s*"
        r'<td class="num"><strong>(.*?)</strong></td>',
        html,
        re.S,
    )
    return dict(rows)


def test_plan_page_shows_each_shaped_figure_beside_its_option(cast, shaped_plan):
    response = cast.client_for(cast.teammate).get(
        reverse("planner:plan_detail", args=[shaped_plan.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    totals = option_totals(html)
    assert totals == EXPECTED
    assert list(totals) == list(EXPECTED)  # the plan's own order
    # the blends a reader checks the bill against
    assert "Blended $3.56 per 1M tokens" in html
    assert "Blended $0.519 per 1M tokens" in html
    # the hybrid's split: 800M routed, 200M + 80M escalated on the premium route
    assert "800,000,000 tokens to DeepSeek V3.2" in html
    assert "280,000,000 to GPT-5" in html
    for part in ("$415.20", "$996.80"):
        assert f'<td class="num">{part}</td>' in html
    # the recommendation badge sits on the cheapest option, at $519.00
    recommended = re.search(
        r"<strong>([^<]*)</strong> <span class=\"badge\">API</span> "
        r'<span class="badge good">recommended</span>',
        html,
    )
    assert recommended is not None
    assert recommended.group(1) == "DeepSeek V3.2 (DeepSeek) · feb-2026"
    assert "cheapest allowed option at $519.00/month" in html


def test_plan_csv_carries_the_shaped_figures_to_the_cent(cast, shaped_plan):
    response = cast.client_for(cast.viewer).get(reverse("planner:plan_csv", args=[shaped_plan.pk]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    totals = {row[0]: row[4] for row in rows if len(row) == 6 and row[2] == "total"}
    assert totals == {
        name: figure.lstrip("$").replace(",", "") for name, figure in EXPECTED.items()
    }
    parts = {(row[0][:6], row[2]): row[4] for row in rows if len(row) == 6}
    assert parts[("Hybrid", "cheap_route")] == "415.20"
    assert parts[("Hybrid", "premium_api")] == "996.80"
    breakevens = {
        row[1].split(" (")[0]: row[2] for row in rows if len(row) == 5 and row[2].isdigit()
    }
    # $1,872 / $3.56, / $6.60 (below Claude's 500M tier) and / $0.519 per 1M, rounded up
    assert breakevens == {
        "GPT-5": "525842697",
        "Claude Sonnet 4.5": "283636364",
        "DeepSeek V3.2": "3606936417",
    }
