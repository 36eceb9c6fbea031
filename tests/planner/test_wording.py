"""Stored results hold keys and numbers; planner.wording and planner.labels give them words.

Every key a schema-2 result can hold has words in the label map, no stored result holds a
sentence, every reason code of the engine has a sentence (the same one the engine writes,
for dollars), and no page a result is shown on reads like an identifier.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from planner import services
from planner.engine import recommend as engine
from planner.engine.recommend import CostedOption, OptionKind, Situation, VolumeTier
from planner.labels import (
    DECISION_QUESTIONS,
    KEY_WORDS,
    LENS_LABELS,
    LINE_LABELS,
    MILESTONE_LABELS,
    REASON_LABELS,
    RESERVE_SKIPPED,
)
from planner.models import Comparison, PlanShareLink
from planner.wording import (
    REASON_SENTENCES,
    breakeven_text,
    decision_answers,
    milestone_text,
    reason_text,
)
from pricing.models import OwnedHardware
from tests.planner.conftest import api_offer, gpu_offer, make_plan

pytestmark = pytest.mark.django_db

OWNED_NODE = {
    "kind": "selfhost",
    "name": "Owned node",
    "model_name": "Llama 3.3 70B",
    "rent_mode": "owned",
    "tokens_per_second": Decimal(6000),
    "ops_fte": Decimal("0.5"),
    "ops_fte_monthly_cost": Decimal(15000),
    "implementation_one_off": Decimal(36000),
}


def _rented(version, **fields):
    return {
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
        **fields,
    }


def _plans(cast, version):
    """Plans that between them reach every kind of option, both lenses, a reserve, scale
    to zero, known and unknown success rates, exclusions and the rules outweighed."""
    node = OwnedHardware.objects.get(version=version, name="8x H100 HGX node")
    gpt5 = api_offer(version, "GPT-5", "feb-2026")
    deepseek = api_offer(version, "DeepSeek V3.2", "feb-2026")
    full = make_plan(
        cast.org,
        cast.owner,
        version,
        name="Everything",
        options=[
            {"kind": "api", "api_offer": gpt5},
            {"kind": "api", "api_offer": deepseek},
            _rented(version, other_monthly=Decimal(300)),
            {**OWNED_NODE, "owned_hardware": node},
            {
                "kind": "hybrid",
                "api_offer": gpt5,
                "cheap_ref": 2,
                "routed_share": Decimal("0.7"),
                "escalation_rate": Decimal("0.1"),
            },
        ],
        tokens_per_month=1_500_000_000,
        availability_target=Decimal("0.999"),
        task_success_rates={"GPT-5": 0.95},
    )
    marginal = make_plan(
        cast.org,
        cast.owner,
        version,
        name="Private and marginal",
        options=[
            {"kind": "api", "api_offer": gpt5},
            _rented(version, billing_mode="scale_to_zero"),
            {**OWNED_NODE, "owned_hardware": node},
        ],
        tokens_per_month=20_000_000_000,
        availability_target=Decimal("0.999"),
        data_must_stay_in_network=True,
        needs_finetuning=True,
        has_mlops_team=True,
    )
    marginal.lens = "marginal"
    marginal.save(update_fields=["lens"])
    small = make_plan(
        cast.org,
        cast.owner,
        version,
        name="Small but keen",
        options=[
            {"kind": "api", "api_offer": deepseek},
            {
                "kind": "selfhost",
                "model_name": "Llama 3.3 70B",
                "gpu_offer": gpu_offer(version),
                "precision": "int4",  # one A100 80GB holds it (35 + 21.5 GB)
            },
        ],
        tokens_per_month=100_000_000,
        needs_finetuning=True,
        has_mlops_team=True,
        open_model_meets_accuracy=True,
    )
    return [full, marginal, small]


def _walk(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), item
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, path)


SENTENCE_KEYS = {"message", "reason", "label", "reserve_note"}


class _Text(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _raw_forms(keys):
    """How a key leaks when a template shows it raw or title-cases it ('Hiddenitems')."""
    for key in keys:
        if "_" in key:
            yield key.replace("_", "").title()
            yield key.replace("_", "").capitalize()
            yield key.title().replace("_", "")


ALL_KEYS = {
    *LINE_LABELS,
    *MILESTONE_LABELS,
    *REASON_LABELS,
    *DECISION_QUESTIONS,
    *RESERVE_SKIPPED,
    *(key for group in KEY_WORDS.values() for key in group),
}


def assert_reads_as_words(text: str, where: str) -> None:
    snake = SNAKE.findall(text)
    assert not snake, f"{where}: identifiers on the page: {sorted(set(snake))}"
    for form in _raw_forms(ALL_KEYS):
        assert not re.search(rf"\b{form}\b", text), f"{where}: {form!r} on the page"


def test_every_reason_code_the_engine_writes_has_words():
    source = Path(engine.__file__).read_text()
    codes = set(re.findall(r'Reason\(\s*"([a-z_0-9]+)"', source))
    assert "five_questions" in codes
    assert "cheapest" in codes
    assert codes == set(REASON_SENTENCES) == set(REASON_LABELS)


def _engine_reasons():
    """Situations that, between them, make the engine write every reason it has."""
    tiers = (VolumeTier("standard API", max_tokens=60e6), VolumeTier("full", min_tokens=10e9))
    api = CostedOption("GPT-5", OptionKind.API, monthly=1000.0, p99_latency_s=2.5)
    gpu = CostedOption("Llama", OptionKind.SELFHOST, monthly=1100.0, p99_latency_s=0.8)
    dear = CostedOption("Dear GPU", OptionKind.SELFHOST, monthly=14400.0)
    floor = engine.QualityFloor("Reference", 0.9, reference_score=80.0, benchmark="GPQA Diamond")
    three_yes = Situation(
        tokens_per_month=1e9,
        needs_deep_finetuning=True,
        has_mlops_team=True,
        open_model_meets_accuracy=True,
    )
    runs = [
        engine.recommend(Situation(tokens_per_month=40e6), [api, gpu], tiers=tiers),
        engine.recommend(Situation(tokens_per_month=2e9), [api, gpu], tiers=tiers),
        engine.recommend(three_yes, [api, gpu]),
        engine.recommend(three_yes, [api, dear]),
        engine.recommend(three_yes, [api]),
        engine.recommend(
            Situation(tokens_per_month=2e9, data_must_stay_in_network=True), [api, gpu]
        ),
        engine.recommend(Situation(tokens_per_month=2e9, p99_latency_target_s=1.0), [api, gpu]),
        engine.recommend(Situation(tokens_per_month=2e9, p99_latency_target_s=0.1), [api, gpu]),
        # A quality floor: 90% of 80 on GPQA Diamond excludes a 60, flags the unknown and
        # cites the one that meets it; without a reference score nothing is checked.
        engine.recommend(
            Situation(tokens_per_month=2e9, quality=floor),
            [
                dataclasses.replace(api, quality_score=76.0),
                dataclasses.replace(gpu, quality_score=60.0),
                dear,
            ],
        ),
        engine.recommend(
            Situation(tokens_per_month=2e9, quality=engine.QualityFloor("Mystery", 0.9)),
            [api],
        ),
        # Issue 15: a self-hosted option resized for two targets, another excluded by its
        # time to first token.
        engine.recommend(
            Situation(tokens_per_month=2e9, p99_latency_target_s=1.0, ttft_p99_target_s=0.3),
            [
                api,
                CostedOption(
                    "Resized GPU",
                    OptionKind.SELFHOST,
                    monthly=2200.0,
                    p99_latency_s=0.9,
                    ttft_p99_s=0.25,
                    resized_for=("e2e_p99", "ttft_p99"),
                    concurrency=9.0,
                    planned_concurrency=64.0,
                ),
                CostedOption("Slow start", OptionKind.SELFHOST, monthly=900.0, ttft_p99_s=0.5),
            ],
        ),
    ]
    return [reason for run in runs for reason in run.reasons]


def test_each_reason_reads_as_the_engine_wrote_it_in_dollars():
    reasons = _engine_reasons()
    assert {r.code for r in reasons} == set(REASON_SENTENCES)
    for reason in reasons:
        figures = dict(reason.figures)
        if reason.code == "not_cheapest":
            figures["premium_allowed"] = engine.DEFAULT_PREFERENCE_PREMIUM  # the bridge adds it
        text = reason_text({"code": reason.code, "figures": figures}, "USD")
        if reason.code == "five_questions":
            # The count and verdict, then each question by its answer.
            assert text.startswith(reason.message)
            if reason.figures["yes"] == 3:
                assert text.endswith(
                    "(yes: Deep fine-tuning needed, A dedicated MLOps team, An open model "
                    "reaches 95% of the required accuracy; no: Volume over 10B tokens a month, "
                    "Data must stay in your network (VPC))"
                )
        elif reason.code == "rules_outweighed_by_cost":
            assert text == (
                "the rules favour Dear GPU, but it costs $14,400.00/month, 14.4x GPT-5 at "
                "$1,000.00: more than the 25% premium the rules may justify"
            )
        elif reason.code == "preferred_kind_unavailable":  # the kind in words, not its key
            assert text == "the rules favour self-hosting but no such option is allowed"
        else:
            assert text == reason.message


def test_reasons_read_in_the_comparisons_currency():
    reason = {"code": "cheapest", "figures": {"option": "GPT-5", "monthly": 123456.7}}
    assert reason_text(reason, "JPY") == "GPT-5 is the cheapest allowed option at ¥123,457/month"
    assert reason_text(reason, "EUR") == "GPT-5 is the cheapest allowed option at €123,456.70/month"
    # A schema-1 reason keeps its stored sentence.
    assert reason_text({**reason, "message": "as stored"}, "JPY") == "as stored"


def test_the_five_questions_are_listed_with_their_answers():
    figures = next(r.figures for r in _engine_reasons() if r.code == "five_questions")
    answers = {a["question"]: a["answer"] for a in decision_answers(figures)}
    assert list(answers) == list(DECISION_QUESTIONS.values())
    assert answers["A dedicated MLOps team?"] is False  # the first situation: all no


def test_stored_results_hold_keys_with_words_and_no_sentences(cast, reference_version):
    seen = {"reasons": set(), "lines": set(), "milestones": set(), "lenses": set(), "skip": set()}
    for plan in _plans(cast, reference_version):
        results = services.plan_compute(plan=plan, actor=cast.owner).results
        assert results["schema"] == 2
        for path, _value in _walk(results):
            key = path[-1]
            assert key not in SENTENCE_KEYS, f"{plan.name}: a sentence stored at {path}"
            assert not str(key).endswith("_label"), f"{plan.name}: a label stored at {path}"
        rec = results["recommendation"]
        for reason in rec["reasons"]:
            seen["reasons"].add(reason["code"])
            assert reason["code"] in REASON_LABELS
            assert reason["code"] in REASON_SENTENCES
            reason_text(reason, "USD")  # every figure the sentence names is stored
            if reason["code"] == "five_questions":
                asked = set(reason["figures"]) - {"yes", "threshold"}
                assert asked == set(DECISION_QUESTIONS)
        seen["lenses"].add(results["lens"])
        assert results["lens"] in LENS_LABELS
        for option in results["options"]:
            assert option["kind"] in KEY_WORDS["kind"]
            for key in option["breakdown"]:
                seen["lines"].add(key)
                assert key in LINE_LABELS, key
            if option["kind"] != "selfhost":
                continue
            assert option["rent_mode"] in KEY_WORDS["rent_mode"]
            assert option["billing_mode"] in KEY_WORDS["billing_mode"]
            depth = option["depth"]
            assert depth["lens"] in LENS_LABELS
            for line in depth["lines"]:
                seen["lines"].add(line["key"])
                assert line["key"] in LINE_LABELS, line["key"]
            if "reserve_skipped" in depth:
                seen["skip"].add(depth["reserve_skipped"])
                assert depth["reserve_skipped"] in RESERVE_SKIPPED
            for be in option["breakevens"]:
                assert breakeven_text(option["name"], be)
        for item in results["milestones"]["items"]:
            seen["milestones"].add(item["key"])
            assert item["key"] in MILESTONE_LABELS
            assert milestone_text(item).startswith(MILESTONE_LABELS[item["key"]])
        for pair in results["milestones"]["pairs"]:
            assert milestone_text(pair).startswith(pair["challenger"])
    # The plans reach what they were built to reach.
    assert seen["lenses"] == {"full", "marginal"}
    assert {"excluded_compliance", "under_50m_per_day", "five_questions"} <= seen["reasons"]
    assert {"reserve", "depreciation", "cheap_route", "premium_api", "api"} <= seen["lines"]
    assert {"rented_beats_api", "owned_beats_api"} & seen["milestones"]
    assert seen["skip"] == set(RESERVE_SKIPPED)


def test_no_page_shows_an_identifier(cast, reference_version, client):
    plans = _plans(cast, reference_version)
    owner = cast.client_for(cast.owner)
    for plan in plans:
        comparison = services.plan_compute(plan=plan, actor=cast.owner)
        pages = {
            "plan": reverse("planner:plan_detail", args=[plan.pk]),
            "comparison": reverse("planner:comparison_detail", args=[comparison.pk]),
            "report": reverse("planner:plan_report", args=[plan.pk]),
        }
        for name, url in pages.items():
            response = owner.get(url)
            assert response.status_code == 200
            text = visible_text(response.content.decode())
            assert "Recommendation" in text
            assert "Break-even: " in text
            assert_reads_as_words(text, f"{plan.name} {name}")
            if plan.name == "Private and marginal" and name != "report":
                assert RESERVE_SKIPPED["scale_to_zero_no_reserve"] in text
                assert "Lens: Marginal: leaves out depreciation" in text
        assert owner.post(reverse("planner:plan_share", args=[plan.pk]), {}).status_code == 302
        link = PlanShareLink.objects.filter(plan=plan).latest("pk")
        shared = client.get(reverse("planner:shared_plan", args=[link.token]))
        assert_reads_as_words(visible_text(shared.content.decode()), f"{plan.name} shared")
        rows = list(
            csv.reader(
                io.StringIO(owner.get(reverse("planner:plan_csv", args=[plan.pk])).content.decode())
            )
        )
        sentences = [r[1] for r in rows if len(r) == 2 and r[0] in REASON_SENTENCES]
        sentences += [r[4] for r in rows if len(r) == 5 and r[0] != "selfhost_option"]
        assert sentences
        for sentence in sentences:
            assert_reads_as_words(sentence, f"{plan.name} CSV")


def test_the_page_names_each_question_and_its_answer(cast, reference_version):
    plan = _plans(cast, reference_version)[2]
    comparison = services.plan_compute(plan=plan, actor=cast.owner)
    text = visible_text(
        cast.client_for(cast.owner)
        .get(reverse("planner:comparison_detail", args=[comparison.pk]))
        .content.decode()
    )
    text = re.sub(r"\s+", " ", text)
    assert "3 of 5 questions answered yes (threshold 3): consider self-hosting" in text
    assert "Deep fine-tuning needed? yes" in text
    assert "Data must stay in your network (VPC)? no" in text
    assert "An open model reaches 95% of the required accuracy? yes" in text
    assert "(yes: " not in text  # listed once, beside the sentence
    assert "1 replica for the peak carries 3.888B tokens/month" in text


STORED_V1 = json.loads((Path(__file__).parent / "data" / "comparisons_v1.json").read_text())


@pytest.mark.parametrize("stored", STORED_V1, ids=[s["name"] for s in STORED_V1])
def test_schema_1_results_keep_their_sentences_and_read_as_words(cast, reference_version, stored):
    plan = make_plan(cast.org, cast.owner, reference_version)
    results = stored["results"]
    comparison = Comparison.objects.create(
        organization=cast.org,
        plan=plan,
        number=1,
        catalog_version=reference_version,
        tokens_per_month=round(results["tokens_per_month"]),
        recommended_option=results["recommendation"]["option"] or "",
        inputs=stored["inputs"],
        results=results,
    )
    html = (
        cast.client_for(cast.viewer)
        .get(reverse("planner:comparison_detail", args=[comparison.pk]))
        .content.decode()
    )
    text = re.sub(r"\s+", " ", visible_text(html))
    for reason in results["recommendation"]["reasons"]:
        assert reason["message"] in text
    for option in results["options"]:
        for be in option.get("breakevens") or []:
            assert be["reason"] in text
    if results["reliability"]["by_option"]:
        assert " — single region " in text
    assert_reads_as_words(text, stored["name"])


@pytest.mark.parametrize("name", ["wording.py", "labels.py"])
def test_cached_fragments_follow_the_wording(monkeypatch, name):
    """Cached plan fragments hold rendered sentences: new words mean new fragments."""
    from planner import fragments

    before = fragments._compute_version()
    read_bytes = Path.read_bytes

    def changed(path: Path) -> bytes:
        data = read_bytes(path)
        return data + b"# changed" if path.parts[-2:] == ("planner", name) else data

    monkeypatch.setattr(Path, "read_bytes", changed)
    assert fragments._compute_version() != before
