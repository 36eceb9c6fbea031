"""Mutation testing of planner/engine (and of planner/bridge) with mutmut, no database.

Run from the repository root:

    .venv/bin/python bench/mutation/run.py                  # every engine module
    .venv/bin/python bench/mutation/run.py rented recommend # only these modules
    .venv/bin/python bench/mutation/run.py --bridge         # planner/bridge, DB-free tests
    .venv/bin/python bench/mutation/run.py --recheck ...    # re-try cached survivors
    .venv/bin/python bench/mutation/run.py --fresh ...      # forget cached verdicts

What it does:

1. Builds a scratch project in ``bench/out/mutation/<target>/`` (git-ignored) holding the
   code under test and its tests as committed at HEAD (``--worktree``: as they are on
   disk), a ``pyproject.toml`` that configures mutmut and pytest without Django, and a
   ``tests/conftest.py`` with a derandomized hypothesis profile (a mutant's verdict must
   not depend on the examples one run happens to draw). The repository's own
   ``tests/conftest.py`` needs a database and is not copied.
   - engine: ``planner/engine`` mutated, ``tests/engine`` run.
   - bridge: ``planner/bridge`` mutated (the engine copied unmutated), ``tests/bridge``
     run: the bridge's tests that need no database. The bridge's row-reading functions
     are sampled against the database tests by ``bench/mutation/bridge_db.py``.
2. Runs ``mutmut run`` there with 2 workers through ``launch.py`` (each mutant's tests
   fastest first). Per-mutant test selection by coverage: mutmut's stats pass records
   which tests call each function, and a mutant runs only those tests (``-x``).
3. Judges the mutants that pass 2 left with no test: a function no test calls at run
   time (called only while test modules are imported, or only through a subprocess)
   gets every test of the test files that import its module, and its mutants are run
   again. What no test file imports stays "no tests" and counts as not killed.
4. Prints the per-module score (killed / all judged; "no tests" count as not killed),
   the seconds each module's mutants spent in their tests, the run's wall clock and CPU
   time, and every survivor's diff (``mutmut show``) so it can be judged in MUTATION.md.

The stats (which tests call which function) are only valid for the modules that were
mutated when they were recorded: mutmut records a call only through a mutated
function's trampoline, and re-records only for *new* tests. A run for another set of
modules, or after a test file changed, therefore records the stats again; mutmut would
otherwise reuse the old ones and find no test for every function of a module the last
run did not mutate (this is why ``run.py compose`` once reported all its mutants as
"no tests" after a run of other modules).

Verdicts are cached between runs (mutmut's own cache, keyed by each function's source
hash), so a re-run after editing the code re-tests only the changed functions; tests
added later are tried on old survivors with ``--recheck``. See MUTATION.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out" / "mutation"
PYTHON = ROOT / ".venv" / "bin" / "python"
LAUNCH = Path(__file__).resolve().parent / "launch.py"


@dataclass(frozen=True)
class Target:
    package: str  # the mutated package, e.g. "planner/engine"
    tests: tuple[str, ...]  # the test directories run against it
    copied: tuple[str, ...]  # copied unmutated beside it (mutmut's also_copy)
    left_out: tuple[str, ...] = ()  # test files not collected (see TARGETS)
    # Data files the tests read (the stored schema-1 comparisons).
    data: tuple[str, ...] = ("tests/planner/data",)


TARGETS = {
    # The engine is judged by its own tests and by the bridge's tests that need no
    # database (tests/bridge: stored snapshots through the engine, figure by figure).
    # tests/engine/test_cli.py runs the CLI in subprocesses: mutmut's stats pass cannot see
    # the calls made there, so no mutant would ever select those tests, and under load
    # their 60-second subprocess timeout fails the stats pass. The CLI's own module is
    # tested in-process by tests/engine/test_cli_main.py. The file is still copied (other
    # test files import its helpers) but not collected (pytest's --ignore).
    "engine": Target(
        "planner/engine",
        ("tests/engine", "tests/bridge"),
        ("planner/bridge", "planner/labels.py"),
        ("tests/engine/test_cli.py",),
    ),
    "bridge": Target("planner/bridge", ("tests/bridge",), ("planner/engine", "planner/labels.py")),
}

PYPROJECT = """\
[tool.mutmut]
source_paths = ["{package}"]
only_mutate = {only}
# Plugins the engine's tests do not use are left out: each mutant starts a pytest session,
# and theirs cost a third of an empty session's CPU.
pytest_add_cli_args = [
    "-p", "no:django", "-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:anyio",
    "-p", "no:faker", "-p", "no:platformdirs", "-q", "-x",
]
pytest_add_cli_args_test_selection = {tests}
also_copy = {also_copy}
use_git_change_detection = false
# A mutant is timed out (killed) after (tests' time + 2 s) x 3 x 2 CPU seconds, not
# mutmut's default x 15 x 2: a mutant that loops forever then costs a minute, not six.
timeout_multiplier = 3.0
timeout_constant = 2.0

[tool.pytest.ini_options]
python_files = ["test_*.py"]
testpaths = {tests}
addopts = {addopts}
"""

CONFTEST = '''\
"""Scratch-project conftest (bench/mutation/run.py): deterministic, shorter hypothesis runs.

Derandomized so a verdict does not depend on the examples one run draws; examples capped
at {cap} per property (the suite asks for up to 300) so a mutant of a function that every
property calls costs seconds, not a minute: the fixed examples still find most slips, and
MUTATION.md counts only what this configuration kills.
"""

from hypothesis import settings

_init = settings.__init__


def _capped(self, parent=None, **kwargs):
    if "max_examples" in kwargs:
        kwargs["max_examples"] = min(kwargs["max_examples"], {cap})
    _init(self, parent, **kwargs)


settings.__init__ = _capped
settings.register_profile(
    "mutation", derandomize=True, deadline=None, database=None, max_examples={cap}
)
settings.load_profile("mutation")
'''
HYPOTHESIS_EXAMPLES = 40

# mutmut's exit codes, grouped as MUTATION.md counts them (mutmut.stats.status_by_exit_code).
KILLED = {1, 3, 36, 24, -24, 152, 255, -11, -9}  # failed, timed out, crashed
SURVIVED = {0}
NO_TESTS = {5, 33}
TIMEOUT = {36, 24, -24, 152, 255}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(target: Target, work: Path, modules: list[str], *, fresh: bool, worktree: bool) -> None:
    if fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    # What the last build held: an unchanged source file keeps its old mtime, so mutmut
    # keeps its mutants; a changed one gets a new mtime, so mutmut re-mutates it (mutmut
    # compares mtimes, and git archive stamps every file with the commit's time).
    before = {
        path.relative_to(work): (_sha(path), path.stat().st_mtime)
        for path in (work / target.package).rglob("*.py")
    }
    # mutmut copies the tests and also_copy paths into mutants/ but never deletes a file.
    stale = [work / "planner", work / "tests", work / "mutants" / "tests"]
    stale += [work / "mutants" / path for path in target.copied]
    for path in stale:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    paths = ["planner/__init__.py", target.package, *target.copied, "tests/__init__.py"]
    paths += [*target.tests, *target.data]
    if worktree:
        for path in paths:
            source, copy = ROOT / path, work / path
            copy.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(source, copy)
    else:
        # The committed tree: others' uncommitted edits in a shared checkout stay out.
        archive = subprocess.run(
            ["git", "archive", "HEAD", *paths], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(work)], input=archive, check=True)
    now = time.time()
    for path in (work / target.package).rglob("*.py"):
        old = before.get(path.relative_to(work))
        stamp = old[1] if old and old[0] == _sha(path) else now
        os.utime(path, (stamp, stamp))
    # A module the last run did not mutate was copied plain into mutants/, later than its
    # source, and mutmut would take that copy for an up-to-date mutated file: drop it.
    for copy in (work / "mutants" / target.package).glob("*.py"):
        if "mutmut generated" not in copy.read_text():
            copy.unlink()
    (work / "tests" / "conftest.py").write_text(CONFTEST.format(cap=HYPOTHESIS_EXAMPLES))
    for cache in work.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    only = [f"{target.package}/{m}.py" for m in modules] if modules else []
    also_copy = ["tests", *target.copied]
    (work / "pyproject.toml").write_text(
        PYPROJECT.format(
            package=target.package,
            tests=json.dumps(list(target.tests)),
            only=json.dumps(only),
            also_copy=json.dumps(also_copy),
            addopts=json.dumps([f"--ignore={path}" for path in target.left_out]),
        )
    )
    # The stats hold for the mutated modules and the tests they were recorded with.
    tests_digest = hashlib.sha256()
    for path in sorted(p for tests in target.tests for p in (work / tests).rglob("*.py")):
        tests_digest.update(str(path.relative_to(work)).encode() + b"\0" + path.read_bytes())
    # The pyproject too: mutmut would otherwise compare its settings with the stats' and
    # reset every cached verdict when they differ.
    selection = json.dumps(
        {
            "modules": sorted(modules),
            "tests": tests_digest.hexdigest(),
            "settings": hashlib.sha256((work / "pyproject.toml").read_bytes()).hexdigest(),
        }
    )
    recorded = work / "stats-selection.json"
    if not recorded.exists() or recorded.read_text() != selection:
        (work / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
        recorded.write_text(selection)


def verdicts(
    work: Path, target: Target, modules: list[str], drawn: set[str] | None = None
) -> dict[str, dict[str, dict]]:
    """Per module: each mutant's exit code and duration, from mutmut's .meta files (only
    the ``drawn`` mutants, when a sample was drawn)."""
    found: dict[str, dict[str, dict]] = {}
    for meta in sorted((work / "mutants" / target.package).glob("*.py.meta")):
        module = meta.name.removesuffix(".py.meta")
        if modules and module not in modules:
            continue
        data = json.loads(meta.read_text())
        found[module] = {
            name: {"exit": code, "seconds": data["durations_by_key"].get(name, 0.0)}
            for name, code in data["exit_code_by_key"].items()
            if drawn is None or name in drawn
        }
    return found


def draw(work: Path, target: Target, modules: list[str], size: int, seed: int) -> set[str]:
    """A simple random sample of up to ``size`` mutants of each module (all of a smaller
    module), the same for the same mutants, size and seed: the quick mode's mutants (a
    re-run with the same ``--sample`` and ``--seed`` reuses the cached verdicts)."""
    drawn: set[str] = set()
    for module, found in sorted(verdicts(work, target, modules).items()):
        names = sorted(found)
        # Seeded per module: a module's sample does not depend on the others asked for.
        rng = random.Random(f"{seed}:{module}")
        drawn.update(names if len(names) <= size else rng.sample(names, size))
    return drawn


def importing_test_files(work: Path, target: Target, module: str) -> list[str]:
    """The test files that import ``module`` of the target package (by name or from it)."""
    dotted = target.package.replace("/", ".")
    named = re.compile(
        rf"{re.escape(dotted)}\.{re.escape(module)}\b"
        rf"|from {re.escape(dotted)} import \(?[^)]*\b{re.escape(module)}\b",
        re.DOTALL,
    )
    files = []
    for path in sorted(p for tests in target.tests for p in (work / tests).rglob("test_*.py")):
        if named.search(path.read_text()):
            files.append(str(path.relative_to(work)))
    return files


def judge_untested(
    work: Path,
    target: Target,
    modules: list[str],
    run: list[str],
    env: dict,
    drawn: set[str] | None = None,
) -> int:
    """Run the mutants of functions with no recorded test against their module's test
    files (step 3 of the module docstring). Returns how many mutants it ran."""

    def untested() -> list[str]:
        return [
            name
            for found in verdicts(work, target, modules, drawn).values()
            for name, v in found.items()
            if v["exit"] in NO_TESTS
        ]

    stats_path = work / "mutants" / "mutmut-stats.json"
    left = untested()
    if left and not stats_path.exists():
        # The tests changed since these were judged (the stats were reset) and nothing
        # was pending: mutmut records the stats again, and may find tests for them now.
        subprocess.run(run + left, cwd=work, env=env, check=True)
        left = untested()
    if not left:
        return 0
    stats = json.loads(stats_path.read_text())
    known_tests = list(stats["duration_by_test"])
    by_function: dict[str, list[str]] = defaultdict(list)
    for name in left:
        by_function[name.partition("__mutmut_")[0]].append(name)
    runnable = []
    for function, names in sorted(by_function.items()):
        module = function.removeprefix(target.package.replace("/", ".") + ".").split(".")[0]
        files = importing_test_files(work, target, module)
        tests = [t for t in known_tests if t.split("::")[0] in files]
        if tests:
            stats["tests_by_mangled_function_name"][function] = tests
            runnable += names
    stats_path.write_text(json.dumps(stats, indent=4))
    if runnable:
        print(f"\n{len(runnable)} mutants of functions with no recorded test: their module's tests")
        subprocess.run(run + runnable, cwd=work, env=env, check=True)
    return len(runnable)


def survivor_diffs(work: Path, target: Target, found: dict[str, dict[str, dict]]) -> str:
    """Every mutant not killed, with its diff (mutmut's own ``show``, in-process)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    here = Path.cwd()
    os.chdir(work)  # mutmut reads mutants/ relative to the project
    try:
        out = []
        for module in sorted(found):
            path = f"{target.package}/{module}.py"
            for mutant, v in found[module].items():
                if v["exit"] is not None and v["exit"] not in KILLED:
                    status = "survived" if v["exit"] in SURVIVED else f"exit {v['exit']}"
                    try:
                        diff = get_diff_for_mutant(mutant, path=path)
                    except FileNotFoundError:  # the last run did not mutate this module
                        diff = f"(no diff: run.py {module} writes its mutants again)\n"
                    out.append(f"--- {mutant}: {status}\n{diff}")
        return "\n".join(out) + "\n"
    finally:
        os.chdir(here)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help="module names (default: all)")
    parser.add_argument("--bridge", action="store_true", help="mutate planner/bridge")
    parser.add_argument("--fresh", action="store_true", help="delete cached verdicts first")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--worktree", action="store_true", help="test the working tree, not the HEAD commit"
    )
    parser.add_argument(
        "--recheck", action="store_true", help="re-run cached survivors against today's tests"
    )
    parser.add_argument(
        "--recheck-only",
        action="store_true",
        help="only re-run the cached survivors (no pending mutant is run): for a deadline",
    )
    parser.add_argument("--quiet", action="store_true", help="no diffs of the survivors")
    parser.add_argument(
        "--sample",
        type=int,
        metavar="N",
        help="quick mode: judge a random sample of N mutants per module (the score is an "
        "estimate, printed with its 95%% interval)",
    )
    parser.add_argument("--seed", type=int, default=19, help="the sample's seed (default 19)")
    parser.add_argument(
        "--report",
        action="store_true",
        help="run nothing: print the table from the cached verdicts (e.g. of a stopped run)",
    )
    args = parser.parse_args()
    name = "bridge" if args.bridge else "engine"
    target, work = TARGETS[name], OUT / name
    modules = sorted(m.removesuffix(".py") for m in args.modules)
    if args.report:
        drawn = draw(work, target, modules, args.sample, args.seed) if args.sample else None
        report(work, target, modules, drawn, args, "cached verdicts")
        return 0
    build(target, work, modules, fresh=args.fresh, worktree=args.worktree)

    env = {
        **os.environ,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    started = time.monotonic()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = [str(PYTHON), str(LAUNCH), "run", "--max-children", str(args.jobs)]
    drawn: set[str] | None = None
    if args.recheck_only:
        args.recheck = True
        if args.sample:
            subprocess.run(
                [str(PYTHON), str(LAUNCH), "generate", str(args.jobs)],
                cwd=work,
                env=env,
                check=True,
            )
            drawn = draw(work, target, modules, args.sample, args.seed)
    elif args.sample:
        subprocess.run(
            [str(PYTHON), str(LAUNCH), "generate", str(args.jobs)], cwd=work, env=env, check=True
        )
        drawn = draw(work, target, modules, args.sample, args.seed)
        pending = sorted(
            mutant
            for found in verdicts(work, target, modules).values()
            for mutant, v in found.items()
            if mutant in drawn and v["exit"] is None
        )
        if pending:
            subprocess.run(run + pending, cwd=work, env=env, check=True)
    else:
        subprocess.run(run, cwd=work, env=env, check=True)
    fallback = 0 if args.recheck_only else judge_untested(work, target, modules, run, env, drawn)
    if args.recheck:
        # mutmut keeps a verdict until the function changes; tests added since the last
        # run must be tried on the old survivors by name.
        again = [
            mutant
            for found in verdicts(work, target, modules, drawn).values()
            for mutant, v in found.items()
            if v["exit"] in SURVIVED
        ]
        if again:
            subprocess.run(run + again, cwd=work, env=env, check=True)
    elapsed = time.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    load = os.getloadavg()
    report(
        work,
        target,
        modules,
        drawn,
        args,
        f"{elapsed / 60:.1f} min wall clock, {cpu / 60:.1f} CPU-minutes, "
        f"{args.jobs} workers, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
        f"(1 / 5 / 15 min); {fallback} mutants judged by their module's test files",
    )
    return 0


def report(
    work: Path,
    target: Target,
    modules: list[str],
    drawn: set[str] | None,
    args: argparse.Namespace,
    heading: str,
) -> None:
    """The per-module table and the survivors' diffs (survivors.txt)."""
    found = verdicts(work, target, modules, drawn)
    if drawn is not None:
        print(
            f"\nquick mode: a random sample of up to {args.sample} mutants per module "
            f"(seed {args.seed}); 'mutants' counts the sample, the interval is Wilson's 95%"
        )
    print(f"\n{target.package}: {heading}\n")
    print(
        f"{'module':<14}{'mutants':>8}{'killed':>8}{'timeout':>8}{'survived':>9}"
        f"{'no tests':>9}{'unrun':>6}{'pending':>8}{'score':>8}{'test s':>8}"
    )
    totals: Counter[str] = Counter()
    for module in sorted(found):
        counts = _counts(found[module])
        totals.update(counts)
        _row(module, counts, sampled=drawn is not None)
    _row("all", totals, sampled=drawn is not None)
    if drawn is not None:
        # Equal samples of unequal modules: the whole's estimate weights each module's
        # sampled score by its number of mutants (a stratified estimate).
        sizes = {module: len(v) for module, v in verdicts(work, target, modules).items()}
        weighted = total = 0.0
        for module, sample in found.items():
            counts = _counts(sample)
            judged = counts["mutants"] - counts["pending"]
            if judged:
                weighted += sizes[module] * counts["killed"] / judged
                total += sizes[module]
        if total:
            print(
                f"\nestimated score of all {int(total)} mutants of the sampled modules "
                f"(each module's sample weighted by its mutants): {100 * weighted / total:.1f}%"
            )
    diffs = survivor_diffs(work, target, found)
    (work / "survivors.txt").write_text(diffs)
    print(f"\nsurvivors and their diffs: {work / 'survivors.txt'}")
    if not args.quiet:
        print(diffs)


def _counts(found: dict[str, dict]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for v in found.values():
        code = v["exit"]
        counts["mutants"] += 1
        counts["seconds"] += v["seconds"]  # type: ignore[assignment]
        if code in KILLED:
            counts["killed"] += 1
            counts["timeout"] += code in TIMEOUT
        elif code in SURVIVED:
            counts["survived"] += 1
        elif code in NO_TESTS:
            counts["no tests"] += 1
        elif code is None:
            counts["pending"] += 1  # not judged yet (a run stopped early): left out of the score
        else:
            counts["unrun"] += 1  # not checked, suspicious, skipped
    return counts


def _row(module: str, counts: Counter[str], *, sampled: bool = False) -> None:
    judged = counts["killed"] + counts["survived"] + counts["no tests"] + counts["unrun"]
    score = f"{100 * counts['killed'] / judged:.1f}%" if judged else "-"
    interval = ""
    if sampled and judged:
        low, high = wilson(counts["killed"], judged)
        interval = f"  [{100 * low:.1f}%, {100 * high:.1f}%]"
    print(
        f"{module:<14}{counts['mutants']:>8}{counts['killed']:>8}{counts['timeout']:>8}"
        f"{counts['survived']:>9}{counts['no tests']:>9}{counts['unrun']:>6}"
        f"{counts['pending']:>8}{score:>8}{counts['seconds']:>8.0f}{interval}"
    )


def wilson(killed: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson's score interval for a proportion killed / n (95% for z = 1.96)."""
    p = killed / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


if __name__ == "__main__":
    sys.exit(main())
