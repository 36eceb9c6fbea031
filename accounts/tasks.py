from __future__ import annotations

from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db.models import Q
from django.utils import timezone

from accounts.models import Invitation

RESET_EMAIL_TEMPLATE = "accounts/email/password_reset_email.txt"
RESET_SUBJECT_TEMPLATE = "accounts/email/password_reset_subject.txt"


@shared_task
def purge_expired_invitations() -> int:
    """Deletes invitations that expired or were revoked unused; returns how many went.
    (The audit log keeps who invited whom.)"""
    deleted, _ = Invitation.objects.filter(
        Q(expires_at__lt=timezone.now()) | Q(revoked_at__isnull=False), accepted_at__isnull=True
    ).delete()
    return deleted


@shared_task
def password_reset_send(email: str) -> None:
    """Mails a reset link to the active account with `email`, if there is one.

    The reset page queues this for every address it is given and does nothing else, so
    its answer takes the same time whether or not the address has an account; the lookup,
    the token and the mail happen here. Links point at ``SITE_URL``, never at the
    request's Host header.
    """
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return
    site = urlsplit(settings.SITE_URL)
    form.save(
        domain_override=site.netloc,
        use_https=site.scheme == "https",
        email_template_name=RESET_EMAIL_TEMPLATE,
        subject_template_name=RESET_SUBJECT_TEMPLATE,
    )
