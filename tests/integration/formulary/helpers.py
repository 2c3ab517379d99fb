"""Small builders for the formulary tests: tokens, a seeded network, events on the broker."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from services.formulary.demo_catalog import demo_lots
from services.formulary.seeding import demo_blend_id, seed_demo_catalog
from shared.events.base import Envelope, Event
from shared.events.booking import (
    AdministeredIngredient,
    ClinicOpened,
    ClinicRef,
    PractitionerRef,
    Preparation,
    SessionCompleted,
)
from shared.events.formulary import TOPIC as LOTS_TOPIC
from shared.events.records import AllergyFact, MedicationFact, PatientSafetyProfileChanged
from tests.support import RunningService, bearer, eventually, produce, read_topic


def auth(formulary: RunningService, network: UUID, *roles: str, **kw: Any) -> dict[str, str]:
    return bearer(formulary.settings.platform, network, *roles, **kw)


def admin(formulary: RunningService, network: UUID) -> dict[str, str]:
    return auth(formulary, network, "network_admin", sub="admin@example.test")


def today() -> date:
    return datetime.now(UTC).date()


async def seeded_network(formulary: RunningService) -> UUID:
    """A fresh network holding the demo catalog."""
    network = uuid4()
    async with formulary.pool.acquire() as conn, conn.transaction():
        await seed_demo_catalog(conn, network, today())
    return network


def blend_id(network: UUID, name: str) -> UUID:
    return demo_blend_id(network, name)


def demo_lot(ingredient_code: str, *, expired: bool = False) -> str:
    """The number of the seeded network's unexpired (or expired) lot of an ingredient."""
    return next(
        lot.lot_number
        for lot in demo_lots(today())
        if lot.ingredient_code == ingredient_code
        and lot.lot_number.startswith("DEMO-EXPIRED") == expired
    )


def error_fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


async def publish(formulary: RunningService, event: Event, source: str) -> Envelope:
    envelope = Envelope.wrap(event, source=source)
    await send(formulary, envelope)
    return envelope


async def send(formulary: RunningService, envelope: Envelope) -> None:
    await produce(
        formulary.settings.platform.kafka_bootstrap_servers,
        envelope.topic,
        value=envelope.value(),
        key=envelope.key.encode(),
        headers=envelope.headers(),
    )


def clinic_opened(
    network: UUID, clinic: UUID | None = None, *, name: str = "Clinique Opéra", **kw: Any
) -> ClinicOpened:
    return ClinicOpened(
        network_id=network,
        clinic_id=clinic or uuid4(),
        name=name,
        timezone=kw.pop("timezone", "Europe/Paris"),
        currency=kw.pop("currency", "EUR"),
        changed_at=kw.pop("changed_at", datetime.now(UTC)),
    )


async def known_clinic(formulary: RunningService, network: UUID, **kw: Any) -> UUID:
    """A clinic of `network` as booking announces it (ClinicOpened on the broker), once formulary
    has it."""
    event = clinic_opened(network, **kw)
    await publish(formulary, event, "mesocare/booking")
    await wait_for_clinic(formulary, network, event.clinic_id)
    return event.clinic_id


async def wait_for_clinic(
    formulary: RunningService, network: UUID, clinic: UUID, *, name: str | None = None
) -> None:
    async def stored() -> bool:
        found = await formulary.pool.fetchval(
            "SELECT name FROM clinics WHERE network_id = $1 AND clinic_id = $2", network, clinic
        )
        return found is not None and (name is None or found == name)

    await eventually(stored)


def profile_event(
    network: UUID,
    patient: UUID,
    version: int,
    *,
    skin_type: int | None = 2,
    allergies: list[tuple[str, str]] = (),  # type: ignore[assignment]
    conditions: list[str] = (),  # type: ignore[assignment]
    medications: list[tuple[str, list[str]]] = (),  # type: ignore[assignment]
) -> PatientSafetyProfileChanged:
    return PatientSafetyProfileChanged(
        network_id=network,
        patient_id=patient,
        version=version,
        fitzpatrick_skin_type=skin_type,
        allergies=[AllergyFact(code=c, severity=s, reaction="hives") for c, s in allergies],
        conditions=list(conditions),
        medications=[MedicationFact(name=n, classes=cls) for n, cls in medications],
    )


async def give_profile(
    formulary: RunningService, network: UUID, patient: UUID | None = None, **kw: Any
) -> UUID:
    """Publish a safety profile (version 1 unless given) and wait until the replica holds it."""
    patient = patient or uuid4()
    version = kw.pop("version", 1)
    await publish(formulary, profile_event(network, patient, version, **kw), "mesocare/records")
    await wait_for_profile_version(formulary, network, patient, version)
    return patient


async def wait_for_profile_version(
    formulary: RunningService, network: UUID, patient: UUID, version: int
) -> None:
    async def stored() -> bool:
        found = await formulary.pool.fetchval(
            "SELECT version FROM safety_profiles WHERE network_id = $1 AND patient_id = $2",
            network,
            patient,
        )
        return found == version

    await eventually(stored)


async def cross_check(
    formulary: RunningService, network: UUID, role: str = "practitioner", **body: Any
) -> Any:
    payload = json.loads(json.dumps(body, default=str))
    return await formulary.client.post(
        "/v1/cross-checks", json=payload, headers=auth(formulary, network, role)
    )


def session_completed(
    network: UUID,
    patient: UUID,
    lots: list[tuple[str, str]],
    *,
    appointment: UUID | None = None,
    completed_at: datetime | None = None,
) -> SessionCompleted:
    """A completed session that used `lots`, given as (lot number, ingredient code)."""
    now = completed_at or datetime.now(UTC)
    clinic, practitioner = uuid4(), uuid4()
    return SessionCompleted(
        network_id=network,
        appointment_id=appointment or uuid4(),
        patient_id=patient,
        clinic=ClinicRef(clinic_id=clinic, name="Clinic Opéra", timezone="Europe/Paris"),
        practitioner=PractitionerRef(practitioner_id=practitioner, name="Dr Martin"),
        room_id=uuid4(),
        treatment_type_id=uuid4(),
        treatment_name="Face revitalisation",
        kind="treatment",
        indication="skin_rejuvenation",
        areas=["face"],
        starts_at=now,
        ends_at=now,
        completed_at=now,
        completed_by="dr.martin@example.test",
        preparation=Preparation(disinfection="chlorhexidine", numbing_cream=False),
        ingredients=[
            AdministeredIngredient(
                ingredient_code=code,
                ingredient_name=code.replace("_", " "),
                lot_number=number,
                amount=Decimal("5"),
                unit="mg",
            )
            for number, code in lots
        ],
    )


async def emitted(formulary: RunningService, network: UUID) -> list[str]:
    """The types of every event formulary's outbox holds for `network`, in the order written."""
    rows = await formulary.pool.fetch(
        "SELECT type FROM outbox WHERE payload->>'network_id' = $1 ORDER BY id", str(network)
    )
    return [r["type"] for r in rows]


async def lot_events(
    formulary: RunningService, network: UUID, *, expect: int, within: float = 15.0
) -> list[tuple[str, dict[str, Any]]]:
    """(ce_type, payload) of the formulary.lots.v1 events of `network`, once `expect` are there.

    Events are keyed by lot id, so two lots' events may sit on different partitions: their
    order across lots is not the order they were written in.
    """

    def mine(records: list[Any]) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for r in records:
            payload = json.loads(r.value)
            if payload.get("network_id") == str(network):
                ce_type = next(v.decode() for k, v in r.headers if k == "ce_type")
                out.append((ce_type, payload))
        return out

    records = await read_topic(
        formulary.settings.platform.kafka_bootstrap_servers,
        LOTS_TOPIC,
        within=within,
        until=lambda rs: len(mine(rs)) >= expect,
    )
    return mine(records)
