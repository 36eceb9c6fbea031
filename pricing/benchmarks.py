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

Also GuideLLM's report JSON (one run of it chosen): see `parse_guidellm_report`.

The whole file is checked before anything is returned: the first bad field raises.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

VLLM_SERVING = "vllm_benchmark_serving"
GUIDELLM_REPORT = "guidellm_report"

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
    doc: dict[str, Any], key: str, *, required: bool, positive: bool = False, name: str = ""
) -> float | None:
    name = name or key
    if key not in doc or doc[key] is None:
        if required:
            raise BenchmarkFileError(name, "is missing.")
        return None
    value = doc[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BenchmarkFileError(name, f"must be a number, not {type(value).__name__}.")
    value = float(value)
    if not math.isfinite(value):
        raise BenchmarkFileError(name, "must be a finite number (NaN or infinity given).")
    if value < 0 or (positive and value == 0):
        raise BenchmarkFileError(
            name, "must be greater than zero." if positive else "must be >= 0."
        )
    return value


def _required(value: float | None) -> float:
    if value is None:  # _number(required=True) raised already: for the type checker
        raise BenchmarkFileError("file", "lacks a required figure.")
    return value


def _whole(
    doc: dict[str, Any], key: str, *, required: bool, positive: bool = False, name: str = ""
) -> int | None:
    value = _number(doc, key, required=required, positive=positive, name=name)
    if value is None:
        return None
    if value != int(value):
        raise BenchmarkFileError(name or key, "must be a whole number.")
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


def _load(content: bytes, what: str) -> dict[str, Any]:
    if len(content) > MAX_BYTES:
        raise BenchmarkFileError("file", "is larger than 50 MB.")
    try:
        # NaN and Infinity are read (Python writes them) and refused per field.
        doc = json.loads(content.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BenchmarkFileError("file", "is not UTF-8 text.") from exc
    except json.JSONDecodeError as exc:
        raise BenchmarkFileError("file", f"is not JSON ({exc.msg}, line {exc.lineno}).") from exc
    if not isinstance(doc, dict):
        raise BenchmarkFileError("file", f"must be a JSON object ({what}).")
    return doc


def parse_vllm_serving(content: bytes, benchmark: int | None = None) -> BenchmarkFigures:
    """The figures of a vLLM serving-benchmark result file; `BenchmarkFileError` if unusable.

    ``benchmark`` is ignored: such a file holds one run."""
    doc = _load(content, "one benchmark run")

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


# --- GuideLLM ---------------------------------------------------------------------------
#
# GuideLLM's report (``guidellm benchmark ... --output-path benchmarks.json``): a
# ``benchmarks`` list, one per run of the profile (a sweep holds several), each with
# ``config.strategy`` ({"type_": "concurrent", "streams": 16, ...} for a fixed concurrency),
# ``start_time`` / ``end_time`` / ``duration`` (seconds) and ``metrics``, whose entries are
# distributions by request status: ``metrics.<name>.successful.{mean, median, ...,
# percentiles.{p50, p99, ...}}``. ``metrics.request_totals.successful`` counts requests.


def _node(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BenchmarkFileError(name, "is missing." if value is None else "must be an object.")
    return value


def _successful(metrics: dict[str, Any], metric: str, prefix: str) -> dict[str, Any]:
    name = f"{prefix}.metrics.{metric}.successful"
    return _node(_node(metrics.get(metric), f"{prefix}.metrics.{metric}").get("successful"), name)


def parse_guidellm_report(content: bytes, benchmark: int | None = None) -> BenchmarkFigures:
    """The figures of one run of a GuideLLM report: the only one, or run ``benchmark``
    (1 = the first) when the report holds several."""
    doc = _load(content, "a GuideLLM report")
    runs = doc.get("benchmarks")
    if not isinstance(runs, list) or not runs:
        raise BenchmarkFileError("benchmarks", "must be a non-empty list of runs.")
    if benchmark is None:
        if len(runs) > 1:
            raise BenchmarkFileError(
                "benchmarks", f"holds {len(runs)} runs: choose one (benchmark 1 to {len(runs)})."
            )
        benchmark = 1
    if not 1 <= benchmark <= len(runs):
        raise BenchmarkFileError("benchmarks", f"holds {len(runs)} runs, not {benchmark}.")
    prefix = f"benchmarks[{benchmark - 1}]"
    run = _node(runs[benchmark - 1], prefix)
    metrics = _node(run.get("metrics"), f"{prefix}.metrics")

    duration = _number(run, "duration", required=False, positive=True, name=f"{prefix}.duration")
    start = _number(run, "start_time", required=False, name=f"{prefix}.start_time")
    if duration is None:
        end = _number(run, "end_time", required=True, name=f"{prefix}.end_time")
        start = _required(_number(run, "start_time", required=True, name=f"{prefix}.start_time"))
        if _required(end) <= start:
            raise BenchmarkFileError(f"{prefix}.end_time", "must be after start_time.")
        duration = _required(end) - start

    def stat(metric: str, key: str, *, required: bool, positive: bool = False) -> float | None:
        node = _successful(metrics, metric, prefix)
        return _number(
            node,
            key,
            required=required,
            positive=positive,
            name=f"{prefix}.metrics.{metric}.successful.{key}",
        )

    def percentile(metric: str, key: str) -> float | None:
        if metric not in metrics:
            return None
        node = _successful(metrics, metric, prefix)
        if node.get("percentiles") is None:
            return None
        name = f"{prefix}.metrics.{metric}.successful.percentiles"
        return _number(_node(node["percentiles"], name), key, required=False, name=f"{name}.{key}")

    output_tok_s = _required(stat("output_tokens_per_second", "mean", required=True, positive=True))
    request_throughput = _required(
        stat("requests_per_second", "mean", required=True, positive=True)
    )
    total_input = _required(stat("prompt_token_count", "total_sum", required=True))
    total_output = _required(stat("output_token_count", "total_sum", required=True))
    totals = metrics.get("request_totals")
    if isinstance(totals, dict) and totals.get("successful") is not None:
        completed = _whole(
            totals,
            "successful",
            required=True,
            positive=True,
            name=f"{prefix}.metrics.request_totals.successful",
        )
    else:
        completed = int(
            _required(stat("prompt_token_count", "count", required=True, positive=True))
        )
    strategy = _node(run.get("config") or {}, f"{prefix}.config").get("strategy") or {}
    concurrency = None
    if isinstance(strategy, dict) and strategy.get("type_") == "concurrent":
        concurrency = _whole(
            strategy,
            "streams",
            required=True,
            positive=True,
            name=f"{prefix}.config.strategy.streams",
        )

    latency: dict[str, float] = {}
    for metric, short in (
        ("time_to_first_token_ms", "ttft"),
        ("time_per_output_token_ms", "tpot"),
        ("inter_token_latency_ms", "itl"),
    ):
        if metric not in metrics:
            continue
        for key, label in (("mean", "mean"), ("median", "median"), ("std_dev", "std")):
            value = stat(metric, key, required=False)
            if value is not None:
                latency[f"{label}_{short}_ms"] = value
        for key in ("p50", "p90", "p95", "p99"):
            value = percentile(metric, key)
            if value is not None:
                latency[f"{key}_{short}_ms"] = value

    model = ""
    config = doc.get("config")
    if isinstance(config, dict) and isinstance(config.get("model"), str):
        model = config["model"]
    run_at = datetime.fromtimestamp(start, tz=UTC) if start is not None else None
    completed_requests = int(_required(completed))
    raw: dict[str, Any] = {
        "benchmark": benchmark,
        "benchmarks_in_report": len(runs),
        "strategy": strategy.get("type_") if isinstance(strategy, dict) else None,
        "streams": concurrency,
        "start_time": start,
        "duration": duration,
        "request_totals_successful": completed_requests,
        "requests_per_second_mean": request_throughput,
        "output_tokens_per_second_mean": output_tok_s,
        "prompt_token_count_total_sum": total_input,
        "output_token_count_total_sum": total_output,
        **dict(sorted(latency.items())),
    }
    return BenchmarkFigures(
        run_at=run_at,
        model_id=model,
        concurrency=concurrency,
        request_rate=None,
        duration_s=duration,
        completed_requests=completed_requests,
        total_input_tokens=int(total_input),
        total_output_tokens=int(total_output),
        request_throughput=request_throughput,
        output_tok_s=output_tok_s,
        input_tok_s=total_input / duration,
        total_tok_s=(total_input + total_output) / duration,
        latency_ms=latency,
        raw=raw,
    )


PARSERS = {VLLM_SERVING: parse_vllm_serving, GUIDELLM_REPORT: parse_guidellm_report}


def as_decimal(value: float | None, places: int = 6) -> Decimal | None:
    """A figure for a DecimalField of ``places`` decimals (None stays None)."""
    if value is None:
        return None
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
