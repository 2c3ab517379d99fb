"""Builders for the events notifications consumes, and ways to watch what it sends."""

from __future__ import annotations

import email.message
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI

from devstack.sms_sink import SmsSink
from devstack.smtp_sink import MailSink
from services.notifications.clock import ManualClock
from services.notifications.settings import Settings
from shared.events.base import Envelope, Event
from shared.events.booking import (
    AcknowledgedFinding,
    AdministeredIngredient,
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentNoShow,
    AppointmentRescheduled,
    ClinicRef,
    Deviation,
    PlanFacts,
    PractitionerRef,
    Preparation,
    SessionCompleted,
)
from shared.events.formulary import RecalledLotExposure
from shared.events.gateway import StaffAccountChanged
from shared.events.records import (
    AdverseEventReported,
    PatientRegistered,
    PatientSafetyProfileChanged,
)
from tests.support import Parts, bearer, eventually, produce


@dataclass(frozen=True)
class MailServer:
    port: int
    sink: MailSink


@dataclass
class Stage:
    """The notifications app under test and everything around it."""

    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings
    clock: ManualClock
    mail: MailSink
    sms: SmsSink
    parts: Parts

    @property
    def pool(self) -> Any:
        return self.app.state.pool

    def auth(self, network: UUID, *roles: str) -> dict[str, str]:
        return bearer(self.settings.platform, network, *(roles or ("receptionist",)))

    async def publish(self, event: Event, *, envelope: Envelope | None = None) -> Envelope:
        """Put `event` on its topic as its producer's relay would (CloudEvents headers)."""
        envelope = envelope or Envelope.wrap(event, source="mesocare/tests")
        await produce(
            self.parts.kafka_bootstrap,
            envelope.topic,
            value=envelope.value(),
            key=envelope.key.encode(),
            headers=envelope.headers(),
        )
        return envelope

    def mails_to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.mail.messages if m["To"] == address]

    async def mail_to(self, address: str, *, count: int = 1) -> list[email.message.EmailMessage]:
        async def arrived() -> list[email.message.EmailMessage] | None:
            found = self.mails_to(address)
            return found if len(found) >= count else None

        return await eventually(arrived)

    def sms_to(self, phone: str) -> list[dict[str, Any]]:
        return [m for m in self.sms.messages if m["to"] == phone]

    async def messages(self, **where: Any) -> list[dict[str, Any]]:
        clauses = " AND ".join(f"{k} = ${i}" for i, k in enumerate(where, start=1))
        rows = await self.pool.fetch(
            f"SELECT * FROM messages WHERE {clauses} ORDER BY created_at, kind", *where.values()
        )
        return [dict(r) for r in rows]

    async def listed(self, path: str, network: UUID, **params: Any) -> list[dict[str, Any]]:
        """What staff see in `/v1/messages` or `/v1/scheduled`, once nothing listed is still
        being sent: SMTP may have accepted a mail before its result is recorded (the dispatcher
        records results in batches), and a message `sending` shows in `/v1/scheduled`."""

        async def settled() -> tuple[list[dict[str, Any]]] | None:
            response = await self.client.get(
                path, params={k: str(v) for k, v in params.items()}, headers=self.auth(network)
            )
            assert response.status_code == 200, response.text
            items: list[dict[str, Any]] = response.json()["items"]
            # In a tuple: an empty list is a settled answer too.
            return None if any(m["status"] == "sending" for m in items) else (items,)

        (items,) = await eventually(settled)
        return items

    async def message(self, *, settled: bool = True, **where: Any) -> dict[str, Any]:
        """The one message matching `where` once it exists (if `settled`: once sent or closed)."""

        async def found() -> dict[str, Any] | None:
            rows = await self.messages(**where)
            if len(rows) == 1 and (not settled or rows[0]["status"] not in _IN_FLIGHT):
                return rows[0]
            return None

        return await eventually(found)

    async def patient_known(self, patient: Patient) -> None:
        await eventually(
            lambda: self.pool.fetchval(
                "SELECT true FROM patients WHERE patient_id = $1", patient.patient_id
            )
        )

    async def register(self, patient: Patient) -> Patient:
        await self.publish(patient.registered())
        await self.patient_known(patient)
        return patient

    def advance(self, by: timedelta) -> None:
        self.clock.advance(by)
        self.app.state.dispatcher.wake()
        self.app.state.webhook_sender.wake()

    def set_clock(self, moment: datetime) -> None:
        assert moment >= self.clock.now(), "the tests' clock only moves forward"
        self.clock.set(moment)
        self.app.state.dispatcher.wake()
        self.app.state.webhook_sender.wake()


_IN_FLIGHT = ("scheduled", "sending")


@dataclass
class Patient:
    network_id: UUID
    patient_id: UUID = field(default_factory=uuid4)
    given_name: str = "Ana"
    family_name: str = "García"
    email: str | None = None
    phone: str | None = None
    preferred_channel: str = "email"
    channel_opt_outs: list[str] = field(default_factory=list)
    marketing_consent: bool = False
    locale: str = "en"
    timezone: str = "Europe/Madrid"
    quiet_hours_start: time | None = None
    quiet_hours_end: time | None = None

    def registered(self) -> PatientRegistered:
        return PatientRegistered(**self.__dict__)

    def safety_profile(
        self, version: int, skin_type: int | None, **kw: Any
    ) -> PatientSafetyProfileChanged:
        """The whole profile as records sends it: allergies and all, of which notifications
        must keep nothing but the skin type."""
        values: dict[str, Any] = {
            "allergies": [{"code": "compositae", "reaction": "hives", "severity": "severe"}],
            "conditions": ["pregnancy"],
            "medications": [{"name": "warfarin", "classes": ["anticoagulant"]}],
        }
        values.update(kw)
        return PatientSafetyProfileChanged(
            network_id=self.network_id,
            patient_id=self.patient_id,
            version=version,
            fitzpatrick_skin_type=skin_type,
            **values,
        )


def new_patient(network: UUID, **overrides: Any) -> Patient:
    tag = uuid4().hex[:10]
    values: dict[str, Any] = {"email": f"patient-{tag}@example.test"}
    values.update(overrides)
    return Patient(network_id=network, **values)


@dataclass(frozen=True)
class Visit:
    """Where and with whom: the clinic and practitioner of an appointment."""

    clinic: ClinicRef
    practitioner: PractitionerRef


def new_visit(**clinic_overrides: Any) -> Visit:
    tag = uuid4().hex[:8]
    clinic = {
        "clinic_id": uuid4(),
        "name": f"Lumina {tag}",
        "timezone": "Europe/Madrid",
        "phone": "+34 910 000 000",
        "email": f"clinic-{tag}@example.test",
    }
    clinic.update(clinic_overrides)
    return Visit(
        clinic=ClinicRef(**clinic),
        practitioner=PractitionerRef(
            practitioner_id=uuid4(),
            name="Dr Marta Ruiz",
            email=f"practitioner-{tag}@example.test",
            phone="+34600000001",
        ),
    )


def _appointment(patient: Patient, visit: Visit, starts_at: datetime, **kw: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "network_id": patient.network_id,
        "appointment_id": uuid4(),
        "patient_id": patient.patient_id,
        "clinic": visit.clinic,
        "practitioner": visit.practitioner,
        "room_id": uuid4(),
        "treatment_type_id": uuid4(),
        "treatment_name": "Skin rejuvenation",
        "kind": "treatment",
        "indication": "skin_rejuvenation",
        "areas": ["face"],
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=45),
    }
    values.update(kw)
    return values


def booked(patient: Patient, visit: Visit, starts_at: datetime, **kw: Any) -> AppointmentBooked:
    return AppointmentBooked(**_appointment(patient, visit, starts_at, **kw))


def rescheduled(was: AppointmentBooked, starts_at: datetime, **kw: Any) -> AppointmentRescheduled:
    values = was.model_dump()
    values.update(
        starts_at=starts_at,
        ends_at=starts_at + (was.ends_at - was.starts_at),
        previous_starts_at=was.starts_at,
        previous_ends_at=was.ends_at,
        **kw,
    )
    return AppointmentRescheduled(**values)


def cancelled(was: AppointmentBooked) -> AppointmentCancelled:
    return AppointmentCancelled(
        **was.model_dump(), reason="patient asked", cancelled_by="reception@example.test"
    )


def no_show(was: AppointmentBooked) -> AppointmentNoShow:
    return AppointmentNoShow(**was.model_dump())


HYALURONIC_ACID = AdministeredIngredient(
    ingredient_code="hyaluronic_acid",
    ingredient_name="Hyaluronic acid 1%",
    lot_number="HA-2026-0142",
    amount=Decimal("1.5"),
    unit="ml",
)
CHAMOMILE = AdministeredIngredient(
    ingredient_code="chamomile_extract",
    ingredient_name="Chamomile extract",
    lot_number="CH-2026-0007",
    amount=Decimal("0.5"),
    unit="ml",
)


def completed(
    patient: Patient,
    visit: Visit,
    at: datetime,
    *,
    areas: list[str],
    next_session_due: date | None = None,
    maintenance_due: date | None = None,
    ingredients: list[AdministeredIngredient] | None = None,
    **kw: Any,
) -> SessionCompleted:
    """A completed session; a treatment that injected hyaluronic acid unless told otherwise."""
    session: dict[str, Any] = {
        "completed_by": "practitioner@example.test",
        "preparation": Preparation(disinfection="chlorhexidine", numbing_cream=False),
    }
    for name in ("treatment_plan", "deviations", "deviation_reason", "cross_check_verdict"):
        if name in kw:
            session[name] = kw.pop(name)
    return SessionCompleted(
        **_appointment(patient, visit, at - timedelta(minutes=45), areas=areas, **kw),
        **session,
        completed_at=at,
        ingredients=[HYALURONIC_ACID] if ingredients is None else ingredients,
        next_session_due=next_session_due,
        maintenance_due=maintenance_due,
    )


def consultation(patient: Patient, visit: Visit, at: datetime, **kw: Any) -> SessionCompleted:
    """A consultation held: nothing injected."""
    values: dict[str, Any] = {
        "areas": ["face"],
        "kind": "consultation",
        "treatment_name": "Consultation, skin rejuvenation",
        "ingredients": [],
    }
    values.update(kw)
    return completed(patient, visit, at, **values)


def plan_facts(treatment_type_id: UUID | None = None, **kw: Any) -> PlanFacts:
    values: dict[str, Any] = {
        "treatment_plan_id": uuid4(),
        "treatment_type_id": treatment_type_id or uuid4(),
        "treatment_name": "Hair loss, scalp",
        "indication": "hair_loss",
        "sessions_planned": 4,
        "interval_days": 14,
        "maintenance_interval_days": 90,
    }
    values.update(kw)
    return PlanFacts(**values)


def deviation(
    ingredient: AdministeredIngredient, code: str, reason: str, severity: str
) -> Deviation:
    return Deviation(
        ingredient_code=ingredient.ingredient_code,
        lot_numbers=[ingredient.lot_number],
        findings=[
            AcknowledgedFinding(
                code=code,
                ingredient=ingredient.ingredient_code,
                reason=reason,
                severity=severity,
            )
        ],
    )


def adverse_event(patient: Patient, visit: Visit, at: datetime, **kw: Any) -> AdverseEventReported:
    values: dict[str, Any] = {
        "network_id": patient.network_id,
        "adverse_event_id": uuid4(),
        "patient_id": patient.patient_id,
        "kind": "allergic_reaction",
        "severity": "severe",
        "onset_at": at,
        "description": "Hives on both cheeks the morning after.",
        "clinic_id": visit.clinic.clinic_id,
        "practitioner_id": visit.practitioner.practitioner_id,
        "lot_numbers": ["HA-2026-0142"],
        "reported_by": "reception@example.test",
    }
    values.update(kw)
    return AdverseEventReported(**values)


def lot_exposure(patient: Patient, visit: Visit, at: datetime) -> RecalledLotExposure:
    return RecalledLotExposure(
        network_id=patient.network_id,
        lot_id=uuid4(),
        lot_number="HA-2026-0142",
        ingredient_code="hyaluronic_acid",
        ingredient_name="Hyaluronic acid 1%",
        supplier="Acme Pharma",
        reason="sterility not assured for this lot",
        patient_id=patient.patient_id,
        appointment_id=uuid4(),
        administered_at=at,
        clinic_id=visit.clinic.clinic_id,
        practitioner_id=visit.practitioner.practitioner_id,
    )


def body_of(message: email.message.EmailMessage) -> str:
    return message.get_content()  # type: ignore[no-any-return]


def account(network: UUID, *roles: str, active: bool = True, **kw: Any) -> StaffAccountChanged:
    staff_id = uuid4()
    return StaffAccountChanged(
        network_id=network,
        staff_id=staff_id,
        email=kw.pop("email", f"staff-{staff_id.hex[:10]}@clinic.example"),
        display_name=kw.pop("display_name", "Sam Staff"),
        roles=list(roles or ("network_admin",)),
        clinic_ids=[],
        active=active,
    )


async def kept(stage: Stage, *accounts: StaffAccountChanged) -> None:
    """Announce `accounts` as the gateway does and wait until notifications keeps them."""
    for a in accounts:
        await stage.publish(a)
    ids = [a.staff_id for a in accounts]
    await eventually(
        lambda: stage.pool.fetchval(
            "SELECT count(*) = $2 FROM staff WHERE staff_id = ANY($1)", ids, len(ids)
        )
    )
