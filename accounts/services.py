"""Services that change accounts data: sign-up, organizations, invitations, memberships.

Every function takes keyword-only, typed arguments with the acting user and the
organization explicit. Business-rule failures raise `ValidationError` keyed by
the form field they concern (views attach them to their forms); role failures
raise `PermissionDenied` (403). Membership and invitation writes are audited.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts import audit, verification
from accounts.models import Invitation, Membership, Organization, Role, User

logger = logging.getLogger(__name__)

SLUG_MAX_LENGTH = Organization._meta.get_field("slug").max_length or 60


def organization_slug_for(name: str) -> str:
    """The slug an organization called `name` gets: lowercase ASCII words joined by dashes."""
    return slugify(name)[:SLUG_MAX_LENGTH].strip("-")


def _organization_name_errors(name: str) -> list[str]:
    if not organization_slug_for(name):
        return ["Use at least one letter or digit in the organization name."]
    return []


def _slug_with_suffix(base: str) -> str:
    return f"{base[: SLUG_MAX_LENGTH - 7].rstrip('-')}-{secrets.token_hex(3)}"


def _unique_organization_slug(name: str) -> str:
    """`name`'s slug, or that slug with a random suffix when it is taken: another
    organization's slug is never refused or named, so sign-up cannot probe them."""
    slug = organization_slug_for(name)
    while Organization.objects.filter(slug=slug).exists():
        slug = _slug_with_suffix(organization_slug_for(name))
    return slug


def _normalize_email(email: str) -> str:
    return User.objects.normalize_email(email.strip()).lower()


def user_create(*, email: str, name: str, password: str) -> User:
    """A new active user whose address is not verified yet. `ValidationError` on `email`
    if the address is taken (only for holders of an invitation to that address)."""
    email = _normalize_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {"email": "An account with this email already exists. Log in instead."}
        )
    try:
        validate_password(password, user=User(email=email, name=name.strip()))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email, password=password, name=name.strip(), email_verified_at=None
            )
    except IntegrityError as exc:  # a concurrent sign-up with the same address
        raise ValidationError({"email": "An account with this email already exists."}) from exc


def _organization_with_owner(*, actor: User, name: str) -> tuple[Organization, Membership]:
    errors = _organization_name_errors(name)
    if errors:
        raise ValidationError({"name": errors})
    slug = _unique_organization_slug(name)
    try:
        with transaction.atomic():
            organization = Organization.objects.create(name=name.strip(), slug=slug)
    except IntegrityError:  # the same slug taken concurrently: a random suffix cannot be
        organization = Organization.objects.create(
            name=name.strip(), slug=_slug_with_suffix(organization_slug_for(name))
        )
    membership = Membership.objects.create(user=actor, organization=organization, role=Role.OWNER)
    audit.record(
        actor=actor, action="organization.create", obj=organization, organization=organization
    )
    audit.record(
        actor=actor,
        action="membership.create",
        obj=membership,
        organization=organization,
        changes={"role": Role.OWNER.value, "user": actor.email},
    )
    return organization, membership


@transaction.atomic
def user_signup(
    *, email: str, name: str, password: str, organization_name: str
) -> Membership | None:
    """Self-service sign-up, which answers the same whether or not the address has an account.

    A new address gets an unverified user, their organization (its slug made unique
    silently) and their owner membership, all or nothing, and a verification link by mail;
    returns the membership. A known address gets nothing created: its owner is mailed that
    someone tried (with a fresh verification link if they never verified); returns None.
    The only errors, `ValidationError` on `password` or `organization_name`, depend on the
    input alone.
    """
    email = _normalize_email(email)
    name = name.strip()
    errors: dict[str, list[str]] = {}
    try:
        validate_password(password, user=User(email=email, name=name))
    except ValidationError as exc:
        errors["password"] = exc.messages
    org_errors = _organization_name_errors(organization_name)
    if org_errors:
        errors["organization_name"] = org_errors
    if errors:
        raise ValidationError(errors)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=email, password=password, name=name, email_verified_at=None
                )
        except IntegrityError:  # a concurrent sign-up with the same address
            existing = User.objects.get(email__iexact=email)
    if existing is not None:
        make_password(password)  # the hashing a new account costs, so timing tells less
        _signup_attempt_notify(user=existing)
        return None
    _, membership = _organization_with_owner(actor=user, name=organization_name)
    verification.verification_send(user=user)
    return membership


def _signup_attempt_notify(*, user: User) -> None:
    if not user.email_verified:
        verification.verification_send(user=user)
        return
    body = render_to_string(
        "accounts/email/signup_existing.txt",
        {
            "email": user.email,
            "login_url": verification.absolute_url(reverse("accounts:login")),
            "reset_url": verification.absolute_url(reverse("accounts:password_reset")),
        },
    )
    verification.mail_after_commit(
        to=user.email, subject="You already have a Breakeven account", body=body
    )


@transaction.atomic
def organization_create(*, actor: User, name: str) -> Membership:
    """A new organization owned by `actor`; returns the owner membership. Errors on `name`."""
    _, membership = _organization_with_owner(actor=actor, name=name)
    return membership


def _manager_membership(*, actor: User, organization: Organization) -> Membership:
    membership = Membership.objects.filter(user=actor, organization=organization).first()
    if membership is None or not membership.can_manage:
        raise PermissionDenied("Only owners and admins can manage members.")
    return membership


def _may_grant(membership: Membership | None, role: Role) -> bool:
    """Owners grant every role, admins every role but owner, others none."""
    if membership is None or not membership.can_manage:
        return False
    return role != Role.OWNER or membership.role_enum == Role.OWNER


def _check_may_grant(*, actor_membership: Membership, role: Role) -> None:
    if not _may_grant(actor_membership, role):
        raise PermissionDenied("Only owners can make someone an owner.")


def _invitations_revoke_ungrantable(
    *, actor: User, organization: Organization, inviter_id: int, membership: Membership | None
) -> int:
    """Revokes the pending invitations `inviter_id` sent in `organization` whose role
    their `membership` (None: removed) can no longer grant; returns how many."""
    pending = Invitation.objects.select_for_update().filter(
        organization=organization,
        invited_by_id=inviter_id,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    revoked = 0
    for invitation in pending:
        if not _may_grant(membership, Role(invitation.role)):
            _invitation_mark_revoked(actor=actor, invitation=invitation, reason="inviter_lost_role")
            revoked += 1
    return revoked


def _invitation_mark_revoked(*, actor: User, invitation: Invitation, reason: str) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action="invitation.revoke",
        obj=invitation,
        organization=invitation.organization,
        changes={"email": invitation.email, "role": invitation.role, "reason": reason},
    )


@transaction.atomic
def invitation_create(
    *, actor: User, organization: Organization, email: str, role: Role | str
) -> Invitation:
    """An invitation to `organization` for `email` with `role` (owners/admins only).

    Only an owner can invite an owner. Inviting a current member is refused on
    `email`; a new invitation replaces any still-pending one for the same address.
    """
    role = Role(role)
    actor_membership = _manager_membership(actor=actor, organization=organization)
    _check_may_grant(actor_membership=actor_membership, role=role)
    email = _normalize_email(email)
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already a member of the organization."})
    now = timezone.now()
    Invitation.objects.filter(
        organization=organization, email__iexact=email, accepted_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    invitation = Invitation.objects.create(
        organization=organization, email=email, role=role, invited_by=actor
    )
    audit.record(
        actor=actor,
        action="invitation.create",
        obj=invitation,
        organization=organization,
        changes={"email": email, "role": role.value},
    )
    link = settings.SITE_URL.rstrip("/") + reverse(
        "accounts:invitation_accept", args=[invitation.token]
    )
    # The link is a bearer secret: it goes to the invitee (the console backend prints it
    # when no mail server is configured) and onto the inviter's page, never into logs.
    transaction.on_commit(
        lambda: send_mail(
            subject=f"You are invited to {organization.name} on Breakeven",
            message=f"{actor.email} invited you to join {organization.name} as {role.label}.\n\n"
            f"Accept within 7 days: {link}\n",
            from_email=None,
            recipient_list=[email],
            fail_silently=True,
        )
    )
    logger.info("Invitation to %s for %s (%s) created", organization.slug, email, role.value)
    return invitation


class InvitationError(Exception):
    """An invitation that cannot be accepted; the message is shown to the user."""


def _usable_invitation(*, token: str, lock: bool = False) -> Invitation:
    queryset = Invitation.objects.select_related("organization").filter(token=token)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    invitation = queryset.first()
    if invitation is None:
        raise InvitationError("This invitation link is not valid.")
    if invitation.accepted_at is not None:
        raise InvitationError("This invitation has already been used.")
    if invitation.revoked_at is not None:
        raise InvitationError("This invitation was withdrawn. Ask for a new one.")
    if invitation.expires_at <= timezone.now():
        raise InvitationError("This invitation has expired. Ask for a new one.")
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> None:
    """Withdraws a pending invitation (owners/admins of its organization; only owners
    withdraw an invitation to become owner). `ValidationError` if it is not pending."""
    actor_membership = _manager_membership(actor=actor, organization=invitation.organization)
    _check_may_grant(actor_membership=actor_membership, role=Role(invitation.role))
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=invitation.pk)
    )
    if not invitation.is_usable:
        raise ValidationError("This invitation is no longer pending.")
    _invitation_mark_revoked(actor=actor, invitation=invitation, reason="withdrawn")


@transaction.atomic
def invitation_accept(*, user: User, token: str) -> Membership:
    """Turns a usable invitation addressed to `user.email` into a membership.

    Raises `InvitationError` for unknown, expired or used tokens, for a user
    whose email is not the invited one, and for someone already a member.
    """
    invitation = _usable_invitation(token=token, lock=True)
    if invitation.email.lower() != user.email.lower():
        raise InvitationError(
            f"This invitation was sent to another email address. You are logged in as {user.email}."
        )
    organization = invitation.organization
    if Membership.objects.filter(user=user, organization=organization).exists():
        raise InvitationError(f"You are already a member of {organization.name}.")
    # The inviter's right is checked now, not only when the invitation was sent: someone
    # removed or demoted since must not get back in through an invitation they planted.
    inviter_membership = Membership.objects.filter(
        user_id=invitation.invited_by_id, organization=organization
    ).first()
    if not _may_grant(inviter_membership, Role(invitation.role)):
        raise InvitationError(
            "This invitation is no longer valid: whoever sent it can no longer grant this "
            "role. Ask for a new one."
        )
    membership = Membership.objects.create(
        user=user, organization=organization, role=invitation.role
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit.record(
        actor=user,
        action="invitation.accept",
        obj=invitation,
        organization=organization,
        changes={"role": invitation.role},
    )
    audit.record(
        actor=user,
        action="membership.create",
        obj=membership,
        organization=organization,
        changes={"role": invitation.role, "user": user.email},
    )
    return membership


@transaction.atomic
def invitation_accept_with_signup(*, token: str, name: str, password: str) -> Membership:
    """Creates the invited person's account (with the invited email) and accepts — all or nothing.

    `InvitationError` for an unusable token; `ValidationError` on `name`/`password`,
    or on `email` if an account with that address exists (they should log in).
    """
    invitation = _usable_invitation(token=token)
    user = user_create(email=invitation.email, name=name, password=password)
    membership = invitation_accept(user=user, token=token)
    # The inviter sees the invitation link too: only the mailed link proves the address.
    verification.verification_send(user=user)
    return membership


def _lock_member_and_owners(
    organization: Organization, membership_pk: int
) -> tuple[Membership, int]:
    """Lock `membership_pk` and every owner of `organization`, in primary-key order, and
    return the membership (fresh) and how many owners there are.

    Locking the owner rows serializes concurrent demotions, so two owners cannot demote
    each other at the same time and leave nobody in charge; taking every lock in one
    statement, in one order, means two owners acting on each other at once wait for each
    other instead of deadlocking (each holding the row the other wants).
    """
    rows = list(
        Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(Q(pk=membership_pk) | Q(organization=organization, role=Role.OWNER))
        .order_by("pk")
    )
    membership = next((m for m in rows if m.pk == membership_pk), None)
    if membership is None:
        raise Membership.DoesNotExist
    owners = sum(1 for m in rows if m.organization_id == organization.pk and m.role == Role.OWNER)
    return membership, owners


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: Role | str) -> Membership:
    """Gives `membership` a new role (owners/admins; only owners touch the owner role).

    The last owner cannot be demoted (`ValidationError` on `role`).
    """
    role = Role(role)
    organization = membership.organization
    membership, owners = _lock_member_and_owners(organization, membership.pk)
    # Read after the locks: a concurrent change of the actor's own role is seen.
    actor_membership = _manager_membership(actor=actor, organization=organization)
    old_role = membership.role_enum
    if old_role == role:
        return membership
    if Role.OWNER in (old_role, role):
        _check_may_grant(actor_membership=actor_membership, role=Role.OWNER)
    if old_role == Role.OWNER and owners <= 1:
        raise ValidationError(
            {"role": "An organization needs an owner: make someone else owner first."}
        )
    membership.role = role
    membership.save(update_fields=["role"])
    audit.record(
        actor=actor,
        action="membership.change_role",
        obj=membership,
        organization=organization,
        changes={"role": [old_role.value, role.value]},
    )
    _invitations_revoke_ungrantable(
        actor=actor, organization=organization, inviter_id=membership.user_id, membership=membership
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    """Removes a member (owners/admins; only owners remove owners). Not the last owner."""
    organization = membership.organization
    membership, owners = _lock_member_and_owners(organization, membership.pk)
    actor_membership = _manager_membership(actor=actor, organization=organization)
    if membership.role_enum == Role.OWNER:
        _check_may_grant(actor_membership=actor_membership, role=Role.OWNER)
        if owners <= 1:
            raise ValidationError(
                "The last owner cannot be removed: make someone else owner first."
            )
    audit.record(
        actor=actor,
        action="membership.remove",
        obj=membership,
        organization=organization,
        changes={"user": membership.user.email, "role": membership.role},
    )
    _invitations_revoke_ungrantable(
        actor=actor, organization=organization, inviter_id=membership.user_id, membership=None
    )
    membership.delete()
