"""The demo organization to click through (`manage.py seed_demo`). Safe to run again.

Each step is a function taking the `DemoContext` built so far, so a feature adds its own
step (demo workloads, plans...) by appending to `STEPS`. It lives with the domain apps, not
in accounts: accounts imports no domain app (pyproject.toml's import-linter contracts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from accounts import audit
from accounts.models import Membership, Organization, Role, User
from planner import services
from planner.models import Plan, Workload
from pricing.models import ApiOffer, GpuOffer, OwnedHardware
from pricing.selectors import catalog_version_current

DEMO_ORGANIZATION_NAME = "Demo Co"
DEMO_ORGANIZATION_SLUG = "demo-co"
DEMO_OWNER_EMAIL = "demo@breakeven.local"
DEMO_VIEWER_EMAIL = "viewer@breakeven.local"
# Fixed and documented on purpose: this is a local demo login, printed on screen.
DEMO_PASSWORD = "breakeven-demo"  # noqa: S105
DEMO_PLAN_NAME = "Support assistant: API vs Llama on an A100"


@dataclass
class DemoContext:
    """What the steps built so far; later steps read it."""

    organization: Organization | None = None
    owner: User | None = None
    viewer: User | None = None
    log: list[str] = field(default_factory=list)


def _demo_user(*, email: str, name: str) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    return User.objects.create_user(email=email, password=DEMO_PASSWORD, name=name), True


def seed_organization(ctx: DemoContext) -> None:
    organization, created = Organization.objects.get_or_create(
        slug=DEMO_ORGANIZATION_SLUG, defaults={"name": DEMO_ORGANIZATION_NAME}
    )
    ctx.organization = organization
    ctx.log.append(f"{'Created' if created else 'Kept'} organization {organization.name}")


def seed_members(ctx: DemoContext) -> None:
    assert ctx.organization is not None
    for attribute, email, name, role in (
        ("owner", DEMO_OWNER_EMAIL, "Demo Owner", Role.OWNER),
        ("viewer", DEMO_VIEWER_EMAIL, "Demo Viewer", Role.VIEWER),
    ):
        user, created = _demo_user(email=email, name=name)
        membership, joined = Membership.objects.get_or_create(
            user=user, organization=ctx.organization, defaults={"role": role}
        )
        if joined:
            audit.record(
                actor=None,
                action="membership.create",
                obj=membership,
                organization=ctx.organization,
                changes={"role": role.value, "user": email, "source": "seed_demo"},
            )
        setattr(ctx, attribute, user)
        ctx.log.append(f"{'Created' if created else 'Kept'} {role.label.lower()} {email}")


def seed_plans(ctx: DemoContext) -> None:
    """Demo workloads and a computed demo plan (needs the reference catalog)."""
    organization, owner = ctx.organization, ctx.owner
    version = catalog_version_current()
    if version is None:
        ctx.log.append("Skipped demo plans: no published catalog (run load_reference_catalog).")
        return
    workloads = {}
    for name, fields in (
        (
            "Support assistant",
            {"tokens_per_month": 1_000_000_000, "engineer_hourly_rate": Decimal(100)},
        ),
        (
            "Nightly document batch",
            {"tokens_per_day": 500_000_000, "has_mlops_team": True, "needs_finetuning": True},
        ),
    ):
        workload = Workload.objects.for_org(organization).filter(name=name).first()
        if workload is None:
            workload = services.workload_create(
                organization=organization, actor=owner, name=name, **fields
            )
            ctx.log.append(f"Created workload {name}")
        workloads[name] = workload
    if Plan.objects.for_org(organization).filter(name=DEMO_PLAN_NAME).exists():
        ctx.log.append(f"Kept plan {DEMO_PLAN_NAME}")
        return

    def offer(model: str, key: str) -> Any:
        return ApiOffer.objects.filter(version=version, model_name=model, source__key=key).first()

    apis = [o for o in (offer("GPT-5", "feb-2026"), offer("DeepSeek V3.2", "feb-2026")) if o]
    gpu = GpuOffer.objects.filter(
        version=version, sku="NVIDIA A100 80GB", gpu_count=1, source__key="feb-2026"
    ).first()
    options: list[dict[str, Any]] = [{"kind": "api", "api_offer": o} for o in apis]
    if gpu is not None:
        options.append(
            {
                "kind": "selfhost",
                "model_name": "Llama 3.3 70B",
                "gpu_offer": gpu,
                "precision": "int4",
                "labor_hours_per_month": Decimal(15),
                "other_monthly": Decimal(300),
            }
        )
    node = OwnedHardware.objects.filter(version=version, name="8x H100 HGX node").first()
    if node is not None:
        # Owned finance for the depth view: one 8-GPU server per replica.
        options.append(
            {
                "kind": "selfhost",
                "model_name": "Llama 3.3 70B",
                "rent_mode": "owned",
                "owned_hardware": node,
                "precision": "fp8",
                "tokens_per_second": Decimal(6000),
                "installation_per_server": Decimal(5000),
                "residual_value": Decimal("0.10"),
                "cost_of_capital": Decimal("0.08"),
                "maintenance_per_year": Decimal("0.05"),
                "server_base_watts": Decimal(1500),
                "gpu_tdp_watts": Decimal(700),
                "pue": Decimal("1.4"),
                "usd_per_kwh": Decimal("0.12"),
                "facilities_per_server_monthly": Decimal(400),
                "facilities_shared_monthly": Decimal(1000),
                "ops_fte": Decimal("0.5"),
                "ops_fte_monthly_cost": Decimal(15000),
                "implementation_one_off": Decimal(36000),
            }
        )
    if not options:
        ctx.log.append("Skipped demo plan: the catalog lacks the demo offers.")
        return
    plan = services.plan_create(
        organization=organization,
        actor=owner,
        name=DEMO_PLAN_NAME,
        workload=workloads["Support assistant"],
        catalog_version=version,
        options=options,
    )
    comparison = services.plan_compute(plan=plan, actor=owner)
    ctx.log.append(
        f"Created plan {plan.name} (recommended: {comparison.recommended_option or 'none'})"
    )


STEPS: list[Callable[[DemoContext], None]] = [seed_organization, seed_members, seed_plans]


def seed_demo() -> DemoContext:
    ctx = DemoContext()
    with transaction.atomic():
        for step in STEPS:
            step(ctx)
    return ctx
