"""Email address verification: a signed, single-use link mailed at sign-up.

Until its owner opens the link an account can log in but not act: every page but the
"check your email" page, resend and logout redirects there, and the API refuses it
(`EmailVerificationMiddleware`, `accounts.api.authentication`). The link is signed with
the secret key over the user's id, address and verification time (Django's
password-reset token machinery, with its own salt): it stops working once used, when the
address changes, and after ``PASSWORD_RESET_TIMEOUT`` (3 days).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import User


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.verification.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:  # type: ignore[override]
        return f"{user.pk}{user.email}{user.email_verified_at}{timestamp}"


token_generator = EmailVerificationTokenGenerator()


def absolute_url(path: str) -> str:
    """`path` on the public site (``SITE_URL``), for links in mail."""
    return settings.SITE_URL.rstrip("/") + path


def verification_url(user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = token_generator.make_token(user)
    return absolute_url(reverse("accounts:verify_email", args=[uidb64, token]))


def verification_send(*, user: User) -> None:
    """Mails `user` a fresh verification link once the transaction commits."""
    body = render_to_string(
        "accounts/email/verify_email.txt", {"user": user, "link": verification_url(user)}
    )
    mail_after_commit(to=user.email, subject="Confirm your email address for Breakeven", body=body)


def mail_after_commit(*, to: str, subject: str, body: str) -> None:
    """Sends a mail once the transaction commits. A mail server failure is logged, not
    raised: the rows are committed by then, and the user can ask for the link again."""
    transaction.on_commit(
        lambda: send_mail(subject=subject, message=body, from_email=None, recipient_list=[to]),
        robust=True,
    )


@transaction.atomic
def email_verify(*, uidb64: str, token: str) -> User | None:
    """Marks the address of the user named in a valid link verified; None if the link is
    not valid (unknown user, tampered, used or expired)."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.select_for_update().filter(pk=pk).first()
    if user is None or not token_generator.check_token(user, token):
        return None
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user
