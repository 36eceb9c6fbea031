"""The one mechanism that scopes tenant-owned rows to an organization — failing closed.

Every tenant-owned model inherits `TenantModel`. Code keeps scoping explicitly: lists
with `Model.objects.for_org(org)`, single objects through `accounts.access`. Under that
sits an ambient safety net, so a forgotten filter cannot show one organization's rows
to another:

* A context variable holds the **tenant scope** of the running code: a *request*
  (`request_scope`, set by `TenantScopeMiddleware` for every HTTP request: the
  organizations the request's user is a member of), the *system* (`system_scope(reason)`:
  every organization — Celery tasks, management commands, Django admin for staff,
  test setup, the share-link token lookup), *one organization*
  (`organization_scope(id)`: a page opened by a share-link token) or nothing.
* `TenantQuerySet` applies the scope when a queryset is **evaluated** (iterated,
  counted, `exists`, `aggregate`, `update`, `delete`, `iterator`, `explain`, used as
  the value of an `__in` filter...), not when it is built — DRF and forms build
  querysets at import. Under a request scope it adds
  ``organization_id IN (the user's organizations)``; an anonymous request sees nothing.
  Under an organization scope it adds ``organization_id = id``; under the system scope
  nothing. With **no scope** it raises
  `TenantScopeError` instead of returning every organization's rows.
* `for_org()` / `for_user()` still filter as before; the ambient filter is ANDed to
  them, so it can only narrow.

The user's organizations are read in a subquery of each query
(``organization_id IN (SELECT organization_id FROM membership WHERE user_id = ...)``),
not a set cached on the request: no extra query per request, and a request that creates
or joins an organization (sign-up, accepting an invitation) sees it at once. The user is
read from ``request.user`` at evaluation, so a DRF token authenticated inside the view
counts.

Not covered (by design of Django, not reachable from a queryset): ``Subquery(qs)`` and
``Exists(qs)`` take ``qs.query`` directly, so a tenant queryset inside them is not
scoped — the outer queryset is, if it is a tenant model's; raw SQL (``.raw()``,
cursors); forward foreign keys (``option.plan``), ``refresh_from_db``, ``save`` and
cascading deletes, which use the model's plain base manager and follow rows that were
already reached through a scoped query.

Every write path here (``save``/``delete`` of a row, ``update``, ``delete``,
``bulk_create``, ``bulk_update`` of a queryset) also reports the organizations it touched
to `accounts.generations`, which is what lets pages cache an organization's data safely.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

from accounts.generations import data_changed
from accounts.tenant_scope import (
    EMPTY,
    OrganizationScope,
    RequestScope,
    SystemScope,
    TenantScopeError,
    TenantScopeMiddleware,
    current_scope,
    no_scope,
    organization_scope,
    request_scope,
    system_scope,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from accounts.models import Organization

__all__ = [
    "OrganizationScope",
    "RequestScope",
    "SystemScope",
    "TenantModel",
    "TenantQuerySet",
    "TenantScopeError",
    "TenantScopeMiddleware",
    "current_scope",
    "no_scope",
    "organization_scope",
    "request_scope",
    "system_scope",
]


def _model_is_tenant(model: type[models.Model]) -> bool:
    return issubclass(model, TenantModel)


class TenantQuerySet(models.QuerySet):
    """Tenant rows; the ambient scope is applied when the queryset is evaluated."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # True on the private copy that carries the ambient filter (and on its clones,
        # e.g. the copy `delete()` makes), so the filter is added once.
        self._tenant_scope_applied = False

    def for_org(self, organization: Organization) -> TenantQuerySet:
        return self.filter(organization=organization)

    def for_user(self, user: Any) -> TenantQuerySet:
        """Rows of every organization `user` belongs to."""
        return self.filter(organization__memberships__user=user)

    # --- the scope ----------------------------------------------------------------------

    def _clone(self) -> TenantQuerySet:
        clone = super()._clone()
        clone._tenant_scope_applied = self._tenant_scope_applied
        return clone

    def _scope_filter(self) -> Q | None:
        scope = current_scope()
        if isinstance(scope, SystemScope):
            return None
        if isinstance(scope, RequestScope | OrganizationScope):
            return scope.organization_filter()
        if self.query.is_empty():  # .none(): nothing to leak
            return None
        raise TenantScopeError(
            f"query on {self.model.__name__} outside any organization scope; use "
            "for_org(), or run under system_scope(reason)"
        )

    def _tenant_scoped(self) -> TenantQuerySet:
        """A copy of this queryset with the ambient scope applied (raises without one)."""
        condition = self._scope_filter()
        clone = self._clone()
        clone._tenant_scope_applied = True
        if condition is None:
            return clone
        query = clone.query
        if query.combinator:
            # The rows come from the combined queries; a filter on the outer one is ignored.
            parts = []
            for part in query.combined_queries:
                part = part.clone()
                if _model_is_tenant(part.model):
                    _restrict(part, condition)
                parts.append(part)
            query.combined_queries = tuple(parts)
        else:
            _restrict(query, condition)
        return clone

    def _needs_scope(self) -> bool:
        return not self._tenant_scope_applied

    def _organizations_touched(self, values: dict[str, Any] | None = None) -> set[int]:
        """The organizations of the rows this (scoped) queryset is about to write."""
        touched = set(self.order_by().values_list("organization_id", flat=True).distinct())
        moved_to = (values or {}).get("organization", (values or {}).get("organization_id"))
        if moved_to is not None:
            touched.add(getattr(moved_to, "pk", moved_to))
        return touched

    # --- every way a queryset reaches the database ----------------------------------

    def _fetch_all(self) -> None:
        if self._result_cache is None and self._needs_scope():
            scoped = self._tenant_scoped()
            self._result_cache = list(scoped._iterable_class(scoped))
        super()._fetch_all()

    def iterator(self, chunk_size: int | None = None) -> Iterator[Any]:
        if self._needs_scope():
            return self._tenant_scoped().iterator(chunk_size)
        return super().iterator(chunk_size)

    def aiterator(self, chunk_size: int = 2000) -> Any:
        if self._needs_scope():
            return self._tenant_scoped().aiterator(chunk_size)
        return super().aiterator(chunk_size)

    def count(self) -> int:
        if self._result_cache is None and self._needs_scope():
            return self._tenant_scoped().count()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None and self._needs_scope():
            return self._tenant_scoped().exists()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if self._needs_scope():
            return self._tenant_scoped().aggregate(*args, **kwargs)
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        if self._needs_scope():
            self._for_write = True
            rows = self._tenant_scoped().update(**kwargs)
            self._result_cache = None
            return rows
        touched = self._organizations_touched(kwargs)
        rows = super().update(**kwargs)
        if rows:
            data_changed(touched)
        return rows

    update.alters_data = True  # type: ignore[attr-defined]

    def _update(self, values: Any) -> int:
        if self._needs_scope():
            rows = self._tenant_scoped()._update(values)
            self._result_cache = None
            return rows
        touched = self._organizations_touched({field.name: value for field, _, value in values})
        rows = super()._update(values)
        if rows:
            data_changed(touched)
        return rows

    _update.alters_data = True  # type: ignore[attr-defined]
    _update.queryset_only = False  # type: ignore[attr-defined]

    def delete(self) -> tuple[int, dict[str, int]]:
        if self._needs_scope():
            result = self._tenant_scoped().delete()
            self._result_cache = None
            return result
        touched = self._organizations_touched()
        result = super().delete()
        if result[0]:
            data_changed(touched)
        return result

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]

    def _raw_delete(self, using: str) -> int:
        if self._needs_scope():
            return self._tenant_scoped()._raw_delete(using)
        touched = self._organizations_touched()
        rows = super()._raw_delete(using)
        if rows:
            data_changed(touched)
        return rows

    _raw_delete.alters_data = True  # type: ignore[attr-defined]

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        created = super().bulk_create(objs, *args, **kwargs)
        data_changed(obj.organization_id for obj in created)
        return created

    bulk_create.alters_data = True  # type: ignore[attr-defined]

    def explain(self, *, format: str | None = None, **options: Any) -> str:
        if self._needs_scope():
            return self._tenant_scoped().explain(format=format, **options)
        return super().explain(format=format, **options)

    def resolve_expression(self, *args: Any, **kwargs: Any) -> Any:
        # Used as a filter value: Model.objects.filter(plan__in=Plan.objects.filter(...)).
        # (Subquery()/Exists() read `.query` directly and are not covered: see the module
        # docstring.)
        if self._needs_scope():
            return self._tenant_scoped().resolve_expression(*args, **kwargs)
        return super().resolve_expression(*args, **kwargs)

    resolve_expression.queryset_only = True  # type: ignore[attr-defined]


def _restrict(query: Any, condition: Q) -> None:
    if condition is EMPTY:
        query.set_empty()
    else:
        query.add_q(condition)


class TenantModel(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        data_changed([self.organization_id])

    save.alters_data = True  # type: ignore[attr-defined]

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        organization_id = self.organization_id
        result = super().delete(*args, **kwargs)
        data_changed([organization_id])
        return result

    delete.alters_data = True  # type: ignore[attr-defined]
