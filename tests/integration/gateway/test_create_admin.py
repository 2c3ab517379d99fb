"""`python -m services.gateway create-admin`: the first network admin of a real network, made by an
operator where the gateway runs, against the session's PostgreSQL (as in a container, by
environment only)."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from uuid import UUID, uuid4

import asyncpg

from shared.auth import TokenVerifier
from shared.settings import database_on_server
from tests.integration.gateway.serving import create_staff, from_address, password_grant
from tests.support import RunningService

PASSWORD = "first-admin-password"


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


async def create_admin(
    gateway: RunningService,
    *args: str,
    password: str | None = PASSWORD,
    stdin: str | None = None,
    database_url: str | None = None,
) -> Ran:
    """The command as an operator runs it in the gateway's container: with the gateway's two
    logins (runtime, and the owner's for the migrations), or with one `database_url` that may do
    everything."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MESOCARE_", "GATEWAY_", "OTEL_")) and k != "DATABASE_URL"
    }
    env |= {
        "MESOCARE_ENV": "test",
        "DATABASE_URL": gateway.settings.platform.database_url,
        "GATEWAY_DATABASE_URL": database_url or gateway.settings.dsn(),
        "GATEWAY_MIGRATION_DATABASE_URL": database_url or gateway.settings.migration_dsn(),
    }
    if password is not None:
        env["MESOCARE_ADMIN_PASSWORD"] = password
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.gateway",
        "create-admin",
        *args,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate((stdin or "").encode()), timeout=60)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


def for_admin(network: UUID, email: str) -> tuple[str, ...]:
    return ("--network-id", str(network), "--email", email, "--name", "Nora Network")


def new_email() -> str:
    return f"admin-{uuid4().hex[:12]}@clinic-chain.example"


async def signs_in(gateway: RunningService, email: str, password: str) -> dict[str, object]:
    async with from_address(gateway) as client:
        response = await password_grant(client, email, password)
    assert response.status_code == 200, response.text
    claims = TokenVerifier(gateway.settings.platform).verify(response.json()["access_token"])
    return {"network_id": claims.network_id, "roles": claims.roles, "clinics": claims.clinic_ids}


class TestCreateAdmin:
    async def test_the_new_admin_signs_in_as_admin_of_that_network_for_all_its_clinics(
        self, gateway: RunningService
    ) -> None:
        network, email = uuid4(), new_email()

        ran = await create_admin(gateway, *for_admin(network, email))

        assert ran.code == 0, ran.err
        assert f"Created network admin {email}" in ran.out
        assert PASSWORD not in ran.out + ran.err
        assert await signs_in(gateway, email, PASSWORD) == {
            "network_id": network,
            "roles": {"network_admin"},
            "clinics": frozenset(),
        }

    async def test_the_password_is_an_argon2_hash_like_every_staff_account(
        self, gateway: RunningService
    ) -> None:
        email = new_email()
        assert (await create_admin(gateway, *for_admin(uuid4(), email))).code == 0

        stored = await gateway.pool.fetchval(
            "SELECT password_hash FROM staff_accounts WHERE email = $1", email
        )
        assert stored.startswith("$argon2id$") and PASSWORD not in stored

    async def test_running_it_again_changes_nothing(self, gateway: RunningService) -> None:
        network, email = uuid4(), new_email()
        assert (await create_admin(gateway, *for_admin(network, email))).code == 0

        again = await create_admin(
            gateway, *for_admin(network, email.upper()), password="another-long-password"
        )

        assert again.code == 0, again.err
        assert "already a network admin" in again.out
        assert (await signs_in(gateway, email, PASSWORD))["network_id"] == network
        count = await gateway.pool.fetchval(
            "SELECT count(*) FROM staff_accounts WHERE lower(email) = $1", email
        )
        assert count == 1

    async def test_the_password_can_be_piped_on_standard_input(
        self, gateway: RunningService
    ) -> None:
        email = new_email()

        ran = await create_admin(
            gateway, *for_admin(uuid4(), email), password=None, stdin=PASSWORD + "\n"
        )

        assert ran.code == 0, ran.err
        assert (await signs_in(gateway, email, PASSWORD))["roles"] == {"network_admin"}

    async def test_it_works_on_a_database_the_gateway_has_never_started_on(
        self, gateway: RunningService
    ) -> None:
        name = f"mesocare_gateway_fresh_{uuid4().hex[:8]}"
        fresh = database_on_server(gateway.settings.platform.database_url, name)
        email = new_email()
        try:
            ran = await create_admin(gateway, *for_admin(uuid4(), email), database_url=fresh)

            assert ran.code == 0, ran.err
            conn = await asyncpg.connect(fresh)
            try:
                roles = await conn.fetchval(
                    "SELECT roles FROM staff_accounts WHERE email = $1", email
                )
            finally:
                await conn.close()
            assert roles == ["network_admin"]
        finally:
            await gateway.pool.execute(f'DROP DATABASE IF EXISTS "{name}"')


class TestCreateAdminRefuses:
    async def test_an_email_of_another_networks_account(self, gateway: RunningService) -> None:
        theirs, email = uuid4(), new_email()
        await create_staff(gateway, theirs, email, password=PASSWORD)

        ran = await create_admin(gateway, *for_admin(uuid4(), email))

        assert ran.code == 1
        assert "another network" in ran.err and "Nothing changed" in ran.err
        assert await signs_in(gateway, email, PASSWORD) == {
            "network_id": theirs,
            "roles": {"receptionist"},
            "clinics": frozenset(),
        }

    async def test_an_email_of_a_non_admin_in_the_same_network(
        self, gateway: RunningService
    ) -> None:
        network, email = uuid4(), new_email()
        await create_staff(gateway, network, email)

        ran = await create_admin(gateway, *for_admin(network, email))

        assert ran.code == 1
        assert "roles receptionist" in ran.err and "PATCH /v1/staff/" in ran.err

    async def test_a_short_password_and_creates_nothing(self, gateway: RunningService) -> None:
        email = new_email()

        ran = await create_admin(gateway, *for_admin(uuid4(), email), password="short")

        assert ran.code == 1
        assert "at least 12 characters" in ran.err
        assert not await gateway.pool.fetchval(
            "SELECT count(*) FROM staff_accounts WHERE email = $1", email
        )

    async def test_no_password_at_all(self, gateway: RunningService) -> None:
        ran = await create_admin(gateway, *for_admin(uuid4(), new_email()), password=None)

        assert ran.code == 1
        assert "MESOCARE_ADMIN_PASSWORD" in ran.err

    async def test_a_password_given_as_an_argument(self, gateway: RunningService) -> None:
        ran = await create_admin(gateway, *for_admin(uuid4(), new_email()), "--password", PASSWORD)

        assert ran.code == 2
        assert "unrecognized arguments" in ran.err
