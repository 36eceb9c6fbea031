"""A self-hosted option's throughput profile as snapshot JSON, and back to the engine.

Stage 1 (rows -> snapshot): the measured points the engine will see, each at a stated
concurrency with its decode and prefill rates and, where published, TTFT / TPOT
(:func:`serving_snapshot`). Sources, first that applies:

* figures entered on the option (its tokens/s with its prefill rate, concurrency and
  measured p99 latencies): the option's own one-point profile;
* the organization's imported benchmark run and its sibling runs of the same setup
  (model, GPU, GPUs, precision, engine) at other concurrencies: a run measures its input
  and output tokens/s together, split into prefill and decode rates by
  :func:`planner.engine.latency.phase_rates_of_run`;
* the catalog profile: its planning figure at its stated concurrency and, where it gives
  one, its single-stream figure at concurrency 1.

Stage 2 (snapshot -> engine): :func:`serving_profile` and the concurrency each replica
runs at (:func:`replica_concurrency`), the one figure a KV-cache size reads.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from planner.engine import latency as eng_latency
from planner.engine.shape import RequestShape

POINT_KEYS = (
    "concurrency",
    "decode_tokens_per_second",
    "prefill_tokens_per_second",
    "ttft_p50_s",
    "ttft_p99_s",
    "tpot_p50_s",
    "tpot_p99_s",
    "input_tokens",
)


def _f(value: Decimal | float | int | None) -> float | None:
    return None if value is None else float(value)


def _seconds(ms: Decimal | float | None) -> float | None:
    return None if ms is None else float(ms) / 1000.0


def _point(decode: float, **figures: float | None) -> dict[str, float | None]:
    point: dict[str, float | None] = dict.fromkeys(POINT_KEYS)
    point["decode_tokens_per_second"] = decode
    point.update(figures)
    return point


def run_point(run: Any) -> dict[str, float | None]:
    """A benchmark run (``pricing.PrivateThroughputProfile``) as a measured point.

    With its median TTFT and TPOT the run's input and output tokens/s are split into
    prefill and decode rates; without them its output rate is its decode rate and no
    prefill rate is known. A run without a concurrency limit ran at the concurrency
    Little's law gives: requests/s x (TTFT + output tokens x TPOT), at least 1.
    """
    ttft, tpot = _seconds(run.ttft_median_ms), _seconds(run.tpot_median_ms)
    outputs, inputs = float(run.output_tok_s), float(run.input_tok_s)
    output_tokens = float(run.mean_output_tokens)
    prefill: float | None = None
    decode = outputs
    concurrency = _f(run.concurrency)
    if ttft and tpot and inputs > 0 and output_tokens > 0:
        prefill, decode = eng_latency.phase_rates_of_run(
            input_tokens_per_second=inputs,
            output_tokens_per_second=outputs,
            output_tokens=output_tokens,
            ttft_s=ttft,
            tpot_s=tpot,
        )
        if concurrency is None:
            concurrency = max(1.0, float(run.request_throughput) * (ttft + output_tokens * tpot))
    return _point(
        decode,
        concurrency=concurrency,
        prefill_tokens_per_second=prefill,
        ttft_p50_s=ttft,
        ttft_p99_s=_seconds(run.ttft_p99_ms),
        tpot_p50_s=tpot,
        tpot_p99_s=_seconds(run.tpot_p99_ms),
        input_tokens=_f(run.mean_input_tokens) or None,
    )


def _setup(run: Any) -> tuple[Any, ...]:
    return (
        run.organization_id,
        run.model_name,
        run.gpu_sku,
        run.gpu_count,
        run.precision,
        run.engine,
    )


def sibling_runs(runs: Sequence[Any]) -> dict[int, list[Any]]:
    """For each run of ``runs``, by its pk: the organization's other runs of the same
    setup (model, GPU, GPUs, precision, engine), each at another stated concurrency (the
    newest per concurrency). One query for all of them."""
    from pricing.models import PrivateThroughputProfile

    if not runs:
        return {}
    setups = {_setup(run) for run in runs}
    rows = PrivateThroughputProfile.objects.filter(
        organization_id__in={s[0] for s in setups},
        model_name__in={s[1] for s in setups},
        gpu_sku__in={s[2] for s in setups},
        concurrency__isnull=False,
    )
    by_setup: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:  # newest first (the model's ordering)
        by_setup.setdefault(_setup(row), []).append(row)
    out: dict[int, list[Any]] = {}
    for run in runs:
        seen = {run.concurrency}
        siblings = []
        for row in by_setup.get(_setup(run), []):
            if row.pk != run.pk and row.concurrency not in seen:
                seen.add(row.concurrency)
                siblings.append(row)
        out[run.pk] = siblings
    return out


def catalog_points(profile: Any, planning: float) -> list[dict[str, float | None]]:
    """A catalog profile: its planning figure at its concurrency (with what it publishes
    there) and its single-stream figure at concurrency 1 when it states a higher one."""
    concurrency = _f(profile.concurrency)
    points = [
        _point(
            planning,
            concurrency=concurrency,
            prefill_tokens_per_second=_f(profile.prefill_tok_s),
            ttft_p50_s=_seconds(profile.ttft_p50_ms),
            ttft_p99_s=_seconds(profile.ttft_p99_ms),
            tpot_p50_s=_seconds(profile.tpot_p50_ms),
            tpot_p99_s=_seconds(profile.tpot_p99_ms),
        )
    ]
    single = _f(profile.single_stream_output_tok_s)
    if single is not None and concurrency is not None and concurrency > 1:
        points.insert(0, _point(single, concurrency=1.0))
    return points


def serving_snapshot(
    option: Any, *, profile: Any | None, planning: float, siblings: Sequence[Any] = ()
) -> dict[str, Any]:
    """The option's measured points and the concurrency it states (see the module doc).

    ``profile`` is the catalog profile the throughput came from (None for the option's
    own figure or a benchmark run); ``planning`` its planning figure; ``siblings`` a
    benchmark run's other runs of the same setup (:func:`sibling_runs`).
    """
    own_prefill = _f(option.prefill_tokens_per_second)
    stated = _f(option.concurrent_sequences)
    if option.tokens_per_second is not None:
        points = [
            _point(
                float(option.tokens_per_second),
                concurrency=stated,
                prefill_tokens_per_second=own_prefill,
                ttft_p99_s=_f(option.ttft_p99_s),
                tpot_p99_s=_f(option.tpot_p99_s),
            )
        ]
        planned = stated
    elif option.private_throughput_profile_id:
        run = option.private_throughput_profile
        main = run_point(run)
        points = [main, *(run_point(row) for row in siblings)]
        planned = stated if stated is not None else main["concurrency"]
    else:
        points = catalog_points(profile, planning) if profile is not None else [_point(planning)]
        planned = stated
    if own_prefill is not None:
        for point in points:
            point["prefill_tokens_per_second"] = own_prefill
    if len(points) == 1 and points[0]["concurrency"] is None:
        points[0]["concurrency"] = stated
    return {"points": points, "concurrency": planned}


def planned_concurrency(serving: Mapping[str, Any]) -> int | None:
    """Requests a replica is planned to serve at once, as a whole number (the KV cache
    holds that many): the stated concurrency, else the highest measured (None: unknown).
    Latency targets only lower the concurrency it then runs at."""
    stated = serving.get("concurrency")
    if stated is None:
        levels = [p["concurrency"] for p in serving["points"] if p.get("concurrency")]
        stated = max(levels, default=None)
    return None if stated is None else math.ceil(stated - 1e-9)


def serving_profile(serving: Mapping[str, Any]) -> eng_latency.ServingProfile:
    return eng_latency.ServingProfile.of(
        [eng_latency.ProfilePoint(**{k: p.get(k) for k in POINT_KEYS}) for p in serving["points"]]
    )


def request_shape(workload: Mapping[str, Any]) -> RequestShape | None:
    """The snapshot workload's request shape (None: the workload states none)."""
    shape = workload.get("request_shape")
    if not shape:
        return None
    return RequestShape(shape["input_tokens"], shape["output_tokens"])


def latency_targets(workload: Mapping[str, Any]) -> eng_latency.LatencyTargets:
    return eng_latency.LatencyTargets(
        workload.get("ttft_p99_target_s"),
        workload.get("tpot_p99_target_s"),
        workload.get("latency_p99_target_s"),
    )


def replica_concurrency(
    selfhost: Mapping[str, Any], workload: Mapping[str, Any], *, measured_p99: bool = False
) -> float | None:
    """The concurrency each replica of the option runs at: sequences in flight on one
    replica (None: not stated). With a request shape it is the one the composition plans
    (latency targets may lower it); without, the stated or highest measured one.

    The same :func:`planner.engine.latency.serve` the composition calls, on the same
    snapshot, so a KV-cache size read from here matches the priced fleet.
    """
    serving = selfhost.get("serving")
    if serving is None:
        return None
    profile = serving_profile(serving)
    shape = request_shape(workload)
    if shape is None:
        planned = serving.get("concurrency")
        return profile.highest.concurrency if planned is None else float(planned)
    targets = latency_targets(workload)
    if measured_p99:
        targets = eng_latency.LatencyTargets(targets.ttft_p99_s, targets.tpot_p99_s, None)
    return eng_latency.serve(
        profile, shape, targets=targets, concurrency=serving.get("concurrency")
    ).concurrency
