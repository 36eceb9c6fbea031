"""Read-only share links: a plan shown to anyone who holds the link's token.

The token is the credential (like an invitation link): 32 random bytes, URL-safe.
A revoked link answers 404, the same as one that never existed.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from accounts.tenancy import TenantModel


def _share_token() -> str:
    return secrets.token_urlsafe(32)


class PlanShareLink(TenantModel):
    plan = models.ForeignKey("planner.Plan", on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=64, unique=True, default=_share_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Share link of {self.plan_id} ({self.token[:6]}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
