"""The API tokens page (/accounts/tokens/): list, create (secret shown once), revoke.

Tokens belong to a user, not an organization, so these views need a login only;
a token of another user is a 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from accounts.api import tokens as token_services
from accounts.models import ApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What uses it, e.g. “CI pipeline” or “my laptop”."
    )
    expires_in_days = forms.IntegerField(
        label="Expires in (days)",
        min_value=1,
        max_value=token_services.MAX_EXPIRY_DAYS,
        initial=token_services.DEFAULT_EXPIRY_DAYS,
        help_text=f"1 to {token_services.MAX_EXPIRY_DAYS} days.",
    )


class ApiTokenListView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/api_tokens.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        tokens = list(token_services.api_tokens_for_user(user=self.request.user))
        for token in tokens:
            token.key_tail = token_services.token_key_tail(token)  # type: ignore[attr-defined]
        context["tokens"] = tokens
        context.setdefault("form", ApiTokenForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                token, secret = token_services.api_token_create(
                    user=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                # Rendered, not redirected: the secret must not travel through the session.
                response = self.render_to_response(
                    self.get_context_data(form=ApiTokenForm(), new_token=token, secret=secret)
                )
                response["Cache-Control"] = "no-store"
                return response
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ApiTokenRevokeView(LoginRequiredMixin, View):
    model = ApiToken  # a user-owned object: the cross-tenant harness reads this
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = get_object_or_404(token_services.api_tokens_for_user(user=request.user), pk=pk)
        name = token.name
        token_services.api_token_revoke(user=request.user, token=token)
        messages.success(request, f"Token “{name}” revoked. It no longer works.")
        return redirect("accounts_tokens:list")
