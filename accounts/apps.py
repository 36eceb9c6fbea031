from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and organizations"

    def ready(self) -> None:
        # Cached API token lookups are dropped wherever a token or a user changes (web,
        # API, Celery, management commands), so the receivers connect at start-up.
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save
        from knox.models import get_token_model

        from accounts import checks  # noqa: F401 (registers the deploy checks)
        from accounts.api import authentication

        token_model = get_token_model()
        post_delete.connect(authentication.on_token_deleted, sender=token_model)
        post_save.connect(authentication.on_token_saved, sender=token_model)
        post_save.connect(authentication.on_user_saved, sender=get_user_model())
