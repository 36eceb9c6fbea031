"""A 1,000,000-row LiteLLM spend log imported as a background job: time and peak memory.

    .venv/bin/python bench/usage_import.py [--rows 1000000] [--runs 2]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/breakeven_usage_bench \
    .venv/bin/python bench/usage_import.py

Generates the file once (kept under --dir, default /tmp/breakeven-usage-bench): every
column of LiteLLM 1.110.2's ``LiteLLM_SpendLogs`` table in the schema's order, as
``psql \\copy ... csv header`` writes it (about 1 kB a row: 970 MB for a million), with a ``metadata`` holding LiteLLM's
``usage_object``; three teams with rules and one without, request tags, 3% tool-call rows
(no model), 5% embeddings, 4% answers from the proxy's cache, a third of the chat rows
with prompt-cache reads, timestamps over three months in ISO with Z.

Each run is a fresh process on PostgreSQL (the database is created and migrated if
needed): it makes an organization with four workloads and its routing rules, then times
what an upload does — `usage_import_start` with the open file (header check, the file
stored in compressed pieces) — and what the worker does — `usage_import_run` (the stored
file streamed, parsed, routed, written) — and reports both (wall and this process's CPU time;
PostgreSQL's own work is in the wall time only), the total, the load average around the run
and the process's peak RSS (``ru_maxrss``: Django and the database driver included).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/breakeven_usage_bench"
# LiteLLM_SpendLogs in litellm 1.110.2's schema.prisma, in order.
COLUMNS = [
    "request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens",
    "completion_tokens", "startTime", "endTime", "request_duration_ms", "completionStartTime",
    "model", "model_id", "model_group", "custom_llm_provider", "api_base", "user", "metadata",
    "cache_hit", "cache_key", "request_tags", "team_id", "organization_id", "end_user",
    "requester_ip_address", "messages", "response", "session_id", "status",
    "mcp_namespaced_tool_name", "billing_agent_id", "agent_id", "proxy_server_request",
    "litellm_call_id", "created_at", "updated_at",
]  # fmt: skip
TEAMS = ["team-chat", "team-search", "team-agents", "team-unruled"]
MODELS = [
    ("gpt-4o", 2.5, 10.0),
    ("claude-sonnet-4-20250514", 3.0, 15.0),
    ("gpt-4o-mini", 0.15, 0.6),
]


def generate(path: Path, rows: int, seed: int = 17) -> None:
    import csv

    rnd = random.Random(seed)
    key_hash = "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for i in range(rows):
            team = TEAMS[i % len(TEAMS)]
            day = 1 + (i * 89) % 89  # spread over 89 days from 2026-01-01
            month, dom = (1, day) if day <= 31 else ((2, day - 31) if day <= 59 else (3, day - 59))
            start = f"2026-{month:02d}-{dom:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}.{i % 1000:03d}Z"
            roll = rnd.random()
            model, price_in, price_out = MODELS[i % len(MODELS)]
            call_type, cache_hit, tool = "acompletion", "False", ""
            prompt, completion = rnd.randint(200, 6000), rnd.randint(20, 900)
            cached = 0
            if roll < 0.03:
                model, call_type, tool, prompt, completion = (
                    "",
                    "call_mcp_tool",
                    "github-search",
                    0,
                    0,
                )
            elif roll < 0.08:
                model, call_type, completion = "text-embedding-3-small", "aembedding", 0
                price_in, price_out = 0.02, 0.0
            elif roll < 0.12:
                cache_hit = "True"
            elif roll < 0.45:
                cached = prompt // 2
            spend = (
                0.0
                if cache_hit == "True"
                else (
                    (prompt - cached) * price_in + cached * price_in / 10 + completion * price_out
                )
                / 1e6
            )
            usage = {
                "completion_tokens": completion,
                "prompt_tokens": prompt,
                "total_tokens": prompt + completion,
                "completion_tokens_details": None,
                "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": None},
                "cache_read_input_tokens": cached,
                "cache_creation_input_tokens": 0,
            }
            metadata = json.dumps(
                {
                    "user_api_key": key_hash,
                    "user_api_key_alias": f"{team}-service",
                    "user_api_key_team_id": team,
                    "user_api_key_team_alias": team,
                    "spend_logs_metadata": None,
                    "usage_object": usage,
                    "status": "success",
                }
            )
            writer.writerow(
                [
                    f"chatcmpl-{i:012d}", call_type, key_hash, repr(spend), prompt + completion,
                    prompt, completion, start, start, rnd.randint(200, 9000), start, model,
                    "b1946ac9", model, "openai", "https://api.openai.com/v1", "", metadata,
                    cache_hit, "", '["prod"]' if i % 5 else '["prod", "batch"]', team, "", "",
                    "10.0.0.7", "{}", "{}", f"sess-{i // 20}", "success", tool, "", "", "{}",
                    f"call-{i}", start, start,
                ]
            )  # fmt: skip


def cpu_seconds() -> float:
    """This process's CPU time (user + system): the work done, whatever else the machine
    runs (the wall time grows with the load of a shared machine; this does not)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(path: Path) -> dict:
    """One run, in this (fresh) process."""
    import resource

    import django

    django.setup()
    from accounts.models import Organization
    from accounts.tenancy import system_scope
    from planner.models import Workload
    from tracking.models import ActualUsageMonth, UsageImportJob
    from tracking.usage import services as usage_services

    with system_scope("usage import benchmark"):
        organization = Organization.objects.create(
            name="Usage bench", slug=f"usage-bench-{os.getpid()}-{int(time.time())}"
        )
        workloads = {
            name: Workload.objects.create(organization=organization, name=name, tokens_per_month=1)
            for name in ("Chat", "Search", "Agents", "Batch")
        }
        for dimension, value, name in [
            ("team", "team-chat", "Chat"),
            ("team", "team-search", "Search"),
            ("team", "team-agents", "Agents"),
            ("tag", "batch", "Batch"),
        ]:
            usage_services.routing_rule_create(
                organization=organization,
                actor=None,
                dimension=dimension,
                value=value,
                workload=workloads[name],
            )
        usage_services.enqueue_usage_import = lambda *, job_id: None  # timed below instead
        baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        load_before = os.getloadavg()[0]
        cpu = [cpu_seconds()]
        started = time.perf_counter()
        with path.open("rb") as handle:
            job = usage_services.usage_import_start(
                organization=organization,
                actor=None,
                workload=None,
                content=handle,
                file_format="litellm",
                filename=path.name,
            )
        stored = time.perf_counter()
        cpu.append(cpu_seconds())
        outcome = usage_services.usage_import_run(job_id=job.pk)
        done = time.perf_counter()
        cpu.append(cpu_seconds())
        job = UsageImportJob.objects.get(pk=job.pk)
        months = ActualUsageMonth.objects.filter(organization=organization).count()
        organization.delete()
    return {
        "outcome": outcome,
        "rows": job.rows_done,
        "bytes": path.stat().st_size,
        "months_written": months,
        "store_s": round(stored - started, 1),
        "parse_and_write_s": round(done - stored, 1),
        "total_s": round(done - started, 1),
        "store_cpu_s": round(cpu[1] - cpu[0], 1),
        "parse_and_write_cpu_s": round(cpu[2] - cpu[1], 1),
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_import_mb": round(baseline_kb / 1024, 1),
        "report": {
            "kinds": {k: v["rows"] for k, v in job.report.get("kinds", {}).items()},
            "tool_calls": job.report.get("tool_calls", {}).get("rows"),
            "unrouted": job.report.get("unrouted", {}).get("rows"),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2)
    scratch = Path("/tmp/breakeven-usage-bench")  # noqa: S108 - regenerated at will
    parser.add_argument("--dir", type=Path, default=scratch)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault(
        "SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
    )
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("HTTPS", "0")
    os.environ["CELERY_BROKER_URL"] = ""
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    from bench.sweep_e2e import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / f"LiteLLM_SpendLogs-{args.rows}.csv"
    if not path.exists():
        started = time.perf_counter()
        generate(path, args.rows)
        print(f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    for run in range(args.runs):
        output = subprocess.run(
            [sys.executable, __file__, "--measure", str(path)],
            cwd=ROOT,
            env=os.environ,
            check=True,
            capture_output=True,
            text=True,
            timeout=900,
        ).stdout
        print(f"run {run + 1}: {output.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
