"""Two PostgreSQL roles: the tables' owner runs migrations, the application runs as a role
that owns nothing.

Published catalog versions are kept immutable by triggers (pricing/migrations). An owner
of the tables can defeat those: ``TRUNCATE ... CASCADE``, ``ALTER TABLE ... DISABLE
TRIGGER`` and ``SET session_replication_role = replica`` (the last needs a superuser). So in
production ``DATABASE_URL`` names a *runtime* role holding only SELECT, INSERT, UPDATE and
DELETE on the tables and USAGE (and SELECT) on the sequences, and ``MIGRATION_DATABASE_URL``
names the owner, which ``manage.py migrate`` connects as (see
accounts/management/commands/migrate.py). ``manage.py db_runtime_role`` creates or updates
the runtime role and its grants, including default privileges for tables the owner creates
later; ``migrate`` runs it after migrating. Without ``MIGRATION_DATABASE_URL`` (development,
the embedded SQLite setup, tests) everything connects as ``DATABASE_URL``, as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import environ
from django.conf import settings
from django.db import connections

# Connection settings taken from the owner's URL; the database name stays the
# connection's own (a test run migrates its test_ copy, not the real database).
OWNER_KEYS = ("USER", "PASSWORD", "HOST", "PORT")
RUNTIME_ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


def owner_settings() -> dict[str, Any] | None:
    """The owner's connection settings from MIGRATION_DATABASE_URL, or None when unset."""
    url = getattr(settings, "MIGRATION_DATABASE_URL", "")
    if not url:
        return None
    return environ.Env.db_url_config(url)


@contextlib.contextmanager
def connected_as_owner(alias: str = "default") -> Iterator[bool]:
    """Run the block with `alias` connected as the tables' owner (True), or unchanged
    (False) when no owner is configured. The runtime settings come back afterwards."""
    owner = owner_settings()
    if owner is None:
        yield False
        return
    connection = connections[alias]
    saved = {key: connection.settings_dict.get(key) for key in OWNER_KEYS}
    connection.close()
    connection.settings_dict.update({key: owner.get(key, "") for key in OWNER_KEYS})
    try:
        yield True
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def _quote(connection: Any, name: str) -> str:
    return connection.ops.quote_name(name)


def runtime_role_statements(
    connection: Any, *, role: str, password: str | None, database: str, owner: str
) -> list[tuple[str, list[Any]]]:
    """The statements that make `role` the runtime role of `database` (idempotent)."""
    r, db, o = _quote(connection, role), _quote(connection, database), _quote(connection, owner)
    password_sql = " PASSWORD %s" if password else ""
    password_params = [password] if password else []
    return [
        (f"ALTER ROLE {r} {RUNTIME_ROLE_ATTRIBUTES}{password_sql}", password_params),
        (f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {r}", []),
        (f"GRANT USAGE ON SCHEMA public TO {r}", []),
        (f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}", []),
        (f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}", []),
        # Tables and sequences the owner creates later (new migrations) get the same.
        (
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
            [],
        ),
        (
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {r}",
            [],
        ),
    ]


def ensure_runtime_role(
    connection: Any, *, role: str, password: str | None = None, database: str | None = None
) -> str:
    """Create or update the runtime `role` on `connection` (connected as the tables'
    owner) and grant it what the application needs; returns the owner's name."""
    if connection.vendor != "postgresql":
        raise ValueError("database roles need PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_database()")
        owner, current_database = cursor.fetchone()
        if role == owner:
            raise ValueError(
                f"the runtime role {role!r} is the owner: give DATABASE_URL another user"
            )
        cursor.execute(
            "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )
        (manages_roles,) = cursor.fetchone()
        # CREATE ROLE has no IF NOT EXISTS: create it only when missing.
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        exists = cursor.fetchone() is not None
        if not exists and not manages_roles:
            raise ValueError(
                f"role {role!r} does not exist and {owner!r} may not create roles: create it "
                "once by hand (CREATE ROLE ... LOGIN PASSWORD ...) or give the owner CREATEROLE"
            )
        if not exists:
            cursor.execute(f"CREATE ROLE {_quote(connection, role)}")
        statements = runtime_role_statements(
            connection,
            role=role,
            password=password,
            database=database or current_database,
            owner=owner,
        )
        if not manages_roles:  # a role made by hand keeps its attributes and password
            statements = statements[1:]
        for sql, params in statements:
            cursor.execute(sql, params)
    return owner
