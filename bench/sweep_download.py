"""Memory and time of one sweep download (CSV and Parquet), per grid shape.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/breakeven_download_bench \
    .venv/bin/python bench/sweep_download.py [--runs 2] [--shapes volumes shares cube]

Creates and migrates its database if needed, and the benchmark sweeps once (1,000,000
points each, run in-process; later invocations reuse them). Every measurement is a fresh
Python process: it sets Django up, reads the process's peak resident set size
(``ru_maxrss``), then calls ``planner.sweep_downloads.sweep_download_response`` (the code
the sweep page and the API serve) and consumes the whole body, as a WSGI server would.
Reported: wall time of the download, bytes, and the peak RSS growth during the download
(peak after minus peak before: what one download costs a web worker; NumPy and pyarrow
are imported before the first reading, as a warm worker has them).

Shapes (volumes x input shares x utilizations, options priced at every point):
  volumes  1,000,000 x 1 x 1,       16 API offers + 16 self-host configs (the issue's case)
  shares   1 x 1,000 x 1,000,       8 + 8
  cube     100 x 100 x 100,         16 + 16
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
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sweep_e2e import ensure_database  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/breakeven_download_bench"

SHAPES = {
    "volumes": ((1_000_000, 1, 1), 16, 16),
    "shares": ((1, 1_000, 1_000), 8, 8),
    "cube": ((100, 100, 100), 16, 16),
}


def env() -> dict[str, str]:
    values = dict(os.environ)
    values.setdefault("DATABASE_URL", DEFAULT_DB)
    values["CELERY_BROKER_URL"] = ""
    values["CELERY_TASK_ALWAYS_EAGER"] = "1"
    values["REDIS_URL"] = ""
    values.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
    values.setdefault("DEBUG", "0")
    values.setdefault("HTTPS", "0")
    values.setdefault("LOG_LEVEL", "WARNING")
    values.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    return values


def _spec(version, shape: tuple[int, int, int]) -> dict:
    v, s, u = shape
    api_ids = list(version.api_offers.order_by("pk").values_list("pk", flat=True))
    gpu_ids = list(version.gpu_offers.order_by("pk").values_list("pk", flat=True))
    return {
        "volumes": {"min": 1e6, "max": 1e11, "num": v, "scale": "log"},
        "input_shares": {"min": 0.0, "max": 1.0, "num": s} if s > 1 else [0.5],
        "utilizations": {"min": 0.05, "max": 1.0, "num": u} if u > 1 else [0.7],
        "api_offer_ids": api_ids,
        "selfhost": [
            {
                "gpu_offer_id": pk,
                "count": 1 + i % 4,
                "tokens_per_second": 1000 + 150 * i,
                "hidden_monthly": 100 * i,
                "name": f"Config {i}",
            }
            for i, pk in enumerate(gpu_ids)
        ],
    }


def ensure_sweeps(names: list[str]) -> dict[str, int]:
    import django

    django.setup()
    from accounts.models import Organization
    from accounts.tenancy import system_scope
    from planner import sweep_services
    from planner.models import Sweep
    from tests.factories import sweep_catalog_version

    with system_scope("benchmark setup"):
        return _ensure_sweeps(names, Organization, Sweep, sweep_services, sweep_catalog_version)


def _ensure_sweeps(names, Organization, Sweep, sweep_services, sweep_catalog_version):  # noqa: N803
    organization, _ = Organization.objects.get_or_create(
        slug="bench-downloads", defaults={"name": "Bench downloads"}
    )
    ids = {}
    for name in names:
        label = f"bench download {name}"
        found = (
            Sweep.objects.filter(organization=organization, name=label, status="succeeded")
            .values_list("pk", flat=True)
            .first()
        )
        if found is None:
            shape, n_api, n_selfhost = SHAPES[name]
            version = sweep_catalog_version(api_offers=n_api, gpu_offers=n_selfhost)
            started = time.perf_counter()
            sweep = sweep_services.sweep_start(
                organization=organization,
                actor=None,
                name=label,
                catalog_version=version,
                spec=_spec(version, shape),
            )
            sweep.refresh_from_db()
            print(
                f"created {label}: sweep {sweep.pk} {sweep.status} "
                f"in {time.perf_counter() - started:.1f} s, archive {sweep.result_bytes:,} B",
                file=sys.stderr,
            )
            found = sweep.pk
        ids[name] = found
    return ids


def measure(sweep_id: int, fmt: str) -> dict:
    """One download in this (fresh) process."""
    import django
    import pyarrow.parquet  # noqa: F401  (loaded once per worker: not a download's cost)

    django.setup()
    from django.db import connection

    from accounts.tenancy import system_scope
    from planner.models import Sweep
    from planner.sweep_downloads import sweep_download_response

    with system_scope("benchmark"):
        sweep = Sweep.objects.defer("result").get(pk=sweep_id)
        connection.ensure_connection()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        # The view runs in the request's tenant scope; the body is sent after it returned.
        response = sweep_download_response(sweep=sweep, fmt=fmt)
    size = 0
    if response.streaming:
        for piece in response:
            size += len(piece)
    else:
        size = len(response.content)
    response.close()
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": elapsed,
        "bytes": size,
        "rss_before_mb": before / 1024,
        "rss_peak_mb": after / 1024,
        "growth_mb": (after - before) / 1024,
        "points": sweep.total_points,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--formats", nargs="+", default=["csv", "parquet"])
    parser.add_argument("--measure", nargs=2, metavar=("SWEEP_ID", "FORMAT"))
    args = parser.parse_args()
    os.environ.update(env())

    if args.measure:
        print(json.dumps(measure(int(args.measure[0]), args.measure[1])))
        return

    ensure_database(os.environ["DATABASE_URL"], timeout=600)
    setup = subprocess.run(
        [sys.executable, __file__, "--setup-only", *args.shapes],
        cwd=ROOT,
        env=os.environ,
        check=True,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    sys.stderr.write(setup.stderr)
    ids = json.loads(setup.stdout)
    print("| shape | points | format | run | time | body | peak RSS growth | peak RSS |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.shapes:
        for fmt in args.formats:
            for run in range(1, args.runs + 1):
                out = subprocess.run(
                    [sys.executable, __file__, "--measure", str(ids[name]), fmt],
                    cwd=ROOT,
                    env=os.environ,
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=600,
                )
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(
                    f"| {name} {'x'.join(map(str, SHAPES[name][0]))} | {r['points']:,} | {fmt} "
                    f"| {run} | {r['seconds']:.2f} s | {r['bytes'] / 1e6:.1f} MB "
                    f"| {r['growth_mb']:.0f} MB | {r['rss_peak_mb']:.0f} MB |",
                    flush=True,
                )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--setup-only":
        os.environ.update(env())
        print(json.dumps(ensure_sweeps(sys.argv[2:])))
    else:
        main()
