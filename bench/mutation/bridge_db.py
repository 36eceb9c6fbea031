"""The bridge's sampled mutants that its database-free tests leave alive, judged by the
database tests: the bridge's mutation score.

Run from the repository root, after ``run.py --bridge --sample N`` (whose sample and
verdicts it reads, same ``--sample`` and ``--seed``), with the test settings' environment
(``DATABASE_URL``, ``SECRET_KEY``: as ``bin/test`` exports them)::

    .venv/bin/python bench/mutation/run.py --bridge --sample 20
    .venv/bin/python bench/mutation/bridge_db.py --sample 20          # 2 workers
    .venv/bin/python bench/mutation/bridge_db.py --sample 20 --report # the cached table

Why two steps: ``planner/bridge`` turns catalog and plan rows into snapshots, and most of
its functions are only exercised by tests that build rows in PostgreSQL (tests/planner,
tests/api, tests/pages, tests/tracking, tests/presentation): seconds per test, so every
one of its ~10,000 mutants cannot be run on a 2-core machine. ``run.py --bridge --sample``
draws the same seeded sample per module every time and judges it against tests/bridge
(no database); this script judges what that leaves alive ("survived" or "no tests")
against the database tests. Every sampled mutant ends with a verdict, so each module's
score is a proportion of a simple random sample (Wilson 95% interval) and the bridge's
score a stratified estimate (each module's score weighted by its mutants).

Method:

1. A scratch copy of the repository at HEAD (``bench/out/mutation/bridge-db/``) gets the
   mutated ``planner/bridge`` files of ``run.py --bridge`` (mutmut's trampolines: a
   mutant is switched on by the ``MUTANT_UNDER_TEST`` environment variable, so one copy
   holds them all).
2. Test selection by coverage, as mutmut selects: the database tests run once with every
   bridge function recording which tests call it (``stats``); a mutant runs only the
   tests that call its function, fastest first, stopping at the first failure (``-x``).
   ``--jobs`` workers each use a test database and Redis databases of their own.
3. Verdicts are cached (``bench/out/mutation/bridge-db-state.json``) for the bridge code
   they were judged on; when the tests change, the survivors are run again (the stats
   too: new tests must be selectable), the killed stay killed.
4. The report: per module, killed without a database, by the database tests, left, and
   left but argued equivalent (``bridge_equivalent.txt``, judged in MUTATION.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as mutation  # the sibling script: its sample, verdicts and diffs

ROOT = mutation.ROOT
OUT = mutation.OUT
TARGET = mutation.TARGETS["bridge"]
MUTATED = OUT / "bridge"  # run.py --bridge's scratch project
WORK = OUT / "bridge-db"
STATE = OUT / "bridge-db-state.json"
PYTHON = mutation.PYTHON
TEST_DIRS = ["tests/planner", "tests/api", "tests/pages", "tests/tracking", "tests/presentation"]
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
# pytest's exit codes: tests failed (1), collection interrupted (2), an internal error
# (3), or a selected test "not found" (4) because its module no longer imports with the
# mutant (the same test ids ran in the stats pass on the unmutated bridge).
FAILED = {1, 2, 3, 4}
TIMED_OUT = -1

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


def tree(path: str) -> str:
    """The committed tree's hash of a path at HEAD (what the scratch copy holds)."""
    return subprocess.run(
        ["git", "rev-parse", f"HEAD:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def sampled(size: int, seed: int) -> dict[str, dict[str, int | None]]:
    """Per module: each sampled mutant's exit code from run.py --bridge."""
    drawn = mutation.draw(MUTATED, TARGET, [], size, seed)
    found = mutation.verdicts(MUTATED, TARGET, [], drawn)
    pending = [m for mutants in found.values() for m, v in mutants.items() if v["exit"] is None]
    if pending or not found:
        raise SystemExit(
            f"run.py --bridge --sample {size} --seed {seed} has not judged {len(pending)} "
            "of its sample: run it first"
        )
    return {module: {m: v["exit"] for m, v in ms.items()} for module, ms in found.items()}


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
        mutated = MUTATED / "mutants" / "planner" / "bridge" / source.name
        if mutated.exists():
            shutil.copy(mutated, committed)
    (WORK / "bridge_db_stats.py").write_text(STATS_PLUGIN)
    # Tests read ../shared beside the checkout: the same folder beside the scratch copy.
    shared = OUT / "shared"
    if (ROOT.parent / "shared").is_dir() and not shared.exists():
        shared.symlink_to(ROOT.parent / "shared")
    with (WORK / "pyproject.toml").open("a") as pyproject:
        pyproject.write('\n[tool.mutmut]\nsource_paths = ["planner/bridge"]\n')


def worker_env(worker: int) -> dict[str, str]:
    """Worker ``n``'s own test database (pytest-django prefixes ``test_``) and Redis DBs."""
    base, _, name = os.environ["DATABASE_URL"].rpartition("/")
    redis = os.environ.get("BRIDGE_DB_REDIS", "redis://127.0.0.1:6379")
    return {
        **os.environ,
        "DATABASE_URL": f"{base}/{name}_mut{worker}",
        "REDIS_URL": f"{redis}/{8 + 2 * worker}",
        "CELERY_BROKER_URL": f"{redis}/{9 + 2 * worker}",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "PYTHONPATH": str(WORK),
        "BRIDGE_DB_STATS": str(WORK / "stats.json"),
    }


def run_pytest(args: list[str], mutant: str, worker: int, *, timeout: float | None = None) -> int:
    env = {**worker_env(worker), "MUTANT_UNDER_TEST": mutant}
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
        return TIMED_OUT  # as mutmut: a mutant that hangs is killed


def verdict_of(code: int) -> str:
    if code in FAILED:
        return "killed"
    if code == TIMED_OUT:
        return "timeout"
    return "survived" if code == 0 else f"error {code}"


def judge(mutant: str, stats: dict, worker: int) -> str:
    function = mutant.partition("__mutmut_")[0]
    durations = stats["durations"]
    tests = sorted(set(stats["tests"].get(function, [])), key=lambda t: (durations.get(t, 0), t))
    if not tests:
        return "no tests"
    budget = 60 + 4 * sum(durations.get(t, 0.0) for t in tests)
    return verdict_of(run_pytest(["-x", *tests], mutant, worker, timeout=budget))


def wilson(killed: int, n: int, z: float = 1.96) -> tuple[float, float]:
    return mutation.wilson(killed, n, z) if n else (0.0, 1.0)


def report(
    sample: dict[str, dict[str, int | None]], verdicts: dict[str, str], equivalent: set[str]
) -> dict:
    """The per-module table: killed without a database, by the database tests, left."""
    sizes = {m: len(v) for m, v in mutation.verdicts(MUTATED, TARGET, []).items()}
    print(
        f"\n{'module':<14}{'mutants':>8}{'sampled':>8}{'no DB':>7}{'DB':>5}{'left':>6}"
        f"{'equiv':>6}{'score':>8}  95%          non-equivalent"
    )
    rows, weighted, weighted_ne, total = {}, 0.0, 0.0, 0
    for module, codes in sorted(sample.items()):
        if not codes:  # a module without mutants (constants only)
            continue
        free = sum(code in mutation.KILLED for code in codes.values())
        by_db = sum(
            codes[m] not in mutation.KILLED and verdicts.get(m) in ("killed", "timeout")
            for m in codes
        )
        left = [m for m in codes if codes[m] not in mutation.KILLED]
        left = [m for m in left if verdicts.get(m) not in ("killed", "timeout")]
        equal = sum(m in equivalent for m in left)
        n, killed = len(codes), free + by_db
        low, high = wilson(killed, n)
        score = killed / n
        non_equivalent = killed / (n - equal) if n > equal else 1.0
        weighted += sizes[module] * score
        weighted_ne += sizes[module] * non_equivalent
        total += sizes[module]
        rows[module] = {"mutants": sizes[module], "sampled": n, "killed": killed, "left": left}
        print(
            f"{module:<14}{sizes[module]:>8}{n:>8}{free:>7}{by_db:>5}{len(left):>6}{equal:>6}"
            f"{100 * score:>7.1f}%  [{100 * low:.1f}, {100 * high:.1f}]  {100 * non_equivalent:.1f}%"
        )
    n = sum(len(codes) for codes in sample.values())
    killed = sum(row["killed"] for row in rows.values())
    print(
        f"{'all':<14}{total:>8}{n:>8}{'':>18}{sum(len(r['left']) for r in rows.values()):>6}"
        f"{'':>6}{100 * killed / n:>7.1f}%"
    )
    print(
        f"\nstratified estimate of all {total} bridge mutants: {100 * weighted / total:.1f}% "
        f"killed; {100 * weighted_ne / total:.1f}% of the non-equivalent"
    )
    return {
        "modules": rows,
        "estimate": weighted / total,
        "estimate_non_equivalent": weighted_ne / total,
    }


def survivor_diffs(left: dict[str, list[str]]) -> str:
    found = {
        module: {m: {"exit": 0} for m in mutants} for module, mutants in left.items() if mutants
    }
    return mutation.survivor_diffs(MUTATED, TARGET, found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=20, help="run.py --bridge's --sample")
    parser.add_argument("--seed", type=int, default=19, help="run.py --bridge's --seed")
    parser.add_argument("--jobs", type=int, default=2, help="workers, each with its own DB")
    parser.add_argument("--report", action="store_true", help="run nothing: the cached table")
    parser.add_argument(
        "--equivalent",
        type=Path,
        default=Path(__file__).resolve().parent / "bridge_equivalent.txt",
        help="mutants argued equivalent in MUTATION.md, one name a line",
    )
    args = parser.parse_args()
    for name in ("DATABASE_URL", "SECRET_KEY"):
        if name not in os.environ and not args.report:
            raise SystemExit(f"{name} is not set: export the test settings as bin/test does")
    sample = sampled(args.sample, args.seed)
    candidates = sorted(
        m for codes in sample.values() for m, code in codes.items() if code not in mutation.KILLED
    )
    bridge, tests = tree("planner/bridge"), tree("tests")
    state = json.loads(STATE.read_text()) if STATE.exists() else {}
    if state.get("bridge") != bridge:
        state = {"bridge": bridge, "tests": None, "verdicts": {}, "stats_tests": None}
    if state["tests"] != tests:
        # New tests may kill old survivors; a kill stays a kill.
        state["verdicts"] = {
            m: v for m, v in state["verdicts"].items() if v in ("killed", "timeout")
        }
        state["tests"] = tests
    todo = [m for m in candidates if m not in state["verdicts"]]
    equivalent = set()
    if args.equivalent.exists():
        equivalent = {
            line.split()[0]
            for line in args.equivalent.read_text().splitlines()
            if line.strip() and not line.startswith("#")
        }
    started = time.monotonic()
    if todo and not args.report:
        print(f"{len(candidates)} sampled mutants left by tests/bridge; {len(todo)} to judge")
        build()
        for worker in range(args.jobs):
            subprocess.run(
                [
                    "createdb",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    worker_env(worker)["DATABASE_URL"].rpartition("/")[2],
                ],
                check=False,
                capture_output=True,
            )
        stats_path = OUT / "bridge-db-stats.json"
        if state.get("stats_tests") != tests or not stats_path.exists():
            code = run_pytest([*TEST_DIRS, "-p", "bridge_db_stats", "--create-db"], "stats", 0)
            if code != 0:
                raise SystemExit(f"the database tests fail on the unmutated bridge (exit {code})")
            shutil.copy(WORK / "stats.json", stats_path)
            state["stats_tests"] = tests
            print(f"stats recorded in {(time.monotonic() - started) / 60:.1f} min", flush=True)
        stats = json.loads(stats_path.read_text())
        # The other workers' test databases, at this code's migrations.
        for worker in range(1, args.jobs):
            run_pytest(["--create-db", "tests/planner/test_first_plan.py", "-x"], "none", worker)

        free: queue.Queue[int] = queue.Queue()
        for worker in range(args.jobs):
            free.put(worker)

        def one(item: tuple[int, str]) -> tuple[str, str]:
            number, mutant = item
            worker = free.get()  # a test database no other mutant is using
            try:
                verdict = judge(mutant, stats, worker)
            finally:
                free.put(worker)
            print(f"[{number + 1}/{len(todo)}] {verdict:<9} {mutant}", flush=True)
            return mutant, verdict

        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for mutant, verdict in pool.map(one, enumerate(todo)):
                state["verdicts"][mutant] = verdict
                STATE.write_text(json.dumps(state, indent=1))
    result = report(sample, state["verdicts"], equivalent)
    left = {module: row["left"] for module, row in result["modules"].items()}
    diffs = survivor_diffs(left)
    (OUT / "bridge-db-survivors.txt").write_text(diffs)
    minutes = (time.monotonic() - started) / 60
    load = os.getloadavg()
    print(
        f"\n{minutes:.1f} min wall clock, load average {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f}; survivors' diffs: {OUT / 'bridge-db-survivors.txt'}"
    )
    digest = hashlib.sha256(json.dumps(state["verdicts"], sort_keys=True).encode()).hexdigest()
    print(f"verdicts digest {digest[:12]} ({len(state['verdicts'])} judged by the database tests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
