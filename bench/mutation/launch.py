"""Start mutmut's command line with one change: each mutant runs its tests fastest first.

Run by bench/mutation/run.py as ``python launch.py run ...`` inside a scratch project
(``python launch.py generate [workers]`` only writes the mutants, for run.py --sample).

mutmut 3.8 hands each mutant the set of tests its stats pass recorded for the mutated
function, in set order (arbitrary, and different from run to run), and pytest stops at
the first failure (``-x``). A killed mutant is judged as soon as one test fails, so
running the cheapest tests first judges most killed mutants in a fraction of the time;
a survivor runs every test either way. The verdict does not depend on the order: the
tests share no state (the engine is pure), and sorting by (recorded duration, node id)
makes the order the same on every run.

The patch wraps one method of mutmut's pytest runner; if a future mutmut renames it,
the launcher says so and runs mutmut unchanged (verdicts stay correct, only slower).
"""

from __future__ import annotations

import sys


def _fastest_first() -> None:
    from mutmut.runners.harness import PytestRunner
    from mutmut.state import state

    original = getattr(PytestRunner, "_pytest_args_regular_run", None)
    if original is None:
        print("launch.py: mutmut changed; tests run in mutmut's own order", file=sys.stderr)
        return

    def ordered(self: PytestRunner, tests: object) -> list[str]:
        durations = state().duration_by_test
        ranked = sorted(tests or (), key=lambda test: (durations.get(test, 0.0), test))  # type: ignore[attr-defined]
        return original(self, ranked)  # type: ignore[no-any-return]

    PytestRunner._pytest_args_regular_run = ordered  # type: ignore[method-assign]


def _generate(max_children: int) -> None:
    """Write the mutants (``mutants/`` and its ``.meta`` files) without running any test:
    the first step of mutmut's ``run``, so run.py --sample can draw from the mutants'
    names before it runs the drawn ones. ``run`` later finds the files up to date."""
    import os

    from mutmut.__main__ import create_mutants, store_lines_covered_by_tests
    from mutmut.mutation.trampoline import set_mutant_under_test
    from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir, setup_source_paths

    set_mutant_under_test("mutant_generation")
    os.makedirs("mutants", exist_ok=True)
    copy_src_dir()
    copy_also_copy_files()
    setup_source_paths()
    store_lines_covered_by_tests()
    create_mutants(max_children)


if __name__ == "__main__":
    if sys.argv[1:2] == ["generate"]:
        _generate(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
        sys.exit(0)
    # Imported (not run as a script), so mutmut's fork start method is set once.
    from mutmut.__main__ import cli

    _fastest_first()
    sys.exit(cli())
