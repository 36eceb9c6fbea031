"""Mutation testing of planner/engine with mutmut, against tests/engine only (no database).

Run from the repository root:

    .venv/bin/python bench/mutation/run.py                 # every engine module
    .venv/bin/python bench/mutation/run.py rented recommend # only these modules
    .venv/bin/python bench/mutation/run.py --fresh ...      # forget cached verdicts

What it does:

1. Builds a scratch project in ``bench/out/mutation/`` (git-ignored) holding only
   ``planner/engine`` and ``tests/engine`` as committed at HEAD (``--worktree``: as they
   are on disk), a ``pyproject.toml`` that configures mutmut and
   pytest without Django, and a ``tests/conftest.py`` with a derandomized hypothesis
   profile (a mutant's verdict must not depend on the examples one run happens to draw).
   The repository's own ``tests/conftest.py`` needs a database and is not copied.
2. Runs ``mutmut run`` there with 2 workers. mutmut records which tests call each
   function (its "stats" pass) and runs only those tests against that function's mutants:
   per-mutant test selection by coverage.
3. Prints the per-module score (killed / (killed + survived + timeout)) and lists every
   survivor with ``mutmut show`` so it can be judged in MUTATION.md.

Verdicts are cached in the scratch directory between runs (mutmut's own cache, keyed by
each function's source hash), so a re-run after adding tests re-tests only what changed;
``--fresh`` deletes the scratch directory first. See MUTATION.md for the recorded scores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "bench" / "out" / "mutation"
MUTMUT = ROOT / ".venv" / "bin" / "mutmut"

PYPROJECT = """\
[tool.mutmut]
source_paths = ["planner/engine"]
only_mutate = {only}
pytest_add_cli_args = ["-p", "no:django", "-p", "no:cacheprovider", "-q", "-x"]
pytest_add_cli_args_test_selection = ["tests/engine"]
also_copy = ["tests"]
use_git_change_detection = false

[tool.pytest.ini_options]
python_files = ["test_*.py"]
testpaths = ["tests/engine"]
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


def build(modules: list[str], *, fresh: bool, worktree: bool) -> None:
    if fresh and WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True, exist_ok=True)
    # mutmut copies the tests into mutants/ but never deletes one: drop the old copies.
    for target in (WORK / "planner", WORK / "tests", WORK / "mutants" / "tests"):
        if target.exists():
            shutil.rmtree(target)
    paths = ["planner/__init__.py", "planner/engine", "tests/__init__.py", "tests/engine"]
    if worktree:
        for path in paths:
            source, target = ROOT / path, WORK / path
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source, target)
    else:
        # The committed tree: others' uncommitted edits in a shared checkout stay out.
        archive = subprocess.run(
            ["git", "archive", "HEAD", *paths], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(WORK)], input=archive, check=True)
    (WORK / "tests" / "conftest.py").write_text(CONFTEST.format(cap=HYPOTHESIS_EXAMPLES))
    for cache in WORK.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    only = [f"planner/engine/{m}.py" for m in modules] if modules else []
    (WORK / "pyproject.toml").write_text(PYPROJECT.format(only=json.dumps(only)))


def results(env: dict[str, str], modules: list[str]) -> tuple[dict[str, Counter[str]], list[str]]:
    """Verdict counts per module, and the survivors (survived or not reached by any test)."""
    listing = subprocess.run(
        [str(MUTMUT), "results", "--all", "true"],
        cwd=WORK,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    verdicts: dict[str, Counter[str]] = {}
    survivors: list[str] = []
    for line in listing.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name.startswith("planner.engine."):
            continue
        module = module_of(name)
        if modules and module not in modules:
            continue
        verdicts.setdefault(module, Counter())[status] += 1
        if status in {"survived", "no tests"}:
            survivors.append(name)
    return verdicts, survivors


def module_of(mutant: str) -> str:
    # planner.engine.rented.x_rented_cost__mutmut_12 -> rented
    return mutant.split(".")[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help="engine module names (default: all)")
    parser.add_argument("--fresh", action="store_true", help="delete cached verdicts first")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--worktree", action="store_true", help="test the working tree, not the HEAD commit"
    )
    parser.add_argument(
        "--recheck", action="store_true", help="re-run cached survivors against today's tests"
    )
    args = parser.parse_args()
    modules = [m.removesuffix(".py") for m in args.modules]
    build(modules, fresh=args.fresh, worktree=args.worktree)

    env = {
        **os.environ,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    started = time.monotonic()
    run = [str(MUTMUT), "run", "--max-children", str(args.jobs)]
    subprocess.run(run, cwd=WORK, env=env, check=True)
    if args.recheck:
        # mutmut keeps a verdict until the function changes; tests added since the last
        # run must be tried on the old survivors by name.
        _, survivors = results(env, modules)
        if survivors:
            subprocess.run(run + survivors, cwd=WORK, env=env, check=True)
    elapsed = time.monotonic() - started
    verdicts, survivors = results(env, modules)

    print(f"\nmutmut run: {elapsed / 60:.1f} min wall clock, {args.jobs} workers\n")
    print(f"{'module':<14}{'mutants':>8}{'killed':>8}{'survived':>9}{'no tests':>9}  score")
    totals: Counter[str] = Counter()
    for module in sorted(verdicts):
        counts = verdicts[module]
        totals.update(counts)
        _row(module, counts)
    _row("all", totals)
    for name in survivors:
        print(f"\n--- {name}")
        sys.stdout.flush()
        subprocess.run([str(MUTMUT), "show", name], cwd=WORK, env=env, check=False)
    return 0


def _row(module: str, counts: Counter[str]) -> None:
    killed = counts["killed"] + counts["timeout"] + counts["segfault"]
    judged = killed + counts["survived"] + counts["no tests"]
    score = f"{100 * killed / judged:.1f}%" if judged else "-"
    print(
        f"{module:<14}{sum(counts.values()):>8}{killed:>8}{counts['survived']:>9}"
        f"{counts['no tests']:>9}  {score}"
    )


if __name__ == "__main__":
    sys.exit(main())
