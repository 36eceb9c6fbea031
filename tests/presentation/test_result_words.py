"""Words for every key (issue 18): every key a stored result can hold has a label, a unit
and (where it helps) a line of help in planner.labels, and no page shows a key.

The results walked are those of real plans on the reference catalog: one with every kind
of option and every optional figure (tests/presentation/conftest.py), the plans of the
wording tests (both lenses, scale to zero, exclusions, the rules outweighed) and a
finished sweep's summary.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Membership
from planner import services, sweep_services
from planner.labels import (
    DECISION_QUESTIONS,
    DECISION_SOURCES,
    ENERGY_UNKNOWN,
    FLEET_KIND_LABELS,
    KEY_WORDS,
    LATENCY_METRIC_WORDS,
    LATENCY_SOURCE_LABELS,
    LENS_LABELS,
    LINE_LABELS,
    OPTION_KIND_LABELS,
    POWER_SOURCES,
    RESULT_KEYED_BY,
    RESULT_KEYS,
    SENSITIVITY_INPUTS,
    UNITS,
)
from planner.models import PlanShareLink
from planner.share_services import share_link_create
from tests.factories import sweep_catalog_version, sweep_spec_for
from tests.planner.test_wording import _plans, assert_reads_as_words, visible_text

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _keys(value, parent=""):
    """(key, parent key) for every dict key in a stored JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            if parent not in RESULT_KEYED_BY:
                yield key, parent
            yield from _keys(item, key)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item, parent)


def _values(value, field):
    """Every value stored under ``field`` anywhere in a stored JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == field:
                yield item
            yield from _values(item, field)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item, field)


def assert_every_key_has_words(results, where):
    missing = sorted(
        {f"{parent}.{key}" for key, parent in _keys(results) if key not in RESULT_KEYS}
    )
    assert not missing, f"{where}: keys without words in planner.labels.RESULT_KEYS: {missing}"
    for parent, kind in RESULT_KEYED_BY.items():
        if kind != "line":
            continue
        for group in _values(results, parent):
            unknown = set(group) - set(LINE_LABELS)
            assert not unknown, f"{where}: cost lines without words: {unknown}"


def test_each_entry_is_words_with_a_known_unit():
    for key, words in {**RESULT_KEYS, **SENSITIVITY_INPUTS}.items():
        assert words.unit in UNITS, key
        assert words.label.strip(), key
        assert not SNAKE.search(words.label), f"{key}: the label is an identifier"
        if "_" in key:
            assert words.label.lower() != key.replace("_", ""), f"{key}: the label is the key"
    assert set(DECISION_SOURCES) == set(DECISION_QUESTIONS)


def test_every_key_of_a_plan_with_every_kind_of_option_has_words(every_kind_plan):
    results = every_kind_plan.latest_comparison.results
    kinds = {(o["kind"], o.get("fleet_kind")) for o in results["options"]}
    # The plan reaches what it was built to reach.
    assert kinds == {("api", None), ("selfhost", "rented"), ("selfhost", "owned"), ("hybrid", None)}
    selfhost = [o for o in results["options"] if o["kind"] == "selfhost"]
    assert all(o["fit"] and o["serving"] and o["energy"]["known"] for o in selfhost)
    assert any(o.get("monte_carlo") for o in selfhost)
    assert any(o["quality"] and o["quality"]["meets_floor"] is not None for o in selfhost)
    assert any(o["outcome"]["known"] for o in results["options"])
    assert results["crossings"]
    assert results["request_shape"]
    assert results["quality_floor"]
    assert_every_key_has_words(results, every_kind_plan.name)


def test_every_key_of_the_wording_plans_has_words(cast, reference_version):
    for plan in _plans(cast, reference_version):
        results = services.plan_compute(plan=plan, actor=cast.owner).results
        assert_every_key_has_words(results, plan.name)


def test_every_stored_key_value_has_words(every_kind_plan, cast, reference_version):
    """Values that are keys (kinds, modes, sources, metrics) read through their words."""
    groups = {
        "kind": set(OPTION_KIND_LABELS) | set(FLEET_KIND_LABELS),  # depth.kind: the fleet
        "fleet_kind": set(FLEET_KIND_LABELS),
        "a_kind": set(OPTION_KIND_LABELS) | set(FLEET_KIND_LABELS),
        "b_kind": set(OPTION_KIND_LABELS) | set(FLEET_KIND_LABELS),
        "challenger_kind": set(OPTION_KIND_LABELS) | set(FLEET_KIND_LABELS),
        "incumbent_kind": set(OPTION_KIND_LABELS) | set(FLEET_KIND_LABELS),
        "rent_mode": set(KEY_WORDS["rent_mode"]),
        "billing_mode": set(KEY_WORDS["billing_mode"]),
        "precision": set(KEY_WORDS["precision"]),
        "lens": set(LENS_LABELS),
        "latency_source": set(LATENCY_SOURCE_LABELS) | {None},
        "unknown_because": set(ENERGY_UNKNOWN) | {None},
        "installation_policy": set(KEY_WORDS["installation_policy"]),
        "field": set(KEY_WORDS["owned_figure"]),
    }
    plans = [every_kind_plan, *_plans(cast, reference_version)]
    for plan in plans:
        results = services.plan_compute(plan=plan, actor=cast.owner).results
        for field, allowed in groups.items():
            stray = set(_values(results, field)) - allowed
            assert not stray, f"{plan.name}: {field} values without words: {stray}"
        for defaults in _values(results, "defaults"):
            for item in defaults:
                assert item["source"] in KEY_WORDS["default_source"]
        for energy in _values(results, "energy"):
            if isinstance(energy, dict) and energy.get("gpu_watts_source") is not None:
                source = energy["gpu_watts_source"]
                assert source in POWER_SOURCES or energy["gpu_watts_source_description"]
        for serving in _values(results, "serving"):
            for metric in [*serving.get("resized_for", []), *serving.get("unmet_targets", [])]:
                assert metric in LATENCY_METRIC_WORDS
        for line in _values(results, "lines"):
            for item in line:
                assert item["key"] in LINE_LABELS


@pytest.mark.django_db(transaction=True)
def test_every_key_of_a_sweep_summary_has_words(cast):
    version = sweep_catalog_version()
    sweep = sweep_services.sweep_start(
        organization=cast.org,
        actor=cast.owner,
        name="Grid",
        catalog_version=version,
        spec=sweep_spec_for(version),
    )
    sweep.refresh_from_db()
    assert sweep.summary["frontier"] is not None
    assert_every_key_has_words(sweep.summary, "sweep summary")


# --- pages -------------------------------------------------------------------------------

# Numbers shown raw: "1,500,000,000.0000", "0.0500", "$-4,980.00", "seed 20,260,101".
RAW_NUMBERS = [
    (re.compile(r"\d,\d{3}\.\d{4}\b"), "a count with four decimals"),
    (re.compile(r"(?<![\d.])0\.\d{4}\b a month"), "a share as a decimal"),
    (re.compile(r"[$€£¥]-"), "a minus after the currency sign"),
    (re.compile(r"seed \d{1,3},\d{3}"), "a seed with thousands separators"),
    (re.compile(r"\b(\w+ \w+) \1\b"), "two words repeated"),
]


def assert_page_reads_as_words(text: str, where: str) -> None:
    assert_reads_as_words(text, where)
    for key in (*RESULT_KEYS, *SENSITIVITY_INPUTS):
        if "_" in key:
            for form in (key.replace("_", "").capitalize(), key.title().replace("_", "")):
                assert not re.search(rf"\b{form}\b", text), f"{where}: {form!r} on the page"
    # Acronyms title-cased as words ("Api", "Gpu").
    for word in ("Api", "Gpu", "Pue", "Kwh", "Tco", "Vpc", "Mlops", "Mtok"):
        assert not re.search(rf"\b{word}\b", text), f"{where}: {word!r} on the page"
    for pattern, what in RAW_NUMBERS:
        found = pattern.search(text)
        assert found is None, f"{where}: {what} on the page: {found.group(0)!r}"


def test_no_page_of_a_plan_shows_a_key(every_kind_plan, cast, client):
    plan = every_kind_plan
    owner = cast.client_for(cast.owner)
    pages = {
        "plan": reverse("planner:plan_detail", args=[plan.pk]),
        "comparison": reverse("planner:comparison_detail", args=[plan.latest_comparison.pk]),
        "lens": reverse("planner:plan_lens", args=[plan.pk]),
        "history": reverse("planner:plan_history", args=[plan.pk]),
        "report": reverse("planner:plan_report", args=[plan.pk]),
        "forecast": reverse("tracking:plan_forecast", args=[plan.pk]),
        "sensitivity": reverse("tracking:plan_sensitivity", args=[plan.pk]),
    }
    texts = {}
    for name, url in pages.items():
        response = owner.get(url)
        assert response.status_code == 200, name
        texts[name] = re.sub(r"\s+", " ", visible_text(response.content.decode()))
        assert_page_reads_as_words(texts[name], name)
    link = share_link_create(
        plan=plan,
        actor=cast.owner,
        membership=Membership.objects.get(user=cast.owner, organization=cast.org),
    )
    assert PlanShareLink.objects.filter(plan=plan).count() == 1
    shared = client.get(reverse("planner:shared_plan", args=[link.token]))
    assert shared.status_code == 200
    assert_page_reads_as_words(re.sub(r"\s+", " ", visible_text(shared.content.decode())), "shared")
    # The sensitivity inputs in words, with their units.
    assert "Engineer hourly rate" in texts["sensitivity"]
    assert "1.5B tokens/month" in texts["sensitivity"]
    assert "growth 0.0% a month" in texts["forecast"]


def test_the_recommendation_names_each_question_its_answer_and_its_source(every_kind_plan, cast):
    text = re.sub(
        r"\s+",
        " ",
        visible_text(
            cast.client_for(cast.owner)
            .get(reverse("planner:plan_detail", args=[every_kind_plan.pk]))
            .content.decode()
        ),
    )
    assert "1 of 5 questions answered yes (threshold 3): stay on an API" in text
    assert (
        "Volume over 10B tokens a month? no — from the workload's volume, 1.5B tokens/month" in text
    )
    assert (
        "A dedicated MLOps team? yes — from the workload's team facts (a dedicated MLOps team)"
        in text
    )
    for key, question in DECISION_QUESTIONS.items():
        assert f"{question} " in text
        assert DECISION_SOURCES[key] in text
