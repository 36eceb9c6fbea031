"""A 1,000,000-point sweep end to end: submit -> Celery workers -> stored summary.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/breakeven_sweeps_bench \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/9 \
    .venv/bin/python bench/sweep_e2e.py [--runs 3] [--chunk-size 125000]

Creates the database if needed and migrates it, starts
``celery -A config worker --concurrency 2`` as a subprocess (stopped at the end, and
never left running longer than --timeout), then times ``sweep_start`` until the sweep's
status is final, reading it from PostgreSQL. Workers are started and warm before the
clock starts; each run is a new sweep, so nothing is cached across runs but the worker
processes themselves.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/breakeven_sweeps_bench"
DEFAULT_BROKER = "redis://127.0.0.1:6379/9"


def env() -> dict[str, str]:
    values = dict(os.environ)
    values.setdefault("DATABASE_URL", DEFAULT_DB)
    values.setdefault("CELERY_BROKER_URL", DEFAULT_BROKER)
    values["CELERY_TASK_ALWAYS_EAGER"] = "0"
    values.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
    values.setdefault("DEBUG", "0")
    values.setdefault("HTTPS", "0")
    values.setdefault("LOG_LEVEL", "WARNING")
    return values


def ensure_database(url: str, *, timeout: float = 300) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
            conn.execute(f'create database "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0", "--skip-checks"],
        cwd=ROOT,
        env=os.environ,
        check=True,
        timeout=timeout,
    )


def start_worker() -> subprocess.Popen:
    celery = str(Path(sys.executable).with_name("celery"))
    return subprocess.Popen(
        [
            celery,
            "-A",
            "config",
            "worker",
            "--concurrency",
            "2",
            "--pool",
            "prefork",
            "--without-gossip",
            "--without-mingle",
            "--queues",
            "sweeps",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=os.environ,
        start_new_session=True,  # its own process group: stopped as one at the end
    )


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=5)


def wait_ready(app, deadline: float) -> None:
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5)
        if replies:
            return
    raise SystemExit("worker did not answer a ping in time")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args()

    os.environ.update(env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    hard_deadline = time.monotonic() + args.timeout
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.db import connection

    from accounts.models import Organization
    from config.celery import app
    from planner import sweep_services
    from planner.models import Sweep
    from tests.factories import sweep_catalog_version

    app.conf.task_always_eager = False
    organization, _ = Organization.objects.get_or_create(
        slug="bench-sweeps", defaults={"name": "Bench sweeps"}
    )
    version = sweep_catalog_version(api_offers=4, gpu_offers=3)
    api_ids = list(version.api_offers.order_by("pk").values_list("pk", flat=True))
    gpu_ids = list(version.gpu_offers.order_by("pk").values_list("pk", flat=True))
    spec = {
        "volumes": {"min": 1e6, "max": 1e11, "num": 100, "scale": "log"},
        "input_shares": {"min": 0.0, "max": 1.0, "num": 100},
        "utilizations": {"min": 0.05, "max": 1.0, "num": 100},
        "api_offer_ids": api_ids,
        "selfhost": [
            {"gpu_offer_id": gpu_ids[0], "tokens_per_second": 1500, "hidden_monthly": 900},
            {
                "gpu_offer_id": gpu_ids[1],
                "count": 2,
                "tokens_per_second": 2400,
                "pricing": "reserved",
                "hidden_multiplier": 1.3,
            },
            {
                "gpu_offer_id": gpu_ids[2],
                "count": 8,
                "tokens_per_second": 3000,
                "billing": "window",
                "window_hours": 300,
            },
        ],
    }
    app.control.purge()
    worker = start_worker()
    try:
        wait_ready(app, min(hard_deadline, time.monotonic() + 60))
        for run in range(1, args.runs + 1):
            started = time.perf_counter()
            sweep = sweep_services.sweep_start(
                organization=organization,
                actor=None,
                name=f"bench run {run}",
                catalog_version=version,
                spec=spec,
                chunk_size=args.chunk_size,
            )
            submitted = time.perf_counter()
            status = sweep.status
            while status not in ("succeeded", "failed", "cancelled"):
                if time.monotonic() > hard_deadline:
                    raise SystemExit("timed out waiting for the sweep")
                time.sleep(0.01)
                status = Sweep.objects.filter(pk=sweep.pk).values_list("status", flat=True).get()
            elapsed = time.perf_counter() - started
            sweep = Sweep.objects.get(pk=sweep.pk)
            with connection.cursor() as cursor:
                cursor.execute(
                    "select pg_column_size(result), pg_column_size(summary), "
                    "pg_column_size(spec) from planner_sweep where id = %s",
                    [sweep.pk],
                )
                result_size, summary_size, spec_size = cursor.fetchone()
                cursor.execute(
                    "select coalesce(sum(pg_column_size(t.*)), 0) from planner_sweepchunk t "
                    "where sweep_id = %s",
                    [sweep.pk],
                )
                (chunk_rows,) = cursor.fetchone()
            print(
                f"run {run}: {sweep.status} {sweep.total_points:,} points in "
                f"{sweep.chunks_total} chunks: {elapsed:.2f} s end to end "
                f"(submit {submitted - started:.2f} s, finished at +"
                f"{(sweep.finished_at - sweep.created_at).total_seconds():.2f} s); "
                f"stored: result {result_size:,} B, summary {summary_size:,} B, "
                f"spec {spec_size:,} B, chunk rows {chunk_rows:,} B; "
                f"wins {sweep.summary.get('wins')}"
            )
            if sweep.error:
                print("error:", sweep.error)
    finally:
        stop_worker(worker)


if __name__ == "__main__":
    main()
