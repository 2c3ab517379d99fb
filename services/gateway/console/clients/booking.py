"""What the console reads from booking and sends to it: the network's clinics, practitioners and
treatment types, a clinic's day, free slots, and an appointment with its session."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import RootModel

from services.gateway.console.clients.calls import Answer, Body, Caller, Items, Problem
from services.gateway.console.clients.model import Model
from services.gateway.console.clients.safety import Deviation, Finding

SERVICE = "booking"


class Clinic(Model):
    id: str
    name: str
    timezone: str | None = None


class Practitioner(Model):
    id: str
    name: str
    indications: list[str] = []


class Room(Model):
    id: str
    name: str


class TreatmentType(Model):
    id: str
    name: str
    kind: str = ""
    indication: str = ""
    areas: list[str] = []


class ConsultationRef(Model):
    id: str
    status: str
    starts_at: str


class Eligibility(Model):
    """booking's consultation rule, asked before a slot is chosen."""

    eligible: bool
    indication: str = ""
    consultation: ConsultationRef | None = None
    """The consultation a treatment would be booked after."""
    bookable_after: str | None = None
    """A treatment's start must be after this instant."""
    startable: bool = False
    problem: Problem | None = None
    """The refusal booking would answer (`consultation-required`)."""


class Hours(Model):
    weekday: int
    start: str
    end: str
    """Local wall-clock times at the clinic ("09:00:00")."""


class WorkingHours(Model):
    hours: list[Hours] = []


class TimeOff(Model):
    start: str
    end: str


class TimesOff(RootModel[list[TimeOff]]):
    model_config = {"frozen": True}


class Slot(Model):
    start: str
    end: str
    practitioner_id: str
    room_id: str


class Availability(Model):
    slots: list[Slot] = []


class Money(Model):
    amount_minor: int
    currency: str


class Acknowledgement(Model):
    """Why findings were weighed and the session went ahead, and which findings."""

    reason: str
    finding_codes: list[str]


class CrossCheck(Model):
    """A passing safety check of the session: what it covered and what it found."""

    verdict: str
    findings: list[Finding] = []
    blend_id: str | None = None
    blend_version: int | None = None
    ingredient_codes: list[str] | None = None
    lot_numbers: list[str] = []
    areas: list[str] = []
    checked_at: str | None = None
    acknowledgement: Acknowledgement | None = None


class Preparation(Model):
    disinfection: str
    numbing_cream: bool
    numbing_product: str | None = None


class Given(Model):
    """One ingredient given: from which lot, how much, in the formulary's unit."""

    ingredient_code: str
    ingredient_name: str
    lot_number: str
    amount: str | None
    unit: str


class SessionCompletion(Body):
    """What was given in a session, recorded when it is completed."""

    preparation: Preparation | None = None
    blend_id: str | None = None
    blend_version: int | None = None
    blend_name: str | None = None
    ingredients: list[Given] | None = None
    areas: list[str] | None = None
    technique: str | None = None
    depth_mm: str | None = None
    injection_count: int | None = None
    immediate_reactions: list[str] = []
    notes: str | None = None
    acknowledgement: Acknowledgement | None = None


class SessionRecord(SessionCompletion):
    """A completed session as booking keeps it, with the check of what was given."""

    cross_check_verdict: str | None = None
    deviations: list[Deviation] = []


class PlanProgress(Model):
    completed: int
    planned: int
    remaining: int
    maintenance_completed: int = 0
    course_complete: bool = False


class CostEstimate(Model):
    """What the plan costs at its clinic's untiered price."""

    price_per_session: Money
    sessions_remaining: int
    remaining: Money
    course_total: Money


class TreatmentPlan(Model):
    """A course of sessions at an interval, then maintenance, with where the patient stands."""

    id: str
    patient_id: str
    indication: str
    treatment_type_id: str
    clinic_id: str | None = None
    sessions_planned: int
    interval_days: int
    maintenance_interval_days: int | None = None
    progress: PlanProgress
    next_session_due: str | None = None
    cost_estimate: CostEstimate | None = None


class TreatmentPlans(RootModel[list[TreatmentPlan]]):
    model_config = {"frozen": True}


class NewTreatmentPlan(Body):
    patient_id: str
    treatment_type_id: str
    clinic_id: str | None = None
    sessions_planned: int
    interval_days: int
    maintenance_interval_days: int | None = None


class CalendarFeed(Model):
    """A practitioner's calendar feed, as listed (never its URL)."""

    id: str
    label: str | None = None
    created_at: str
    created_by: str


class CalendarFeeds(RootModel[list[CalendarFeed]]):
    model_config = {"frozen": True}


class MadeCalendarFeed(CalendarFeed):
    url: str
    """The feed's secret address: booking shows it only in the answer that made the feed."""


class NewCalendarFeed(Body):
    label: str | None = None


class CalendarSettings(Model):
    show_patient_names: bool = False


class Appointment(Model):
    id: str
    clinic_id: str
    practitioner_id: str
    patient_id: str
    treatment_type_id: str
    room_id: str = ""
    kind: str
    indication: str
    status: str
    allowed_actions: list[str] = []
    start: str
    end: str
    price: Money | None = None
    cancel_reason: str | None = None
    cross_check: CrossCheck | None = None
    """The check of record: what may be injected now."""
    cross_checks: list[CrossCheck] = []
    completion: SessionRecord | None = None
    completed_at: str | None = None

    @property
    def holds_time(self) -> bool:
        """Whether it still takes its practitioner's time: it can go on (booking allows an
        action) or it took place; a cancelled or missed one gave its time back."""
        return bool(self.allowed_actions) or self.completed_at is not None


class NewAppointment(Body):
    patient_id: str
    clinic_id: str
    treatment_type_id: str
    practitioner_id: str
    room_id: str
    start: str
    treatment_plan_id: str | None = None


class Move(Body):
    """Where a booked appointment moves to: a free slot as availability offered it."""

    start: str
    practitioner_id: str
    room_id: str


class Cancellation(Body):
    reason: str


class SessionPlan(Body):
    """What is to be injected, for the safety check before a session starts or a changed plan:
    a blend, ingredients (or both), the lots named and the areas."""

    blend_id: str | None = None
    ingredient_codes: list[str] | None = None
    lot_numbers: list[str] | None = None
    areas: list[str] | None = None
    acknowledgement: Acknowledgement | None = None


async def clinics(calls: Caller) -> Answer[Items[Clinic]]:
    """Every clinic of the network."""
    return await calls.read_all(SERVICE, "/v1/clinics", Clinic)


async def clinic(calls: Caller, clinic_id: str) -> Answer[Clinic | None]:
    return await calls.read(SERVICE, f"/v1/clinics/{clinic_id}", Clinic)


async def practitioners(calls: Caller, clinic_id: str | None = None) -> Answer[Items[Practitioner]]:
    """The network's practitioners, or those of one clinic."""
    return await calls.read_all(
        SERVICE, "/v1/practitioners", Practitioner, {"clinic_id": clinic_id}
    )


async def practitioner(calls: Caller, practitioner_id: str) -> Answer[Practitioner | None]:
    return await calls.read(SERVICE, f"/v1/practitioners/{practitioner_id}", Practitioner)


async def working_hours(
    calls: Caller, practitioner_id: str, clinic_id: str
) -> Answer[WorkingHours | None]:
    """A practitioner's weekly hours at a clinic."""
    return await calls.read(
        SERVICE,
        f"/v1/practitioners/{practitioner_id}/clinics/{clinic_id}/working-hours",
        WorkingHours,
    )


async def time_off(calls: Caller, practitioner_id: str) -> Answer[TimesOff | None]:
    return await calls.read(SERVICE, f"/v1/practitioners/{practitioner_id}/time-off", TimesOff)


async def treatment_types(calls: Caller) -> Answer[Items[TreatmentType]]:
    return await calls.read_all(SERVICE, "/v1/treatment-types", TreatmentType)


async def treatment_type(calls: Caller, treatment_type_id: str) -> Answer[TreatmentType | None]:
    return await calls.read(SERVICE, f"/v1/treatment-types/{treatment_type_id}", TreatmentType)


async def eligibility(
    calls: Caller, patient_id: str, treatment_type_id: str
) -> Answer[Eligibility | None]:
    """Whether booking would take this treatment type for the patient (its consultation rule)."""
    return await calls.read(
        SERVICE,
        "/v1/eligibility",
        Eligibility,
        {"patient_id": patient_id, "treatment_type_id": treatment_type_id},
    )


async def treatment_plan(calls: Caller, plan_id: str) -> Answer[TreatmentPlan | None]:
    return await calls.read(SERVICE, f"/v1/treatment-plans/{plan_id}", TreatmentPlan)


async def appointments(calls: Caller, clinic_id: str, day: date) -> Answer[Items[Appointment]]:
    """A clinic's appointments of one day."""
    return await calls.read_all(
        SERVICE,
        "/v1/appointments",
        Appointment,
        {"clinic_id": clinic_id, "date": day.isoformat()},
    )


async def practitioner_appointments(
    calls: Caller, clinic_id: str, practitioner_id: str, start: datetime, end: datetime
) -> Answer[Items[Appointment]]:
    """A practitioner's appointments at a clinic that start from `start` until before `end`."""
    return await calls.read_all(
        SERVICE,
        "/v1/appointments",
        Appointment,
        {
            "clinic_id": clinic_id,
            "practitioner_id": practitioner_id,
            "from": start.isoformat(),
            "to": end.isoformat(),
        },
    )


async def rooms(calls: Caller, clinic_id: str) -> Answer[Items[Room]]:
    """A clinic's treatment rooms (booking answers them whole)."""
    return await calls.read_list(SERVICE, f"/v1/clinics/{clinic_id}/rooms", Room)


async def move(calls: Caller, appointment_id: UUID, to: Move) -> Answer[None]:
    """Reschedule a booked appointment to a free slot (booking checks it as a booking)."""
    return await calls.send(SERVICE, "POST", f"/v1/appointments/{appointment_id}/reschedule", to)


async def appointment(calls: Caller, appointment_id: UUID) -> Answer[Appointment | None]:
    return await calls.read(SERVICE, f"/v1/appointments/{appointment_id}", Appointment)


async def availability(
    calls: Caller, clinic_id: str, treatment_type_id: str, day: str
) -> Answer[Availability | None]:
    """The free slots of a day for a treatment type at a clinic."""
    return await calls.read(
        SERVICE,
        "/v1/availability",
        Availability,
        {"clinic_id": clinic_id, "treatment_type_id": treatment_type_id, "from": day},
    )


async def book(
    calls: Caller, appointment: NewAppointment, *, idempotency_key: str | None
) -> Answer[str | None]:
    """Book a free slot; the answer is the new appointment's id."""
    return await calls.create(
        SERVICE, "/v1/appointments", appointment, idempotency_key=idempotency_key
    )


async def act(
    calls: Caller, appointment_id: UUID, action: str, body: Body | None = None
) -> Answer[None]:
    """One of the appointment's actions (its `allowed_actions`: `check-in`, `cancel`, `start`,
    `cross-check`, `complete`, ...)."""
    return await calls.send(SERVICE, "POST", f"/v1/appointments/{appointment_id}/{action}", body)


async def treatment_plans(calls: Caller, patient_id: str) -> Answer[TreatmentPlans | None]:
    """The patient's treatment plans, newest first (a list booking answers whole)."""
    return await calls.read(
        SERVICE, "/v1/treatment-plans", TreatmentPlans, {"patient_id": patient_id}
    )


async def make_treatment_plan(
    calls: Caller, plan: NewTreatmentPlan, *, idempotency_key: str | None
) -> Answer[TreatmentPlan | None]:
    """A new plan, with its cost estimate (in booking's answer)."""
    return await calls.post(
        SERVICE, "/v1/treatment-plans", TreatmentPlan, plan, idempotency_key=idempotency_key
    )


def _feeds_path(practitioner_id: UUID) -> str:
    return f"/v1/practitioners/{practitioner_id}/calendar-feeds"


async def calendar_feeds(calls: Caller, practitioner_id: UUID) -> Answer[CalendarFeeds | None]:
    """A practitioner's live calendar feeds, oldest first."""
    return await calls.read(SERVICE, _feeds_path(practitioner_id), CalendarFeeds)


async def make_calendar_feed(
    calls: Caller, practitioner_id: UUID, feed: NewCalendarFeed
) -> Answer[MadeCalendarFeed | None]:
    """A new feed of the practitioner's appointments, with its URL (shown only now)."""
    return await calls.submit(SERVICE, _feeds_path(practitioner_id), feed, MadeCalendarFeed)


async def revoke_calendar_feed(calls: Caller, practitioner_id: UUID, feed_id: UUID) -> Answer[None]:
    return await calls.send(SERVICE, "DELETE", f"{_feeds_path(practitioner_id)}/{feed_id}")


async def calendar_settings(calls: Caller) -> Answer[CalendarSettings | None]:
    """How the network's calendar feeds name patients."""
    return await calls.read(SERVICE, "/v1/settings/calendar", CalendarSettings)
