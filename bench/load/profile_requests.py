"""Per-request cost of the load-test targets, measured in-process (no HTTP, no wrk).

    DATABASE_URL=postgres://... REDIS_URL=redis://... DEBUG=0 HTTPS=0 SECRET_KEY=... \\
    .venv/bin/python bench/load/profile_requests.py [--n 200] [--profile quote] [--top 30]

Needs a database prepared like bench/load/run.py does (migrate, load_reference_catalog,
seed_demo). For each target (dashboard, plan page, members list, POST quote) it sends
``--n`` requests through Django's test client (the full middleware stack, the same
settings as gunicorn) after a warm-up, and prints the median and p90 of wall time and of
CPU time of this process (``time.thread_time``: what the request itself burns, mostly
independent of what else runs on the machine), the SQL query count and the Redis
round trips of one request. ``--profile NAME`` prints a cProfile of that target, timed in CPU time of the thread.

CPU time per request is the number that decides throughput on a saturated 2-core box:
N ms of CPU per request caps the server at about 2000 / N requests/s, less what the
load generator and PostgreSQL take.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

QUOTE_BODY = {
    "tokens_per_month": 1_000_000_000,
    "input_share": 0.5,
    "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
    "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--only", default="", help="comma-separated target names")
    parser.add_argument("--profile", default="", help="target name to cProfile")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="cumulative")
    args = parser.parse_args()

    import django

    django.setup()
    from datetime import timedelta

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from knox.models import AuthToken

    from accounts.models import Organization, User
    from planner.models import Plan

    try:
        from accounts.tenancy import system_scope
    except ImportError:  # before tenancy scoping existed
        from contextlib import nullcontext as system_scope  # type: ignore[assignment]

    with system_scope("bench setup"):
        user = User.objects.get(email="demo@breakeven.local")
        org = Organization.objects.get(slug="demo-co")
        plan_pk = Plan.objects.for_org(org).order_by("pk").values_list("pk", flat=True)[0]
        _, token = AuthToken.objects.create(user=user, expiry=timedelta(days=1))

    session = Client()
    session.force_login(user)
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    body = json.dumps(QUOTE_BODY)
    targets = {
        "dashboard": lambda: session.get("/"),
        "plan": lambda: session.get(f"/plans/{plan_pk}/"),
        "members": lambda: api.get("/api/v1/orgs/demo-co/members/"),
        "quote": lambda: api.post("/api/v1/quote", body, content_type="application/json"),
    }
    if args.only:
        wanted = {n.strip() for n in args.only.split(",")}
        targets = {k: v for k, v in targets.items() if k in wanted}

    redis_calls = _count_redis_calls(cache)
    print(
        f"{'target':<10}{'wall p50':>10}{'wall p90':>10}{'cpu p50':>10}{'cpu p90':>10}"
        f"{'queries':>9}{'redis':>7}{'bytes':>9}"
    )
    for name, send in targets.items():
        for _ in range(min(20, args.n)):
            response = send()
            assert response.status_code == 200, (name, response.status_code)
        queries: list[str] = []

        def log_sql(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(log_sql):
            redis_calls[0] = 0
            response = send()
        n_redis = redis_calls[0]
        walls, cpus = [], []
        for _ in range(args.n):
            w0, c0 = time.perf_counter(), time.thread_time()
            send()
            cpus.append((time.thread_time() - c0) * 1000)
            walls.append((time.perf_counter() - w0) * 1000)
        print(
            f"{name:<10}{statistics.median(walls):>9.2f} {_p90(walls):>9.2f} "
            f"{statistics.median(cpus):>9.2f} {_p90(cpus):>9.2f}"
            f"{len(queries):>9}{n_redis:>7}{len(response.content):>9}"
        )
        if name == args.profile:
            # CPU time of this thread, not wall time: waits on PostgreSQL/Redis drop out.
            profiler = cProfile.Profile(time.thread_time)
            profiler.enable()
            for _ in range(args.n):
                send()
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
            print(out.getvalue())
            for q in queries:
                print("  SQL", q[:200])
    return 0


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def _count_redis_calls(cache) -> list[int]:
    """Counts commands the cache client sends to Redis (wraps the client's get_client)."""
    counter = [0]
    client = getattr(cache, "_cache", None)
    if client is None or not hasattr(client, "get_client"):
        return counter
    original = client.get_client

    def counting_get_client(*args, **kwargs):
        counter[0] += 1
        return original(*args, **kwargs)

    client.get_client = counting_get_client
    return counter


if __name__ == "__main__":
    sys.exit(main())
