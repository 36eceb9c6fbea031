"""Discovery and classification of every URL route, for the cross-tenant harness.

`discover_routes()` walks `django.urls.get_resolver()` through every include
(namespaced apps, DRF routers under /api/v1/) and returns one `Route` per
endpoint. `classify(route)` decides how the harness tests it, or raises
`UnclassifiableRouteError` with instructions for the developer.

The only hand-kept data here: two allow-lists by route name (each entry says
why) and the table of URL kwarg names the harness knows how to fill.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize

from accounts.models import Organization

# --- Hand-kept lists --------------------------------------------------------------------

# Routes anyone may reach without logging in. Keyed by route name ("namespace:name");
# an unnamed route by the dotted path of its view function.
PUBLIC: dict[str, str] = {
    "accounts:login": "the login form itself",
    "accounts:signup": "creating an account needs no account",
    "accounts:password_reset": "forgotten password: the user cannot log in",
    "accounts:password_reset_done": "confirmation page of the reset request; reveals nothing",
    "accounts:password_reset_confirm": "the emailed reset link; the signed token is the credential",
    "accounts:password_reset_complete": "confirmation page after a reset",
    "accounts:invitation_accept": "the invited person may have no account yet; the token is the credential",
    "accounts:signup_done": "'check your email' after sign-up; the same page for everyone",
    "accounts:login_two_factor": "second login step: the password step's session entry is the credential",
    "accounts:verify_email": "the emailed verification link; the signed token is the credential",
    "api-schema": "OpenAPI schema: documents the API, holds no tenant data",
    "api-docs": "Swagger UI over the schema",
    "api-redoc": "ReDoc over the schema",
    "accounts.api.views.api_not_found": "JSON 404 for unknown /api/v1/ URLs; serves nothing",
    "planner:shared_plan": "read-only plan share link: the random token is the credential; revoked -> 404",
    "health_live": "load-balancer liveness probe: answers 'ok', reads nothing",
    "health_ready": "readiness probe: checks PostgreSQL, cache and broker; holds no tenant data",
    "favicon": "the site icon browsers ask for at /favicon.ico",
}

# Organization-level pages whose address serves visitors a public page of their own (the
# landing page at /). The harness tests members as for any organization-level route and
# checks that visitors get the public page (ANONYMOUS_GETS) and nothing of a tenant.
VISITOR_PAGES: dict[str, str] = {
    "planner:dashboard": "visitors get the landing page at /; members their dashboard",
}

# Routes that need a login but act on the user rather than on an organization, so an
# organization role (viewer) does not restrict them. The harness checks only that
# anonymous requests are refused.
USER_LEVEL: dict[str, str] = {
    "accounts:logout": "ends the user's own session",
    "accounts:password_change": "the user's own password",
    "accounts:two_factor": "the user's own two-factor login",
    "accounts:verify_email_required": "'check your email' for the user's own unverified address",
    "accounts:verify_email_resend": "mails the user's own verification link again",
    "accounts:organization_create": "any user may start a new organization of their own",
    "accounts:organization_switch": "chooses among the user's own memberships (404 for others)",
    "accounts_tokens:list": "API tokens belong to the user, not to an organization",
    "token-list": "API tokens belong to the user, not to an organization",
    "quote": "stateless calculation: nothing is read from or written to any organization",
}

# URL kwargs naming the organization itself (filled from the object's organization).
ORG_KWARGS: dict[str, Callable[[Organization], Any]] = {
    "org_slug": lambda org: org.slug,
    "organization_slug": lambda org: org.slug,
    "org_pk": lambda org: org.pk,
    "organization_pk": lambda org: org.pk,
}
# URL kwargs naming the object of the view's `model`.
OBJECT_KWARGS: dict[str, Callable[[models.Model], Any]] = {
    "pk": lambda obj: obj.pk,
    "id": lambda obj: obj.pk,
    "slug": lambda obj: obj.slug,  # type: ignore[attr-defined]
    "token": lambda obj: obj.token,  # type: ignore[attr-defined]
    "uuid": lambda obj: obj.uuid,  # type: ignore[attr-defined]
    # A workload's usage import job (workloads/<pk>/actuals/imports/<job_id>/).
    "job_id": lambda obj: _usage_import_job_of(obj).pk,
}


def _usage_import_job_of(workload: models.Model) -> models.Model:
    from tracking.models import UsageImportJob

    return UsageImportJob.objects.get_or_create(
        organization=workload.organization,  # type: ignore[attr-defined]
        workload=workload,
        defaults={"filename": "usage.csv", "file_format": "breakeven"},
    )[0]


# URL kwargs that do not identify anything.
FIXED_KWARGS: dict[str, Any] = {
    "format": "json",  # DRF format suffixes (.json)
}
# `<parent>_pk` kwargs (nested routes such as plans/<plan_pk>/scenarios/<pk>/) are filled
# from the object's `<parent>_id`: see `fill_kwarg`.

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class UnclassifiableRouteError(Exception):
    """The harness does not know how to test this route; the message says what to add."""


class Kind(enum.Enum):
    ADMIN = "admin"  # Django admin: staff only, tested separately
    PUBLIC = "public"  # allow-listed: no login needed
    USER_LEVEL = "user-level"  # allow-listed: login needed, no organization role
    ORG_LEVEL = "org-level"  # no kwargs: acts on the current organization
    ORG_IN_URL = "org-in-url"  # the organization is named in the URL (e.g. /orgs/<org_slug>/)
    TENANT_OBJECT = "tenant-object"  # an object owned by an organization
    USER_OBJECT = "user-object"  # an object owned by a user (USER_FACTORIES)
    SHARED_OBJECT = "shared-object"  # view declares tenant_scoped = False: reference data


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the view's dotted path when unnamed
    pattern: str  # the full pattern text, for test ids and messages
    regex: str  # the full regex, for building concrete paths
    kwarg_names: tuple[str, ...]
    callback: Callable[..., Any] = field(compare=False)
    namespace: str | None = None

    @property
    def is_api(self) -> bool:
        return hasattr(self.callback, "cls") or self.pattern.startswith("api/")

    @property
    def view_class(self) -> type | None:
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    @property
    def allowed_methods(self) -> frozenset[str]:
        """The HTTP methods this endpoint implements (others answer 405)."""
        actions = getattr(self.callback, "actions", None)
        if actions:  # DRF viewset: the router's method -> action mapping
            return frozenset(method.upper() for method in actions)
        view = self.view_class
        if view is None:  # a plain function view: assume anything goes
            return frozenset(HTTP_METHODS)
        names = getattr(view, "http_method_names", [m.lower() for m in HTTP_METHODS])
        return frozenset(m for m in HTTP_METHODS if m.lower() in names and hasattr(view, m.lower()))

    @property
    def model(self) -> type[models.Model] | None:
        """The model the view declares: `model`, or a DRF view's `queryset.model`."""
        initkwargs = getattr(self.callback, "view_initkwargs", None) or getattr(
            self.callback, "initkwargs", None
        )
        if initkwargs and initkwargs.get("model") is not None:
            return initkwargs["model"]
        view = self.view_class
        if view is None:
            return None
        if getattr(view, "model", None) is not None:
            return view.model
        queryset = getattr(view, "queryset", None)
        if queryset is not None:
            return queryset.model
        return None

    @property
    def tenant_scoped(self) -> bool:
        return getattr(self.view_class, "tenant_scoped", True) is not False

    def path(self, kwargs: dict[str, Any]) -> str:
        """A concrete path for `kwargs`, built the way `reverse()` builds it."""
        wanted = set(kwargs)
        for template, params in normalize(self.regex):
            if set(params) == wanted:
                return "/" + template % {k: str(v) for k, v in kwargs.items()}
        raise UnclassifiableRouteError(
            f"cannot build a URL for {self.pattern} with {sorted(wanted)}"
        )


def _walk(resolver: URLResolver, prefix: str, regex: str, namespace: str | None) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            child_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(
                entry, prefix + str(entry.pattern), regex + entry.pattern.regex.pattern, child_ns
            )
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            if entry.name:
                key = f"{namespace}:{entry.name}" if namespace else entry.name
            else:
                # DRF's @api_view wraps the function in a class named after it.
                named = getattr(callback, "cls", None) or callback
                key = f"{named.__module__}.{named.__name__}"
            full_regex = regex + entry.pattern.regex.pattern
            names = tuple(re.compile(full_regex).groupindex)
            yield Route(
                key=key,
                pattern=prefix + str(entry.pattern),
                regex=full_regex,
                kwarg_names=names,
                callback=callback,
                namespace=namespace,
            )


def discover_routes() -> list[Route]:
    return list(_walk(get_resolver(), "", "", None))


def classify(route: Route) -> Kind:
    if route.namespace == "admin" or (route.namespace or "").startswith("admin:"):
        return Kind.ADMIN
    if route.key in PUBLIC:
        return Kind.PUBLIC
    if route.key in USER_LEVEL:
        return Kind.USER_LEVEL
    names = set(route.kwarg_names) - set(FIXED_KWARGS)
    unknown = sorted(
        n for n in names if n not in ORG_KWARGS and n not in OBJECT_KWARGS and not n.endswith("_pk")
    )
    if unknown:
        raise UnclassifiableRouteError(
            f"Route {route.key} ({route.pattern}) has URL kwarg(s) {unknown} the cross-tenant "
            "harness cannot fill. Add each to ORG_KWARGS, OBJECT_KWARGS or FIXED_KWARGS in "
            "tests/tenancy/routes.py (how to get its value), or, if the route is public or "
            "user-level, to PUBLIC / USER_LEVEL there with a comment saying why."
        )
    object_names = names - set(ORG_KWARGS)
    if not names:
        return Kind.ORG_LEVEL
    if not object_names:
        return Kind.ORG_IN_URL
    if not route.tenant_scoped:
        return Kind.SHARED_OBJECT
    model = route.model
    if model is None:
        raise UnclassifiableRouteError(
            f"Route {route.key} ({route.pattern}) takes {sorted(object_names)} but its view "
            f"{route.view_class or route.callback} declares no model. Declare the model it serves: "
            "TenantObjectMixin with `model = ...` for organization-owned objects, `model = ...` "
            "with a `user_factory` in tests/factories.py for user-owned ones (DRF: "
            "`queryset = Model.objects...`), or `tenant_scoped = False` on a view of shared "
            "reference data."
        )
    # Imported here: app factories register themselves when tests.factories is imported.
    from tests.factories import TENANT_FACTORIES, USER_FACTORIES

    if model in TENANT_FACTORIES:
        return Kind.TENANT_OBJECT
    if model in USER_FACTORIES:
        return Kind.USER_OBJECT
    raise UnclassifiableRouteError(
        f"Route {route.key} ({route.pattern}) serves {model._meta.label} objects, which have no "
        "builder for the cross-tenant harness. In tests/factories.py add "
        f"`tenant_factory({model.__name__})(lambda org: <a {model.__name__} in org>)` for an "
        f"organization-owned model, or `user_factory({model.__name__})(lambda user: ...)` for "
        "one owned by a user."
    )


def organization_of(obj: models.Model) -> Organization:
    if isinstance(obj, Organization):
        return obj
    return obj.organization  # type: ignore[attr-defined]


def fill_kwarg(name: str, obj: models.Model | None, organization: Organization | None) -> Any:
    if name in FIXED_KWARGS:
        return FIXED_KWARGS[name]
    if name in ORG_KWARGS:
        if organization is None:
            raise UnclassifiableRouteError(
                f"URL kwarg {name!r} names an organization but none is known"
            )
        return ORG_KWARGS[name](organization)
    if obj is None:
        raise UnclassifiableRouteError(f"URL kwarg {name!r} needs an object")
    if name in OBJECT_KWARGS:
        return OBJECT_KWARGS[name](obj)
    parent = name.removesuffix("_pk")
    if hasattr(obj, f"{parent}_id"):
        return getattr(obj, f"{parent}_id")
    raise UnclassifiableRouteError(
        f"URL kwarg {name!r}: {obj._meta.label} has no `{parent}_id`; add {name!r} to "
        "OBJECT_KWARGS in tests/tenancy/routes.py with how to get its value."
    )


def build_path(
    route: Route, *, obj: models.Model | None = None, organization: Organization | None = None
) -> str:
    kwargs = {name: fill_kwarg(name, obj, organization) for name in route.kwarg_names}
    return route.path(kwargs)
