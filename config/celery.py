from __future__ import annotations

import os

from celery import Celery, Task

from accounts.tenant_scope import system_scope

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class SystemScopedTask(Task):
    """Every task runs over every organization: tasks act on ids that scoped code (a view,
    a service) gave them, and on schedules that span organizations. Tenant queries
    outside any scope fail closed (accounts/tenancy.py)."""

    def __call__(self, *args, **kwargs):
        with system_scope(f"task {self.name}"):
            return super().__call__(*args, **kwargs)


app = Celery("breakeven", task_cls=SystemScopedTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
