from __future__ import annotations

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from accounts.models import Invitation


@shared_task
def purge_expired_invitations() -> int:
    """Deletes invitations that expired or were revoked unused; returns how many went.
    (The audit log keeps who invited whom.)"""
    deleted, _ = Invitation.objects.filter(
        Q(expires_at__lt=timezone.now()) | Q(revoked_at__isnull=False), accepted_at__isnull=True
    ).delete()
    return deleted
