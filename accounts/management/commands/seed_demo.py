"""`manage.py seed_demo`: a demo organization to click through. Safe to run again.

Each step is a function taking and returning plain objects, so later features
add their own step (demo workloads, plans...) by appending to `STEPS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import audit
from accounts.models import Membership, Organization, Role, User

DEMO_ORGANIZATION_NAME = "Demo Co"
DEMO_ORGANIZATION_SLUG = "demo-co"
DEMO_OWNER_EMAIL = "demo@breakeven.local"
DEMO_VIEWER_EMAIL = "viewer@breakeven.local"
# Fixed and documented on purpose: this is a local demo login, printed on screen.
DEMO_PASSWORD = "breakeven-demo"  # noqa: S105


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


# Later issues append their steps here (e.g. seed_workloads, seed_plans).
def seed_plans(ctx: DemoContext) -> None:
    from planner.demo import seed_plans as planner_seed_plans

    planner_seed_plans(ctx)


STEPS: list[Callable[[DemoContext], None]] = [seed_organization, seed_members, seed_plans]


def seed_demo() -> DemoContext:
    ctx = DemoContext()
    with transaction.atomic():
        for step in STEPS:
            step(ctx)
    return ctx


class Command(BaseCommand):
    help = "Creates (or keeps) the demo organization 'Demo Co' with a demo owner and viewer."

    def handle(self, *args: object, **options: object) -> None:
        ctx = seed_demo()
        for line in ctx.log:
            self.stdout.write(f"  {line}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: {DEMO_OWNER_EMAIL} / {DEMO_PASSWORD} (owner of {DEMO_ORGANIZATION_NAME}); "
                f"read-only: {DEMO_VIEWER_EMAIL} / {DEMO_PASSWORD}"
            )
        )
