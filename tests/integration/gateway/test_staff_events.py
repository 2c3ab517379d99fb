"""The gateway announces its staff accounts on `gateway.staff.v1` (keyed by staff id), in the
transaction that creates or changes them: StaffAccountChanged with the account as it now is, and
nothing of its sign-in (no hash, no password)."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID, uuid4

from services.gateway.commands import create_network_admin
from services.gateway.seeding import seed_demo_staff
from shared.events.gateway import STAFF_TOPIC, StaffAccountChanged
from shared.uow import Database
from tests.integration.gateway.serving import create_staff
from tests.support import RunningService, bearer, eventually

ANNOUNCED = {"network_id", "staff_id", "email", "display_name", "roles", "clinic_ids", "active"}


def email() -> str:
    return f"person-{uuid4().hex[:10]}@clinic.example"


async def announced(gateway: RunningService, staff_id: Any) -> list[dict[str, Any]]:
    """The payloads of the account's StaffAccountChanged events in the outbox, in order."""
    rows = await gateway.pool.fetch(
        "SELECT topic, type, payload FROM outbox WHERE key = $1 ORDER BY id", str(staff_id)
    )
    assert all(r["topic"] == STAFF_TOPIC and r["type"] == StaffAccountChanged.type for r in rows)
    return [
        json.loads(r["payload"]) if isinstance(r["payload"], str) else r["payload"] for r in rows
    ]


async def patch(gateway: RunningService, network: UUID, staff_id: str, **body: Any) -> None:
    response = await gateway.client.patch(
        f"/v1/staff/{staff_id}",
        json=body,
        headers=bearer(gateway.settings.platform, network, "network_admin"),
    )
    assert response.status_code == 200, response.text


class TestStaffAccountsAreAnnounced:
    async def test_creation_each_change_and_deactivation_state_the_account_anew(
        self, gateway: RunningService
    ) -> None:
        network, clinic = uuid4(), uuid4()
        await create_staff(gateway, network, email(), roles=("network_admin",))
        created = await create_staff(
            gateway, network, email(), roles=("practitioner",), clinic_ids=(clinic,)
        )
        staff_id = created["id"]
        await patch(gateway, network, staff_id, roles=["network_admin", "practitioner"])
        await patch(gateway, network, staff_id, display_name="Dr Sam Staff")
        await patch(gateway, network, staff_id, active=False)

        events = await announced(gateway, staff_id)

        assert [set(e) for e in events] == [ANNOUNCED] * 4
        first = events[0]
        assert first == {
            "network_id": str(network),
            "staff_id": staff_id,
            "email": created["email"],
            "display_name": "Sam Staff",
            "roles": ["practitioner"],
            "clinic_ids": [str(clinic)],
            "active": True,
        }
        assert [(e["roles"], e["display_name"], e["active"]) for e in events[1:]] == [
            (["network_admin", "practitioner"], "Sam Staff", True),
            (["network_admin", "practitioner"], "Dr Sam Staff", True),
            (["network_admin", "practitioner"], "Dr Sam Staff", False),
        ]

    async def test_a_password_reset_or_a_refused_change_announces_nothing(
        self, gateway: RunningService
    ) -> None:
        network = uuid4()
        only_admin = await create_staff(gateway, network, email(), roles=("network_admin",))

        await patch(gateway, network, only_admin["id"], password="another-long-password")
        refused = await gateway.client.patch(
            f"/v1/staff/{only_admin['id']}",
            json={"active": False},
            headers=bearer(gateway.settings.platform, network, "network_admin"),
        )

        assert refused.status_code == 409
        assert len(await announced(gateway, only_admin["id"])) == 1

    async def test_the_first_admin_made_by_create_admin_is_announced_once(
        self, gateway: RunningService
    ) -> None:
        network, address = uuid4(), email()
        db = Database(gateway.pool, source="mesocare/gateway")

        made = await create_network_admin(
            db, network_id=network, email=address, display_name="Nora", password="x" * 16
        )
        await create_network_admin(
            db, network_id=network, email=address, display_name="Nora", password="x" * 16
        )

        [event] = await announced(gateway, made.account.id)
        assert (event["network_id"], event["email"], event["roles"], event["active"]) == (
            str(network),
            address,
            ["network_admin"],
            True,
        )

    async def test_the_demo_staff_are_announced_when_seeded_and_not_again(
        self, gateway: RunningService
    ) -> None:
        network = uuid4()
        async with gateway.pool.acquire() as conn:
            # Another test may have seeded this database already: start from none.
            await conn.execute("DELETE FROM staff_accounts WHERE email LIKE '%@demo.mesocare.test'")
            async with conn.transaction():
                await seed_demo_staff(conn, network)
            async with conn.transaction():
                await seed_demo_staff(conn, uuid4())
            ids = await conn.fetch(
                "SELECT id, email FROM staff_accounts WHERE email LIKE '%@demo.mesocare.test'"
            )

        events = {r["email"]: await announced(gateway, r["id"]) for r in ids}
        assert {e: len(found) for e, found in events.items()} == {e: 1 for e in events}
        assert len(events) == 4
        [admin] = events["admin@demo.mesocare.test"]
        assert (admin["network_id"], admin["roles"], admin["active"]) == (
            str(network),
            ["network_admin"],
            True,
        )


class TestTheAnnouncementTravelsToNotifications:
    async def test_a_new_admin_and_their_deactivation_reach_notifications_replica(
        self, gateway: RunningService, notifications: RunningService
    ) -> None:
        """gateway → outbox → relay → Kafka → notifications' consumer, with the real parts."""
        network = uuid4()
        await create_staff(gateway, network, email(), roles=("network_admin",))
        admin = await create_staff(gateway, network, email(), roles=("network_admin",))

        async def kept(active: bool) -> bool | None:
            return await notifications.pool.fetchval(
                "SELECT true FROM staff WHERE staff_id = $1 AND active = $2 AND email = $3",
                UUID(admin["id"]),
                active,
                admin["email"],
            )

        assert await eventually(lambda: kept(True))
        await patch(gateway, network, admin["id"], active=False)
        assert await eventually(lambda: kept(False))
