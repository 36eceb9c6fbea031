"""factory_boy factories. Each tenant-owned model registers one in `TENANT_FACTORIES`
so the cross-tenant harness can make an object of any model in another organization."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import factory
from django.db import models

from accounts.models import Invitation, Membership, Organization, Role, User

DEFAULT_PASSWORD = "correct-horse-battery-staple"

# model class -> callable(organization) -> instance of that model in that organization
TENANT_FACTORIES: dict[type[models.Model], Callable[[Organization], Any]] = {}


def tenant_factory(model: type[models.Model]):
    """Register a builder for `model` used by the cross-tenant harness."""

    def register(builder: Callable[[Organization], Any]):
        TENANT_FACTORIES[model] = builder
        return builder

    return register


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.MEMBER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.MEMBER


# Memberships are organization-owned rows too: the members pages act on them by pk.
tenant_factory(Membership)(lambda org: MembershipFactory(organization=org))
tenant_factory(Invitation)(lambda org: InvitationFactory(organization=org))


class WorkloadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "planner.Workload"

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Workload {n}")
    tokens_per_month = 1_000_000_000
    input_share = "0.5"


def _register_planner_factories() -> None:
    from planner.models import Workload

    tenant_factory(Workload)(lambda org: WorkloadFactory(organization=org))


_register_planner_factories()
