"""What an operator reads when a service refuses to start: one line and exit 78 (EX_CONFIG).

Each service and the gateway's `create-admin` command are run as they are deployed
(`python -m services.<name>`), with a configuration an operator might get wrong.
"""

from __future__ import annotations

import os
import subprocess
import sys
from uuid import uuid4

import asyncpg
import pytest

from shared.db import ensure_database
from shared.settings import EX_CONFIG, database_on_server
from tests.support import Parts

SERVICES = ("booking", "records", "formulary", "notifications", "gateway")


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MESOCARE_", "KAFKA_"))}
    return subprocess.run(
        [sys.executable, "-m", *args],
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def said(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("service", SERVICES)
def test_production_without_a_secret_is_one_line_and_exit_78(service: str) -> None:
    done = run(f"services.{service}", MESOCARE_ENV="production", MESOCARE_JWT_SECRET="")
    assert done.returncode == EX_CONFIG, done.stderr
    [line] = said(done)
    assert line.startswith(f"{service}: configuration error: ")
    assert "MESOCARE_JWT_SECRET" in line


def test_create_admin_refuses_the_same_way() -> None:
    done = run(
        "services.gateway",
        "create-admin",
        "--network-id",
        str(uuid4()),
        "--email",
        "admin@example.test",
        MESOCARE_ENV="production",
    )
    assert done.returncode == EX_CONFIG, done.stderr
    [line] = said(done)
    assert "MESOCARE_JWT_SECRET" in line and "development default" in line


@pytest.mark.parametrize(
    ("variable", "value"),
    [("BOOKING_PORT", "eighty"), ("KAFKA_SESSION_TIMEOUT_MS", "soon"), ("MESOCARE_ENV", "live")],
)
def test_a_malformed_variable_is_named(variable: str, value: str) -> None:
    done = run("services.booking", **{variable: value})
    assert done.returncode == EX_CONFIG, done.stderr
    [line] = said(done)
    assert line.startswith(f"booking: configuration error: {variable}: ")


class TestTheDatabaseEncoding:
    async def test_a_new_database_is_utf8_whatever_the_servers_default(self, parts: Parts) -> None:
        dsn = database_on_server(parts.database_url, f"utf8_{uuid4().hex[:8]}")
        await ensure_database(dsn)
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval("SHOW server_encoding") == "UTF8"
            await conn.execute("CREATE TABLE t (name text)")
            await conn.execute("INSERT INTO t VALUES ('Amélie Lefèvre')")
            assert await conn.fetchval("SELECT name FROM t") == "Amélie Lefèvre"
        finally:
            await conn.close()

    async def test_a_database_in_another_encoding_is_refused_with_one_line(
        self, parts: Parts
    ) -> None:
        name = f"ascii_{uuid4().hex[:8]}"
        admin = await asyncpg.connect(parts.database_url)
        try:
            await admin.execute(
                f"CREATE DATABASE {name} ENCODING 'SQL_ASCII' TEMPLATE template0 "
                "LC_COLLATE 'C' LC_CTYPE 'C'"
            )
        finally:
            await admin.close()
        done = run(
            "services.records",
            DATABASE_URL=parts.database_url,
            RECORDS_DATABASE_URL=database_on_server(parts.database_url, name),
        )
        assert done.returncode == EX_CONFIG, done.stderr
        [line] = said(done)
        assert line.startswith("records: configuration error: ")
        assert "SQL_ASCII, not UTF8" in line
