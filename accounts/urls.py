from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

app_name = "accounts"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("organizations/new/", auth_views.LoginView.as_view(), name="organization_create"),
    path("organizations/switch/", auth_views.LoginView.as_view(), name="organization_switch"),
    path("members/", auth_views.LoginView.as_view(), name="members"),
]
