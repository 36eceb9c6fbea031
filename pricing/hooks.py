"""Extension points for the apps built on top of pricing.

Pricing sits below the planner (pyproject.toml's import-linter contracts): it never
imports it. Where a catalog step has to reach the planner (publishing a version
re-evaluates the plans pinned to earlier versions of its catalog) the planner registers
a hook here from its ``AppConfig.ready()`` and pricing calls whatever is registered.

Hooks run synchronously, in registration order, inside the caller's transaction; an
exception in a hook propagates to the caller, so a publication is all or nothing.
"""

from __future__ import annotations

from typing import Any, Protocol


class VersionPublishedHook(Protocol):
    def __call__(self, *, version: Any, actor: Any) -> str | None: ...


_version_published: list[VersionPublishedHook] = []


def register_version_published(hook: VersionPublishedHook) -> None:
    """Call ``hook(version=, actor=)`` when a catalog version is published. Registering
    the same hook again does nothing."""
    if hook not in _version_published:
        _version_published.append(hook)


def version_published(*, version: Any, actor: Any) -> list[str]:
    """Run the registered hooks for a version just published; returns what each said it
    did (a sentence for the operator), leaving out those with nothing to say."""
    said = [hook(version=version, actor=actor) for hook in _version_published]
    return [sentence for sentence in said if sentence]
