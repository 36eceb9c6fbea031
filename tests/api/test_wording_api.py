"""A comparison over the API: `results` hold codes and figures (schema 2), and the detail
carries their words, rendered when read by planner.wording (issue 14 item 5)."""

from __future__ import annotations

import pytest

from planner import services
from tests.planner.test_depth import milestone_plan, owned_plan
from tests.planner.test_wording import SENTENCE_KEYS, _walk

pytestmark = pytest.mark.django_db

ORG = "/api/v1/orgs/acme"


@pytest.fixture
def reference_version(db):
    from pricing.services import load_reference_catalog

    version, _created = load_reference_catalog()
    return version


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_results_hold_figures_and_the_detail_their_words(api, cast, reference_version, who):
    comparison = services.plan_compute(
        plan=milestone_plan(cast, reference_version), actor=cast.owner
    )
    body = api(who).get(f"{ORG}/comparisons/{comparison.pk}/").json()
    stored = [path for path, _value in _walk(body["results"]) if path[-1] in SENTENCE_KEYS]
    assert stored == []
    wording = body["wording"]
    texts = {r["code"]: r["text"] for r in wording["recommendation"]}
    codes = [r["code"] for r in body["results"]["recommendation"]["reasons"]]
    assert list(texts) == codes
    cheapest = body["results"]["cheapest"]
    assert texts["cheapest"] == (
        f"{cheapest['name']} is the cheapest allowed option at ${cheapest['monthly']:,.2f}/month"
    )
    messages = [r["message"] for r in body["recommendation"]["reasons"]]
    assert messages == list(texts.values())
    assert "questions answered yes" in texts["five_questions"]
    milestones = {m["key"]: m["text"] for m in wording["milestones"] if m["key"] != "pair"}
    assert milestones["rented_beats_api"] == (
        "A rented option beats every API from 256M tokens/month (lost again at 466.6M; wins for good from 512M)"
    )
    items = {m["key"]: m for m in body["milestones"]["items"]}
    assert items["rented_beats_api"]["reason"] == milestones["rented_beats_api"]
    assert items["rented_beats_api"]["label"] == "A rented option beats every API"
    assert wording["lens"] == body["lens_label"] == "Full TCO"
    assert wording["breakevens"]
    for row in wording["breakevens"]:
        assert row["option"] in {o["name"] for o in body["results"]["options"]}
        assert "tokens/month" in row["text"] or "smallest volume" in row["text"]


def test_depth_lines_are_labelled_when_read(api, cast, reference_version):
    comparison = services.plan_compute(plan=owned_plan(cast, reference_version), actor=cast.owner)
    body = api("viewer").get(f"{ORG}/comparisons/{comparison.pk}/").json()
    row = next(d for d in body["depth"] if d["kind"] == "owned")
    labels = {line["key"]: line["label"] for line in row["lines"]}
    assert labels["depreciation"] == "Depreciation"
    assert labels["capital"] == "Cost of capital"
    assert row["lens_label"] == "Full TCO"
    assert body["wording"]["lines"]["depreciation"] == "Depreciation"
    stored = next(o for o in body["results"]["options"] if o["kind"] == "selfhost")
    assert all("label" not in line for line in stored["depth"]["lines"])
