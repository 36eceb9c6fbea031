"""``?catalog_version=`` on the organization's lists answers a draft version's id exactly as
it answers an id that does not exist, so nobody can probe which draft ids exist (issue 16
item 12)."""

from __future__ import annotations

import pytest

from pricing.models import Catalog, CatalogVersion, VersionStatus
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

LISTS = ["plans", "comparisons", "sweeps"]


@pytest.fixture
def versions(db):
    catalog = Catalog.objects.create(name="Filter test catalog")
    published = CatalogVersion.objects.create(
        catalog=catalog, number=1, title="v1", status=VersionStatus.PUBLISHED
    )
    draft = CatalogVersion.objects.create(catalog=catalog, number=2, title="v2 (draft)")
    assert draft.status == VersionStatus.DRAFT
    return published, draft


@pytest.mark.parametrize("name", LISTS)
def test_a_draft_version_id_answers_like_an_unknown_one(api, versions, name):
    published, draft = versions
    client = api("viewer")
    url = f"/api/v1/orgs/acme/{name}/"
    unknown = CatalogVersion.objects.order_by("-pk").first().pk + 1000
    for_draft = client.get(url, {"catalog_version": draft.pk})
    for_unknown = client.get(url, {"catalog_version": unknown})
    error = assert_error(for_draft, 400, "validation_error", "catalog_version")
    assert error == assert_error(for_unknown, 400, "validation_error", "catalog_version")
    # A public version is a valid filter.
    assert client.get(url, {"catalog_version": published.pk}).status_code == 200
