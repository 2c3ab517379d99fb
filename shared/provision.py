"""Each service's database and its two logins, made by the superuser — who does nothing else.

Per service `<name>`:

- `mesocare_<name>_owner` owns the database `mesocare_<name>` and its schema: the service
  applies its migrations with this login at start, then grants the runtime login what it needs
  (`shared.db.grant_runtime`);
- `mesocare_<name>`, the **runtime login** the service runs with: reads and writes rows, and on
  an append-only table (records' `audit_log`) only inserts and reads. Not a superuser, no
  BYPASSRLS, no CREATEDB or CREATEROLE, and no CONNECT on any other service's database.

    python -m shared.provision [service …]

reads the superuser's `DATABASE_URL` and, for each service, `<SERVICE>_DB_PASSWORD` (runtime)
and `<SERVICE>_DB_OWNER_PASSWORD` (migrations) from the environment; it is idempotent (a repeat
sets the passwords again and changes nothing else) and takes over objects an earlier, superuser
era left in the database. Compose runs it as its `db-setup` job, Kubernetes as a Job, and
`make run` and the tests call `provision()` themselves.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from shared.settings import EX_CONFIG, database_on_server

SERVICES = ("booking", "records", "formulary", "notifications", "gateway")


@dataclass(frozen=True, slots=True)
class Logins:
    """The two connection strings of one provisioned service database."""

    runtime: str
    owner: str


def owner_role(service: str) -> str:
    return f"mesocare_{service}_owner"


def runtime_role(service: str) -> str:
    return f"mesocare_{service}"


def database_of(service: str) -> str:
    return f"mesocare_{service}"


def login_on(server_url: str, database: str, user: str, password: str) -> str:
    """`server_url` with another database and login (host, port and query kept)."""
    parts = urlsplit(database_on_server(server_url, database))
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


async def provision(
    admin_url: str, service: str, *, owner_password: str, runtime_password: str
) -> Logins:
    """Make (or bring up to date) the service's database, owner and runtime login."""
    owner, runtime, database = owner_role(service), runtime_role(service), database_of(service)
    for name in (owner, runtime, database):
        _ident(name)  # refuse anything but a plain name before building statements with it
    admin = await asyncpg.connect(database_on_server(admin_url, "postgres"))
    try:
        for role, password, extra in (
            (owner, owner_password, ""),
            (runtime, runtime_password, " NOBYPASSRLS"),
        ):
            await _ensure_role(admin, role, password, extra)
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            try:
                await admin.execute(
                    f"CREATE DATABASE {_ident(database)} OWNER {_ident(owner)} "
                    "ENCODING 'UTF8' TEMPLATE template0"
                )
            except asyncpg.DuplicateDatabaseError:
                pass  # provisioned at the same moment by another replica's setup
        await admin.execute(f"ALTER DATABASE {_ident(database)} OWNER TO {_ident(owner)}")
        await admin.execute(f"REVOKE ALL ON DATABASE {_ident(database)} FROM PUBLIC")
        await admin.execute(
            f"GRANT CONNECT, TEMPORARY ON DATABASE {_ident(database)} TO {_ident(owner)}"
        )
        await admin.execute(f"GRANT CONNECT ON DATABASE {_ident(database)} TO {_ident(runtime)}")
    finally:
        await admin.close()
    inside = await asyncpg.connect(database_on_server(admin_url, database))
    try:
        await _hand_over_schema(inside, owner)
    finally:
        await inside.close()
    return Logins(
        runtime=login_on(admin_url, database, runtime, runtime_password),
        owner=login_on(admin_url, database, owner, owner_password),
    )


async def _ensure_role(admin: asyncpg.Connection, role: str, password: str, extra: str) -> None:
    attributes = f"LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION{extra}"
    if await admin.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
        statement = await admin.fetchval(
            f"SELECT format('ALTER ROLE %I {attributes} PASSWORD %L', $1::text, $2::text)",
            role,
            password,
        )
    else:
        statement = await admin.fetchval(
            f"SELECT format('CREATE ROLE %I {attributes} PASSWORD %L', $1::text, $2::text)",
            role,
            password,
        )
    try:
        await admin.execute(statement)
    except asyncpg.DuplicateObjectError:
        pass  # created at the same moment elsewhere; the next run sets its password


async def _hand_over_schema(conn: asyncpg.Connection, owner: str) -> None:
    """The owner owns the public schema and everything in it; nobody else may create there."""
    await conn.execute(f"ALTER SCHEMA public OWNER TO {_ident(owner)}")
    await conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    # Objects a superuser created before the service had an owner (an upgrade) change hands.
    await conn.execute(
        """DO $$
           DECLARE target name := $owner$"""
        + owner
        + """$owner$;
                   item record;
           BEGIN
             FOR item IN
               SELECT format('ALTER %s %s OWNER TO %I',
                             CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                                            WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                             c.oid::regclass, target) AS statement
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
                  AND pg_get_userbyid(c.relowner) <> target
                  AND NOT (c.relkind = 'S' AND EXISTS (
                        SELECT 1 FROM pg_depend d
                         WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
             LOOP
               EXECUTE item.statement;
             END LOOP;
             FOR item IN
               SELECT format('ALTER FUNCTION %s OWNER TO %I', p.oid::regprocedure, target)
                      AS statement
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> target
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                   WHERE d.objid = p.oid AND d.deptype = 'e')
             LOOP
               EXECUTE item.statement;
             END LOOP;
           END $$"""
    )


def _ident(name: str) -> str:
    """A role or database name as an SQL identifier (only [a-z0-9_] names are made here)."""
    if not name.replace("_", "").isalnum() or not name.islower():
        raise ValueError(f"not a plain identifier: {name!r}")
    return f'"{name}"'


def _passwords(service: str) -> tuple[str, str]:
    prefix = service.upper()
    runtime = os.environ.get(f"{prefix}_DB_PASSWORD", "")
    owner = os.environ.get(f"{prefix}_DB_OWNER_PASSWORD", "")
    missing = [
        name
        for name, value in (
            (f"{prefix}_DB_PASSWORD", runtime),
            (f"{prefix}_DB_OWNER_PASSWORD", owner),
        )
        if not value
    ]
    if missing:
        raise LookupError(f"{', '.join(missing)}: not set")
    return owner, runtime


async def _main(services: Sequence[str]) -> None:
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url:
        raise LookupError("DATABASE_URL: not set (the superuser's URL of the server)")
    for service in services:
        owner_password, runtime_password = _passwords(service)
        await provision(
            admin_url, service, owner_password=owner_password, runtime_password=runtime_password
        )
        print(f"provisioned {database_of(service)}: {owner_role(service)}, {runtime_role(service)}")


def main(argv: Sequence[str]) -> int:
    services = list(argv) or list(SERVICES)
    unknown = sorted(set(services) - set(SERVICES))
    if unknown:
        known = ", ".join(SERVICES)
        print(f"provision: unknown services {unknown}; known: {known}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_main(services))
    except LookupError as exc:
        print(f"provision: configuration error: {exc}", file=sys.stderr)
        return EX_CONFIG
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"provision: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
