"""Event handlers of the notifications service, routed in one registry (`registry`).

A handler keeps the replicas current and schedules messages: one row per (event, kind,
recipient), so a redelivered event schedules nothing new. What each message says, and over which
channel, is decided when it goes out (worker.py), with the contact data known by then.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from services.notifications import repository
from services.notifications.clock import Clock
from services.notifications.domain import (
    MessageKind,
    QuietHours,
    plan_after_session,
    reminder_send_time,
)
from services.notifications.settings import Settings
from shared import telemetry
from shared.consumer import Delivery, Registry
from shared.db import Transaction
from shared.events.base import Event
from shared.events.booking import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentEvent,
    AppointmentNoShow,
    AppointmentRescheduled,
    SessionCompleted,
)
from shared.events.formulary import RecalledLotExposure
from shared.events.records import (
    AdverseEventReported,
    PatientContact,
    PatientContactChanged,
    PatientRegistered,
    PatientSafetyProfileChanged,
)
from shared.uow import UnitOfWork

DUE_CHANNEL = "notifications_due"
"""NOTIFY channel: a message fell due now; the worker wakes at commit instead of polling."""

K = MessageKind
APPOINTMENT_NOTICES = (
    K.APPOINTMENT_CONFIRMATION,
    K.APPOINTMENT_REMINDER,
    K.APPOINTMENT_RESCHEDULED,
)
"""What speaks of an appointment still to come: wrong once it is cancelled, missed or held, and
(all but the new rescheduled notice) once it moves."""
SENT_AT_ONCE = (K.AFTERCARE, K.CONSULTATION_SUMMARY)


@dataclass(frozen=True, slots=True)
class Runtime:
    """What handlers and the worker share: the settings and the clock."""

    settings: Settings
    clock: Clock


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone `name`, or UTC for a name this machine does not know."""
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def quiet_hours(patient: Any) -> QuietHours | None:
    if patient is None or patient["quiet_hours_start"] is None:
        return None
    if patient["quiet_hours_end"] is None:
        return None
    return QuietHours(patient["quiet_hours_start"], patient["quiet_hours_end"])


class _Scheduler:
    """Schedules the messages of one event inside its transaction."""

    def __init__(self, rt: Runtime, tx: Transaction, event: Event, d: Delivery) -> None:
        self.rt, self.tx, self.event, self.d = rt, tx, event, d
        self.now = rt.clock.now()
        self.facts = event.model_dump(mode="json")
        self.trace_id = telemetry.current_trace_id()
        # The handler's span: each send attempt of these messages is a child of it.
        self.traceparent = telemetry.current_traceparent()
        self.rows: list[repository.NewMessage] = []

    async def add(
        self,
        kind: MessageKind,
        *,
        recipient_type: str,
        recipient_id: UUID,
        due_at: datetime,
        send_at: datetime | None = None,
        patient_id: UUID | None = None,
        appointment_id: UUID | None = None,
        clinic_id: UUID | None = None,
    ) -> None:
        self.rows.append(
            repository.NewMessage(
                kind=str(kind),
                recipient_type=recipient_type,
                recipient_id=recipient_id,
                patient_id=patient_id,
                appointment_id=appointment_id,
                clinic_id=clinic_id,
                due_at=due_at,
                send_at=send_at or due_at,
            )
        )

    async def to_patient(
        self,
        kind: MessageKind,
        event: AppointmentEvent,
        due_at: datetime,
        send_at: datetime | None = None,
    ) -> None:
        await self.add(
            kind,
            recipient_type="patient",
            recipient_id=event.patient_id,
            due_at=due_at,
            send_at=send_at,
            patient_id=event.patient_id,
            appointment_id=event.appointment_id,
            clinic_id=event.clinic.clinic_id,
        )

    async def done(self) -> None:
        """Write the scheduled messages and, if one is due now, wake the worker at commit.

        One round trip; NOTIFY is delivered at commit, so the worker never wakes for rows it
        cannot see yet.
        """
        await repository.insert_messages(
            self.tx,
            network_id=self.event.network_id,
            event_id=self.d.envelope.id,
            event_type=self.event.type,
            facts=self.facts,
            now=self.now,
            trace_id=self.trace_id,
            traceparent=self.traceparent,
            messages=self.rows,
            notify=DUE_CHANNEL,
        )


# --- replicas ------------------------------------------------------------------------------------


async def on_patient_contact(
    rt: Runtime, uow: UnitOfWork, event: PatientContact, d: Delivery
) -> None:
    """Keep the patient's contact data and preferences, unless a newer fact is already kept."""
    tx = uow.tx
    await repository.upsert_patient(
        tx,
        network_id=event.network_id,
        patient_id=event.patient_id,
        as_of=d.envelope.time,
        given_name=event.given_name,
        family_name=event.family_name,
        email=event.email,
        phone=event.phone,
        preferred_channel=event.preferred_channel,
        channel_opt_outs=list(event.channel_opt_outs),
        marketing_consent=event.marketing_consent,
        locale=event.locale,
        timezone=event.timezone,
        quiet_hours_start=event.quiet_hours_start,
        quiet_hours_end=event.quiet_hours_end,
    )


async def on_safety_profile_changed(
    rt: Runtime, uow: UnitOfWork, event: PatientSafetyProfileChanged, d: Delivery
) -> None:
    """Keep the patient's skin type, the one fact of the profile messages depend on.

    Allergies, conditions and medications are not kept: notifications has no use for them.
    """
    tx = uow.tx
    await repository.upsert_skin_type(
        tx,
        network_id=event.network_id,
        patient_id=event.patient_id,
        fitzpatrick_skin_type=event.fitzpatrick_skin_type,
        profile_version=event.version,
    )


async def _remember_appointment(
    tx: Transaction, event: AppointmentEvent, d: Delivery, status: str
) -> None:
    await repository.remember_appointment(
        tx,
        network_id=event.network_id,
        appointment_id=event.appointment_id,
        patient_id=event.patient_id,
        clinic=event.clinic.model_dump(mode="json"),
        practitioner=event.practitioner.model_dump(mode="json"),
        treatment_type_id=event.treatment_type_id,
        treatment_name=event.treatment_name,
        kind=event.kind,
        starts_at=event.starts_at,
        status=status,
        as_of=d.envelope.time,
    )


async def _withdraw_notices(
    tx: Transaction, event: AppointmentEvent, *, reason: str, now: datetime
) -> None:
    """Withdraw the appointment's pending notices that speak of it as still to come."""
    await repository.withdraw_pending(
        tx,
        network_id=event.network_id,
        appointment_id=event.appointment_id,
        kinds=APPOINTMENT_NOTICES,
        reason=reason,
        now=now,
    )


# --- appointments --------------------------------------------------------------------------------


async def _schedule_reminder(s: _Scheduler, event: AppointmentEvent) -> None:
    patient = await repository.get_patient(s.tx, event.network_id, event.patient_id)
    tz = zone(patient["timezone"] if patient else event.clinic.timezone)
    lead = timedelta(hours=s.rt.settings.reminder_lead_hours)
    at = reminder_send_time(event.starts_at, lead, tz, quiet_hours(patient), booked_at=s.now)
    if at is not None:
        await s.to_patient(K.APPOINTMENT_REMINDER, event, event.starts_at - lead, at)


async def on_appointment_booked(
    rt: Runtime, uow: UnitOfWork, event: AppointmentBooked, d: Delivery
) -> None:
    """Confirmation with preparation advice now; a reminder the configured lead before."""
    tx = uow.tx
    await _remember_appointment(tx, event, d, "booked")
    s = _Scheduler(rt, tx, event, d)
    await s.to_patient(K.APPOINTMENT_CONFIRMATION, event, s.now)
    await _schedule_reminder(s, event)
    await s.done()


async def on_appointment_rescheduled(
    rt: Runtime, uow: UnitOfWork, event: AppointmentRescheduled, d: Delivery
) -> None:
    """Withdraw what still speaks of the old time, send the new time, remind anew."""
    tx = uow.tx
    await _remember_appointment(tx, event, d, "booked")
    s = _Scheduler(rt, tx, event, d)
    reason = f"appointment rescheduled (event {d.envelope.id})"
    await _withdraw_notices(tx, event, reason=reason, now=s.now)
    await s.to_patient(K.APPOINTMENT_RESCHEDULED, event, s.now)
    await _schedule_reminder(s, event)
    await s.done()


async def on_appointment_cancelled(
    rt: Runtime, uow: UnitOfWork, event: AppointmentCancelled, d: Delivery
) -> None:
    """Withdraw pending confirmations and reminders; tell the patient."""
    tx = uow.tx
    await _remember_appointment(tx, event, d, "cancelled")
    s = _Scheduler(rt, tx, event, d)
    await _withdraw_notices(tx, event, reason="appointment cancelled", now=s.now)
    await s.to_patient(K.APPOINTMENT_CANCELLED, event, s.now)
    await s.done()


async def on_appointment_no_show(
    rt: Runtime, uow: UnitOfWork, event: AppointmentNoShow, d: Delivery
) -> None:
    """Withdraw the pending notices of an appointment the patient missed; nothing is sent."""
    tx = uow.tx
    await _remember_appointment(tx, event, d, "no_show")
    await _withdraw_notices(tx, event, reason="appointment missed (no-show)", now=rt.clock.now())


# --- sessions ------------------------------------------------------------------------------------


async def on_session_completed(
    rt: Runtime, uow: UnitOfWork, event: SessionCompleted, d: Delivery
) -> None:
    """Aftercare now and a check-in later if anything was injected, else a consultation summary;
    the plan's reminders; an urgent staff alert for anything injected outside a passing check."""
    tx = uow.tx
    await _remember_appointment(tx, event, d, "completed")
    s = _Scheduler(rt, tx, event, d)
    # A session held early leaves its reminder (and any notice of its time) pending: withdrawn.
    await _withdraw_notices(tx, event, reason="session completed", now=s.now)
    patient = await repository.get_patient(tx, event.network_id, event.patient_id)
    tz = zone(patient["timezone"] if patient else event.clinic.timezone)
    early = timedelta(hours=rt.settings.contraindicated_checkin_after_hours)
    for planned in plan_after_session(
        event.completed_at,
        event.next_session_due,
        event.maintenance_due,
        tz,
        injected=event.injected,
        early_checkin=early if event.contraindicated_deviation else None,
    ):
        # What tells about the session goes at once, whatever its clock said when written.
        send_at = s.now if planned.kind in SENT_AT_ONCE else None
        await s.to_patient(planned.kind, event, planned.due_at, send_at)
    if event.deviations:
        await _to_practitioner_and_clinic(s, K.UNCHECKED_ADMINISTRATION_ALERT, event)
    await s.done()


async def _to_practitioner_and_clinic(
    s: _Scheduler, kind: MessageKind, event: AppointmentEvent
) -> None:
    """One message of `kind` to the appointment's practitioner and one to its clinic, now."""
    common = {
        "due_at": s.now,
        "patient_id": event.patient_id,
        "appointment_id": event.appointment_id,
        "clinic_id": event.clinic.clinic_id,
    }
    await s.add(
        kind,
        recipient_type="practitioner",
        recipient_id=event.practitioner.practitioner_id,
        **common,
    )
    await s.add(kind, recipient_type="clinic", recipient_id=event.clinic.clinic_id, **common)


# --- safety --------------------------------------------------------------------------------------


async def on_adverse_event_reported(
    rt: Runtime, uow: UnitOfWork, event: AdverseEventReported, d: Delivery
) -> None:
    """An urgent alert to the practitioner and to the clinic; quiet hours do not hold it."""
    tx = uow.tx
    s = _Scheduler(rt, tx, event, d)
    practitioner_id, clinic_id = event.practitioner_id, event.clinic_id
    if event.appointment_id is not None and (practitioner_id is None or clinic_id is None):
        appointment = await repository.get_appointment(tx, event.network_id, event.appointment_id)
        if appointment is not None:
            practitioner_id = practitioner_id or appointment["practitioner_id"]
            clinic_id = clinic_id or appointment["clinic_id"]
    common = {
        "due_at": s.now,
        "patient_id": event.patient_id,
        "appointment_id": event.appointment_id,
        "clinic_id": clinic_id,
    }
    if practitioner_id is not None:
        await s.add(
            K.ADVERSE_EVENT_ALERT,
            recipient_type="practitioner",
            recipient_id=practitioner_id,
            **common,
        )
    if clinic_id is not None:
        await s.add(
            K.ADVERSE_EVENT_ALERT, recipient_type="clinic", recipient_id=clinic_id, **common
        )
    if practitioner_id is None and clinic_id is None:
        # Nobody to address: still recorded, as skipped with the reason, for the log.
        await s.add(
            K.ADVERSE_EVENT_ALERT,
            recipient_type="clinic",
            recipient_id=event.adverse_event_id,
            **common,
        )
    await s.done()


async def on_recalled_lot_exposure(
    rt: Runtime, uow: UnitOfWork, event: RecalledLotExposure, d: Delivery
) -> None:
    """A notice to the exposed patient and an urgent one to their practitioner."""
    tx = uow.tx
    s = _Scheduler(rt, tx, event, d)
    common = {
        "due_at": s.now,
        "patient_id": event.patient_id,
        "appointment_id": event.appointment_id,
        "clinic_id": event.clinic_id,
    }
    await s.add(
        K.RECALL_NOTICE_PATIENT, recipient_type="patient", recipient_id=event.patient_id, **common
    )
    await s.add(
        K.RECALL_NOTICE_PRACTITIONER,
        recipient_type="practitioner",
        recipient_id=event.practitioner_id,
        **common,
    )
    await s.done()


def registry(rt: Runtime) -> Registry:
    """The one place events are routed to handlers, bound to this process's settings and clock."""
    routes: dict[type[Event], Any] = {
        PatientRegistered: on_patient_contact,
        PatientContactChanged: on_patient_contact,
        PatientSafetyProfileChanged: on_safety_profile_changed,
        AppointmentBooked: on_appointment_booked,
        AppointmentRescheduled: on_appointment_rescheduled,
        AppointmentCancelled: on_appointment_cancelled,
        AppointmentNoShow: on_appointment_no_show,
        SessionCompleted: on_session_completed,
        AdverseEventReported: on_adverse_event_reported,
        RecalledLotExposure: on_recalled_lot_exposure,
    }
    return {event_type: functools.partial(h, rt) for event_type, h in routes.items()}
