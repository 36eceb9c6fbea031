from __future__ import annotations

from django.urls import path

from accounts import token_views

app_name = "accounts_tokens"
urlpatterns = [
    path("", token_views.ApiTokenListView.as_view(), name="list"),
    path("<int:pk>/revoke/", token_views.ApiTokenRevokeView.as_view(), name="revoke"),
]
