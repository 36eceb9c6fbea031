#!/usr/bin/env python
from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from accounts.tenant_scope import system_scope

    # Management commands are operator tools working across organizations (seeding,
    # catalogs, migrations). Requests served by `runserver` run in their own threads
    # under the request's scope (TenantScopeMiddleware), not under this one.
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    with system_scope(f"management command {command}"):
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
