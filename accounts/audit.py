"""Audit trail: every write to catalogs, memberships and tokens calls `record`."""

from __future__ import annotations

from typing import Any

from django.db import models

from accounts.models import AuditEvent, Organization


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    organization: Organization | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk or ""),
        object_repr=str(obj)[:200],
        changes=changes or {},
    )
