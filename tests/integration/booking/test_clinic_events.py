"""Booking announces its clinics on `booking.clinics.v1` (keyed by clinic id), so other services
know which clinics are a network's: ClinicOpened when one is created, ClinicChanged when what the
event carries changes."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import services.booking
from shared.events.base import Envelope, parse_event
from shared.events.booking import CLINICS_TOPIC, ClinicOpened
from tests.integration.booking.helpers import Stage, make_world
from tests.support import header, read_topic

MIGRATIONS = Path(services.booking.__file__).parent / "migrations"


async def clinic_events(stage: Stage, clinic_id: str, *, count: int) -> list[tuple[str, Any]]:
    def mine(records: list[Any]) -> list[Any]:
        return [r for r in records if r.key == clinic_id.encode()]

    records = await read_topic(
        stage.parts.kafka_bootstrap,
        CLINICS_TOPIC,
        within=20,
        until=lambda rs: len(mine(rs)) >= count,
    )
    return [(header(r, "ce_type") or "", json.loads(r.value)) for r in mine(records)]


class TestClinicsAreAnnounced:
    async def test_a_new_clinic_is_opened_and_a_rename_is_a_change(self, stage: Stage) -> None:
        world = await make_world(stage, patient=False)
        clinic = world.clinic["id"]
        address_only = await stage.client.patch(
            f"/v1/clinics/{clinic}", json={"address": "1 place Vendôme"}, headers=world.admin
        )
        assert address_only.status_code == 200, address_only.text
        renamed = await stage.client.patch(
            f"/v1/clinics/{clinic}", json={"name": "Clinique Vendôme"}, headers=world.admin
        )
        assert renamed.status_code == 200, renamed.text

        events = await clinic_events(stage, clinic, count=2)

        assert [t for t, _ in events] == [
            "mesocare.booking.ClinicOpened.v1",
            "mesocare.booking.ClinicChanged.v1",
        ]
        opened, changed = (payload for _, payload in events)
        assert opened["network_id"] == str(world.network)
        assert (opened["clinic_id"], opened["name"], opened["timezone"], opened["currency"]) == (
            clinic,
            world.clinic["name"],
            "Europe/Paris",
            "EUR",
        )
        assert changed["name"] == "Clinique Vendôme"
        assert datetime.fromisoformat(changed["changed_at"]) > datetime.fromisoformat(
            opened["changed_at"]
        )


class TestClinicsBeforeTheEventsExisted:
    async def test_the_migration_announces_each_existing_clinic_once(self, stage: Stage) -> None:
        """0004_clinic_events.sql writes one ClinicOpened per clinic to the outbox, as the
        relay publishes any event; run here on a clinic that exists, then rolled back."""
        world = await make_world(stage, patient=False)
        migration = (MIGRATIONS / "0004_clinic_events.sql").read_text()
        async with stage.svc.pool.acquire() as conn:
            transaction = conn.transaction()
            await transaction.start()
            try:
                await conn.execute(migration)
                rows = await conn.fetch(
                    "SELECT * FROM outbox WHERE key = $1 AND source = 'mesocare/booking'",
                    world.clinic["id"],
                )
            finally:
                await transaction.rollback()
        [row] = rows
        payload = row["payload"]
        envelope = Envelope(
            id=row["event_id"],
            type=row["type"],
            source=row["source"],
            time=row["occurred_at"],
            topic=row["topic"],
            key=row["key"],
            payload=json.loads(payload) if isinstance(payload, str) else payload,
        )
        event = parse_event(envelope)
        assert isinstance(event, ClinicOpened)
        assert (event.network_id, str(event.clinic_id), event.name, event.timezone) == (
            world.network,
            world.clinic["id"],
            world.clinic["name"],
            "Europe/Paris",
        )
        assert envelope.topic == CLINICS_TOPIC
