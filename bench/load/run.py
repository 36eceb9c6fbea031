"""Bounded load test on loopback: gunicorn + PostgreSQL + Redis, driven by wrk.

    .venv/bin/python bench/load/run.py                 # 50 connections, 60 s per target
    .venv/bin/python bench/load/run.py --duration 10s  # a quick look

Steps: (re)create the database named in DATABASE_URL (default breakeven_load), migrate,
load the reference catalog and the demo organization, collectstatic, start gunicorn on
127.0.0.1:<port> with DEBUG=0 HTTPS=0 (gunicorn.conf.py, access log off), log in as the
demo owner through the login form to get a session cookie, create an API token through
POST /api/v1/tokens/, then for each target in turn warm it up for a few seconds
(unmeasured) and run wrk against it, and print a table of
req/s, p50/p90/p99 latency and responses per status. Everything is stopped at the end.
Also printed per target: gunicorn's CPU time per request (master and workers, from /proc);
the cores used during the run by gunicorn, by wrk itself (it shares the machine) and by
everything else (PostgreSQL, Redis, other people's work); the cores the hypervisor stole
(/proc/stat steal); and the 1-minute load average before and after the run.

Rate limits are raised for the run (API_RATE_USER/API_RATE_QUOTE=10000000/min) so the
throttle still runs (one Redis round trip per request) but never answers 429.
By default every connection sends its next request as soon as the last one answered
(closed loop): the server is saturated and the figures are its capacity. ``--rate R`` (or
a list, ``--rate 100,300,500``) instead offers a fixed R requests/s in all, spread over the
same connections (open-loop pacing in report.lua): the latency a server shows at a given
load, which is what a latency target is about. ``--think-ms N`` gives every connection a
random pause of 0..2N ms between requests instead.
"""

# ruff: noqa: S310 (every URL opened here is our own loopback server)
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
LUA = str(Path(__file__).with_name("report.lua"))
DEMO_EMAIL = "demo@breakeven.local"
DEMO_PASSWORD = "breakeven-demo"  # noqa: S105 (the documented local demo login)
QUOTE_BODY = {
    "tokens_per_month": 1_000_000_000,
    "input_share": 0.5,
    "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
    "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
}


def run_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        CELERY_BROKER_URL=args.broker_url,
        CELERY_TASK_ALWAYS_EAGER="0",
        DEBUG="0",
        HTTPS="0",
        SECRET_KEY=env.get("SECRET_KEY", "load-bench-only-" + "x" * 50),
        API_RATE_USER="10000000/min",
        API_RATE_QUOTE="10000000/min",
        API_RATE_ANON="10000000/min",
        LOG_LEVEL="WARNING",
        GUNICORN_ACCESS_LOG="0",
        GUNICORN_LOG_LEVEL="warning",
        GUNICORN_BIND=f"127.0.0.1:{args.port}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    if args.worker_class:
        env["GUNICORN_WORKER_CLASS"] = args.worker_class
    return env


def manage(env: dict[str, str], *argv: str) -> str:
    out = subprocess.run(
        [PY, "manage.py", *argv], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout


def prepare_database(args: argparse.Namespace, env: dict[str, str]) -> None:
    import psycopg

    url = urllib.parse.urlsplit(args.database_url)
    name = url.path.lstrip("/")
    admin = urllib.parse.urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if args.fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    print(f"==> database {name}: migrate, reference catalog, demo data, collectstatic")
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "load_reference_catalog")
    manage(env, "seed_demo")
    manage(env, "collectstatic", "--no-input", "-v0")


def wait_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is serving
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on {url}")


def login(base: str) -> tuple[str, str]:
    """Log in through the form like a browser; returns (sessionid, csrftoken)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/", timeout=10).read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"username": DEMO_EMAIL, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": csrf}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/accounts/login/"}
    )
    opener.open(request, timeout=10).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError("login failed: no session cookie")
    return cookies["sessionid"], cookies["csrftoken"]


def create_token(base: str, session: str, csrf: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/tokens/",
        data=json.dumps({"name": "load test", "expires_in_days": 1}).encode(),
        headers={
            "Content-Type": "application/json",
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Referer": f"{base}/",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["token"]


def plan_path(env: dict[str, str]) -> str:
    code = (
        "from planner.models import Plan; from accounts.models import Organization;"
        "org = Organization.objects.get(slug='demo-co');"
        "print(Plan.objects.for_org(org).order_by('pk').values_list('pk', flat=True)[0])"
    )
    # `shell` may print a banner line first; the pk is the last line.
    return f"/plans/{manage(env, 'shell', '-c', code).strip().splitlines()[-1]}/"


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in the process group (gunicorn's
    master and workers: it is started in its own session)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command name: state ppid pgrp ... utime (11) stime (12), and cutime
        # (13) cstime (14) of reaped children: workers recycled by max_requests count too.
        if int(fields[2]) == pgid:
            total += sum(int(f) for f in fields[11:15]) / tick
    return total


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all cores, /proc/stat minus idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]  # user..steal, without idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def stolen_seconds() -> float:
    """CPU seconds the hypervisor gave to other guests while ours wanted them (/proc/stat
    steal): on a shared VM, bursts of it show up as stalls in the latency tail."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[7] / os.sysconf("SC_CLK_TCK")


def settle(threshold: float, max_seconds: float) -> None:
    """Wait (bounded) until the 1-minute load average is below ``threshold``: the previous
    target's run leaves the load average high for a minute or two."""
    deadline = time.monotonic() + max_seconds
    while os.getloadavg()[0] >= threshold and time.monotonic() < deadline:
        time.sleep(2)


def warm_up(args, base: str, target: dict) -> None:
    """A few seconds of the target, unmeasured, from as many connections as the run: a fresh
    server's first requests open database and Redis connections, compile templates and fill
    the fragment caches, which would otherwise land in the p99 (a warm-up from 6
    connections still left a 0.4-1 s stall in the first run after it: BENCHMARKS.md)."""
    if args.warmup_seconds <= 0:
        return
    env = dict(os.environ)
    env["WRK_METHOD"] = target.get("method", "GET")
    env["WRK_BODY_FILE"] = target.get("body_file", "")
    cmd = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(args.connections),
        "-d",
        f"{args.warmup_seconds}s",
        "-s",
        LUA,
    ]
    for header in target["headers"]:
        cmd += ["-H", header]
    subprocess.run([*cmd, base + target["path"]], env=env, capture_output=True, check=True)


def run_wrk(args, base: str, target: dict, server_pgid: int, rate: float) -> dict:
    env = dict(os.environ)
    env["WRK_METHOD"] = target.get("method", "GET")
    env["WRK_BODY_FILE"] = target.get("body_file", "")
    env["WRK_THINK_MS"] = str(args.think_ms)
    env["WRK_THREAD_RATE"] = str(rate / args.threads_wrk)
    cmd = ["wrk", "-t", str(args.threads_wrk), "-c", str(args.connections), "-d", args.duration]
    cmd += ["--timeout", args.timeout, "--latency", "-s", LUA]
    for header in target["headers"]:
        cmd += ["-H", header]
    cmd.append(base + target["path"])
    load_before = os.getloadavg()[0]
    server_cpu = group_cpu_seconds(server_pgid)
    machine_busy = machine_busy_seconds()
    stolen = stolen_seconds()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    match = re.search(r"WRK_JSON (\{.*\})", out)
    if match is None:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    result = json.loads(match.group(1))
    seconds = result["duration_us"] / 1e6
    result["rps"] = result["requests"] / seconds
    # What the run cost: gunicorn's CPU per request, and the cores wrk itself used.
    server_cpu = group_cpu_seconds(server_pgid) - server_cpu
    result["server_cpu_ms"] = server_cpu * 1000 / max(1, result["requests"])
    wrk_cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    result["wrk_cores"] = wrk_cpu / seconds
    result["server_cores"] = server_cpu / seconds
    # Everything else that ran meanwhile: PostgreSQL, Redis, and anybody else's work.
    steal = stolen_seconds() - stolen
    result["steal_cores"] = steal / seconds
    result["other_cores"] = (
        machine_busy_seconds() - machine_busy - server_cpu - wrk_cpu - steal
    ) / seconds
    result["load"] = (load_before, os.getloadavg()[0])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/breakeven_load"
        ),
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", default="60s")
    parser.add_argument("--timeout", default="5s")
    parser.add_argument("--threads-wrk", type=int, default=2)
    parser.add_argument("--think-ms", type=int, default=0)
    parser.add_argument(
        "--rate",
        default="0",
        help="offered requests/s in all (comma-separated list: one run each); 0 = closed loop",
    )
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (env default)")
    parser.add_argument("--threads", type=int, default=0, help="gunicorn threads per worker")
    parser.add_argument("--worker-class", default="", help="sync or gthread")
    parser.add_argument("--only", default="", help="comma-separated target names")
    parser.add_argument(
        "--warmup-seconds", type=int, default=10, help="unmeasured requests before each target"
    )
    parser.add_argument(
        "--settle-load",
        type=float,
        default=1.0,
        help="before each target, wait until the 1-minute load average is below this",
    )
    parser.add_argument("--settle-seconds", type=float, default=120, help="longest such wait")
    parser.add_argument("--no-fresh", dest="fresh", action="store_false")
    parser.add_argument("--skip-prepare", action="store_true")
    args = parser.parse_args()
    rates = [float(r) for r in args.rate.split(",")]

    env = run_env(args)
    if not args.skip_prepare:
        prepare_database(args, env)
    subprocess.run(["redis-cli", "-u", args.redis_url, "FLUSHDB"], check=True, capture_output=True)
    base = f"http://127.0.0.1:{args.port}"
    print(
        f"==> gunicorn on {base} (workers={env.get('WEB_CONCURRENCY', 'default')}, "
        f"class={env.get('GUNICORN_WORKER_CLASS', 'default')}, "
        f"threads={env.get('GUNICORN_THREADS', 'default')})"
    )
    server = subprocess.Popen(
        [GUNICORN, "-c", "gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_http(f"{base}/accounts/login/")
        session, csrf = login(base)
        token = create_token(base, session, csrf)
        members = "/api/v1/orgs/demo-co/members/"
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as body:
            json.dump(QUOTE_BODY, body)
        cookie = f"Cookie: sessionid={session}; csrftoken={csrf}"
        auth = f"Authorization: Token {token}"
        targets = [
            {"name": "dashboard", "path": "/", "headers": [cookie]},
            {"name": "plan page", "path": plan_path(env), "headers": [cookie]},
            {"name": "members list (API)", "path": members, "headers": [auth]},
            {
                "name": "POST quote (API)",
                "path": "/api/v1/quote",
                "method": "POST",
                "body_file": body.name,
                "headers": [auth, "Content-Type: application/json"],
            },
        ]
        if args.only:
            wanted = {n.strip() for n in args.only.split(",")}
            targets = [t for t in targets if t["name"].split()[0] in wanted]
        print(
            f"==> wrk: {args.connections} connections, {args.duration} each, "
            f"think time {args.think_ms} ms, offered rate {args.rate} (0: closed loop)"
        )
        print(
            f"{'target':<22}{'offered':>8}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
            f"{'cpu ms':>8}{'cores: gunicorn':>16}{'wrk':>6}{'other':>6}{'steal':>6}{'load':>11}"
            "  statuses"
        )
        failed = False
        for target, rate in ((t, r) for t in targets for r in rates):
            if rate == rates[0]:
                warm_up(args, base, target)
            settle(args.settle_load, args.settle_seconds)
            r = run_wrk(args, base, target, server.pid, rate)
            statuses = r["statuses"]
            bad = sum(n for s, n in statuses.items() if int(s) >= 500)
            errors = r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]
            failed |= bad > 0 or errors > 0 or not statuses
            print(
                f"{target['name']:<22}{rate or 'max':>8}{r['rps']:>9.0f}{r['p50_us'] / 1000:>9.1f}"
                f"{r['p90_us'] / 1000:>9.1f}{r['p99_us'] / 1000:>9.1f}"
                f"{r['server_cpu_ms']:>8.2f}{r['server_cores']:>16.2f}{r['wrk_cores']:>6.2f}"
                f"{r['other_cores']:>6.2f}{r['steal_cores']:>6.2f}"
                f"{r['load'][0]:>5.2f}-{r['load'][1]:<5.2f}  {statuses}"
                f"{f'  socket errors {errors}' if errors else ''}"
            )
            sys.stdout.flush()
        os.unlink(body.name)
        return 1 if failed else 0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
