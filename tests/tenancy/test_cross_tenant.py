"""The cross-tenant harness: every route of the project, tested for tenancy, automatically.

Each URL pattern found by `tests.tenancy.routes.discover_routes()` is its own test:

* tenant objects (`pk`... with a `model` that has a TENANT_FACTORIES builder): an object
  of ANOTHER organization is 404 for every role of organization A, on GET and on every
  write; in A's own organization the viewer gets 403 on writes and the owner can GET;
* user-owned objects (USER_FACTORIES): another user's object is 404 for everyone;
* organization in the URL (`org_slug`): another organization is 404 for every role;
* organization-level routes (no kwargs): the viewer cannot write (403, or 405);
* every non-public route refuses anonymous users (login redirect, or 401/403 for the API),
  except that a visitor page (VISITOR_PAGES, the landing page at /) shows its public page.

A route the harness cannot classify fails with a message saying what to add. Adding a
route, view or model needs no change here beyond that.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from accounts.models import Organization, Role
from tests.conftest import Cast
from tests.factories import TENANT_FACTORIES, USER_FACTORIES, UserFactory
from tests.tenancy.routes import (
    PUBLIC,
    USER_LEVEL,
    VISITOR_PAGES,
    WRITE_METHODS,
    Kind,
    Route,
    UnclassifiableRouteError,
    build_path,
    classify,
    discover_routes,
    organization_of,
)

ROUTES = discover_routes()
TESTED = [route for route in ROUTES if not route.namespace or route.namespace != "admin"]
ROLES = ("owner", "admin", "teammate", "viewer")


def _id(route: Route) -> str:
    return f"{route.key} {route.pattern}"


def _send(client: Client, route: Route, method: str, path: str) -> HttpResponse:
    if route.is_api:
        return client.generic(method, path, "{}", content_type="application/json")
    if method == "GET":
        return client.get(path)
    if method == "POST":
        return client.post(path, {})
    return client.generic(method, path, "", content_type="application/x-www-form-urlencoded")


def _describe(route: Route, who: str, method: str, path: str, response: HttpResponse) -> str:
    return f"{route.key} ({route.pattern}): {who} {method} {path} -> {response.status_code}"


def _kind(route: Route) -> Kind:
    problem = None
    try:
        return classify(route)
    except UnclassifiableRouteError as exc:
        problem = str(exc)
    pytest.fail(problem, pytrace=False)


def _build(route: Route, owner: Any) -> Any:
    model = route.model
    if model in TENANT_FACTORIES:
        return TENANT_FACTORIES[model](owner)
    return USER_FACTORIES[model](owner)


def _assert_anonymous_refused(route: Route, path: str) -> None:
    method = "GET" if "GET" in route.allowed_methods else sorted(route.allowed_methods)[0]
    response = _send(Client(), route, method, path)
    where = _describe(route, "anonymous", method, path, response)
    if route.is_api:
        assert response.status_code in (401, 403), where
    elif response.status_code != 405:
        assert response.status_code == 302, where
        assert response.url.startswith(reverse("accounts:login")), where


def _assert_not_found_for(client: Client, who: str, route: Route, path: str) -> None:
    for method in ("GET", *WRITE_METHODS):
        response = _send(client, route, method, path)
        expected = {404} if method in route.allowed_methods else {404, 405}
        assert response.status_code in expected, _describe(route, who, method, path, response)


def _assert_viewer_cannot_write(client: Client, route: Route, path: str) -> None:
    for method in WRITE_METHODS:
        response = _send(client, route, method, path)
        expected = {403} if method in route.allowed_methods else {403, 405}
        assert response.status_code in expected, _describe(route, "viewer", method, path, response)


def _assert_owner_can_read(client: Client, route: Route, path: str) -> None:
    if "GET" not in route.allowed_methods:
        return
    response = _send(client, route, "GET", path)
    assert response.status_code < 400, _describe(route, "owner", "GET", path, response)


# What an anonymous visitor gets from each public route: (status, text on the response).
# Credential kwargs (tokens, uids) are a forged "placeholder": a guessed link shows no one's
# data. A new public route must say here what an anonymous visitor sees.
ANONYMOUS_GETS: dict[str, tuple[int, str]] = {
    "accounts:login": (200, "<h1>Log in</h1>"),
    "accounts:signup": (200, "Create your account"),
    "accounts:signup_done": (200, "Check your email"),
    "accounts:login_two_factor": (302, ""),  # no password step yet: back to the login form
    "accounts:verify_email": (400, "This link does not work"),
    "accounts:password_reset": (200, "Reset your password"),
    "accounts:password_reset_done": (200, "Check your email"),
    "accounts:password_reset_confirm": (200, "Link no longer valid"),
    "accounts:password_reset_complete": (200, "Password set"),
    "accounts:invitation_accept": (404, "Invitation not accepted"),
    "planner:shared_plan": (404, "Not Found"),
    "api-schema": (200, "title: Breakeven API"),
    "api-docs": (200, "<title>Breakeven API</title>"),
    "api-redoc": (200, "<title>Breakeven API</title>"),
    "accounts.api.views.api_not_found": (404, '"code":"not_found"'),
    "health_live": (200, "ok"),
    "health_ready": (200, '"OK"'),
    "favicon": (200, ""),
    "planner:dashboard": (200, "Pay per token, or run the model yourself?"),
}


def _assert_anonymous_gets_the_public_page(route: Route, cast: Cast) -> None:
    """An anonymous GET answers with the route's own public page and nothing of a tenant."""
    assert route.key in ANONYMOUS_GETS, (
        f"{route.key} is public: add what an anonymous visitor gets to ANONYMOUS_GETS"
    )
    status, text = ANONYMOUS_GETS[route.key]
    path = route.path(dict.fromkeys(route.kwarg_names, "placeholder"))
    response = Client().get(path)
    where = _describe(route, "anonymous", "GET", path, response)
    assert response.status_code == status, where
    if status == 302:
        assert response["Location"] == reverse("accounts:login"), where
    body = response.content.decode(errors="replace")
    assert text in body, where
    for secret in (cast.org.name, cast.other_org.name, cast.owner.email, cast.outsider.email):
        assert secret not in body, f"{where}: shows {secret!r}"


def _clients(cast: Cast) -> dict[str, Client]:
    return {who: cast.client_for(getattr(cast, who), cast.org) for who in ROLES}


@pytest.mark.django_db
@pytest.mark.parametrize("route", TESTED, ids=_id)
def test_route_respects_tenancy(route: Route, cast: Cast) -> None:
    kind = _kind(route)
    if kind is Kind.PUBLIC:
        _assert_anonymous_gets_the_public_page(route, cast)
        return
    clients = _clients(cast)

    if kind is Kind.USER_LEVEL:
        _assert_anonymous_refused(route, build_path(route, organization=cast.org))

    elif kind is Kind.ORG_LEVEL:
        path = build_path(route)
        if route.key in VISITOR_PAGES:
            _assert_anonymous_gets_the_public_page(route, cast)
        else:
            _assert_anonymous_refused(route, path)
        _assert_viewer_cannot_write(clients["viewer"], route, path)
        _assert_owner_can_read(clients["owner"], route, path)

    elif kind is Kind.ORG_IN_URL:
        foreign = build_path(route, organization=cast.other_org)
        for who, client in clients.items():
            _assert_not_found_for(client, who, route, foreign)
        own = build_path(route, organization=cast.org)
        _assert_anonymous_refused(route, own)
        _assert_viewer_cannot_write(clients["viewer"], route, own)
        _assert_owner_can_read(clients["owner"], route, own)

    elif kind is Kind.TENANT_OBJECT:
        theirs = _build(route, cast.other_org)
        foreign = build_path(route, obj=theirs, organization=organization_of(theirs))
        for who, client in clients.items():
            _assert_not_found_for(client, who, route, foreign)
        ours = _build(route, cast.org)
        own = build_path(route, obj=ours, organization=organization_of(ours))
        _assert_anonymous_refused(route, own)
        _assert_viewer_cannot_write(clients["viewer"], route, own)
        _assert_owner_can_read(clients["owner"], route, own)

    elif kind is Kind.USER_OBJECT:
        theirs = _build(route, cast.outsider)
        foreign = build_path(route, obj=theirs, organization=cast.other_org)
        for who, client in clients.items():
            _assert_not_found_for(client, who, route, foreign)
        mine = _build(route, cast.owner)
        own = build_path(route, obj=mine, organization=cast.org)
        _assert_anonymous_refused(route, own)
        _assert_owner_can_read(clients["owner"], route, own)

    elif kind is Kind.SHARED_OBJECT:
        # Reference data visible to every organization: no cross-tenant case, but still
        # login-only and read-only for viewers. The id need not exist: refusals come first.
        path = build_path(route, obj=_Placeholder(), organization=cast.org)
        _assert_anonymous_refused(route, path)
        _assert_viewer_cannot_write(clients["viewer"], route, path)

    else:  # pragma: no cover - a new Kind must be handled above
        pytest.fail(f"unhandled kind {kind}")


class _Placeholder:
    """Stands in for a shared object whose existence does not matter."""

    pk = id = 999_999_999
    slug = token = uuid = "placeholder"


@pytest.mark.parametrize(
    "route", [r for r in TESTED if r.key in PUBLIC and not r.kwarg_names], ids=_id
)
@pytest.mark.django_db
def test_public_routes_answer_anonymous_users(route: Route) -> None:
    response = Client().get(build_path(route))
    assert response.status_code < 400 or response.status_code in (404, 405), (
        f"{route.key}: anonymous GET -> {response.status_code}"
    )
    if route.key != "accounts.api.views.api_not_found":
        assert response.status_code < 400, f"{route.key}: anonymous GET -> {response.status_code}"


def test_allow_lists_name_existing_routes() -> None:
    """A renamed or deleted route must leave the allow-lists too, or they grow stale."""
    keys = {route.key for route in ROUTES}
    assert sorted(set(PUBLIC) - keys) == []
    assert sorted(set(USER_LEVEL) - keys) == []
    assert sorted(set(VISITOR_PAGES) - keys) == []
    assert sorted(set(ANONYMOUS_GETS) ^ (set(PUBLIC) | set(VISITOR_PAGES))) == []


def test_discovery_reaches_nested_and_api_routes() -> None:
    """Guards the harness itself: an empty or shallow walk would make every test pass."""
    kinds = {route.key: route for route in ROUTES}
    assert "accounts:members" in kinds
    assert kinds["accounts:membership_role"].kwarg_names == ("pk",)
    assert any(route.pattern.startswith("api/v1/") for route in ROUTES)
    assert any(route.namespace == "admin" for route in ROUTES)
    assert len(TESTED) >= 20


@pytest.mark.django_db
def test_harness_classifies_our_own_routes() -> None:
    by_key = {route.key: route for route in ROUTES}
    assert classify(by_key["accounts:members"]) is Kind.ORG_LEVEL
    assert classify(by_key["accounts:membership_role"]) is Kind.TENANT_OBJECT
    assert classify(by_key["accounts:invitation_accept"]) is Kind.PUBLIC
    assert classify(by_key["accounts:organization_switch"]) is Kind.USER_LEVEL


def test_harness_refuses_a_route_it_cannot_fill() -> None:
    route = next(r for r in ROUTES if r.key == "accounts:membership_role")
    odd = Route(
        key="x:odd",
        pattern="odd/<int:year>/",
        regex=r"^odd/(?P<year>[0-9]+)/\Z",
        kwarg_names=("year",),
        callback=route.callback,
    )
    with pytest.raises(UnclassifiableRouteError, match="ORG_KWARGS, OBJECT_KWARGS or FIXED_KWARGS"):
        classify(odd)


def test_harness_refuses_a_model_without_factory() -> None:
    route = next(r for r in ROUTES if r.key == "accounts:membership_role")

    class NoFactoryView(route.view_class):  # type: ignore[misc, valid-type]
        model = Organization

    callback = NoFactoryView.as_view()
    odd = Route(
        key="x:nofactory",
        pattern="nf/<int:pk>/",
        regex=r"^nf/(?P<pk>[0-9]+)/\Z",
        kwarg_names=("pk",),
        callback=callback,
    )
    with pytest.raises(UnclassifiableRouteError, match="tenant_factory\\(Organization\\)"):
        classify(odd)


@pytest.mark.django_db
class TestAdmin:
    """The Django admin is staff-only: organization roles give no way in."""

    @pytest.mark.parametrize("who", ["owner", "admin", "viewer", "outsider"])
    def test_non_staff_are_sent_to_the_admin_login(self, cast: Cast, who: str) -> None:
        response = cast.client_for(getattr(cast, who)).get("/admin/accounts/membership/")
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")

    def test_staff_get_in(self) -> None:
        staff = UserFactory(is_staff=True, is_superuser=True)
        client = Client()
        client.force_login(staff)
        assert client.get("/admin/accounts/membership/").status_code == 200


def test_roles_cover_every_role() -> None:
    # The harness tests each role of organization A; a new Role needs a cast member.
    assert {Role.OWNER, Role.ADMIN, Role.MEMBER, Role.VIEWER} == set(Role)


@pytest.mark.django_db
def test_harness_catches_a_leaking_access_helper(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A harness that cannot fail is no harness: break tenancy and watch it object."""
    from accounts import access
    from accounts.models import Membership

    def leaky_get_for_member(queryset, user, pk):  # ignores which organization owns the row
        return queryset.get(pk=pk), Membership.objects.filter(user=user).first()

    monkeypatch.setattr(access, "get_for_member", leaky_get_for_member)
    route = next(r for r in ROUTES if r.key == "accounts:membership_remove")
    with pytest.raises(AssertionError, match="membership_remove"):
        test_route_respects_tenancy(route, cast)
