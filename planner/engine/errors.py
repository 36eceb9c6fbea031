"""The one error type the engine raises for bad inputs."""

from __future__ import annotations


class ScenarioError(ValueError):
    """An input the engine cannot price, naming the field at fault.

    ``field`` is a dotted path (``api.output_per_mtok``) so a form, a REST view or the
    CLI can point at the exact input.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def require_non_negative(field: str, value: float) -> float:
    """Return ``value`` as a float if it is a finite number >= 0, else raise."""
    if not _is_finite(value) or value < 0:
        raise ScenarioError(field, "must be a non-negative number")
    return float(value)


def require_positive(field: str, value: float) -> float:
    if not _is_finite(value) or value <= 0:
        raise ScenarioError(field, "must be a positive number")
    return float(value)


def require_share(field: str, value: float) -> float:
    if not _is_finite(value) or not 0.0 <= value <= 1.0:
        raise ScenarioError(field, "must be a number between 0 and 1")
    return float(value)


def require_utilization(field: str, value: float) -> float:
    if not _is_finite(value) or not 0.0 < value <= 1.0:
        raise ScenarioError(field, "must be a number greater than 0 and at most 1")
    return float(value)


def _is_finite(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return value == value and value not in (float("inf"), float("-inf"))
