"""The quote contract with a request shape (issue 15): per-request costs, serving
physics and latency targets; a quote without a shape keeps every key and figure."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from planner.engine.__main__ import QUOTE_HELP, main
from planner.engine.contract import compute_quote, parse_quote
from planner.engine.errors import ScenarioError

CASE_4 = {
    "tokens_per_month": 1e9,
    "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
    "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
}


def quote(data: dict[str, Any]) -> dict[str, Any]:
    return compute_quote(parse_quote(data))


def test_without_a_shape_the_quote_is_as_before() -> None:
    out = quote(CASE_4)
    assert out["capacity_tokens_per_month"] == 3_888_000_000
    assert out["breakeven_tokens_per_month"] == 256_000_000
    for key in ("request_shape", "unit_costs", "selfhost_serving", "requests_per_month"):
        assert key not in out


def test_a_preset_shape_prices_per_request_and_per_thousand() -> None:
    # RAG, 4,000 in / 300 out: input share 4,000 / 4,300 = 0.930233. 1B tokens are
    # 1e9 / 4,300 = 232,558.14 requests a month, 7,751.94 a day. GPT-5: 4,000 x $1.25/M
    # + 300 x $10/M = $0.008 a request, $8 per 1,000; its monthly bill 232,558.14 x
    # $0.008 = $1,860.47 ($1.8605 per 1M tokens). The replica's $1,440: $0.006192 a
    # request, $6.192 per 1,000, $1.44 per 1M.
    out = quote({**CASE_4, "request_shape": {"preset": "rag"}})
    assert out["request_shape"] == {
        "input_tokens": 4000,
        "output_tokens": 300,
        "input_share": 0.930233,
    }
    assert out["requests_per_month"] == 232_558.14
    assert out["requests_per_day"] == 7_751.94
    assert out["api_monthly"] == 1_860.47
    assert out["unit_costs"] == {
        "api": {"per_mtok": 1.8605, "per_request": 0.008, "per_1k_requests": 8.0},
        "selfhost": {"per_mtok": 1.44, "per_request": 0.006192, "per_1k_requests": 6.192},
    }
    # No prefill rate and no concurrency: every token at 1,500 tok/s (3.888B a month) and
    # no latency estimate.
    serving = out["selfhost_serving"]
    assert serving["tokens_per_second"] == 1500.0
    assert serving["prefill_measured"] is False
    assert serving["latency"] is None
    assert out["capacity_tokens_per_month"] == 3_888_000_000


def test_a_prefill_rate_raises_the_capacity_of_an_input_heavy_shape() -> None:
    # 4,000 in / 300 out, decode 1,500, prefill 15,000: 4,000 / 15,000 + 300 / 1,500 =
    # 0.26667 + 0.2 = 0.46667 s a request, 4,300 / 0.46667 = 9,214.29 tok/s, 23.883B a
    # month (x 2,592,000 s). At 64 in flight: end to end p50 = 64 x 0.46667 = 29.867 s,
    # TTFT 0.26667 s, TPOT (29.867 - 0.26667) / 300 = 0.098667 s; p99 twice each.
    out = quote(
        {
            **CASE_4,
            "request_shape": {"input_tokens": 4000, "output_tokens": 300},
            "selfhost": {
                **CASE_4["selfhost"],
                "prefill_tokens_per_second": 15_000,
                "concurrent_sequences": 64,
            },
        }
    )
    serving = out["selfhost_serving"]
    assert serving["tokens_per_second"] == 9_214.2857
    assert out["capacity_tokens_per_month"] == round(4_300 / (4_000 / 15_000 + 0.2) * 2_592_000)
    assert serving["latency"] == {
        "ttft_p50_s": 0.2667,
        "ttft_p99_s": 0.5333,
        "tpot_p50_s": 0.098667,
        "tpot_p99_s": 0.197333,
        "e2e_p50_s": 29.8667,
        "e2e_p99_s": 59.7333,
        "measured": False,
    }
    assert serving["concurrency"] == 64


def test_a_target_resizes_through_the_profile_and_says_which() -> None:
    # Chat (1,000 / 400) measured at 8 (decode 400) and 64 (decode 1,600), prefill
    # 10,000: a 20 s end-to-end p99 lowers the concurrency from 64 to 9 (test_latency),
    # 1,334.4 tok/s a replica: 3.4588B a month, so 8B tokens take 3 replicas.
    out = quote(
        {
            "tokens_per_month": 8e9,
            "api": CASE_4["api"],
            "request_shape": {"preset": "chat_assistant"},
            "latency_p99_target_s": 20,
            "selfhost": {
                "monthly": 1440,
                "tokens_per_second": 1600,
                "prefill_tokens_per_second": 10_000,
                "concurrent_sequences": 64,
                "profile": [{"concurrent_sequences": 8, "tokens_per_second": 400}],
            },
        }
    )
    serving = out["selfhost_serving"]
    assert (serving["concurrency"], serving["planned_concurrency"]) == (9, 64)
    assert serving["resized_for"] == ["e2e_p99"]
    assert serving["unmet_targets"] == []
    assert out["replicas"] == 3
    assert out["selfhost_monthly"] == 4_320.0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**CASE_4, "request_shape": {"preset": "rag"}, "input_share": 0.5}, "input_share"),
        ({**CASE_4, "request_shape": {"preset": "poem"}}, "request_shape.preset"),
        ({**CASE_4, "request_shape": {"input_tokens": 10}}, "request_shape.output_tokens"),
        (
            {**CASE_4, "request_shape": {"input_tokens": 0.5, "output_tokens": 9}},
            "request_shape.input_tokens",
        ),
        ({**CASE_4, "ttft_p99_target_s": 1}, "ttft_p99_target_s"),
        (
            {**CASE_4, "selfhost": {**CASE_4["selfhost"], "concurrent_sequences": 8}},
            "selfhost.concurrent_sequences",
        ),
        (
            {**CASE_4, "selfhost": {**CASE_4["selfhost"], "prefill_tokens_per_second": 8}},
            "selfhost.prefill_tokens_per_second",
        ),
        (
            {
                **CASE_4,
                "request_shape": {"preset": "rag"},
                "selfhost": {
                    **CASE_4["selfhost"],
                    "profile": [{"concurrent_sequences": 8, "tokens_per_second": 1}],
                },
            },
            "selfhost.concurrent_sequences",
        ),
        (
            {
                **CASE_4,
                "request_shape": {"preset": "rag"},
                "selfhost": {
                    **CASE_4["selfhost"],
                    "concurrent_sequences": 8,
                    "profile": [{"concurrent_sequences": 8, "tokens_per_second": 1}],
                },
            },
            "selfhost.profile",
        ),
    ],
)
def test_bad_serving_input_names_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_quote(data)
    assert error.value.field == field


def test_the_cli_documents_and_answers_the_shape() -> None:
    for words in (
        "concurrent_sequences",
        "request_shape",
        "ttft_p99_target_s",
        "prefill_tokens_per_second",
        "unit_costs",
        "selfhost_serving",
        "batch_summarisation",
    ):
        assert words in QUOTE_HELP
    stdout = io.StringIO()
    code = main(
        ["quote"],
        stdin=io.StringIO(json.dumps({**CASE_4, "request_shape": {"preset": "rag"}})),
        stdout=stdout,
    )
    assert code == 0
    assert json.loads(stdout.getvalue())["unit_costs"]["api"]["per_1k_requests"] == 8.0


def test_the_memory_fit_holds_requests_of_the_shape_at_the_planned_concurrency() -> None:
    # With a model and a request shape the KV cache holds requests of 1,000 + 400 = 1,400
    # tokens, as many as the replica is planned to serve at once (64, measured there):
    # the one concurrency, not the fit's own default of 16 requests of 4,096 tokens.
    out = quote(
        {
            **CASE_4,
            "request_shape": {"preset": "chat_assistant"},
            "selfhost": {
                **CASE_4["selfhost"],
                "concurrent_sequences": 64,
                "model": {"params_b": 8, "layers": 32, "kv_heads": 8, "head_dim": 128},
                "gpu_vram_gb": 80,
            },
        }
    )
    assert out["fit"]["context_tokens"] == 1_400
    assert out["fit"]["concurrent_sequences"] == 64
    assert out["selfhost_serving"]["concurrency"] == 64
    # KV: 32 layers x 8 heads x 128 x 2 (K and V) x 2 bytes x 1,400 x 64 = 11.74 GB.
    assert out["fit"]["kv_cache_gb"] == pytest.approx(
        32 * 8 * 128 * 2 * 2 * 1_400 * 64 / 1e9, abs=1e-3
    )
