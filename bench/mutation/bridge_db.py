"""The bridge's mutants that its database-free tests leave alive, sampled against the
database tests.

Run from the repository root, after ``run.py --bridge`` (whose mutants and verdicts it
reads), with the test settings' environment (``DATABASE_URL``, ``REDIS_URL``,
``CELERY_BROKER_URL``, ``SECRET_KEY``: as ``bin/test`` exports them)::

    .venv/bin/python bench/mutation/bridge_db.py                # 60 sampled mutants
    .venv/bin/python bench/mutation/bridge_db.py --sample 100 --seed 7

Why a sample: ``planner/bridge`` turns catalog and plan rows into snapshots, and those
functions are only exercised by tests that build rows in PostgreSQL (tests/planner,
tests/api, tests/pages, tests/tracking): seconds per test, minutes per surviving mutant
on a 2-core machine, so every mutant cannot be run. The bridge's pure functions (a
snapshot in, results out) are mutated in full by ``run.py --bridge`` against tests/bridge;
this script estimates how many of the mutants those tests leave alive the database
tests kill.

Method:

1. The mutants are ``run.py --bridge``'s (mutmut's own, same commit). Candidates are those
   it judged "survived" or "no tests"; a simple random sample of ``--sample`` of them is
   drawn with ``random.Random(--seed)``.
2. A scratch copy of the repository at HEAD (``bench/out/mutation/bridge-db/``) gets the
   mutated ``planner/bridge`` files (mutmut's trampolines: a mutant is switched on by the
   ``MUTANT_UNDER_TEST`` environment variable, so one copy holds them all).
3. Test selection by coverage, as mutmut selects: the database tests run once with every
   bridge function recording which tests call it; a mutant runs only the tests that call
   its function, fastest first, stopping at the first failure (``-x``), one mutant at a
   time (the tests share one test database).
4. The estimate: killed by the database tests in the sample, with a 95% Wilson interval,
   scaled to all candidates and added to what ``run.py --bridge`` killed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out" / "mutation"
MUTATED = OUT / "bridge"  # run.py --bridge's scratch project
WORK = OUT / "bridge-db"
PYTHON = ROOT / ".venv" / "bin" / "python"
TEST_DIRS = ["tests/planner", "tests/api", "tests/pages", "tests/tracking"]
PYTEST_ARGS = [
    "-p",
    "no:cacheprovider",
    "-p",
    "no:randomly",
    "--reuse-db",
    "-m",
    "not slow and not browser",
    "--ignore=tests/api/test_schemathesis.py",
    "-q",
]
KILLED = {1, 3, 36, 24, -24, 152, 255, -11, -9}
LEFT = {0, 5, 33}  # survived, no tests

STATS_PLUGIN = '''\
"""Records which tests call each mutated bridge function (bench/mutation/bridge_db.py)."""

import json
import os

from mutmut.state import state

_tests = {}
_durations = {}


def pytest_runtest_teardown(item, nextitem):
    for name in state()._stats:
        _tests.setdefault(name, []).append(item.nodeid)
    state()._stats.clear()


def pytest_runtest_logreport(report):
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session, exitstatus):
    with open(os.environ["BRIDGE_DB_STATS"], "w") as out:
        json.dump({"tests": _tests, "durations": _durations}, out)
'''


def candidates() -> tuple[list[str], int, int]:
    """(mutants left alive, killed, all) from run.py --bridge's verdicts."""
    left, killed, total = [], 0, 0
    for meta in sorted((MUTATED / "mutants" / "planner" / "bridge").glob("*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            total += 1
            if code in KILLED:
                killed += 1
            elif code in LEFT:
                left.append(name)
            else:
                raise SystemExit(f"{name} was not judged by run.py --bridge: run it first")
    return left, killed, total


def build() -> None:
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", "HEAD"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(WORK)], input=archive, check=True)
    for source in (MUTATED / "planner" / "bridge").glob("*.py"):
        committed = WORK / "planner" / "bridge" / source.name
        if source.read_bytes() != committed.read_bytes():
            raise SystemExit(f"{source.name}: run.py --bridge ran on other code; run it again")
        shutil.copy(MUTATED / "mutants" / "planner" / "bridge" / source.name, committed)
    (WORK / "bridge_db_stats.py").write_text(STATS_PLUGIN)
    with (WORK / "pyproject.toml").open("a") as pyproject:
        pyproject.write('\n[tool.mutmut]\nsource_paths = ["planner/bridge"]\n')


def run_pytest(args: list[str], mutant: str, *, timeout: float | None = None) -> int:
    env = {**os.environ, "MUTANT_UNDER_TEST": mutant, "PYTHONPATH": str(WORK)}
    env["BRIDGE_DB_STATS"] = str(WORK / "stats.json")
    try:
        return subprocess.run(
            [str(PYTHON), "-m", "pytest", *PYTEST_ARGS, *args],
            cwd=WORK,
            env=env,
            timeout=timeout,
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ).returncode
    except subprocess.TimeoutExpired:
        return 36  # as mutmut: a timeout kills


def wilson(killed: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = killed / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=60)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    for name in ("DATABASE_URL", "SECRET_KEY"):
        if name not in os.environ:
            raise SystemExit(f"{name} is not set: export the test settings as bin/test does")
    left, killed_free, total = candidates()
    sample = sorted(random.Random(args.seed).sample(left, min(args.sample, len(left))))
    started = time.monotonic()
    build()
    # A fresh test database for this code's migrations; the mutants reuse it.
    code = run_pytest([*TEST_DIRS, "-p", "bridge_db_stats", "--create-db"], "stats")
    if code != 0:
        raise SystemExit(f"the database tests fail on the unmutated bridge (exit {code})")
    stats = json.loads((WORK / "stats.json").read_text())
    stats_minutes = (time.monotonic() - started) / 60
    verdicts = {}
    for number, mutant in enumerate(sample, 1):
        function = mutant.partition("__mutmut_")[0]
        tests = sorted(
            set(stats["tests"].get(function, [])), key=lambda t: (stats["durations"].get(t, 0), t)
        )
        if not tests:
            verdicts[mutant] = "no tests"
        else:
            budget = 60 + 4 * sum(stats["durations"].get(t, 0.0) for t in tests)
            code = run_pytest(["-x", *tests], mutant, timeout=budget)
            verdicts[mutant] = (
                "killed" if code in KILLED else "survived" if code == 0 else f"error {code}"
            )
        print(f"[{number}/{len(sample)}] {verdicts[mutant]:<9} {mutant}", flush=True)
    elapsed = (time.monotonic() - started) / 60
    killed = sum(v == "killed" for v in verdicts.values())
    low, high = wilson(killed, len(sample))
    share = killed / len(sample) if sample else 0.0
    estimate = (killed_free + share * len(left)) / total
    result = {
        "mutants": total,
        "killed_without_database": killed_free,
        "left_for_the_database_tests": len(left),
        "sample": len(sample),
        "seed": args.seed,
        "killed_in_sample": killed,
        "verdicts": verdicts,
        "estimated_score": estimate,
        "estimated_score_95": [
            (killed_free + low * len(left)) / total,
            (killed_free + high * len(left)) / total,
        ],
        "stats_minutes": stats_minutes,
        "minutes": elapsed,
        "load_average": os.getloadavg(),
    }
    (WORK / "results.json").write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "verdicts"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
