"""Create or update the PostgreSQL role the application runs as, and its grants.

    manage.py db_runtime_role

Connects as the tables' owner (MIGRATION_DATABASE_URL) and makes the user of DATABASE_URL
a role that owns nothing: SELECT, INSERT, UPDATE and DELETE on every table, USAGE and
SELECT on every sequence, the same on tables and sequences created later (default
privileges), and nothing else. Safe to run again (`manage.py migrate` runs it after
migrating). See config/database_roles.py and docs/deploy.md.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from config.database_roles import connected_as_owner, ensure_runtime_role


class Command(BaseCommand):
    help = "Create or update the runtime database role (the user of DATABASE_URL) and its grants."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        alias = options["database"]
        runtime = dict(connections[alias].settings_dict)
        if connections[alias].vendor != "postgresql":
            raise CommandError("database roles need PostgreSQL (DATABASE_URL is not postgres://)")
        with connected_as_owner(alias) as as_owner:
            if not as_owner:
                raise CommandError(
                    "MIGRATION_DATABASE_URL is not set: without an owner role the application "
                    "already connects as the owner"
                )
            try:
                owner = ensure_runtime_role(
                    connections[alias],
                    role=runtime["USER"],
                    password=runtime.get("PASSWORD") or None,
                    database=runtime["NAME"],
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Role {runtime['USER']!r}: reads and writes the tables of {runtime['NAME']!r}, "
            f"owns nothing ({owner!r} owns the tables)."
        )
