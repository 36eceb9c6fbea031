"""Peak memory of a sweep worker: every chunk of a 1,000,000-point sweep, then finalizing.

    .venv/bin/python bench/sweep_memory.py [--shape 4 500 500] [--api 16 --selfhost 16]
    .venv/bin/python bench/sweep_memory.py --root /path/to/another/checkout   # "before"

One fresh process per run (no database, no broker): it builds the engine spec from a
cleaned spec with `planner.bridge.sweeps.engine_spec` (what a worker does), then does what
`planner.sweep_services` does in a worker — `evaluate_chunk` for each 125,000-point chunk
(without the break-even grid where the service skips it), `summarize` of the chunks'
cheapest options, `reduced_costs` and `_result_archive` — and reports the process's peak
RSS (``ru_maxrss``) after loading, after the chunks and after finalizing, and the time.

The default shape puts the break-even grid (shares x utilizations x offers x configs) at
its largest for 1M points with 32 options, the case the issue measured at 2.7 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cleaned_spec(shape: tuple[int, int, int], n_api: int, n_selfhost: int) -> dict:
    v, s, u = shape

    def axis(low: float, high: float, num: int, scale: str = "linear") -> dict:
        return {"min": low, "max": high, "num": num, "scale": scale}

    return {
        "volumes": axis(1e6, 1e11, v, "log") if v > 1 else [1e9],
        "input_shares": axis(0.0, 1.0, s) if s > 1 else [0.5],
        "utilizations": axis(0.05, 1.0, u) if u > 1 else [0.7],
        "cached_share": 0.0,
        "hours_per_month": 730.0,
        "analysis_months": 36.0,
        "api": [
            {
                "name": f"API {i}",
                "input_per_mtok": 0.2 + 0.3 * i,
                "output_per_mtok": 0.8 + 1.1 * i,
                "cached_input_per_mtok": None,
                "tiers": [],
            }
            for i in range(n_api)
        ],
        "selfhost": [
            {
                "gpu_offer_id": i + 1,
                "name": f"GPU {i}",
                "count": 1 + i % 4,
                "tokens_per_second": 1000.0 + 150 * i,
                "pricing": "on_demand",
                "rate": 1.5 + 0.25 * i,
                "billing": "always_on",
                "window_hours": None,
                "hidden_monthly": 100.0 * i,
                "hidden_multiplier": 1.2,
                "implementation_one_off": 0.0,
            }
            for i in range(n_selfhost)
        ],
    }


def run(shape: tuple[int, int, int], n_api: int, n_selfhost: int, chunk: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstu")
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATABASE_URL"] = "sqlite:///:memory:"
    os.environ["CELERY_BROKER_URL"] = ""
    os.environ["REDIS_URL"] = ""
    import inspect

    import django
    import numpy as np

    django.setup()
    from planner import sweep_services as services

    try:
        from planner.bridge.sweeps import engine_spec
    except ImportError:  # before the bridge package
        from planner.sweep_adapter import engine_spec  # type: ignore[no-redef]

    def peak_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    loaded = peak_mb()
    started = time.perf_counter()
    spec = engine_spec(cleaned_spec(shape, n_api, n_selfhost))
    skip = "with_breakeven" in inspect.signature(services.evaluate_chunk).parameters
    chunks = []
    empty = np.empty((0, 0))
    for a, b in services.chunk_bounds(spec.size, chunk):
        result = (
            services.evaluate_chunk(spec, a, b, with_breakeven=False)
            if skip
            else services.evaluate_chunk(spec, a, b)
        )
        cheapest = services.unpack_cheapest(services.pack_cheapest(result.cheapest))
        del result
        chunks.append(
            services.SweepChunkResult(
                start=a,
                stop=b,
                api_monthly=empty,
                selfhost_monthly=empty,
                replicas=empty,
                cheapest=cheapest.astype(np.int64),
                breakeven=empty,
            )
        )
    after_chunks = peak_mb()
    skip = getattr(services, "skip_unstored_breakeven", None)
    if skip is not None:  # what sweep_finalize does first
        skip(spec)
    summary = services.summarize(spec, chunks)
    archive = services._result_archive(
        spec,
        summary.cheapest,
        getattr(services, "reduced_cost_parts", services.reduced_costs)(spec),
        summary.breakeven,
    )
    return {
        "points": spec.size,
        "seconds": time.perf_counter() - started,
        "loaded_mb": loaded,
        "chunks_peak_mb": after_chunks,
        "finalize_peak_mb": peak_mb(),
        "archive_bytes": len(archive),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", nargs=3, type=int, default=[4, 500, 500])
    parser.add_argument("--api", type=int, default=16)
    parser.add_argument("--selfhost", type=int, default=16)
    parser.add_argument("--chunk", type=int, default=125_000)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(args.root))
        os.chdir(args.root)
        print(json.dumps(run(tuple(args.shape), args.api, args.selfhost, args.chunk)))
        return
    out = subprocess.run(
        [sys.executable, __file__, "--child", *sys.argv[1:]],
        check=True,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    v, s, u = args.shape
    print(
        f"{v}x{s}x{u} = {result['points']:,} points, {args.api} API + {args.selfhost} "
        f"self-host: {result['seconds']:.1f} s; peak RSS {result['loaded_mb']:.0f} MB "
        f"loaded, {result['chunks_peak_mb']:.0f} MB after the chunks, "
        f"{result['finalize_peak_mb']:.0f} MB after finalizing "
        f"(archive {result['archive_bytes']:,} B)"
    )


if __name__ == "__main__":
    main()
