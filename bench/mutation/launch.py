"""Start mutmut's command line with one change: each mutant runs its tests fastest first.

Run by bench/mutation/run.py as ``python launch.py run ...`` inside a scratch project.

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


if __name__ == "__main__":
    # Imported (not run as a script), so mutmut's fork start method is set once.
    from mutmut.__main__ import cli

    _fastest_first()
    sys.exit(cli())
