"""The standing characters: an owner, a teammate, a read-only teammate, an admin
of organization A, and an outsider who owns organization B and must see nothing of A."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from accounts.models import Membership, Organization, Role, User
from accounts.tenancy import system_scope
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Production serves hashed files from collectstatic's manifest; tests find them in place."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is slow on purpose; tests create many users and test access, not hashing.
    (tests/config checks that production hashes with Argon2.)"""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _generous_sweep_quotas(settings):
    # Tests start sweeps freely (most stay queued: their chunks never run); the quotas
    # have their own tests (tests/planner/test_sweep_admission.py), which set them.
    settings.SWEEPS_ACTIVE_PER_ORGANIZATION = 1_000
    settings.SWEEP_POINTS_PER_DAY_PER_ORGANIZATION = 10**12


@pytest.fixture(autouse=True)
def _system_scope_for_test_code():
    """Test code creates and inspects rows of any organization freely. Requests made
    through the test client or the live server run through TenantScopeMiddleware, which
    replaces this scope with the request user's for the request, so views are always
    exercised under real tenant enforcement."""
    with system_scope("test setup"):
        yield


@dataclass
class Cast:
    org: Organization
    other_org: Organization
    owner: User
    admin: User
    teammate: User
    viewer: User
    outsider: User

    def client_for(self, user: User, organization: Organization | None = None) -> Client:
        client = Client()
        client.force_login(user)
        if organization is not None:
            session = client.session
            session["current_organization_id"] = organization.pk
            session.save()
        return client


@pytest.fixture
def cast(db) -> Cast:
    org = OrganizationFactory(name="Acme AI", slug="acme")
    other = OrganizationFactory(name="Rival Labs", slug="rival")
    owner = MembershipFactory(organization=org, role=Role.OWNER, user__email="owner@acme.test").user
    admin = MembershipFactory(organization=org, role=Role.ADMIN, user__email="admin@acme.test").user
    teammate = MembershipFactory(
        organization=org, role=Role.MEMBER, user__email="mate@acme.test"
    ).user
    viewer = MembershipFactory(
        organization=org, role=Role.VIEWER, user__email="viewer@acme.test"
    ).user
    outsider = MembershipFactory(
        organization=other, role=Role.OWNER, user__email="boss@rival.test"
    ).user
    return Cast(org, other, owner, admin, teammate, viewer, outsider)


@pytest.fixture
def owner_client(cast: Cast) -> Client:
    return cast.client_for(cast.owner)


@pytest.fixture
def user(db) -> User:
    return UserFactory()


__all__ = ["Cast", "Membership"]


@pytest.fixture
def no_download_slots_left():
    """No sweep download slot left over: they are keyed by organization id, and a new
    test database hands the same ids out again, so a slot an earlier run left behind (a
    body never read, a run killed mid-download) would answer this test's organization
    with a 429 for minutes. Clears them before and after the test (the run's own Redis
    database and the in-process count); the fixture's value clears them on demand."""
    from django.core.cache import caches

    from planner import sweep_downloads

    redis_client = sweep_downloads._redis_client  # before a test stands a broken one in

    def clear() -> None:
        client = redis_client()
        if client is not None:
            pattern = caches["default"].make_key("sweep-downloads:*")
            keys = list(client.scan_iter(match=pattern))
            if keys:
                client.delete(*keys)
        with sweep_downloads._local_lock:
            sweep_downloads._local_slots.clear()

    clear()
    yield clear
    clear()
