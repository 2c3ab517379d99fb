"""Pool connections go back without a reset round trip unless they hold session state."""

from __future__ import annotations

from uuid import uuid4

from shared.db import create_pool, ensure_database
from shared.settings import database_on_server
from tests.support import Parts

LOCK = 0x7465_7374


async def one_connection_pool(parts: Parts):  # type: ignore[no-untyped-def]
    dsn = database_on_server(parts.database_url, f"pool_{uuid4().hex[:10]}")
    await ensure_database(dsn)
    return await create_pool(dsn, min_size=1, max_size=1)


async def test_a_connection_marked_as_holding_session_state_is_reset_when_returned(
    parts: Parts,
) -> None:
    pool = await one_connection_pool(parts)
    try:
        async with pool.acquire() as conn:
            conn.keep_session_state()
            await conn.execute("SELECT pg_advisory_lock($1)", LOCK)
            await conn.execute("LISTEN somewhere")
        # The same (only) connection again: the lock and the LISTEN are gone.
        async with pool.acquire() as conn:
            held = await conn.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid = pg_backend_pid()"
            )
            listening = await conn.fetchval("SELECT count(*) FROM pg_listening_channels()")
        assert (held, listening) == (0, 0)
    finally:
        await pool.close()


async def test_an_open_transaction_is_rolled_back_when_returned(parts: Parts) -> None:
    pool = await one_connection_pool(parts)
    try:
        await pool.execute("CREATE TABLE kept (n int)")
        conn = await pool.acquire()
        await conn.execute("BEGIN")
        await conn.execute("INSERT INTO kept VALUES (1)")
        await pool.release(conn)
        assert await pool.fetchval("SELECT count(*) FROM kept") == 0
    finally:
        await pool.close()


async def test_an_ordinary_connection_goes_back_without_a_reset(parts: Parts) -> None:
    # What the saved round trip means: a session setting would survive, so requests and
    # handlers keep theirs transaction-scoped (SET LOCAL, pg_advisory_xact_lock).
    pool = await one_connection_pool(parts)
    try:
        async with pool.acquire() as conn:
            await conn.execute("SET application_name = 'left behind'")
        assert await pool.fetchval("SHOW application_name") == "left behind"
    finally:
        await pool.close()
