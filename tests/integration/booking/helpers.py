"""Small builders for the booking tests: a network with a clinic, rooms, a practitioner with
hours, treatment types and a registered patient, all made through the HTTP API."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from shared.events.base import Envelope
from shared.events.records import PatientRegistered
from tests.support import Parts, RunningService, bearer, eventually, produce, read_topic

WEEK = [{"weekday": d, "start": "09:00", "end": "18:00"} for d in range(7)]
MONDAY = date(2027, 6, 7)


def at(day: date, clock: str, tz: str) -> datetime:
    """An aware datetime: `clock` (HH:MM) on `day` in timezone `tz` (first occurrence)."""
    from zoneinfo import ZoneInfo

    hour, minute = (int(x) for x in clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz))


@dataclass
class Stage:
    svc: RunningService
    parts: Parts

    @property
    def client(self) -> Any:
        return self.svc.client

    def auth(self, network: UUID, *roles: str, **kw: Any) -> dict[str, str]:
        return bearer(self.svc.settings.platform, network, *roles, **kw)


@dataclass
class World:
    """One network's clinic, ready to book: ids and role headers."""

    stage: Stage
    network: UUID
    clinic: dict[str, Any]
    rooms: list[dict[str, Any]]
    practitioner: dict[str, Any]
    consultation: dict[str, Any]
    treatment: dict[str, Any]
    patient: UUID
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tz(self) -> str:
        return self.clinic["timezone"]

    @property
    def admin(self) -> dict[str, str]:
        return self.stage.auth(self.network, "network_admin")

    @property
    def reception(self) -> dict[str, str]:
        return self.stage.auth(self.network, "receptionist")

    @property
    def doctor(self) -> dict[str, str]:
        return self.stage.auth(self.network, "practitioner", sub="dr.leroy@example.test")

    async def post(self, path: str, body: Any = None, headers: Any = None) -> Any:
        return await self.stage.client.post(path, json=body, headers=headers or self.admin)

    async def get(self, path: str, headers: Any = None, **params: Any) -> Any:
        return await self.stage.client.get(path, params=params, headers=headers or self.admin)

    def booking_body(self, start: datetime, **overrides: Any) -> dict[str, Any]:
        body = {
            "clinic_id": self.clinic["id"],
            "room_id": self.rooms[0]["id"],
            "practitioner_id": self.practitioner["id"],
            "patient_id": str(self.patient),
            "treatment_type_id": self.consultation["id"],
            "start": start.isoformat(),
        }
        body.update(overrides)
        return body

    async def book(self, start: datetime, *, expect: int = 201, **overrides: Any) -> Any:
        response = await self.post(
            "/v1/appointments", self.booking_body(start, **overrides), self.reception
        )
        assert response.status_code == expect, response.text
        return response.json()

    async def act(self, appointment_id: str, action: str, body: Any = None, **kw: Any) -> Any:
        headers = kw.pop("headers", None) or (
            self.doctor if action in ("start", "cross-check", "complete") else self.reception
        )
        return await self.post(f"/v1/appointments/{appointment_id}/{action}", body, headers)

    async def consulted(self, start: datetime) -> dict[str, Any]:
        """A consultation booked, checked in, started and completed at `start`."""
        appt = await self.book(start)
        for action in ("check-in", "start", "complete"):
            response = await self.act(appt["id"], action, {} if action != "check-in" else None)
            assert response.status_code == 200, response.text
        return response.json()


async def ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


async def register_patient(stage: Stage, network: UUID, patient_id: UUID | None = None) -> UUID:
    """Put PatientRegistered on the broker, as records would, and wait for booking's replica."""
    patient_id = patient_id or uuid4()
    envelope = Envelope.wrap(
        PatientRegistered(
            network_id=network,
            patient_id=patient_id,
            given_name="Camille",
            family_name="Durand",
            email=f"{patient_id}@example.test",
        ),
        source="mesocare/records",
    )
    await produce(
        stage.parts.kafka_bootstrap,
        envelope.topic,
        value=envelope.value(),
        key=envelope.key.encode(),
        headers=envelope.headers(),
    )

    async def known() -> bool:
        return bool(
            await stage.svc.pool.fetchval(
                "SELECT true FROM patients WHERE network_id = $1 AND patient_id = $2",
                network,
                patient_id,
            )
        )

    await eventually(known, within=30)
    return patient_id


async def make_world(
    stage: Stage,
    *,
    tz: str = "Europe/Paris",
    currency: str = "EUR",
    hours: list[dict[str, Any]] | None = None,
    rooms: int = 1,
    licence_expires_on: str = "2030-12-31",
    patient: bool = True,
    network: UUID | None = None,
) -> World:
    network = network or uuid4()
    admin = stage.auth(network, "network_admin")
    client = stage.client
    clinic = await ok(
        await client.post(
            "/v1/clinics",
            json={
                "name": f"Clinique {tz}",
                "address": "12 rue de la Paix",
                "timezone": tz,
                "currency": currency,
                "slot_grid_minutes": 15,
                "phone": "+33140000000",
                "email": "accueil@clinique.example",
            },
            headers=admin,
        )
    )
    made_rooms = [
        await ok(
            await client.post(
                f"/v1/clinics/{clinic['id']}/rooms", json={"name": f"Room {n}"}, headers=admin
            )
        )
        for n in range(1, rooms + 1)
    ]
    practitioner = await ok(
        await client.post(
            "/v1/practitioners",
            json={
                "name": "Dr Leroy",
                "email": "dr.leroy@example.test",
                "phone": "+33611111111",
                "licence_number": "RPPS-10001",
                "licence_expires_on": licence_expires_on,
                "clinic_ids": [clinic["id"]],
                "indications": ["skin_rejuvenation", "hair_loss"],
                "experience_tier": "senior",
            },
            headers=admin,
        )
    )
    await ok(
        await client.put(
            f"/v1/practitioners/{practitioner['id']}/clinics/{clinic['id']}/working-hours",
            json={"hours": hours if hours is not None else WEEK},
            headers=admin,
        ),
        200,
    )
    consultation = await ok(
        await client.post(
            "/v1/treatment-types",
            json={
                "name": "Consultation",
                "kind": "consultation",
                "indication": "skin_rejuvenation",
            },
            headers=admin,
        )
    )
    treatment = await ok(
        await client.post(
            "/v1/treatment-types",
            json={
                "name": "Face rejuvenation",
                "kind": "treatment",
                "indication": "skin_rejuvenation",
                "areas": ["face"],
            },
            headers=admin,
        )
    )
    patient_id = await register_patient(stage, network) if patient else uuid4()
    return World(
        stage, network, clinic, made_rooms, practitioner, consultation, treatment, patient_id
    )


async def events_of(
    stage: Stage, appointment_id: str, *, count: int, within: float = 20
) -> list[tuple[str, dict[str, Any]]]:
    """(ce_type, payload) of the appointment's events read from the broker, in order."""
    from tests.support import header

    def mine(records: list[Any]) -> list[Any]:
        return [r for r in records if r.key == appointment_id.encode()]

    records = await read_topic(
        stage.parts.kafka_bootstrap,
        "booking.appointments.v1",
        within=within,
        until=lambda rs: len(mine(rs)) >= count,
    )
    return [(header(r, "ce_type") or "", json.loads(r.value)) for r in mine(records)]


def later(start: datetime, minutes: int) -> datetime:
    return start + timedelta(minutes=minutes)
