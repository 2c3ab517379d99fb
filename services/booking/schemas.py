"""Request and response models of the booking API (`XCreate / XUpdate / XRead` families).

Request bodies are `shared.inputs.Strict` (unknown fields and NUL characters refused); names,
timezones, dates and instants use the shared types, so a bad value is a 422 naming its field.
A change (`XUpdate`) leaves out what it does not change; a field the resource always has is
`Omittable` (never null), a field that may be empty is cleared by null.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from services.booking.domain import (
    DURATION_BOUNDS,
    MAX_BUFFER,
    Area,
    ExperienceTier,
    Indication,
    Status,
    TreatmentKind,
)
from shared.inputs import INT4_MAX, Day, Flag, Instant, Name, NotBlank, Omittable, Strict, Timezone
from shared.pagination import Page


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Address = Annotated[str, Field(min_length=1, max_length=500), NotBlank]
SlotGrid = Annotated[int, Field(ge=5, le=60, description="Appointments start every N min")]
Indications = Annotated[list[Indication], Field(min_length=1)]
ClinicIds = Annotated[list[UUID], Field(min_length=1)]
Version = Annotated[int, Field(ge=1, le=INT4_MAX)]
MIN_DURATION = min(_minutes(low) for low, _ in DURATION_BOUNDS.values())
MAX_DURATION = max(_minutes(high) for _, high in DURATION_BOUNDS.values())
MAX_AMOUNT_MINOR = 10**12
"""A price's ceiling in minor units (10^10 euros): far above any session, far below bigint."""


# -- clinics and rooms -------------------------------------------------------------------------


class ClinicCreate(Strict):
    name: Name
    address: Address
    timezone: Timezone = Field(
        description="Canonical IANA timezone (Area/Location, or UTC), e.g. Europe/Paris"
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217", examples=["EUR"])
    slot_grid_minutes: SlotGrid = 15
    phone: str | None = Field(None, max_length=40)
    email: Email | None = None


class ClinicUpdate(Strict):
    """Name, address and slot grid may be left out but not removed (null is a 422); phone and
    email are cleared by null."""

    name: Omittable[Name] = None
    address: Omittable[Address] = None
    slot_grid_minutes: Omittable[SlotGrid] = None
    phone: str | None = Field(None, max_length=40)
    email: Email | None = None


class ClinicRead(BaseModel):
    id: UUID
    name: str
    address: str
    timezone: str
    currency: str
    slot_grid_minutes: int
    phone: str | None
    email: str | None


class RoomCreate(Strict):
    name: Name


class RoomRead(BaseModel):
    id: UUID
    clinic_id: UUID
    name: str


# -- practitioners -----------------------------------------------------------------------------


class PractitionerCreate(Strict):
    name: Name
    email: Email | None = None
    phone: str | None = Field(None, max_length=40)
    licence_number: Name
    licence_expires_on: Day
    clinic_ids: ClinicIds
    indications: Indications
    experience_tier: ExperienceTier = ExperienceTier.junior


class PractitionerUpdate(Strict):
    """What a practitioner always has may be left out but not removed (null is a 422); email and
    phone are cleared by null."""

    name: Omittable[Name] = None
    email: Email | None = None
    phone: str | None = Field(None, max_length=40)
    licence_number: Omittable[Name] = None
    licence_expires_on: Omittable[Day] = None
    clinic_ids: Omittable[ClinicIds] = None
    indications: Omittable[Indications] = None
    experience_tier: Omittable[ExperienceTier] = None


class PractitionerRead(BaseModel):
    id: UUID
    name: str
    email: str | None
    phone: str | None
    licence_number: str
    licence_expires_on: date
    clinic_ids: list[UUID]
    indications: list[Indication]
    experience_tier: ExperienceTier


class WorkingHoursEntry(Strict):
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    start: time = Field(description="Local wall-clock time at the clinic, e.g. 09:00")
    end: time


class WorkingHoursSet(Strict):
    hours: list[WorkingHoursEntry] = Field(max_length=50)


class WorkingHoursRead(BaseModel):
    practitioner_id: UUID
    clinic_id: UUID
    hours: list[WorkingHoursEntry]


class TimeOffCreate(Strict):
    start: Instant
    end: Instant
    reason: str | None = Field(None, max_length=200)


class TimeOffRead(BaseModel):
    id: UUID
    practitioner_id: UUID
    start: datetime
    end: datetime
    reason: str | None


# -- treatment types and prices ----------------------------------------------------------------


class TreatmentTypeCreate(Strict):
    name: Name
    kind: TreatmentKind
    indication: Indication
    areas: list[Area] = Field(default_factory=list, max_length=10)
    duration_minutes: int | None = Field(
        None,
        ge=MIN_DURATION,
        le=MAX_DURATION,
        description="Default: suggested from the kind and the size of the areas. A treatment "
        "lasts 30-60 min, a consultation or follow-up 15-60",
    )
    buffer_minutes: int | None = Field(
        None,
        ge=0,
        le=_minutes(MAX_BUFFER),
        description="Cleaning and disinfection after; default 15 (treatment) or 5",
    )


class TreatmentTypeRead(BaseModel):
    id: UUID
    name: str
    kind: TreatmentKind
    indication: Indication
    areas: list[Area]
    duration_minutes: int
    buffer_minutes: int


class PriceCreate(Strict):
    clinic_id: UUID
    treatment_type_id: UUID
    tier: ExperienceTier | None = Field(None, description="Omit for the price for everyone")
    amount_minor: int = Field(
        gt=0, le=MAX_AMOUNT_MINOR, description="Integer minor units (cents), at most 10^12"
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class PriceUpdate(Strict):
    amount_minor: int = Field(
        gt=0, le=MAX_AMOUNT_MINOR, description="Integer minor units (cents), at most 10^12"
    )


class PriceRead(BaseModel):
    id: UUID
    clinic_id: UUID
    treatment_type_id: UUID
    tier: ExperienceTier | None
    amount_minor: int
    currency: str


class MoneyRead(BaseModel):
    amount_minor: int
    currency: str


# -- treatment plans ---------------------------------------------------------------------------


class TreatmentPlanCreate(Strict):
    patient_id: UUID
    treatment_type_id: UUID
    clinic_id: UUID | None = Field(None, description="Where the course is priced")
    sessions_planned: int = Field(ge=1, le=52)
    interval_days: int = Field(ge=1, le=365)
    maintenance_interval_days: int | None = Field(None, ge=1, le=730)


class PlanProgressRead(BaseModel):
    completed: int
    planned: int
    remaining: int
    maintenance_completed: int
    course_complete: bool


class CostEstimateRead(BaseModel):
    price_per_session: MoneyRead
    sessions_remaining: int
    remaining: MoneyRead
    course_total: MoneyRead


class TreatmentPlanRead(BaseModel):
    id: UUID
    patient_id: UUID
    indication: Indication
    treatment_type_id: UUID
    clinic_id: UUID | None
    sessions_planned: int
    interval_days: int
    maintenance_interval_days: int | None
    progress: PlanProgressRead
    next_session_due: date | None
    cost_estimate: CostEstimateRead | None = Field(
        None, description="Null when the plan names no clinic or the clinic has no price"
    )


# -- availability ------------------------------------------------------------------------------


class SlotRead(BaseModel):
    start: datetime
    end: datetime
    practitioner_id: UUID
    room_id: UUID


class Availability(BaseModel):
    clinic_id: UUID
    treatment_type_id: UUID
    timezone: str
    slots: list[SlotRead]


# -- appointments ------------------------------------------------------------------------------


class AppointmentCreate(Strict):
    clinic_id: UUID
    room_id: UUID
    practitioner_id: UUID
    patient_id: UUID
    treatment_type_id: UUID
    start: Instant = Field(description="RFC 3339 with offset, on the clinic's slot grid")
    end: Instant | None = Field(None, description="Default: start + the treatment's duration")
    treatment_plan_id: UUID | None = Field(
        None, description="Default: the patient's latest plan for this treatment type, if any"
    )
    notes: str | None = Field(None, max_length=2000)


class Reschedule(Strict):
    start: Instant
    end: Instant | None = None
    room_id: UUID | None = Field(None, description="Default: the same room")
    practitioner_id: UUID | None = Field(None, description="Default: the same practitioner")


class Cancel(Strict):
    reason: str = Field(min_length=1, max_length=500)


class Acknowledgement(Strict):
    reason: str = Field(min_length=3, max_length=1000)
    finding_codes: list[str] = Field(min_length=1, max_length=50)


class SessionStart(Strict):
    """What is planned to be injected; the formulary cross-checks it before anything goes ahead.

    The same body re-checks a changed plan while the session is in progress.
    """

    blend_id: UUID | None = None
    blend_version: Version | None = None
    ingredient_codes: list[str] | None = Field(None, min_length=1, max_length=50)
    lot_numbers: list[str] = Field(default_factory=list, max_length=50)
    areas: list[Area] | None = Field(None, description="Default: the treatment type's areas")
    acknowledgement: Acknowledgement | None = Field(
        None, description="Required when the cross-check answers `caution`"
    )


class PreparationIn(Strict):
    disinfection: str = Field(min_length=1, max_length=200)
    numbing_cream: Flag
    numbing_product: str | None = Field(None, max_length=200)


class IngredientAdministered(Strict):
    ingredient_code: str = Field(min_length=1, max_length=100)
    ingredient_name: Name
    lot_number: str = Field(min_length=1, max_length=100)
    amount: Decimal = Field(gt=0, max_digits=10, decimal_places=3)
    unit: str = Field(
        min_length=1,
        max_length=20,
        examples=["ml", "mg"],
        description="The ingredient's own unit in the formulary (amounts are never converted)",
    )


class SessionCompletion(Strict):
    preparation: PreparationIn | None = Field(
        None, description="Required for a treatment (an injection session)"
    )
    blend_id: UUID | None = None
    blend_version: Version | None = None
    blend_name: Name | None = None
    ingredients: list[IngredientAdministered] = Field(default_factory=list, max_length=50)
    areas: list[Area] | None = Field(None, description="Default: the treatment type's areas")
    technique: str | None = Field(None, max_length=200, examples=["nappage", "papule"])
    depth_mm: Decimal | None = Field(None, gt=0, le=20)
    injection_count: int | None = Field(None, ge=0, le=10000)
    immediate_reactions: list[str] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(None, max_length=4000)
    acknowledgement: Acknowledgement | None = Field(
        None,
        description="Required when what was administered includes a deviation (409 "
        "`unchecked-administration`): every deviation's finding code and the reason",
    )


class Finding(BaseModel):
    code: str
    ingredient: str | None = None
    reason: str
    severity: str
    certainty: str | None = None
    explanation: str | None = None


class DeviationRead(BaseModel):
    """Something administered outside a passing cross-check, as acknowledged at completion."""

    ingredient_code: str | None = Field(None, description="None: concerns the whole session")
    lot_numbers: list[str] = Field(default_factory=list)
    findings: list[Finding]


class SessionRecord(SessionCompletion):
    """What was administered, as recorded, with formulary's verdict on it."""

    cross_check_verdict: Literal["ok", "caution", "contraindicated", "unknown_patient"] | None = (
        Field(None, description="formulary's verdict on what was given; None if nothing was")
    )
    profile_version: int | None = None
    deviations: list[DeviationRead] = Field(default_factory=list)


class CrossCheckRead(BaseModel):
    verdict: Literal["ok", "caution"]
    profile_version: int
    findings: list[Finding] = Field(default_factory=list)
    blend_id: UUID | None = Field(None, description="What was cross-checked")
    blend_version: int | None = None
    ingredient_codes: list[str] | None = None
    lot_numbers: list[str] = Field(default_factory=list)
    areas: list[str] = Field(default_factory=list)
    checked_at: datetime | None = None
    checked_by: str | None = None
    acknowledgement: Acknowledgement | None = None


class AppointmentRead(BaseModel):
    id: UUID
    clinic_id: UUID
    room_id: UUID
    practitioner_id: UUID
    patient_id: UUID
    treatment_type_id: UUID
    treatment_plan_id: UUID | None
    kind: TreatmentKind
    indication: Indication
    status: Status
    allowed_actions: list[str]
    start: datetime
    end: datetime
    occupied_until: datetime = Field(description="end + the cleaning buffer")
    price: MoneyRead | None
    notes: str | None
    created_at: datetime
    created_by: str
    checked_in_at: datetime | None = None
    started_at: datetime | None = None
    started_by: str | None = None
    cross_check: CrossCheckRead | None = Field(
        None, description="The last passing cross-check: what may be injected now"
    )
    cross_checks: list[CrossCheckRead] = Field(
        default_factory=list, description="Every passing cross-check of the session, in order"
    )
    acknowledgement: Acknowledgement | None = None
    completed_at: datetime | None = None
    completed_by: str | None = None
    completion: SessionRecord | None = None
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None
    cancel_reason: str | None = None


# -- calendar feeds and the network's settings -------------------------------------------------

FeedLabel = Annotated[
    str,
    Field(min_length=1, max_length=100, description="What the feed is for, e.g. My phone"),
    NotBlank,
]


class CalendarFeedCreate(Strict):
    label: FeedLabel | None = None


class CalendarFeedRead(BaseModel):
    """A feed without its secret (which is shown once, when the feed is made)."""

    id: UUID
    practitioner_id: UUID | None = Field(description="Whose appointments (or clinic_id)")
    clinic_id: UUID | None
    label: str | None
    created_at: datetime
    created_by: str


class CalendarFeedCreated(CalendarFeedRead):
    url: str = Field(
        description=(
            "The feed's secret address (text/calendar, read without a token): shown only in "
            "this answer; whoever has it reads the calendar until the feed is revoked"
        )
    )


class CalendarSettingsSet(Strict):
    show_patient_names: Flag = Field(
        description="Calendar feeds name patients in full (true) or by their initials (false)"
    )


class CalendarSettingsRead(BaseModel):
    show_patient_names: bool
    updated_at: datetime | None
    updated_by: str | None


ClinicPage = Page[ClinicRead]
RoomPage = Page[RoomRead]
PractitionerPage = Page[PractitionerRead]
TreatmentTypePage = Page[TreatmentTypeRead]
PricePage = Page[PriceRead]
TreatmentPlanPage = Page[TreatmentPlanRead]
AppointmentPage = Page[AppointmentRead]
TimeOffPage = Page[TimeOffRead]
