"""The ambient tenant scope: which organizations the running code may see.

Kept apart from `accounts.tenancy` (which defines a model) so that code running before
Django is set up — manage.py, the Celery app — can enter a scope. Read
`accounts.tenancy` for how querysets use it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


class TenantScopeError(RuntimeError):
    """A tenant queryset was evaluated outside any organization scope."""


@dataclass(frozen=True)
class SystemScope:
    """Every organization: code that works across organizations on purpose."""

    reason: str


@dataclass(frozen=True)
class RequestScope:
    """The organizations of the request's user (read from ``request.user`` when used).

    Staff on Django admin pages see every organization (platform admins publish
    catalogs and look after every tenant).
    """

    request: HttpRequest

    def organization_filter(self) -> Q | None:
        """The filter on ``organization_id`` (None: every organization; an empty Q never
        comes back — no organizations gives ``EMPTY``)."""
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return EMPTY
        if user.is_active and user.is_staff and _is_admin_page(self.request):
            return None
        from accounts.models import Membership

        return Q(
            organization_id__in=Membership.objects.filter(user_id=user.pk).values("organization_id")
        )


@dataclass(frozen=True)
class OrganizationScope:
    """One organization: code that holds a credential for it other than a membership
    (a plan share link's token)."""

    organization_id: int

    def organization_filter(self) -> Q:
        return Q(organization_id=self.organization_id)


Scope = SystemScope | RequestScope | OrganizationScope

# A sentinel filter meaning "no organization at all".
EMPTY = Q(pk__in=[])

_scope: ContextVar[Scope | None] = ContextVar("tenant_scope", default=None)


def _is_admin_page(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and "admin" in match.app_names


def current_scope() -> Scope | None:
    return _scope.get()


@contextlib.contextmanager
def _entered(scope: Scope | None) -> Iterator[None]:
    token = _scope.set(scope)
    try:
        yield
    finally:
        _scope.reset(token)


def system_scope(reason: str) -> contextlib.AbstractContextManager[None]:
    """Run the block over every organization. `reason` says why (it is required)."""
    if not reason or not reason.strip():
        raise ValueError("system_scope() needs a reason")
    return _entered(SystemScope(reason))


def request_scope(request: HttpRequest) -> contextlib.AbstractContextManager[None]:
    """Run the block as `request`'s user: their organizations only."""
    return _entered(RequestScope(request))


def organization_scope(organization_id: int) -> contextlib.AbstractContextManager[None]:
    """Run the block seeing one organization's rows only."""
    return _entered(OrganizationScope(organization_id))


def no_scope() -> contextlib.AbstractContextManager[None]:
    """Run the block outside any scope (tests of the fail-closed behaviour)."""
    return _entered(None)


class TenantScopeMiddleware:
    """Every request runs in its user's scope, and the previous scope comes back after.

    Must come after ``AuthenticationMiddleware``. A streamed response is produced after
    this middleware returns, so its chunks are produced in the request's scope too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scope = RequestScope(request)
        with _entered(scope):
            response = self.get_response(request)
        if getattr(response, "streaming", False) and not getattr(response, "is_async", False):
            response.streaming_content = _stream_in_scope(response.streaming_content, scope)
        return response


def _stream_in_scope(content: Any, scope: Scope) -> Iterator[Any]:
    # Enter the scope around each chunk only: between chunks the consumer's own
    # scope must hold, so a generator-wide `with` would leak into it.
    iterator = iter(content)
    while True:
        token = _scope.set(scope)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _scope.reset(token)
        yield chunk
