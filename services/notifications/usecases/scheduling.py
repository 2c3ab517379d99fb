"""What each event schedules and withdraws; called by the event handlers.

A use case keeps the appointment replica current, withdraws the notices an event made wrong and
schedules one row per (event, kind, recipient), so a redelivered event schedules nothing new.
What each message says, and over which channel, is decided when it goes out (dispatching.py),
with the contact data known by then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from services.notifications import repository
from services.notifications.domain import (
    APPOINTMENT_NOTICES,
    SENT_AT_ONCE,
    AdminAlert,
    MessageKind,
    kept_quiet_hours,
    plan_after_session,
    reminder_send_time,
    zone_or_utc,
)
from shared import telemetry
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
from shared.events.records import AdverseEventReported
from shared.uow import UnitOfWork

K = MessageKind


@dataclass(frozen=True, slots=True)
class Received:
    """An event as its handler got it: the envelope's id and time, and the clock's now."""

    event_id: UUID
    as_of: datetime
    """When the event's facts were true (its envelope's time): the replicas keep the newest."""
    now: datetime


@dataclass(frozen=True, slots=True)
class About:
    """Whom and what a message concerns, for the log and its filters."""

    patient_id: UUID | None
    appointment_id: UUID | None
    clinic_id: UUID | None

    @classmethod
    def appointment(cls, event: AppointmentEvent) -> About:
        return cls(event.patient_id, event.appointment_id, event.clinic.clinic_id)


@dataclass(slots=True)
class Schedule:
    """The messages one event (or one alert to the network's admins) schedules, written together
    when it is done."""

    event: Event | AdminAlert
    event_id: UUID
    now: datetime
    # The handler's span: each send attempt of these messages is a child of it.
    trace_id: str | None = field(default_factory=telemetry.current_trace_id)
    traceparent: str | None = field(default_factory=telemetry.current_traceparent)
    messages: list[repository.NewMessage] = field(default_factory=list)

    def add(
        self,
        kind: MessageKind,
        recipient_type: str,
        recipient_id: UUID,
        about: About,
        *,
        due_at: datetime,
        send_at: datetime | None = None,
    ) -> None:
        self.messages.append(
            repository.NewMessage(
                kind=str(kind),
                recipient_type=recipient_type,
                recipient_id=recipient_id,
                patient_id=about.patient_id,
                appointment_id=about.appointment_id,
                clinic_id=about.clinic_id,
                due_at=due_at,
                send_at=send_at or due_at,
            )
        )

    def to_patient(
        self,
        kind: MessageKind,
        event: AppointmentEvent,
        due_at: datetime,
        send_at: datetime | None = None,
    ) -> None:
        about = About.appointment(event)
        self.add(kind, "patient", event.patient_id, about, due_at=due_at, send_at=send_at)

    def to_practitioner_and_clinic(
        self, kind: MessageKind, practitioner_id: UUID, clinic_id: UUID, about: About
    ) -> None:
        """One message of `kind` to the practitioner and one to the clinic, now."""
        self.add(kind, "practitioner", practitioner_id, about, due_at=self.now)
        self.add(kind, "clinic", clinic_id, about, due_at=self.now)

    async def write(self, uow: UnitOfWork) -> None:
        """Write the scheduled messages; if one is due now, the worker wakes at commit.

        One round trip; NOTIFY is delivered at commit, so the worker never wakes for rows it
        cannot see yet.
        """
        await repository.insert_messages(
            uow.tx,
            self.event,
            event_id=self.event_id,
            now=self.now,
            trace_id=self.trace_id,
            traceparent=self.traceparent,
            messages=self.messages,
        )


# --- the appointment replica ---------------------------------------------------------------------


async def _keep_appointment(
    uow: UnitOfWork, event: AppointmentEvent, status: str, as_of: datetime
) -> None:
    clinic, practitioner = event.clinic, event.practitioner
    await repository.remember_appointment(
        uow.tx,
        repository.Appointment(
            network_id=event.network_id,
            appointment_id=event.appointment_id,
            patient_id=event.patient_id,
            clinic_id=clinic.clinic_id,
            practitioner_id=practitioner.practitioner_id,
            treatment_name=event.treatment_name,
            starts_at=event.starts_at,
            status=status,
            treatment_type_id=event.treatment_type_id,
            kind=event.kind,
        ),
        repository.Clinic(
            event.network_id,
            clinic.clinic_id,
            clinic.name,
            clinic.timezone,
            clinic.phone,
            clinic.email,
        ),
        repository.Practitioner(
            event.network_id,
            practitioner.practitioner_id,
            practitioner.name,
            practitioner.email,
            practitioner.phone,
        ),
        as_of=as_of,
    )


async def _withdraw_notices(
    uow: UnitOfWork, event: AppointmentEvent, *, reason: str, now: datetime
) -> None:
    """Withdraw the appointment's pending notices that speak of it as still to come."""
    await repository.withdraw_pending(
        uow.tx,
        network_id=event.network_id,
        appointment_id=event.appointment_id,
        kinds=APPOINTMENT_NOTICES,
        reason=reason,
        now=now,
    )


async def _patient(uow: UnitOfWork, event: AppointmentEvent) -> repository.Patient | None:
    return await repository.get_patient(uow.tx, event.network_id, event.patient_id)


async def _remind(
    uow: UnitOfWork, schedule: Schedule, event: AppointmentEvent, lead: timedelta
) -> None:
    """A reminder `lead` before the appointment, out of the patient's quiet hours, if still
    possible."""
    patient = await _patient(uow, event)
    tz = zone_or_utc(patient.timezone if patient else event.clinic.timezone)
    quiet = (
        kept_quiet_hours(patient.quiet_hours_start, patient.quiet_hours_end) if patient else None
    )
    at = reminder_send_time(event.starts_at, lead, tz, quiet, booked_at=schedule.now)
    if at is not None:
        schedule.to_patient(K.APPOINTMENT_REMINDER, event, event.starts_at - lead, at)


# --- appointments --------------------------------------------------------------------------------


async def appointment_booked(
    uow: UnitOfWork, event: AppointmentBooked, received: Received, *, reminder_lead: timedelta
) -> None:
    """Confirmation with preparation advice now; a reminder `reminder_lead` before."""
    await _keep_appointment(uow, event, "booked", received.as_of)
    schedule = Schedule(event, received.event_id, received.now)
    schedule.to_patient(K.APPOINTMENT_CONFIRMATION, event, received.now)
    await _remind(uow, schedule, event, reminder_lead)
    await schedule.write(uow)


async def appointment_rescheduled(
    uow: UnitOfWork, event: AppointmentRescheduled, received: Received, *, reminder_lead: timedelta
) -> None:
    """Withdraw what still speaks of the old time, send the new time, remind anew."""
    await _keep_appointment(uow, event, "booked", received.as_of)
    schedule = Schedule(event, received.event_id, received.now)
    reason = f"appointment rescheduled (event {received.event_id})"
    await _withdraw_notices(uow, event, reason=reason, now=received.now)
    schedule.to_patient(K.APPOINTMENT_RESCHEDULED, event, received.now)
    await _remind(uow, schedule, event, reminder_lead)
    await schedule.write(uow)


async def appointment_cancelled(
    uow: UnitOfWork, event: AppointmentCancelled, received: Received
) -> None:
    """Withdraw pending confirmations and reminders; tell the patient."""
    await _keep_appointment(uow, event, "cancelled", received.as_of)
    schedule = Schedule(event, received.event_id, received.now)
    await _withdraw_notices(uow, event, reason="appointment cancelled", now=received.now)
    schedule.to_patient(K.APPOINTMENT_CANCELLED, event, received.now)
    await schedule.write(uow)


async def appointment_missed(uow: UnitOfWork, event: AppointmentNoShow, received: Received) -> None:
    """Withdraw the pending notices of an appointment the patient missed; nothing is sent."""
    await _keep_appointment(uow, event, "no_show", received.as_of)
    await _withdraw_notices(uow, event, reason="appointment missed (no-show)", now=received.now)


# --- sessions ------------------------------------------------------------------------------------


async def session_completed(
    uow: UnitOfWork, event: SessionCompleted, received: Received, *, early_checkin: timedelta
) -> None:
    """Aftercare now and a check-in later if anything was injected (`early_checkin` later after
    a contraindicated deviation), else a consultation summary; the plan's reminders; an urgent
    staff alert for anything injected outside a passing check."""
    now = received.now
    await _keep_appointment(uow, event, "completed", received.as_of)
    schedule = Schedule(event, received.event_id, now)
    # A session held early leaves its reminder (and any notice of its time) pending: withdrawn.
    await _withdraw_notices(uow, event, reason="session completed", now=now)
    patient = await _patient(uow, event)
    tz = zone_or_utc(patient.timezone if patient else event.clinic.timezone)
    for planned in plan_after_session(
        event.completed_at,
        event.next_session_due,
        event.maintenance_due,
        tz,
        injected=event.injected,
        early_checkin=early_checkin if event.contraindicated_deviation else None,
    ):
        # What tells about the session goes at once, whatever its clock said when written.
        send_at = now if planned.kind in SENT_AT_ONCE else None
        schedule.to_patient(planned.kind, event, planned.due_at, send_at)
    if event.deviations:
        schedule.to_practitioner_and_clinic(
            K.UNCHECKED_ADMINISTRATION_ALERT,
            event.practitioner.practitioner_id,
            event.clinic.clinic_id,
            About.appointment(event),
        )
    await schedule.write(uow)


# --- safety --------------------------------------------------------------------------------------


async def adverse_event_reported(
    uow: UnitOfWork, event: AdverseEventReported, received: Received
) -> None:
    """An urgent alert to the practitioner and to the clinic; quiet hours do not hold it."""
    now = received.now
    schedule = Schedule(event, received.event_id, now)
    practitioner_id, clinic_id = event.practitioner_id, event.clinic_id
    if event.appointment_id is not None and (practitioner_id is None or clinic_id is None):
        appointment = await repository.get_appointment(
            uow.tx, event.network_id, event.appointment_id
        )
        if appointment is not None:
            practitioner_id = practitioner_id or appointment.practitioner_id
            clinic_id = clinic_id or appointment.clinic_id
    about = About(event.patient_id, event.appointment_id, clinic_id)
    kind = K.ADVERSE_EVENT_ALERT
    if practitioner_id is not None:
        schedule.add(kind, "practitioner", practitioner_id, about, due_at=now)
    if clinic_id is not None:
        schedule.add(kind, "clinic", clinic_id, about, due_at=now)
    if practitioner_id is None and clinic_id is None:
        # Nobody to address: still recorded, as skipped with the reason, for the log.
        schedule.add(kind, "clinic", event.adverse_event_id, about, due_at=now)
    await schedule.write(uow)


async def recalled_lot_exposure(
    uow: UnitOfWork, event: RecalledLotExposure, received: Received
) -> None:
    """A notice to the exposed patient and an urgent one to their practitioner."""
    now = received.now
    schedule = Schedule(event, received.event_id, now)
    about = About(event.patient_id, event.appointment_id, event.clinic_id)
    schedule.add(K.RECALL_NOTICE_PATIENT, "patient", event.patient_id, about, due_at=now)
    schedule.add(
        K.RECALL_NOTICE_PRACTITIONER, "practitioner", event.practitioner_id, about, due_at=now
    )
    await schedule.write(uow)
