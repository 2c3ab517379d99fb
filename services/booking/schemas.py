"""Request and response models of the booking API (`XCreate / XUpdate / XRead` families)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.booking.domain import Area, ExperienceTier, Indication, Status, TreatmentKind
from shared.pagination import Page


def text(default: Any = ...) -> Any:
    """A required (or defaulted) short text field."""
    return Field(default, min_length=1, max_length=200)


Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- clinics and rooms -------------------------------------------------------------------------


class ClinicCreate(Strict):
    name: str = text()
    address: str = Field(min_length=1, max_length=500)
    timezone: str = Field(description="IANA timezone, e.g. Europe/Paris", examples=["Europe/Paris"])
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217", examples=["EUR"])
    slot_grid_minutes: int = Field(15, ge=5, le=60, description="Appointments start every N min")
    phone: str | None = Field(None, max_length=40)
    email: Email | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA timezone such as Europe/Paris") from None
        return value


class ClinicUpdate(Strict):
    name: str | None = text(None)
    address: str | None = Field(None, min_length=1, max_length=500)
    slot_grid_minutes: int | None = Field(None, ge=5, le=60)
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
    name: str = text()


class RoomRead(BaseModel):
    id: UUID
    clinic_id: UUID
    name: str


# -- practitioners -----------------------------------------------------------------------------


class PractitionerCreate(Strict):
    name: str = text()
    email: Email | None = None
    phone: str | None = Field(None, max_length=40)
    licence_number: str = text()
    licence_expires_on: date
    clinic_ids: list[UUID] = Field(min_length=1)
    indications: list[Indication] = Field(min_length=1)
    experience_tier: ExperienceTier = ExperienceTier.junior


class PractitionerUpdate(Strict):
    name: str | None = text(None)
    email: Email | None = None
    phone: str | None = Field(None, max_length=40)
    licence_number: str | None = text(None)
    licence_expires_on: date | None = None
    clinic_ids: list[UUID] | None = Field(None, min_length=1)
    indications: list[Indication] | None = Field(None, min_length=1)
    experience_tier: ExperienceTier | None = None


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
    start: datetime
    end: datetime
    reason: str | None = Field(None, max_length=200)


class TimeOffRead(BaseModel):
    id: UUID
    practitioner_id: UUID
    start: datetime
    end: datetime
    reason: str | None


# -- treatment types and prices ----------------------------------------------------------------


class TreatmentTypeCreate(Strict):
    name: str = text()
    kind: TreatmentKind
    indication: Indication
    areas: list[Area] = Field(default_factory=list, max_length=10)
    duration_minutes: int | None = Field(
        None, description="Default: suggested from the kind and the size of the areas"
    )
    buffer_minutes: int | None = Field(
        None, description="Cleaning and disinfection after; default 15 (treatment) or 5"
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
    amount_minor: int = Field(gt=0, description="Integer minor units (cents)")
    currency: str = Field(pattern=r"^[A-Z]{3}$")


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
    start: datetime = Field(description="RFC 3339 with offset, on the clinic's slot grid")
    end: datetime | None = Field(None, description="Default: start + the treatment's duration")
    treatment_plan_id: UUID | None = Field(
        None, description="Default: the patient's latest plan for this treatment type, if any"
    )
    notes: str | None = Field(None, max_length=2000)


class Reschedule(Strict):
    start: datetime
    end: datetime | None = None
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
    blend_version: int | None = Field(None, ge=1)
    ingredient_codes: list[str] | None = Field(None, min_length=1, max_length=50)
    lot_numbers: list[str] = Field(default_factory=list, max_length=50)
    areas: list[Area] | None = Field(None, description="Default: the treatment type's areas")
    acknowledgement: Acknowledgement | None = Field(
        None, description="Required when the cross-check answers `caution`"
    )


class PreparationIn(Strict):
    disinfection: str = Field(min_length=1, max_length=200)
    numbing_cream: bool
    numbing_product: str | None = Field(None, max_length=200)


class IngredientAdministered(Strict):
    ingredient_code: str = Field(min_length=1, max_length=100)
    ingredient_name: str = text()
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
    blend_version: int | None = Field(None, ge=1)
    blend_name: str | None = Field(None, max_length=200)
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


ClinicPage = Page[ClinicRead]
RoomPage = Page[RoomRead]
PractitionerPage = Page[PractitionerRead]
TreatmentTypePage = Page[TreatmentTypeRead]
PricePage = Page[PriceRead]
TreatmentPlanPage = Page[TreatmentPlanRead]
AppointmentPage = Page[AppointmentRead]
TimeOffPage = Page[TimeOffRead]
