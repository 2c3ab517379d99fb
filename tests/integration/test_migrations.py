"""Forward-only migrations under an advisory lock, against real PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import uuid4

import pytest

from shared.db import MigrationChanged, create_pool, ensure_database, migrate
from shared.settings import database_on_server
from tests.support import Parts


async def fresh_pool(parts: Parts):  # type: ignore[no-untyped-def]
    dsn = database_on_server(parts.database_url, f"migrations_{uuid4().hex[:10]}")
    await ensure_database(dsn)
    return await create_pool(dsn, max_size=4)


def write(folder: Path, name: str, sql: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(sql)


async def test_each_migration_is_applied_once_in_order(parts: Parts, tmp_path: Path) -> None:
    write(tmp_path, "0001_first.sql", "CREATE TABLE things (id int PRIMARY KEY);")
    write(tmp_path, "0002_second.sql", "ALTER TABLE things ADD COLUMN name text;")
    pool = await fresh_pool(parts)
    try:
        first = await migrate(pool, tmp_path, service="demo")
        again = await migrate(pool, tmp_path, service="demo")

        assert first == ["platform/0001_platform", "demo/0001_first", "demo/0002_second"]
        assert again == []
        assert (
            await pool.fetchval(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'things'"
            )
            == 2
        )
    finally:
        await pool.close()


async def test_replicas_starting_together_apply_each_migration_once(
    parts: Parts, tmp_path: Path
) -> None:
    write(tmp_path, "0001_first.sql", "CREATE TABLE things (id int PRIMARY KEY);")
    pool = await fresh_pool(parts)
    try:
        results = await asyncio.gather(*(migrate(pool, tmp_path, service="demo") for _ in range(3)))
        applied = [m for r in results for m in r]
        assert sorted(applied) == ["demo/0001_first", "platform/0001_platform"]
    finally:
        await pool.close()


async def test_an_edited_migration_stops_the_start(parts: Parts, tmp_path: Path) -> None:
    write(tmp_path, "0001_first.sql", "CREATE TABLE things (id int PRIMARY KEY);")
    pool = await fresh_pool(parts)
    try:
        await migrate(pool, tmp_path, service="demo")
        write(tmp_path, "0001_first.sql", "CREATE TABLE things (id bigint PRIMARY KEY);")
        with pytest.raises(MigrationChanged, match="demo/0001_first changed"):
            await migrate(pool, tmp_path, service="demo")
    finally:
        await pool.close()


async def test_a_failing_migration_leaves_nothing_half_applied(
    parts: Parts, tmp_path: Path
) -> None:
    write(tmp_path, "0001_broken.sql", "CREATE TABLE half (id int); SELECT no_such_function();")
    pool = await fresh_pool(parts)
    try:
        with pytest.raises(Exception, match="no_such_function"):
            await migrate(pool, tmp_path, service="demo")
        assert await pool.fetchval("SELECT to_regclass('half') IS NULL")
        assert not await pool.fetchval(
            "SELECT count(*) FROM schema_migrations WHERE source = 'demo'"
        )
    finally:
        await pool.close()
