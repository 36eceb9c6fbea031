"""PostgreSQL restarts while gunicorn serves requests: the next requests recover.

    .venv/bin/python bench/faults/pg_restart.py

To leave the shared development cluster (15/main, which other test runs use) alone,
this runs its own PostgreSQL cluster, ``15/faults`` on port 5499 (created with
``pg_createcluster`` on first use, trust auth on loopback). Steps: create a fresh
database there, migrate, load the reference catalog and the demo organization, start
gunicorn (DEBUG=0 HTTPS=0, persistent connections: CONN_MAX_AGE=60 with
CONN_HEALTH_CHECKS on, as in production), log in and make an API token, then run
clients for ``--seconds`` (default 12) that loop over the dashboard, a list endpoint
and POST /api/v1/quote, and restart the cluster with
``pg_ctlcluster --skip-systemctl-redirect 15 faults restart`` after ``--restart-after``
seconds. It prints what every client saw per second and checks:

- no request hangs (each has a 10 s client timeout),
- requests that failed did so only while PostgreSQL was down (a few 500s are allowed
  then: a request in flight loses its connection), and
- every request that started after PostgreSQL was back succeeded: stale pooled
  connections were detected by the health check and replaced.

Exit status 0 when all checks pass.
"""

# ruff: noqa: S310 (every URL opened here is our own loopback server)
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "load"))

from run import QUOTE_BODY, create_token, login, manage, wait_http  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
CLUSTER_VERSION, CLUSTER_NAME, CLUSTER_PORT = "15", "faults", 5499


def ensure_cluster() -> None:
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    if not any(line.split()[:2] == [CLUSTER_VERSION, CLUSTER_NAME] for line in listed.splitlines()):
        print(f"==> creating PostgreSQL cluster {CLUSTER_VERSION}/{CLUSTER_NAME}")
        subprocess.run(
            [
                "pg_createcluster",
                CLUSTER_VERSION,
                CLUSTER_NAME,
                "--port",
                str(CLUSTER_PORT),
                "--",
                "--auth=trust",
            ],
            check=True,
            capture_output=True,
        )
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", CLUSTER_VERSION, CLUSTER_NAME, "start"],
        capture_output=True,
    )
    wait_pg()


def wait_pg(seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready = subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(CLUSTER_PORT)], check=False
        )
        if ready.returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError("PostgreSQL did not come back")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--restart-after", type=float, default=4)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()

    ensure_cluster()
    database_url = f"postgres://postgres@127.0.0.1:{CLUSTER_PORT}/breakeven_faults"
    import psycopg

    with psycopg.connect(
        f"postgres://postgres@127.0.0.1:{CLUSTER_PORT}/postgres", autocommit=True
    ) as conn:
        conn.execute('DROP DATABASE IF EXISTS "breakeven_faults" WITH (FORCE)')
        conn.execute('CREATE DATABASE "breakeven_faults"')
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL="redis://127.0.0.1:6379/5",
        CELERY_BROKER_URL="",
        DEBUG="0",
        HTTPS="0",
        SECRET_KEY="faults-bench-only-" + "y" * 50,
        API_RATE_USER="10000000/min",
        API_RATE_QUOTE="10000000/min",
        CONN_MAX_AGE="60",
        LOG_LEVEL="ERROR",
        GUNICORN_ACCESS_LOG="0",
        GUNICORN_LOG_LEVEL="warning",
        GUNICORN_BIND=f"127.0.0.1:{args.port}",
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="4",
    )
    print("==> migrate, reference catalog, demo data, collectstatic")
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "load_reference_catalog")
    manage(env, "seed_demo")
    manage(env, "collectstatic", "--no-input", "-v0")
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [GUNICORN, "-c", "gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    results: list[tuple[float, float, str, int | str]] = []  # (start, end, target, status)
    lock = threading.Lock()
    try:
        wait_http(f"{base}/accounts/login/")
        session, csrf = login(base)
        token = create_token(base, session, csrf)
        targets = [
            ("dashboard", "/", None, {"Cookie": f"sessionid={session}"}),
            (
                "members",
                "/api/v1/orgs/demo-co/members/",
                None,
                {"Authorization": f"Token {token}"},
            ),
            (
                "quote",
                "/api/v1/quote",
                json.dumps(QUOTE_BODY).encode(),
                {"Authorization": f"Token {token}", "Content-Type": "application/json"},
            ),
        ]
        t0 = time.monotonic()
        stop = t0 + args.seconds

        def client(number: int) -> None:
            i = number
            while time.monotonic() < stop:
                name, path, body, headers = targets[i % len(targets)]
                i += 1
                request = urllib.request.Request(base + path, data=body, headers=headers)
                started = time.monotonic()
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:
                        response.read()
                        status: int | str = response.status
                except urllib.error.HTTPError as exc:
                    status = exc.code
                except OSError as exc:
                    status = type(exc).__name__
                with lock:
                    results.append((started - t0, time.monotonic() - t0, name, status))
                time.sleep(0.02)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(args.restart_after)
        print(f"==> t={time.monotonic() - t0:.2f}s restarting PostgreSQL {CLUSTER_VERSION}/faults")
        down_at = time.monotonic() - t0
        subprocess.run(
            [
                "pg_ctlcluster",
                "--skip-systemctl-redirect",
                CLUSTER_VERSION,
                CLUSTER_NAME,
                "restart",
            ],
            check=True,
        )
        wait_pg()
        up_at = time.monotonic() - t0
        print(f"==> t={up_at:.2f}s PostgreSQL accepts connections again")
        for thread in threads:
            thread.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)

    per_second: dict[int, Counter] = defaultdict(Counter)
    for started, _end, _name, status in results:
        per_second[int(started)][str(status)] += 1
    print("second  responses by status")
    for second in sorted(per_second):
        print(f"{second:>6}  {dict(per_second[second])}")
    ok = lambda s: s == 200  # noqa: E731
    before = [r for r in results if r[1] < down_at]
    during = [r for r in results if r[1] >= down_at and r[0] < up_at]
    after = [r for r in results if r[0] >= up_at]
    failed_outside = [r for r in results if not ok(r[3]) and (r[1] < down_at or r[0] >= up_at)]
    first_after = min((r for r in after), default=None, key=lambda r: r[0])
    summary = {
        "requests": len(results),
        "before_restart": dict(Counter(str(r[3]) for r in before)),
        "while_down": dict(Counter(str(r[3]) for r in during)),
        "after_restart": dict(Counter(str(r[3]) for r in after)),
        "restart_seconds": round(up_at - down_at, 2),
        "first_request_after_restart": first_after
        and {
            "status": first_after[3],
            "latency_ms": round((first_after[1] - first_after[0]) * 1000, 1),
        },
        "slowest_ms": round(max(r[1] - r[0] for r in results) * 1000, 1),
    }
    print(json.dumps(summary, indent=2))
    passed = bool(before) and bool(after) and not failed_outside
    print("PASS" if passed else f"FAIL: {failed_outside[:5]}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
