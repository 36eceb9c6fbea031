"""Reading serving-benchmark result files into the figures of a private throughput profile.

Pure: bytes in, `BenchmarkFigures` out, or `BenchmarkFileError` naming the field. No ORM.

Supported: the result JSON of vLLM's serving benchmark (``benchmarks/benchmark_serving.py``
with ``--save-result``, now ``vllm bench serve``). Its top level holds the run's settings
(``date`` as ``YYYYMMDD-HHMMSS``, ``backend``, ``model_id``, ``tokenizer_id``,
``num_prompts``, ``request_rate`` — a number or the string ``"inf"`` —, ``burstiness``,
``max_concurrency`` — null when unbounded —) and its measurements (``duration`` in
seconds, ``completed``, ``total_input_tokens``, ``total_output_tokens``,
``request_throughput`` req/s, ``output_throughput`` and ``total_token_throughput`` tok/s,
``mean_/median_/std_<metric>_ms`` and ``p<NN>_<metric>_ms`` for ttft, tpot, itl and e2el,
and per-request lists ``input_lens``, ``output_lens``, ``ttfts``, ``itls``,
``generated_texts``, ``errors``). The file does not name the GPU: the uploader does.

The whole file is checked before anything is returned: the first bad field raises.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

VLLM_SERVING = "vllm_benchmark_serving"

MAX_BYTES = 50 * 1024 * 1024  # the per-request lists of a long run are large
LATENCY_METRICS = ("ttft", "tpot", "itl", "e2el")
_LATENCY_KEY = re.compile(r"^(mean|median|std|p\d+(?:\.\d+)?)_(ttft|tpot|itl|e2el)_ms$")
# Settings kept as they are (text, or null): they describe the run.
_SETTING_KEYS = ("backend", "model_id", "tokenizer_id", "label", "endpoint_type")


class BenchmarkFileError(ValueError):
    """The file cannot be used; `field` names the offending key ("file" for the whole)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class BenchmarkFigures:
    """What a benchmark run measured, in the units named."""

    run_at: datetime | None
    model_id: str
    concurrency: int | None  # max_concurrency; None: unbounded
    request_rate: float | None  # requests/s offered; None: all at once ("inf")
    duration_s: float
    completed_requests: int
    total_input_tokens: int
    total_output_tokens: int
    request_throughput: float  # completed requests per second
    output_tok_s: float  # decode: output tokens per second, all requests together
    input_tok_s: float  # prefill: input tokens per second (total_input_tokens / duration)
    total_tok_s: float
    latency_ms: dict[str, float] = field(default_factory=dict)  # "p99_ttft_ms": 812.3, ...
    raw: dict[str, Any] = field(default_factory=dict)  # every scalar figure of the file

    @property
    def mean_input_tokens(self) -> float:
        return self.total_input_tokens / self.completed_requests

    @property
    def mean_output_tokens(self) -> float:
        return self.total_output_tokens / self.completed_requests


def _number(
    doc: dict[str, Any], key: str, *, required: bool, positive: bool = False
) -> float | None:
    if key not in doc or doc[key] is None:
        if required:
            raise BenchmarkFileError(key, "is missing.")
        return None
    value = doc[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BenchmarkFileError(key, f"must be a number, not {type(value).__name__}.")
    value = float(value)
    if not math.isfinite(value):
        raise BenchmarkFileError(key, "must be a finite number (NaN or infinity given).")
    if value < 0 or (positive and value == 0):
        raise BenchmarkFileError(key, "must be greater than zero." if positive else "must be >= 0.")
    return value


def _required(value: float | None) -> float:
    if value is None:  # _number(required=True) raised already: for the type checker
        raise BenchmarkFileError("file", "lacks a required figure.")
    return value


def _whole(doc: dict[str, Any], key: str, *, required: bool, positive: bool = False) -> int | None:
    value = _number(doc, key, required=required, positive=positive)
    if value is None:
        return None
    if value != int(value):
        raise BenchmarkFileError(key, "must be a whole number.")
    return int(value)


def _run_at(doc: dict[str, Any]) -> datetime | None:
    value = doc.get("date")
    if value is None:
        return None
    if not isinstance(value, str):
        raise BenchmarkFileError("date", "must be text as YYYYMMDD-HHMMSS.")
    try:
        return datetime.strptime(value, "%Y%m%d-%H%M%S")
    except ValueError as exc:
        raise BenchmarkFileError("date", "must be text as YYYYMMDD-HHMMSS.") from exc


def _request_rate(doc: dict[str, Any]) -> float | None:
    value = doc.get("request_rate")
    if value is None or value == "inf":
        return None
    return _number(doc, "request_rate", required=False, positive=True)


def parse_vllm_serving(content: bytes) -> BenchmarkFigures:
    """The figures of a vLLM serving-benchmark result file; `BenchmarkFileError` if unusable."""
    if len(content) > MAX_BYTES:
        raise BenchmarkFileError("file", "is larger than 50 MB.")
    try:
        # NaN and Infinity are read (Python writes them) and refused per field below.
        doc = json.loads(content.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BenchmarkFileError("file", "is not UTF-8 text.") from exc
    except json.JSONDecodeError as exc:
        raise BenchmarkFileError("file", f"is not JSON ({exc.msg}, line {exc.lineno}).") from exc
    if not isinstance(doc, dict):
        raise BenchmarkFileError("file", "must be a JSON object (one benchmark run).")

    duration = _required(_number(doc, "duration", required=True, positive=True))
    completed = int(_required(_whole(doc, "completed", required=True, positive=True)))
    total_input = int(_required(_whole(doc, "total_input_tokens", required=True)))
    total_output = int(_required(_whole(doc, "total_output_tokens", required=True)))
    request_throughput = _required(_number(doc, "request_throughput", required=True, positive=True))
    output_tok_s = _required(_number(doc, "output_throughput", required=True, positive=True))
    total_tok_s = _number(doc, "total_token_throughput", required=False)
    concurrency = _whole(doc, "max_concurrency", required=False, positive=True)
    num_prompts = _whole(doc, "num_prompts", required=False, positive=True)
    burstiness = _number(doc, "burstiness", required=False, positive=True)
    run_at = _run_at(doc)
    request_rate = _request_rate(doc)

    latency: dict[str, float] = {}
    for key in doc:
        if _LATENCY_KEY.match(key):
            value = _number(doc, key, required=False)
            if value is not None:
                latency[key] = value
    for key in _SETTING_KEYS:
        if doc.get(key) is not None and not isinstance(doc[key], str):
            raise BenchmarkFileError(key, "must be text.")

    input_tok_s = total_input / duration
    raw: dict[str, Any] = {
        "date": doc.get("date"),
        **{key: doc.get(key) for key in _SETTING_KEYS if key in doc},
        "num_prompts": num_prompts,
        "request_rate": doc.get("request_rate"),
        "burstiness": burstiness,
        "max_concurrency": concurrency,
        "duration": duration,
        "completed": completed,
        "total_input_tokens": total_input,
        "total_output_tokens": total_output,
        "request_throughput": request_throughput,
        "output_throughput": output_tok_s,
        "total_token_throughput": total_tok_s,
        **dict(sorted(latency.items())),
    }
    return BenchmarkFigures(
        run_at=run_at,
        model_id=str(doc.get("model_id") or ""),
        concurrency=concurrency,
        request_rate=request_rate,
        duration_s=duration,
        completed_requests=completed,
        total_input_tokens=total_input,
        total_output_tokens=total_output,
        request_throughput=request_throughput,
        output_tok_s=output_tok_s,
        input_tok_s=input_tok_s,
        total_tok_s=total_tok_s
        if total_tok_s is not None
        else (total_input + total_output) / duration,
        latency_ms=latency,
        raw=raw,
    )


PARSERS = {VLLM_SERVING: parse_vllm_serving}


def as_decimal(value: float | None, places: int = 6) -> Decimal | None:
    """A figure for a DecimalField of ``places`` decimals (None stays None)."""
    if value is None:
        return None
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
