"""Appointments: booking and rescheduling, the calendar views, and the front desk's actions.

A change and the event it causes commit together in the caller's unit of work. Double booking
is refused by the database's exclusion constraints whatever happens between the checks here and
the insert; the checks only word the answer early.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypedDict
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from services.booking import repository
from services.booking.clients.records import RecordsClient
from services.booking.domain import (
    Action,
    Consultation,
    ConsultationNotCompleted,
    ConsultationRequired,
    ExperienceTier,
    Indication,
    Money,
    PractitionerAvailability,
    Status,
    TreatmentKind,
    as_utc,
    check_bookable,
    check_startable,
    consultation_for_booking,
    local_window,
    next_status,
    requires_consultation,
    session_price,
)
from services.booking.policies import require_clinic
from services.booking.repository import (
    Appointment,
    BookingContext,
    Clinic,
    Kind,
    Practitioner,
    TreatmentType,
)
from services.booking.schemas import AppointmentCreate, Cancel, Reschedule
from services.booking.usecases import patients
from services.booking.usecases.caller import Caller
from services.booking.usecases.paging import Listing, cursor_datetime, cursor_uuid
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.events.booking import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentNoShow,
    AppointmentRescheduled,
    ClinicRef,
    PractitionerRef,
)
from shared.pagination import decode_cursor, encode_cursor, page_of
from shared.uow import UnitOfWork

_DAY = timedelta(days=1)


class AppointmentFacts(TypedDict):
    """The fields every appointment event carries."""

    network_id: UUID
    appointment_id: UUID
    patient_id: UUID
    clinic: ClinicRef
    practitioner: PractitionerRef
    room_id: UUID
    treatment_type_id: UUID
    treatment_name: str
    kind: Kind
    indication: str
    areas: list[str]
    starts_at: datetime
    ends_at: datetime


def facts(appointment: Appointment, *, areas: list[str] | None = None) -> AppointmentFacts:
    """What an event says of its appointment; the areas are `areas`, else those recorded at
    completion, else the treatment type's."""
    if areas is None:
        completion = appointment.completion or {}
        areas = list(completion.get("areas") or appointment.treatment_areas)
    return AppointmentFacts(
        network_id=appointment.network_id,
        appointment_id=appointment.id,
        patient_id=appointment.patient_id,
        clinic=ClinicRef(
            clinic_id=appointment.clinic_id,
            name=appointment.clinic_name,
            timezone=appointment.clinic_timezone,
            phone=appointment.clinic_phone,
            email=appointment.clinic_email,
        ),
        practitioner=PractitionerRef(
            practitioner_id=appointment.practitioner_id,
            name=appointment.practitioner_name,
            email=appointment.practitioner_email,
            phone=appointment.practitioner_phone,
        ),
        room_id=appointment.room_id,
        treatment_type_id=appointment.treatment_type_id,
        treatment_name=appointment.treatment_name,
        kind=appointment.kind,
        indication=appointment.indication,
        areas=areas,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
    )


# -- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppointmentQuery:
    """Which appointments to list. `day` is a local date of the clinic (it needs `clinic_id`)
    and then stands for `start` and `end`."""

    clinic_id: UUID | None = None
    practitioner_id: UUID | None = None
    patient_id: UUID | None = None
    status: Status | None = None
    day: date | None = None
    start: datetime | None = None
    end: datetime | None = None


async def appointment_or_404(
    uow: UnitOfWork, who: Principal, appointment_id: UUID, *, for_update: bool = False
) -> Appointment:
    appointment = await repository.get_appointment(
        uow.tx, network_id=who.network_id, id=appointment_id, for_update=for_update
    )
    if appointment is None:
        raise NotFound(f"No appointment {appointment_id} in your network.")
    return appointment


async def _window(
    uow: UnitOfWork, who: Principal, query: AppointmentQuery
) -> tuple[datetime | None, datetime | None]:
    """The UTC bounds of the start time the query asks for."""
    if query.day is None:
        return (
            as_utc(query.start, field="from") if query.start is not None else None,
            as_utc(query.end, field="to") if query.end is not None else None,
        )
    if query.clinic_id is None:
        raise Invalid("date is a clinic's local date: pass clinic_id too.", field="date")
    clinic = await repository.get_clinic(uow.tx, network_id=who.network_id, id=query.clinic_id)
    if clinic is None:
        raise NotFound(f"No clinic {query.clinic_id} in your network.")
    return local_window(ZoneInfo(clinic.timezone), query.day, query.day)


async def find(
    uow: UnitOfWork, who: Principal, query: AppointmentQuery, *, limit: int, cursor: str | None
) -> Listing[Appointment]:
    """The appointments the query names, by start time, a page at a time."""
    start, end = await _window(uow, who, query)
    after = decode_cursor(cursor, 2)
    appointments = await repository.list_appointments(
        uow.tx,
        network_id=who.network_id,
        clinic_id=query.clinic_id,
        practitioner_id=query.practitioner_id,
        patient_id=query.patient_id,
        status=query.status.value if query.status else None,
        start=start,
        end=end,
        after=(cursor_datetime(after[0]), cursor_uuid(after[1])) if after else None,
        limit=limit,
    )
    page, next_cursor = page_of(
        appointments, limit, lambda a: encode_cursor(a.starts_at.isoformat(), a.id)
    )
    return Listing(page, next_cursor)


async def get(uow: UnitOfWork, who: Principal, appointment_id: UUID) -> Appointment:
    """An appointment of the caller's network."""
    return await appointment_or_404(uow, who, appointment_id)


# -- booking and rescheduling ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CheckedSlot:
    """A bookable time, in UTC, and what it was checked against (each part known to exist)."""

    context: BookingContext
    clinic: Clinic
    treatment: TreatmentType
    practitioner: Practitioner
    start: datetime
    end: datetime

    @property
    def occupied_until(self) -> datetime:
        """The end and the cleaning buffer after it."""
        return self.end + timedelta(minutes=self.treatment.buffer_minutes)


def _known_parts(
    who: Principal,
    ctx: BookingContext,
    *,
    clinic_id: UUID,
    treatment_type_id: UUID,
    room_id: UUID,
    practitioner_id: UUID,
) -> tuple[Clinic, TreatmentType, Practitioner, PractitionerAvailability]:
    """The parts named, once each is known in the network and they fit together; else 422
    naming the first field that does not (403 for a clinic outside the token's scope)."""
    if ctx.clinic is None:
        raise Invalid(f"No clinic {clinic_id} in your network.", field="clinic_id")
    require_clinic(who, clinic_id)
    if ctx.treatment is None:
        raise Invalid(
            f"No treatment type {treatment_type_id} in your network.", field="treatment_type_id"
        )
    if ctx.room_clinic_id != clinic_id:
        raise Invalid(f"No room {room_id} at clinic {clinic_id}.", field="room_id")
    practitioner, availability = ctx.practitioner, ctx.availability
    if practitioner is None or availability is None or clinic_id not in practitioner.clinic_ids:
        raise Invalid(
            f"No practitioner {practitioner_id} working at clinic {clinic_id}.",
            field="practitioner_id",
        )
    return ctx.clinic, ctx.treatment, practitioner, availability


async def _checked_slot(
    uow: UnitOfWork,
    who: Principal,
    *,
    clinic_id: UUID,
    treatment_type_id: UUID,
    room_id: UUID,
    practitioner_id: UUID,
    patient_id: UUID,
    start: datetime,
    end: datetime | None,
    moving: UUID | None = None,
) -> _CheckedSlot:
    """Load everything in one round trip and check it: the ids, then `check_bookable`."""
    start = as_utc(start, field="start")
    ctx = await repository.booking_context(
        uow.tx,
        network_id=who.network_id,
        clinic_id=clinic_id,
        treatment_type_id=treatment_type_id,
        room_id=room_id,
        practitioner_id=practitioner_id,
        patient_id=patient_id,
        start=start,
        day_start=start - _DAY,
        day_end=start + _DAY,
        excluding=moving,
    )
    clinic, treatment, practitioner, availability = _known_parts(
        who,
        ctx,
        clinic_id=clinic_id,
        treatment_type_id=treatment_type_id,
        room_id=room_id,
        practitioner_id=practitioner_id,
    )
    duration = timedelta(minutes=treatment.duration_minutes)
    end = start + duration if end is None else as_utc(end, field="end")
    check_bookable(
        tz=ZoneInfo(clinic.timezone),
        start=start,
        end=end,
        duration=duration,
        buffer=timedelta(minutes=treatment.buffer_minutes),
        grid=timedelta(minutes=clinic.slot_grid_minutes),
        indication=Indication(treatment.indication),
        practitioner=availability,
        room_id=room_id,
        busy=ctx.busy,
        now=datetime.now(UTC),
    )
    return _CheckedSlot(ctx, clinic, treatment, practitioner, start, end)


async def _plan_for(
    uow: UnitOfWork, who: Principal, cmd: AppointmentCreate, treatment: TreatmentType
) -> UUID | None:
    """The plan named (the patient's, for the treatment's indication), else for a treatment
    the patient's latest plan for its type."""
    if cmd.treatment_plan_id is None:
        if treatment.kind != TreatmentKind.treatment.value:
            return None
        return await repository.latest_plan_for(
            uow.tx,
            network_id=who.network_id,
            patient_id=cmd.patient_id,
            treatment_type_id=cmd.treatment_type_id,
        )
    plan = await repository.get_plan(uow.tx, network_id=who.network_id, id=cmd.treatment_plan_id)
    if plan is None or plan.patient_id != cmd.patient_id:
        raise Invalid(
            f"Patient {cmd.patient_id} has no treatment plan {cmd.treatment_plan_id}.",
            field="treatment_plan_id",
        )
    if plan.indication != treatment.indication:
        raise Invalid(
            f"The plan is for {plan.indication}, the treatment for {treatment.indication}.",
            field="treatment_plan_id",
        )
    return plan.id


async def consultation_first(
    uow: UnitOfWork,
    who: Principal,
    patient_id: UUID,
    treatment: TreatmentType,
    starts_at: datetime | None,
) -> Consultation | None:
    """The consultation a treatment starting at `starts_at` is booked after (ConsultationRequired
    when there is none); None for a kind that needs none."""
    kind = TreatmentKind(treatment.kind)
    if not requires_consultation(kind):
        return None
    return consultation_for_booking(
        kind=kind,
        indication=Indication(treatment.indication),
        starts_at=starts_at,
        consultations=await repository.consultations_for(
            uow.tx,
            network_id=who.network_id,
            patient_id=patient_id,
            indication=treatment.indication,
        ),
    )


@dataclass(frozen=True, slots=True)
class Eligibility:
    """What booking would say of a treatment type for a patient, before a slot is chosen."""

    treatment: TreatmentType
    consultation: Consultation | None
    refusal: ConsultationRequired | None
    startable: bool

    @property
    def bookable_after(self) -> datetime | None:
        """A treatment's start must be after this: the consultation still to come that it
        follows starts then."""
        consultation = self.consultation
        if consultation is None or consultation.status is Status.completed:
            return None  # none needed, none stands, or held already: any time to come will do
        return consultation.starts_at


async def eligibility(
    uow: UnitOfWork,
    who: Principal,
    *,
    patient_id: UUID,
    treatment_type_id: UUID,
    start: datetime | None,
) -> Eligibility:
    """Whether the patient may be booked for the treatment type (at `start`, else at some
    time), by the rule booking applies; and whether it could start as far as that goes."""
    treatment = await repository.get_treatment_type(
        uow.tx, network_id=who.network_id, id=treatment_type_id
    )
    if treatment is None:
        raise Invalid(
            f"No treatment type {treatment_type_id} in your network.", field="treatment_type_id"
        )
    kind, indication = TreatmentKind(treatment.kind), Indication(treatment.indication)
    held = await repository.consultations_for(
        uow.tx, network_id=who.network_id, patient_id=patient_id, indication=treatment.indication
    )
    at = as_utc(start, field="start") if start is not None else None
    try:
        consultation = consultation_for_booking(
            kind=kind, indication=indication, starts_at=at, consultations=held
        )
    except ConsultationRequired as refused:
        return Eligibility(treatment, None, refused, startable=False)
    try:
        check_startable(kind=kind, indication=indication, consultations=held)
    except (ConsultationRequired, ConsultationNotCompleted):
        return Eligibility(treatment, consultation, None, startable=False)
    return Eligibility(treatment, consultation, None, startable=True)


def _booked(
    who: Principal,
    cmd: AppointmentCreate,
    slot: _CheckedSlot,
    plan_id: UUID | None,
    price: Money | None,
) -> Appointment:
    """The appointment as `get_appointment` will read it once inserted."""
    clinic, treatment, practitioner = slot.clinic, slot.treatment, slot.practitioner
    return Appointment(
        id=uuid4(),
        network_id=who.network_id,
        clinic_id=cmd.clinic_id,
        room_id=cmd.room_id,
        practitioner_id=cmd.practitioner_id,
        patient_id=cmd.patient_id,
        treatment_type_id=cmd.treatment_type_id,
        treatment_plan_id=plan_id,
        kind=treatment.kind,
        indication=treatment.indication,
        status=Status.booked.value,
        starts_at=slot.start,
        ends_at=slot.end,
        occupied_until=slot.occupied_until,
        price_minor=price.amount_minor if price else None,
        currency=price.currency if price else None,
        notes=cmd.notes,
        created_at=datetime.now(UTC),
        created_by=who.sub,
        clinic_name=clinic.name,
        clinic_timezone=clinic.timezone,
        clinic_phone=clinic.phone,
        clinic_email=clinic.email,
        practitioner_name=practitioner.name,
        practitioner_email=practitioner.email,
        practitioner_phone=practitioner.phone,
        treatment_name=treatment.name,
        treatment_areas=treatment.areas,
    )


async def _insert(uow: UnitOfWork, appointment: Appointment) -> None:
    await repository.insert_appointment(
        uow.tx,
        id=appointment.id,
        network_id=appointment.network_id,
        clinic_id=appointment.clinic_id,
        room_id=appointment.room_id,
        practitioner_id=appointment.practitioner_id,
        patient_id=appointment.patient_id,
        treatment_type_id=appointment.treatment_type_id,
        treatment_plan_id=appointment.treatment_plan_id,
        kind=appointment.kind,
        indication=appointment.indication,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        occupied_until=appointment.occupied_until,
        price_minor=appointment.price_minor,
        currency=appointment.currency,
        notes=appointment.notes,
        created_at=appointment.created_at,
        created_by=appointment.created_by,
    )


async def book(
    uow: UnitOfWork, caller: Caller, records: RecordsClient, cmd: AppointmentCreate
) -> Appointment:
    """Book a slot once every rule allows it; the database refuses a double booking."""
    who = caller.who
    slot = await _checked_slot(
        uow,
        who,
        clinic_id=cmd.clinic_id,
        treatment_type_id=cmd.treatment_type_id,
        room_id=cmd.room_id,
        practitioner_id=cmd.practitioner_id,
        patient_id=cmd.patient_id,
        start=cmd.start,
        end=cmd.end,
    )
    if not slot.context.patient_known:
        await patients.confirm(uow, caller, records, cmd.patient_id)
    await consultation_first(uow, who, cmd.patient_id, slot.treatment, slot.start)
    plan_id = await _plan_for(uow, who, cmd, slot.treatment)
    price = session_price(
        slot.context.prices,
        clinic_id=cmd.clinic_id,
        treatment_type_id=cmd.treatment_type_id,
        tier=ExperienceTier(slot.practitioner.experience_tier),
    )
    appointment = _booked(who, cmd, slot, plan_id, price)
    await _insert(uow, appointment)
    uow.emit(AppointmentBooked(**facts(appointment)))
    return appointment


async def _transition(
    uow: UnitOfWork, who: Principal, appointment_id: UUID, action: Action
) -> tuple[Appointment, Status]:
    """The locked appointment and the status `action` leads to (IllegalTransition → 409)."""
    appointment = await appointment_or_404(uow, who, appointment_id, for_update=True)
    require_clinic(who, appointment.clinic_id)
    return appointment, next_status(Status(appointment.status), action)


async def reschedule(
    uow: UnitOfWork, who: Principal, appointment_id: UUID, cmd: Reschedule
) -> Appointment:
    """Move a booked appointment to another time, and optionally room or practitioner."""
    current, status = await _transition(uow, who, appointment_id, Action.reschedule)
    practitioner_id = cmd.practitioner_id or current.practitioner_id
    room_id = cmd.room_id or current.room_id
    slot = await _checked_slot(
        uow,
        who,
        clinic_id=current.clinic_id,
        treatment_type_id=current.treatment_type_id,
        room_id=room_id,
        practitioner_id=practitioner_id,
        patient_id=current.patient_id,
        start=cmd.start,
        end=cmd.end,
        moving=appointment_id,
    )
    await consultation_first(uow, who, current.patient_id, slot.treatment, slot.start)
    await repository.move_appointment(
        uow.tx,
        network_id=who.network_id,
        id=appointment_id,
        status=status.value,
        practitioner_id=practitioner_id,
        room_id=room_id,
        starts_at=slot.start,
        ends_at=slot.end,
        occupied_until=slot.occupied_until,
    )
    moved = await appointment_or_404(uow, who, appointment_id)
    uow.emit(
        AppointmentRescheduled(
            **facts(moved),
            previous_starts_at=current.starts_at,
            previous_ends_at=current.ends_at,
        )
    )
    return moved


# -- the front desk ----------------------------------------------------------------------------


async def cancel(uow: UnitOfWork, who: Principal, appointment_id: UUID, cmd: Cancel) -> Appointment:
    """Cancel with a reason; the slot is free again."""
    current, status = await _transition(uow, who, appointment_id, Action.cancel)
    await repository.cancel_appointment(
        uow.tx,
        network_id=who.network_id,
        id=appointment_id,
        status=status.value,
        cancelled_at=datetime.now(UTC),
        cancelled_by=who.sub,
        cancel_reason=cmd.reason,
    )
    uow.emit(AppointmentCancelled(**facts(current), reason=cmd.reason, cancelled_by=who.sub))
    return await appointment_or_404(uow, who, appointment_id)


async def check_in(uow: UnitOfWork, who: Principal, appointment_id: UUID) -> Appointment:
    """The patient has arrived."""
    _current, status = await _transition(uow, who, appointment_id, Action.check_in)
    await repository.check_in_appointment(
        uow.tx,
        network_id=who.network_id,
        id=appointment_id,
        status=status.value,
        checked_in_at=datetime.now(UTC),
    )
    return await appointment_or_404(uow, who, appointment_id)


async def no_show(uow: UnitOfWork, who: Principal, appointment_id: UUID) -> Appointment:
    """The patient did not come; the slot is free again."""
    current, status = await _transition(uow, who, appointment_id, Action.no_show)
    await repository.set_status(
        uow.tx, network_id=who.network_id, id=appointment_id, status=status.value
    )
    uow.emit(AppointmentNoShow(**facts(current)))
    return await appointment_or_404(uow, who, appointment_id)
