"""asyncpg pool, forward-only migrations under an advisory lock, typed records from rows, and the
runtime login's grants.

Migrations are plain SQL files named `NNNN_name.sql`. The platform's own tables (outbox, inbox,
idempotency keys) come from `shared/migrations` and are applied before the service's files; each
applied file is recorded with its checksum, and a file changed after it was applied stops the
start (forward-only: write a new file instead). A small runner is used rather than a migration
library because the well-kept ones (yoyo, alembic) drive synchronous drivers, and this one is a
page long on the asyncpg connection the service already has.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import asyncpg

log = logging.getLogger("mesocare.db")

PLATFORM_MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK_ID = 0x6D65736F  # "meso": one lock per database, taken by whichever replica starts


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(
            typename, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


class PooledConnection(asyncpg.Connection):
    """A pool connection that says when it holds session state.

    asyncpg resets every connection it takes back (advisory locks, LISTEN, settings): one more
    round trip for each request. Requests and handlers leave no session state (their locks and
    settings are transaction-scoped), so only a connection marked with `keep_session_state()`
    (a session advisory lock, LISTEN) is reset when it goes back.
    """

    _session_state = False

    def keep_session_state(self) -> None:
        self._session_state = True


async def _reset_if_marked(conn: PooledConnection) -> None:
    # asyncpg has already rolled back an open transaction and dropped listener callbacks.
    if conn._session_state:
        conn._session_state = False
        await conn.execute(conn.get_reset_query())


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        command_timeout=30,
        connection_class=PooledConnection,
        reset=_reset_if_marked,
    )


class DatabaseNotUtf8(RuntimeError):
    """The service's database stores text in another encoding than UTF-8: a patient named
    "Amélie" could not be written. A configuration error of the database, refused at start."""


async def ensure_database(dsn: str) -> None:
    """Create the database named in `dsn` (UTF-8) if the server does not have it yet; refuse a
    database in another encoding (DatabaseNotUtf8)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(dsn)
    name = parts.path.lstrip("/")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))
    conn = await asyncpg.connect(admin)
    try:
        encoding = await conn.fetchval(
            "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = $1", name
        )
        if encoding is None:
            try:
                # From template0: the server's default encoding may be SQL_ASCII.
                await conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
            except asyncpg.DuplicateDatabaseError:
                pass  # another replica won the race
            encoding = await conn.fetchval(
                "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = $1", name
            )
    finally:
        await conn.close()
    if encoding != "UTF8":
        raise DatabaseNotUtf8(
            f"database {name} is encoded {encoding}, not UTF8: re-create it with "
            f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"
        )


@dataclass(frozen=True, slots=True)
class Migration:
    source: str
    version: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text()

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(source: str, folder: Path) -> list[Migration]:
    return [Migration(source, p.stem, p) for p in sorted(folder.glob("*.sql"))]


class MigrationChanged(RuntimeError):
    """An applied migration file was edited; migrations are forward-only."""


async def migrate(pool: asyncpg.Pool, service_folder: Path, *, service: str) -> list[str]:
    """Apply pending platform and service migrations in order; returns the versions applied."""
    pending = discover("platform", PLATFORM_MIGRATIONS) + discover(service, service_folder)
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        conn.keep_session_state()
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
        try:
            await conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       source text NOT NULL, version text NOT NULL, checksum text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now(),
                       PRIMARY KEY (source, version))"""
            )
            done = {
                (r["source"], r["version"]): r["checksum"]
                for r in await conn.fetch("SELECT source, version, checksum FROM schema_migrations")
            }
            for m in pending:
                known = done.get((m.source, m.version))
                if known is not None:
                    if known != m.checksum:
                        raise MigrationChanged(
                            f"migration {m.source}/{m.version} changed after it was applied"
                        )
                    continue
                async with conn.transaction():
                    # A migration is the system's: it may move any network's rows.
                    await conn.execute("SELECT set_config('mesocare.network_id', '*', true)")
                    await conn.execute(m.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (source, version, checksum) "
                        "VALUES ($1, $2, $3)",
                        m.source,
                        m.version,
                        m.checksum,
                    )
                applied_now.append(f"{m.source}/{m.version}")
                log.info("migration applied", extra={"migration": f"{m.source}/{m.version}"})
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_ID)
    return applied_now


async def grant_runtime(conn: asyncpg.Connection, *, role: str, append_only: Iterable[str]) -> None:
    """What the runtime login may do in the service's database, granted by its owner after the
    migrations: read and write rows, never change the schema; on an append-only table (an audit
    trail) only insert and read. Run at every start, so a new table is covered at once."""
    who = await conn.fetchval("SELECT quote_ident($1)", role)
    await conn.execute(f"GRANT USAGE ON SCHEMA public TO {who}")
    await conn.execute(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {who}"
    )
    await conn.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}")
    await conn.execute(f"REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM {who}")
    for table in append_only:
        name = await conn.fetchval("SELECT quote_ident($1)", table)
        await conn.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {name} FROM {who}")


TENANT_POLICY = """(
    network_id = (
        SELECT NULLIF(NULLIF(current_setting('mesocare.network_id', true), ''), '*')::uuid
    )
    OR (SELECT current_setting('mesocare.network_id', true) = '*')
)"""
"""A row is visible to a transaction whose tenant is its network, or to a system transaction
('*'); with no tenant set, to nobody (fail closed). Each side is a scalar subquery, so PostgreSQL
reads the setting once per query (an InitPlan) instead of once per row: written plainly, the
setting's lookup and cast on every row made a name search over 1M patients ten times slower."""


async def enforce_row_security(conn: asyncpg.Connection) -> list[str]:
    """Row-level security on every table with a `network_id`: the second wall of tenancy, after
    the queries' own filters. Forced, so the owner is held to it too; applied by the owner at
    every start, so a table added by a migration is covered at once. Returns the tables."""
    tables = [
        r["table_name"]
        for r in await conn.fetch(
            """SELECT c.table_name FROM information_schema.columns c
               JOIN information_schema.tables t
                 ON t.table_schema = c.table_schema AND t.table_name = c.table_name
              WHERE c.table_schema = 'public' AND c.column_name = 'network_id'
                AND t.table_type = 'BASE TABLE'
              ORDER BY c.table_name"""
        )
    ]
    for table in tables:
        name = await conn.fetchval("SELECT quote_ident($1)", table)
        async with conn.transaction():
            await conn.execute(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
            await conn.execute(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY")
            await conn.execute(f"DROP POLICY IF EXISTS tenant ON {name}")
            await conn.execute(
                f"CREATE POLICY tenant ON {name} USING {TENANT_POLICY} WITH CHECK {TENANT_POLICY}"
            )
    return tables


def login_of(dsn: str) -> str:
    """The user name a connection string logs in as."""
    from urllib.parse import unquote, urlsplit

    user = urlsplit(dsn).username
    if not user:
        raise ValueError("the database URL names no user")
    return unquote(user)


# A transaction is the asyncpg connection inside `conn.transaction()`; the name says its role.
Transaction: TypeAlias = asyncpg.Connection


# Requests and events get theirs from a unit of work (shared/uow.py), which owns its commit.


R = TypeVar("R")


def record_of(cls: type[R], row: Mapping[str, Any] | None) -> R | None:
    """The typed record (a dataclass) of a row, from the columns its fields name; None for None.

    Repositories return these rather than dicts, so a misspelt column fails here, once, instead
    of as a KeyError wherever the row is read.
    """
    if row is None:
        return None
    names = _field_names(cls)
    return cls(**{name: row[name] for name in names})


def records_of(cls: type[R], rows: Iterable[Mapping[str, Any]]) -> list[R]:
    """`record_of` for each row."""
    names = _field_names(cls)
    return [cls(**{name: row[name] for name in names}) for row in rows]


def _field_names(cls: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


class Wakeup:
    """Set by a `NOTIFY` on `channel` (one pooled connection LISTENs for it) or by `set()`; a
    worker waits on it between rounds, at most `poll_seconds`, so nothing waits long when the
    LISTEN connection is lost."""

    def __init__(self, pool: asyncpg.Pool, channel: str) -> None:
        self.pool, self.channel = pool, channel
        self._event = asyncio.Event()
        self._listener: PooledConnection | None = None
        self._on_notify = lambda *_: self._event.set()

    def set(self) -> None:
        self._event.set()

    async def listen(self) -> None:
        try:
            self._listener = await self.pool.acquire()
            self._listener.keep_session_state()  # LISTEN is the session's
            await self._listener.add_listener(self.channel, self._on_notify)
        except Exception:
            log.warning("LISTEN %s failed; polling only", self.channel, exc_info=True)

    async def wait(self, poll_seconds: float) -> None:
        """Until set or `poll_seconds` have passed; then ready to be set again."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), poll_seconds)
        self._event.clear()

    async def close(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.remove_listener(self.channel, self._on_notify)
            await self.pool.release(self._listener)
            self._listener = None
