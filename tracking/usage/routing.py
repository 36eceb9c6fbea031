"""Which workload a usage row belongs to. Pure: the service builds a `Router` from the
organization's rules (`UsageRoutingRule`) and the upload's choices.

In order, the first that applies:

1. the row's own ``workload`` column (our CSV format), naming a workload;
2. a rule on the row's API key, then on one of its tags (in the row's order), then on its
   team, its user, its model group (the most specific first);
3. the upload's default workload (the page it was uploaded from, or the one chosen);
4. none: the row is left out and counted in the report's ``unrouted`` section, with the
   keys, tags, teams, users and model groups seen most, so rules can be added for them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

DIMENSIONS = ("key", "tag", "team", "user", "model_group")
# How many distinct values of a dimension the unrouted tally remembers (the report names
# the most frequent few); more are counted under `others`.
TALLY_DISTINCT_VALUES = 1_000
TALLY_REPORTED = 5


def parse_tags(text: str) -> tuple[str, ...]:
    """A tags cell: a JSON array (LiteLLM's ``request_tags``) or one plain tag."""
    text = text.strip()
    if not text:
        return ()
    if text.startswith("["):
        try:
            tags = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(f"{text[:60]!r} is not a JSON list of tags") from None
        if not isinstance(tags, list):
            raise ValueError(f"{text[:60]!r} is not a JSON list of tags")
        return tuple(str(tag) for tag in tags if tag is not None and str(tag) != "")
    return (text,)


@dataclass
class Router:
    """``rules``: (dimension, value, workload id); ``workloads_by_name`` for a file's own
    workload column; ``default``: the workload of rows nothing else claims."""

    rules: Iterable[tuple[str, str, int]] = ()
    workloads_by_name: dict[str, int] = field(default_factory=dict)
    default: int | None = None

    def __post_init__(self) -> None:
        self._by: dict[str, dict[str, int]] = {dimension: {} for dimension in DIMENSIONS}
        for dimension, value, workload_id in self.rules:
            self._by[dimension][value] = workload_id
        self.uses_tags = bool(self._by["tag"])
        self._key, self._team = self._by["key"], self._by["team"]
        self._user, self._group, self._tag = (
            self._by["user"],
            self._by["model_group"],
            self._by["tag"],
        )

    def route(
        self, *, key: str, team: str, user: str, model_group: str, tags: Sequence[str]
    ) -> int | None:
        if key and key in self._key:
            return self._key[key]
        for tag in tags:
            if tag in self._tag:
                return self._tag[tag]
        if team and team in self._team:
            return self._team[team]
        if user and user in self._user:
            return self._user[user]
        if model_group and model_group in self._group:
            return self._group[model_group]
        return self.default


@dataclass
class UnroutedTally:
    """Rows no workload claimed: how many, their tokens and cost, and the labels they
    carried most often."""

    rows: int = 0
    tokens: int = 0
    cost: Decimal = field(default_factory=lambda: Decimal(0))
    values: dict[str, dict[str, int]] = field(
        default_factory=lambda: {dimension: {} for dimension in DIMENSIONS}
    )
    others: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DIMENSIONS, 0))

    def add(
        self,
        *,
        tokens: int,
        cost: Decimal,
        key: str,
        team: str,
        user: str,
        model_group: str,
        tags: Sequence[str],
    ) -> None:
        self.rows += 1
        self.tokens += tokens
        self.cost += cost
        for dimension, value in (
            ("key", key),
            ("team", team),
            ("user", user),
            ("model_group", model_group),
        ):
            if value:
                self._seen(dimension, value)
        for tag in tags:
            self._seen("tag", tag)

    def _seen(self, dimension: str, value: str) -> None:
        counts = self.values[dimension]
        if value in counts:
            counts[value] += 1
        elif len(counts) < TALLY_DISTINCT_VALUES:
            counts[value] = 1
        else:
            self.others[dimension] += 1

    def summary(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "tokens": self.tokens,
            "cost": str(self.cost),
            "top": {
                dimension: [
                    [value, count]
                    for value, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[
                        :TALLY_REPORTED
                    ]
                ]
                for dimension, counts in self.values.items()
                if counts
            },
        }
