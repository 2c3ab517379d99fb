"""The demo sign-ins of the local stack (DESIGN §9): created once, refused in production."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.gateway.seeding import DEMO_PASSWORD, DemoRefused, seed_demo_staff
from shared.auth import TokenVerifier
from tests.integration.gateway.serving import from_address, password_grant
from tests.support import RunningService

DEMO = {
    "admin@demo.mesocare.test": {"network_admin"},
    "manager@demo.mesocare.test": {"clinic_manager"},
    "practitioner@demo.mesocare.test": {"practitioner"},
    "reception@demo.mesocare.test": {"receptionist"},
}


async def test_the_demo_logins_sign_in_and_a_second_seed_changes_nothing(
    gateway: RunningService,
) -> None:
    network = uuid4()
    async with gateway.pool.acquire() as conn:
        # Another test run may have seeded this database already: start from none.
        await conn.execute("DELETE FROM staff_accounts WHERE email LIKE '%@demo.mesocare.test'")
        async with conn.transaction():
            first = await seed_demo_staff(conn, network)
        async with conn.transaction():
            await seed_demo_staff(conn, uuid4())
        rows = await conn.fetch(
            "SELECT email, network_id FROM staff_accounts WHERE email LIKE '%@demo.mesocare.test'"
        )

    assert {r["email"] for r in rows} == set(DEMO)
    assert {r["network_id"] for r in rows} == {network}
    assert {login["email"] for login in first} == set(DEMO)
    verifier = TokenVerifier(gateway.settings.platform)
    async with from_address(gateway) as client:
        for email, roles in DEMO.items():
            response = await password_grant(client, email, DEMO_PASSWORD)
            assert response.status_code == 200, response.text
            assert verifier.verify(response.json()["access_token"]).roles == roles


async def test_seeding_is_refused_in_production(
    gateway: RunningService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESOCARE_ENV", "production")

    async with gateway.pool.acquire() as conn, conn.transaction():
        with pytest.raises(DemoRefused):
            await seed_demo_staff(conn, uuid4())
