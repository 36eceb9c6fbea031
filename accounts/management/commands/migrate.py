"""Django's migrate, connected as the tables' owner when MIGRATION_DATABASE_URL is set,
then the runtime role's grants brought up to date (config/database_roles.py).

Without MIGRATION_DATABASE_URL it is Django's migrate unchanged.
"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.commands import migrate

from config.database_roles import connected_as_owner


class Command(migrate.Command):
    def handle(self, *args, **options):
        with connected_as_owner(options["database"]) as as_owner:
            super().handle(*args, **options)
        if as_owner:
            call_command("db_runtime_role", database=options["database"], stdout=self.stdout)
