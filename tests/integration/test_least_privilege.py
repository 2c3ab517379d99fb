"""The database logins a service runs with: made by the superuser, able to do no more than needed.

`shared.provision` makes a service's database, its owner (migrations) and its runtime login; the
service migrates as the owner, grants the runtime login its rights and then runs with it. These
tests start a service on the platform's own lifespan (`build_app`) with an append-only table, as
records has its audit log, and try what an attacker holding the runtime login would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import pytest

from shared.db import create_pool, ensure_database, migrate
from shared.provision import Logins, provision
from shared.service import ServiceSpec, build_app
from shared.settings import ServiceSettings, database_on_server
from shared.uow import Database, enter_tenant
from tests.support import Parts

TRAIL = """
CREATE TABLE trail (id bigserial PRIMARY KEY, network_id uuid NOT NULL, what text NOT NULL);
CREATE FUNCTION refuse_rewriting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the trail is append-only'; END $$;
CREATE TRIGGER trail_no_update BEFORE UPDATE OR DELETE ON trail
    FOR EACH ROW EXECUTE FUNCTION refuse_rewriting();
CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL);
"""


@pytest.fixture(scope="module")
def migrations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lp-migrations")
    (folder / "0001_trail.sql").write_text(TRAIL)
    return folder


async def provisioned(parts: Parts, service: str) -> Logins:
    return await provision(
        parts.database_url, service, owner_password="owner-pw-1", runtime_password="runtime-pw-1"
    )


async def started(parts: Parts, service: str, logins: Logins, migrations: Path) -> None:
    """Run the service's start-up (migrate as owner, grant, open the runtime pool) and stop."""
    settings = ServiceSettings(
        service=service,
        platform=parts.platform(),
        database_url=logins.runtime,
        migration_database_url=logins.owner,
    )
    app = build_app(
        ServiceSpec(
            settings=settings,
            title=service,
            description="least privilege test",
            migrations=migrations,
            append_only=("trail",),
        )
    )
    async with app.router.lifespan_context(app):
        pass


@pytest.fixture
async def runtime(parts: Parts, migrations: Path) -> AsyncIterator[asyncpg.Connection]:
    service = f"lp_{uuid4().hex[:8]}"
    logins = await provisioned(parts, service)
    await started(parts, service, logins, migrations)
    conn = await asyncpg.connect(logins.runtime)
    try:
        yield conn
    finally:
        await conn.close()


async def refused(conn: asyncpg.Connection, statement: str) -> str:
    with pytest.raises(asyncpg.PostgresError) as failure:
        async with conn.transaction():
            await conn.execute(statement)
    return type(failure.value).__name__


class TestTheRuntimeLogin:
    async def test_is_not_a_superuser_and_cannot_bypass_row_security(
        self, runtime: asyncpg.Connection
    ) -> None:
        me = await runtime.fetchrow(
            "SELECT rolsuper, rolbypassrls, rolcreatedb, rolcreaterole FROM pg_roles "
            "WHERE rolname = current_user"
        )
        assert not any(me.values())

    async def test_reads_and_writes_rows(self, runtime: asyncpg.Connection) -> None:
        await runtime.execute("INSERT INTO notes (body) VALUES ('Amélie called')")
        await runtime.execute("UPDATE notes SET body = body || '.'")
        assert await runtime.fetchval("SELECT body FROM notes") == "Amélie called."
        network = uuid4()
        async with runtime.transaction():
            await enter_tenant(runtime, network)  # a network's row, in that network's unit
            await runtime.execute(
                "INSERT INTO trail (network_id, what) VALUES ($1, 'read')", network
            )
            assert await runtime.fetchval("SELECT count(*) FROM trail") == 1

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE trail SET what = 'nothing'",
            "DELETE FROM trail",
            "TRUNCATE trail",
            "ALTER TABLE trail DISABLE TRIGGER trail_no_update",
            "ALTER TABLE trail DISABLE TRIGGER ALL",
            "DROP TRIGGER trail_no_update ON trail",
            "SET session_replication_role = replica",
            "CREATE TABLE mine (x int)",
            "DROP TABLE notes",
            "UPDATE schema_migrations SET checksum = 'x'",
        ],
    )
    async def test_cannot_rewrite_the_trail_or_the_schema(
        self, runtime: asyncpg.Connection, statement: str
    ) -> None:
        assert await refused(runtime, statement) in (
            "InsufficientPrivilegeError",
            "CantChangeRuntimeParamError",
        )

    async def test_cannot_connect_to_another_services_database(
        self, parts: Parts, migrations: Path
    ) -> None:
        mine, theirs = f"lp_{uuid4().hex[:8]}", f"lp_{uuid4().hex[:8]}"
        logins = await provisioned(parts, mine)
        await provisioned(parts, theirs)
        other = database_on_server(logins.runtime, f"mesocare_{theirs}")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await asyncpg.connect(other)
        owners_other = database_on_server(logins.owner, f"mesocare_{theirs}")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await asyncpg.connect(owners_other)


class TestProvisioning:
    async def test_a_repeat_changes_nothing_but_the_passwords(
        self, parts: Parts, migrations: Path
    ) -> None:
        service = f"lp_{uuid4().hex[:8]}"
        await provisioned(parts, service)
        again = await provision(
            parts.database_url, service, owner_password="owner-pw-2", runtime_password="rt-pw-2"
        )
        await started(parts, service, again, migrations)
        conn = await asyncpg.connect(again.runtime)
        try:
            assert await conn.fetchval("SHOW server_encoding") == "UTF8"
        finally:
            await conn.close()

    async def test_a_database_of_the_superuser_era_is_taken_over(
        self, parts: Parts, migrations: Path
    ) -> None:
        service = f"lp_{uuid4().hex[:8]}"
        superuser_dsn = database_on_server(parts.database_url, f"mesocare_{service}")
        await ensure_database(superuser_dsn)
        pool = await create_pool(superuser_dsn)
        try:
            await migrate(pool, migrations, service=service)
        finally:
            await pool.close()
        logins = await provisioned(parts, service)
        await started(parts, service, logins, migrations)  # the owner migrates: nothing to do
        conn = await asyncpg.connect(logins.runtime)
        try:
            await conn.execute("INSERT INTO notes (body) VALUES ('kept')")
            assert await refused(conn, "DELETE FROM trail") == "InsufficientPrivilegeError"
            owner = await conn.fetchval(
                "SELECT tableowner FROM pg_tables WHERE tablename = 'trail'"
            )
            assert owner == f"mesocare_{service}_owner"
        finally:
            await conn.close()


class TestRowLevelSecurity:
    """Tenancy's second wall: a query that forgets its network filter still sees only the
    caller's network, as the runtime login the services run with."""

    @pytest.fixture
    async def two_networks(
        self, parts: Parts, migrations: Path
    ) -> AsyncIterator[tuple[Database, UUID, UUID]]:
        service = f"lp_{uuid4().hex[:8]}"
        logins = await provisioned(parts, service)
        await started(parts, service, logins, migrations)
        pool = await create_pool(logins.runtime)
        database = Database(pool, source="mesocare/test")
        mine, theirs = uuid4(), uuid4()
        for network in (mine, theirs):
            async with database.unit(network) as uow:
                await uow.tx.execute(
                    "INSERT INTO trail (network_id, what) VALUES ($1, 'seen')", network
                )
        try:
            yield database, mine, theirs
        finally:
            await pool.close()

    async def test_an_unfiltered_query_sees_only_the_units_network(
        self, two_networks: tuple[Database, UUID, UUID]
    ) -> None:
        database, mine, _ = two_networks
        async with database.unit(mine) as uow:
            rows = await uow.tx.fetch("SELECT network_id FROM trail")  # no WHERE, on purpose
        assert [r["network_id"] for r in rows] == [mine]

    async def test_a_row_of_another_network_cannot_be_written(
        self, two_networks: tuple[Database, UUID, UUID]
    ) -> None:
        database, mine, theirs = two_networks
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with database.unit(mine) as uow:
                await uow.tx.execute(
                    "INSERT INTO trail (network_id, what) VALUES ($1, 'planted')", theirs
                )

    async def test_with_no_tenant_set_nothing_is_visible(
        self, two_networks: tuple[Database, UUID, UUID]
    ) -> None:
        database, _, _ = two_networks
        async with database.pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM trail") == 0

    async def test_a_system_unit_sees_every_network(
        self, two_networks: tuple[Database, UUID, UUID]
    ) -> None:
        database, mine, theirs = two_networks
        async with database.unit(None) as uow:
            networks = {r["network_id"] for r in await uow.tx.fetch("SELECT network_id FROM trail")}
        assert networks == {mine, theirs}

    async def test_every_table_with_a_network_id_is_forced(
        self, two_networks: tuple[Database, UUID, UUID]
    ) -> None:
        database, _, _ = two_networks
        async with database.pool.acquire() as conn:
            unforced = await conn.fetch(
                """SELECT c.relname FROM pg_class c
                   JOIN information_schema.columns k ON k.table_name = c.relname
                  WHERE k.table_schema = 'public' AND k.column_name = 'network_id'
                    AND c.relkind = 'r' AND NOT (c.relrowsecurity AND c.relforcerowsecurity)"""
            )
        assert [r["relname"] for r in unforced] == []
