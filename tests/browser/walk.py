"""Every HTML page of the site, as concrete paths for a browser to walk.

The routes come from the cross-tenant harness (`tests.tenancy.routes`): every route it
discovers that answers a GET with an HTML page, filled with the demo organization's own
objects (the demo data of `bin/run`, plus a sweep, a share link, a budget and an alert),
so a page shows what a member really sees rather than an empty state. Routes whose
objects the demo lacks are filled by the harness's factories.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.signals import request_finished
from django.db import close_old_connections, models
from django.test import Client

from tests.tenancy.routes import (
    VISITOR_PAGES,
    Kind,
    Route,
    UnclassifiableRouteError,
    build_path,
    classify,
    discover_routes,
)

# Routes that answer something other than a page, never worth a request here (the
# readiness probe's async checks cannot run beside Playwright's event loop either).
NOT_PAGES = frozenset({"health_live", "health_ready", "favicon"})


@dataclass(frozen=True)
class Page:
    key: str  # the route's key ("planner:plan_detail")
    path: str
    visitor: bool  # walked logged out


@dataclass
class Demo:
    organization: Any
    owner: Any
    password: str
    plan: Any


def demo_site() -> Demo:
    """The reference catalog, the demo organization and a few more of its objects."""
    from accounts.models import Organization, User
    from planner import sweep_services
    from planner.demo import DEMO_PASSWORD, seed_demo
    from planner.models import Plan, PlanShareLink
    from pricing.models import ApiOffer, GpuOffer
    from pricing.services import load_reference_catalog
    from tracking.models import Alert, Budget

    version, _created = load_reference_catalog()
    seed_demo()
    org = Organization.objects.get(slug="demo-co")
    owner = User.objects.get(email="demo@breakeven.local")
    from planner.demo import DEMO_PLAN_NAME

    plan = Plan.objects.for_org(org).get(name=DEMO_PLAN_NAME)
    PlanShareLink.objects.create(organization=org, plan=plan)
    Budget.objects.get_or_create(
        organization=org, workload=None, defaults={"monthly_amount": Decimal(5000)}
    )
    Alert.objects.create(organization=org, kind="over_budget", message="Over budget.")
    api_ids = list(
        ApiOffer.objects.filter(version=version)
        .order_by("-output_per_mtok")
        .values_list("pk", flat=True)[:2]
    )
    gpu = GpuOffer.objects.get(
        version=version, sku="NVIDIA A100 80GB", gpu_count=1, source__key="feb-2026"
    )
    sweep = sweep_services.sweep_start(
        organization=org,
        actor=owner,
        name="Where does self-hosting win?",
        catalog_version=version,
        spec={
            "volumes": {"min": 1_000_000, "max": 10_000_000_000, "num": 8, "scale": "log"},
            "input_shares": [0.5, 0.8],
            "utilizations": {"min": 0.2, "max": 1.0, "num": 5},
            "api_offer_ids": api_ids,
            "selfhost": [{"gpu_offer_id": gpu.pk, "tokens_per_second": 1500, "name": "Llama"}],
        },
    )
    for index in range(sweep.chunks_total):
        sweep_services.sweep_chunk_run(sweep_id=sweep.pk, index=index)
    sweep_services.sweep_finalize(sweep_id=sweep.pk)
    _negotiated_prices(org, owner, version)
    return Demo(organization=org, owner=owner, password=DEMO_PASSWORD, plan=plan)


def _negotiated_prices(org: Any, owner: Any, version: Any) -> None:
    """An override and a private offer of each kind, so the private-price pages show rows."""
    from pricing.models import ApiOffer, GpuOffer
    from pricing.services import private_price_add

    gpt5 = ApiOffer.objects.get(version=version, model_name="GPT-5", source__key="feb-2026")
    a100 = GpuOffer.objects.get(
        version=version, sku="NVIDIA A100 80GB", gpu_count=1, source__key="feb-2026"
    )
    add = {"organization": org, "version": version, "actor": owner}
    private_price_add(**add, kind="api", replaces=gpt5, output_per_mtok=Decimal("7.5"))
    private_price_add(**add, kind="api", model_name="Private LLM", output_per_mtok=Decimal(1))
    private_price_add(**add, kind="gpu", replaces=a100, hourly=Decimal("1.6"))
    private_price_add(
        **add, kind="gpu", sku="H200", gpu_count=8, vram_per_gpu_gb=Decimal(141), hourly=Decimal(19)
    )


def _object_of(model: type[models.Model], demo: Demo, kind: Kind) -> Any:
    from tests.factories import TENANT_FACTORIES, USER_FACTORIES

    manager = model._default_manager
    if kind is Kind.USER_OBJECT:
        return USER_FACTORIES[model](demo.owner)
    if kind is Kind.SHARED_OBJECT:
        return manager.order_by("pk").first()
    if model._meta.model_name == "plan":
        return demo.plan
    fields = {f.name for f in model._meta.get_fields()}
    if "plan" in fields:  # the demo plan's comparison, share link, forecast...
        own = manager.filter(plan=demo.plan).order_by("pk").first()
    elif "overlay" in fields:  # a private price: its overlay is the organization's
        own = manager.filter(overlay__organization=demo.organization).order_by("pk").first()
    else:
        own = manager.filter(organization=demo.organization).order_by("pk").first()
    return own if own is not None else TENANT_FACTORIES[model](demo.organization)


def _path(route: Route, demo: Demo, kind: Kind) -> str | None:
    if kind in (Kind.ORG_LEVEL, Kind.USER_LEVEL, Kind.ORG_IN_URL):
        return build_path(route, organization=demo.organization)
    if kind is Kind.PUBLIC:
        if route.key == "planner:shared_plan":
            from planner.models import PlanShareLink

            link = PlanShareLink.objects.filter(plan=demo.plan).first()
            return route.path({"token": link.token}) if link else None
        return route.path(dict.fromkeys(route.kwarg_names, "placeholder"))
    model = route.model
    if model is None:
        return None
    obj = _object_of(model, demo, kind)
    if obj is None:
        return None
    return build_path(route, obj=obj, organization=demo.organization)


def _is_html_page(client: Client, path: str) -> bool:
    """A whole page: 200, HTML, a document of its own (not a fragment htmx swaps in)."""
    response = client.get(path)
    try:
        return (
            response.status_code == 200
            and response["Content-Type"].startswith("text/html")
            and b"<html" in response.content
        )
    finally:
        if response.streaming:
            # A download never read: closing it gives back what it holds (a sweep
            # download slot, which would otherwise answer 429 for minutes). Closing sends
            # request_finished, whose connection cleanup must not run inside the test.
            request_finished.disconnect(close_old_connections)
            try:
                response.close()
            finally:
                request_finished.connect(close_old_connections)


def site_pages(demo: Demo, member: Client) -> list[Page]:
    """Every route that answers a GET with a page (200, HTML): members' pages as the demo
    owner, public ones and the visitor pages (the landing page) logged out."""
    visitor = Client()
    pages: list[Page] = []
    for route in discover_routes():
        if route.is_api or route.namespace == "admin" or route.key in NOT_PAGES:
            continue
        if "GET" not in route.allowed_methods:
            continue
        try:
            kind = classify(route)
        except UnclassifiableRouteError:  # the tenancy harness fails on these already
            continue
        if kind is Kind.ADMIN:
            continue
        path = _path(route, demo, kind)
        if path is None:
            continue
        public = kind is Kind.PUBLIC
        if _is_html_page(visitor if public else member, path):
            pages.append(Page(route.key, path, visitor=public))
        if route.key in VISITOR_PAGES and _is_html_page(visitor, path):
            pages.append(Page(route.key, path, visitor=True))
    return pages
