"""The use cases' records as response models."""

from __future__ import annotations

from uuid import UUID

from services.booking.domain import (
    Area,
    CostEstimate,
    ExperienceTier,
    Indication,
    Money,
    Slot,
    Status,
    TreatmentKind,
    WorkingHours,
    allowed_actions,
)
from services.booking.repository import (
    Appointment,
    Clinic,
    Practitioner,
    Price,
    Room,
    TimeOff,
    TreatmentType,
)
from services.booking.schemas import (
    Acknowledgement,
    AppointmentRead,
    ClinicRead,
    ConsultationRef,
    CostEstimateRead,
    CrossCheckRead,
    EligibilityRead,
    MoneyRead,
    PlanProgressRead,
    PractitionerRead,
    PriceRead,
    RoomRead,
    SessionRecord,
    SlotRead,
    TimeOffRead,
    TreatmentPlanRead,
    TreatmentTypeRead,
    WorkingHoursEntry,
)
from services.booking.usecases.appointments import Eligibility
from services.booking.usecases.plans import PlanStanding


def clinic(c: Clinic) -> ClinicRead:
    return ClinicRead(
        id=c.id,
        name=c.name,
        address=c.address,
        timezone=c.timezone,
        currency=c.currency,
        slot_grid_minutes=c.slot_grid_minutes,
        phone=c.phone,
        email=c.email,
    )


def room(r: Room) -> RoomRead:
    return RoomRead(id=r.id, clinic_id=r.clinic_id, name=r.name)


def practitioner(p: Practitioner) -> PractitionerRead:
    return PractitionerRead(
        id=p.id,
        name=p.name,
        email=p.email,
        phone=p.phone,
        licence_number=p.licence_number,
        licence_expires_on=p.licence_expires_on,
        clinic_ids=p.clinic_ids,
        indications=[Indication(i) for i in p.indications],
        experience_tier=ExperienceTier(p.experience_tier),
    )


def working_hours(hours: list[WorkingHours]) -> list[WorkingHoursEntry]:
    return [WorkingHoursEntry(weekday=h.weekday, start=h.start, end=h.end) for h in hours]


def time_off(off: TimeOff) -> TimeOffRead:
    return TimeOffRead(
        id=off.id,
        practitioner_id=off.practitioner_id,
        start=off.starts_at,
        end=off.ends_at,
        reason=off.reason,
    )


def treatment_type(t: TreatmentType) -> TreatmentTypeRead:
    return TreatmentTypeRead(
        id=t.id,
        name=t.name,
        kind=TreatmentKind(t.kind),
        indication=Indication(t.indication),
        areas=[Area(a) for a in t.areas],
        duration_minutes=t.duration_minutes,
        buffer_minutes=t.buffer_minutes,
    )


def price(p: Price) -> PriceRead:
    return PriceRead(
        id=p.id,
        clinic_id=p.clinic_id,
        treatment_type_id=p.treatment_type_id,
        tier=ExperienceTier(p.tier) if p.tier else None,
        amount_minor=p.amount_minor,
        currency=p.currency,
    )


def slot(s: Slot) -> SlotRead:
    return SlotRead(start=s.start, end=s.end, practitioner_id=s.practitioner_id, room_id=s.room_id)


def money(value: Money) -> MoneyRead:
    return MoneyRead(amount_minor=value.amount_minor, currency=value.currency)


def cost_estimate(cost: CostEstimate) -> CostEstimateRead:
    return CostEstimateRead(
        price_per_session=money(cost.price_per_session),
        sessions_remaining=cost.sessions_remaining,
        remaining=money(cost.remaining),
        course_total=money(cost.course_total),
    )


def plan(standing: PlanStanding) -> TreatmentPlanRead:
    p, progress = standing.plan, standing.progress
    return TreatmentPlanRead(
        id=p.id,
        patient_id=p.patient_id,
        indication=Indication(p.indication),
        treatment_type_id=p.treatment_type_id,
        clinic_id=p.clinic_id,
        sessions_planned=p.sessions_planned,
        interval_days=p.interval_days,
        maintenance_interval_days=p.maintenance_interval_days,
        progress=PlanProgressRead(
            completed=progress.completed,
            planned=progress.planned,
            remaining=progress.remaining,
            maintenance_completed=progress.maintenance_completed,
            course_complete=progress.course_complete,
        ),
        next_session_due=standing.next_session_due,
        cost_estimate=cost_estimate(standing.cost_estimate) if standing.cost_estimate else None,
    )


def appointment(a: Appointment) -> AppointmentRead:
    status = Status(a.status)
    return AppointmentRead(
        id=a.id,
        clinic_id=a.clinic_id,
        room_id=a.room_id,
        practitioner_id=a.practitioner_id,
        patient_id=a.patient_id,
        treatment_type_id=a.treatment_type_id,
        treatment_plan_id=a.treatment_plan_id,
        kind=TreatmentKind(a.kind),
        indication=Indication(a.indication),
        status=status,
        allowed_actions=[action.path for action in allowed_actions(status)],
        start=a.starts_at,
        end=a.ends_at,
        occupied_until=a.occupied_until,
        price=(
            MoneyRead(amount_minor=a.price_minor, currency=a.currency)
            if a.price_minor is not None and a.currency is not None
            else None
        ),
        notes=a.notes,
        created_at=a.created_at,
        created_by=a.created_by,
        checked_in_at=a.checked_in_at,
        started_at=a.started_at,
        started_by=a.started_by,
        cross_check=CrossCheckRead.model_validate(a.cross_check)
        if a.cross_check is not None
        else None,
        cross_checks=[CrossCheckRead.model_validate(c) for c in a.checks],
        acknowledgement=(
            Acknowledgement.model_validate(a.acknowledgement)
            if a.acknowledgement is not None
            else None
        ),
        completed_at=a.completed_at,
        completed_by=a.completed_by,
        completion=SessionRecord.model_validate(a.completion) if a.completion is not None else None,
        cancelled_at=a.cancelled_at,
        cancelled_by=a.cancelled_by,
        cancel_reason=a.cancel_reason,
    )


def eligibility(patient_id: UUID, found: Eligibility) -> EligibilityRead:
    treatment, consultation = found.treatment, found.consultation
    return EligibilityRead(
        patient_id=patient_id,
        treatment_type_id=treatment.id,
        kind=TreatmentKind(treatment.kind),
        indication=Indication(treatment.indication),
        eligible=found.refusal is None,
        consultation=(
            ConsultationRef(
                id=consultation.id,
                status=consultation.status,
                starts_at=consultation.starts_at,
            )
            if consultation
            else None
        ),
        bookable_after=found.bookable_after,
        startable=found.startable,
        problem=found.refusal.to_problem() if found.refusal else None,
    )
