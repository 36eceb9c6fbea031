"""Accounts pages: sign-up, login, passwords, organizations, members and invitations.

Thin views: parse the form, check access, call a service or selector, render.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from accounts import access, selectors, services, tasks, two_factor, verification
from accounts.api import tokens as token_services
from accounts.availability import BROKER_ERRORS, WORKERS_UNAVAILABLE, ServiceUnavailableError
from accounts.forms import (
    EmailAuthenticationForm,
    InvitationForm,
    InvitationSignupForm,
    OrganizationForm,
    OrganizationSwitchForm,
    RoleForm,
    SignupForm,
    TwoFactorCodeForm,
)
from accounts.middleware import SESSION_KEY
from accounts.mixins import OrgMemberMixin, TenantObjectMixin
from accounts.models import Invitation, Membership, Role, User

# Sign-up logs the new user in directly; with several backends Django must be told which.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _start_session(request: HttpRequest, user: User, membership: Membership) -> None:
    login(request, user, backend=MODEL_BACKEND)
    request.session[SESSION_KEY] = membership.organization_id


def _roles_grantable_by(membership: Membership) -> list[tuple[str, str]]:
    """Owners may grant every role; admins every role but owner."""
    if membership.role_enum == Role.OWNER:
        return list(Role.choices)
    return [(value, label) for value, label in Role.choices if value != Role.OWNER]


# --- Authentication -------------------------------------------------------------------


def _default_redirect_for(user: User) -> str:
    if not Membership.objects.filter(user=user).exists():
        return reverse("accounts:organization_create")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    """Email and password; with two-factor login on, a correct password only leads on to
    the code page (`LoginTwoFactorView`), and the session holds no login until then."""

    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return _default_redirect_for(self.request.user)

    def form_valid(self, form: EmailAuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if not two_factor.totp_enabled(user):
            return super().form_valid(form)
        self.request.session.cycle_key()
        two_factor.login_pending_start(
            self.request.session,
            user=user,
            backend=user.backend,  # type: ignore[attr-defined]
            redirect_to=self.get_redirect_url(),
        )
        return redirect("accounts:login_two_factor")


class LoginTwoFactorView(FormView):
    """The second step of a login with two-factor on: the code from the authenticator app."""

    template_name = "accounts/login_two_factor.html"
    form_class = TwoFactorCodeForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        pending = two_factor.login_pending(request.session)
        if pending is None:
            messages.error(request, "Log in again: the code was not entered in time.")
            return redirect("accounts:login")
        self.pending_user, self.pending = pending
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: TwoFactorCodeForm) -> HttpResponse:
        try:
            two_factor.totp_verify_login(user=self.pending_user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        two_factor.login_pending_end(self.request.session)
        login(self.request, self.pending_user, backend=self.pending["backend"])
        return redirect(self.pending["redirect_to"] or _default_redirect_for(self.pending_user))


class SignupView(FormView):
    """Answers the same whether or not the address has an account (the service mails its
    owner instead), and logs nobody in: the mailed link proves the address first."""

    template_name = "accounts/signup.html"
    form_class = SignupForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect("planner:dashboard")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: SignupForm) -> HttpResponse:
        try:
            services.user_signup(**form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        return redirect("accounts:signup_done")


class SignupDoneView(TemplateView):
    template_name = "accounts/signup_done.html"


class VerifyEmailView(View):
    """The link mailed at sign-up: marks the address verified. Public (the signed link is
    the credential); it logs nobody in, the password still does that."""

    def get(self, request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
        user = verification.email_verify(uidb64=uidb64, token=token)
        if user is None:
            return render(request, "accounts/verify_email_invalid.html", status=400)
        messages.success(request, f"{user.email} is confirmed.")
        if request.user.is_authenticated and request.user.pk == user.pk:
            return redirect("planner:dashboard")
        return redirect("accounts:login")


class VerificationRequiredView(LoginRequiredMixin, TemplateView):
    """Where an account whose address is not verified yet lands, whatever it asks for."""

    template_name = "accounts/verify_email_required.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and request.user.email_verified:
            return redirect("planner:dashboard")
        return super().dispatch(request, *args, **kwargs)


class VerificationResendView(LoginRequiredMixin, View):
    """POST: mail a fresh verification link (at most one a minute)."""

    http_method_names = ["post"]
    resend_seconds = 60

    def post(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.email_verified:
            return redirect("planner:dashboard")
        if cache.add(f"verify-resend:{user.pk}", 1, self.resend_seconds):
            verification.verification_send(user=user)
            messages.success(request, f"We sent a new link to {user.email}.")
        else:
            messages.error(request, "We sent a link less than a minute ago: check your inbox.")
        return redirect("accounts:verify_email_required")


@method_decorator(never_cache, name="dispatch")  # the page shows the key being set up
class TwoFactorView(LoginRequiredMixin, TemplateView):
    """Turn TOTP two-factor login on (scan the key, confirm with a code) or off (a code)."""

    template_name = "accounts/two_factor.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        enabled = two_factor.totp_enabled(user)
        context.update(enabled=enabled, form=kwargs.get("form") or TwoFactorCodeForm())
        if not enabled:
            device = two_factor.totp_device_pending(user=user)
            context.update(key=two_factor.totp_key_base32(device), config_url=device.config_url)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = TwoFactorCodeForm(request.POST)
        if form.is_valid():
            code = form.cleaned_data["code"]
            try:
                if two_factor.totp_enabled(request.user):
                    two_factor.totp_disable(user=request.user, code=code)
                    message = "Two-factor login is off."
                else:
                    two_factor.totp_confirm(user=request.user, code=code)
                    message = "Two-factor login is on: logins now ask for a code from your app."
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, message)
                return redirect("accounts:two_factor")
        response = self.render_to_response(self.get_context_data(form=form))
        response.status_code = 400
        return response


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    """Other sessions end (Django's session hash), this one stays; API tokens are revoked."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change")
    success_message = "Your password has been changed. Your API tokens were revoked."

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        token_services.api_tokens_revoke_all(user=form.user, reason="password_change")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Always answers with the same page, after the same work, whether or not the address
    has an account: it only queues `password_reset_send`, which looks the address up."""

    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            tasks.password_reset_send.delay(form.cleaned_data["email"])
        except BROKER_ERRORS as exc:
            raise ServiceUnavailableError(WORKERS_UNAVAILABLE) from exc
        return redirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Every session ends (Django's session hash) and every API token is revoked."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        token_services.api_tokens_revoke_all(user=form.user, reason="password_reset")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- Organizations ------------------------------------------------------------------


class OrganizationCreateView(LoginRequiredMixin, FormView):
    template_name = "accounts/organization_form.html"
    form_class = OrganizationForm

    def form_valid(self, form: OrganizationForm) -> HttpResponse:
        try:
            membership = services.organization_create(
                actor=self.request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        self.request.session[SESSION_KEY] = membership.organization_id
        messages.success(
            self.request, f"{membership.organization.name} is ready. You are its owner."
        )
        return redirect("planner:dashboard")


class OrganizationSwitchView(LoginRequiredMixin, View):
    """POST `organization` (an id): work in that organization from now on. 404 for non-members."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = OrganizationSwitchForm(request.POST)
        if not form.is_valid():
            raise Http404
        membership = access.get_membership(request.user, form.cleaned_data["organization"])
        request.session[SESSION_KEY] = membership.organization_id
        messages.success(request, f"You are now working in {membership.organization.name}.")
        return redirect("planner:dashboard")


# --- Members and invitations ----------------------------------------------------------


class MembersView(OrgMemberMixin, TemplateView):
    """The current organization's members. POST invites someone (owners and admins)."""

    template_name = "accounts/members.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        can_manage = self.membership.can_manage
        context.update(
            organization=self.organization,
            membership=self.membership,
            members=selectors.members_of(organization=self.organization),
            can_manage=can_manage,
        )
        if can_manage:
            grantable = _roles_grantable_by(self.membership)
            form = kwargs.get("invite_form") or InvitationForm()
            form.fields["role"].choices = grantable
            context.update(
                invite_form=form,
                role_choices=grantable,
                invitations=[
                    (invitation, self._invitation_url(invitation.token))
                    for invitation in selectors.invitations_pending(organization=self.organization)
                ],
            )
        return context

    def _invitation_url(self, token: str) -> str:
        return self.request.build_absolute_uri(reverse("accounts:invitation_accept", args=[token]))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        access.require_manage(self.membership)
        form = InvitationForm(request.POST)
        form.fields["role"].choices = _roles_grantable_by(self.membership)
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    actor=request.user,
                    organization=self.organization,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    f"Invitation created for {invitation.email}. Send them this link: "
                    f"{self._invitation_url(invitation.token)}",
                )
                return redirect("accounts:members")
        return self.render_to_response(self.get_context_data(invite_form=form))


class MembershipRoleView(TenantObjectMixin, View):
    """POST `role`: change a member's role (owners and admins of the member's organization)."""

    model = Membership
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        access.require_manage(self.membership)
        form = RoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose one of the roles listed.")
            return redirect("accounts:members")
        target: Membership = self.object  # type: ignore[assignment]
        try:
            updated = services.membership_change_role(
                actor=request.user, membership=target, role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"{target.user.email} is now {updated.get_role_display().lower()}."
            )
        return redirect("accounts:members")


class MembershipRemoveView(TenantObjectMixin, View):
    """POST: remove a member from their organization (owners and admins)."""

    model = Membership
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        access.require_manage(self.membership)
        target: Membership = self.object  # type: ignore[assignment]
        email = target.user.email
        try:
            services.membership_remove(actor=request.user, membership=target)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("accounts:members")
        messages.success(request, f"{email} was removed from {target.organization.name}.")
        if target.user_id == request.user.pk:
            return redirect("planner:dashboard")
        return redirect("accounts:members")


class InvitationRevokeView(TenantObjectMixin, View):
    """POST: withdraw a pending invitation (owners and admins of its organization)."""

    model = Invitation
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        access.require_manage(self.membership)
        invitation: Invitation = self.object  # type: ignore[assignment]
        try:
            services.invitation_revoke(actor=request.user, invitation=invitation)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"The invitation for {invitation.email} was revoked.")
        return redirect("accounts:members")


class InvitationAcceptView(View):
    """Accept an invitation by its token: logged in with the invited email, or sign up here.

    Public on purpose (the invited person may have no account yet); the token is the secret.
    """

    template_name = "accounts/invitation_accept.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.invitation = selectors.invitation_by_token(token=kwargs["token"])
        return super().dispatch(request, *args, **kwargs)

    def render_page(
        self,
        *,
        error: str | None = None,
        form: InvitationSignupForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        invitation = self.invitation
        user = self.request.user
        if invitation is None:
            error, status = "This invitation link is not valid.", 404
        elif error is None and not invitation.is_usable:
            if invitation.accepted_at is not None:
                error = "This invitation has already been used."
            elif invitation.revoked_at is not None:
                error = "This invitation was withdrawn. Ask for a new one."
            else:
                error = "This invitation has expired. Ask for a new one."
            status = 410
        context: dict[str, Any] = {"invitation": invitation, "error": error}
        if invitation is not None and error is None:
            if user.is_authenticated:
                context["email_matches"] = user.email.lower() == invitation.email.lower()
            else:
                context["has_account"] = User.objects.filter(
                    email__iexact=invitation.email
                ).exists()
                context["form"] = form or InvitationSignupForm()
                context["login_url"] = f"{reverse('accounts:login')}?next={self.request.path}"
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        return self.render_page()

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        if self.invitation is None:
            return self.render_page()
        if request.user.is_authenticated:
            try:
                membership = services.invitation_accept(user=request.user, token=token)
            except services.InvitationError as exc:
                return self.render_page(error=str(exc), status=400)
            request.session[SESSION_KEY] = membership.organization_id
        else:
            form = InvitationSignupForm(request.POST)
            if not form.is_valid():
                return self.render_page(form=form, status=200)
            try:
                membership = services.invitation_accept_with_signup(
                    token=token,
                    name=form.cleaned_data["name"],
                    password=form.cleaned_data["password"],
                )
            except services.InvitationError as exc:
                return self.render_page(error=str(exc), status=400)
            except ValidationError as exc:
                if "email" in exc.message_dict:
                    return self.render_page(error=" ".join(exc.message_dict["email"]), status=400)
                form.add_error(None, exc)
                return self.render_page(form=form)
            _start_session(request, membership.user, membership)
        messages.success(
            request,
            f"You joined {membership.organization.name} as {membership.get_role_display().lower()}.",
        )
        return redirect("planner:dashboard")
