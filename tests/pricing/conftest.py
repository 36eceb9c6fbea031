from __future__ import annotations

import pytest

from accounts.models import User
from pricing.models import CatalogVersion
from pricing.services import catalog_version_clone, load_reference_catalog
from tests.factories import UserFactory


@pytest.fixture
def staff(db) -> User:
    return UserFactory(email="staff@breakeven.test", is_staff=True, is_superuser=True)


@pytest.fixture
def reference(db) -> CatalogVersion:
    """The reference catalog, published through the import path."""
    version, created = load_reference_catalog(actor=None)
    assert created
    return version


@pytest.fixture
def draft(reference: CatalogVersion, staff: User) -> CatalogVersion:
    return catalog_version_clone(version=reference, actor=staff)
