"""Read-only share links: a plan shown to anyone who holds the link's token.

The token is the credential (like an invitation link): 32 random bytes, URL-safe.
A revoked or expired link answers 404, the same as one that never existed. A link shows
the organization's private negotiated prices only if its creator chose so; otherwise the
shared page shows the plan priced with public catalog prices.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

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
    include_private_prices = models.BooleanField(
        default=False,
        help_text="Show the organization's private negotiated prices to link holders.",
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Share link of {self.plan_id} ({self.token[:6]}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )
