from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from accounts.models import Invitation


@shared_task
def purge_expired_invitations() -> int:
    """Deletes invitations that expired unused; returns how many went."""
    deleted, _ = Invitation.objects.filter(
        accepted_at__isnull=True, expires_at__lt=timezone.now()
    ).delete()
    return deleted
