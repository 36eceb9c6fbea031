"""Forms parse and check the shape of input; the rules live in `accounts.services`."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import Organization, Role, User

NAME_MAX_LENGTH = User._meta.get_field("name").max_length
ORG_NAME_MAX_LENGTH = Organization._meta.get_field("name").max_length


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form (it passes `request` to `authenticate`, which django-axes needs),
    with the username field presented as an email address."""

    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an account. Check both and try again.",
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class PasswordField(forms.CharField):
    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("strip", False)
        kwargs.setdefault("widget", forms.PasswordInput(attrs={"autocomplete": "new-password"}))
        kwargs.setdefault("help_text", password_validation.password_validators_help_text_html())
        super().__init__(**kwargs)


class SignupForm(forms.Form):
    email = forms.EmailField(
        label="Work email", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    name = forms.CharField(
        label="Your name",
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = PasswordField(label="Password")
    organization_name = forms.CharField(
        label="Organization name",
        max_length=ORG_NAME_MAX_LENGTH,
        help_text="Your company or team. You can invite colleagues afterwards.",
    )


class InvitationSignupForm(forms.Form):
    """Sign-up from an invitation: the email address is the invited one."""

    name = forms.CharField(
        label="Your name",
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = PasswordField(label="Password")


class OrganizationForm(forms.Form):
    name = forms.CharField(label="Organization name", max_length=ORG_NAME_MAX_LENGTH)


class OrganizationSwitchForm(forms.Form):
    organization = forms.IntegerField(min_value=1)


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email")
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
