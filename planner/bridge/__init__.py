"""The only code that turns database rows into engine inputs (and engine results into JSON).

Nothing else on the Django side imports ``planner.engine``: import-linter says so.

* ``plans`` - a plan's rows -> a JSON snapshot of every engine input -> stored results.
* ``sweeps`` - a sweep spec's rows -> the engine's vectorized sweep.
* ``forecasts`` - a stored snapshot -> forecast and sensitivity.
* ``quotes`` - the JSON quote contract of ``POST /api/v1/quote`` and the CLI.
"""

from planner.engine.errors import ScenarioError

__all__ = ["ScenarioError"]
