"""Organization writes the API needs that ``accounts.services`` does not provide yet.

Membership changes use ``accounts.services.membership_change_role`` /
``membership_remove``. Move ``organization_rename`` there when the accounts
pages need it too.
"""

from __future__ import annotations

from django.db import transaction

from accounts.audit import record
from accounts.models import Organization, User


@transaction.atomic
def organization_rename(*, actor: User, organization: Organization, name: str) -> Organization:
    old_name = organization.name
    if old_name == name:
        return organization
    organization.name = name
    organization.save(update_fields=["name"])
    record(
        actor=actor,
        action="organization.update",
        obj=organization,
        organization=organization,
        changes={"name": [old_name, name]},
    )
    return organization
