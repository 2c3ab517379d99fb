"""Events produced by booking: an appointment's on `booking.appointments.v1`, keyed by
appointment id; a clinic's on `booking.clinics.v1`, keyed by clinic id."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import Event

TOPIC = "booking.appointments.v1"
CLINICS_TOPIC = "booking.clinics.v1"


class ClinicEvent(Event):
    """A clinic as it now is: what another service keeps to know the network's clinics.

    Every clinic event carries the whole clinic, so a consumer keeps the newest (`changed_at`)
    and never needs the ones before it.
    """

    topic: ClassVar[str] = CLINICS_TOPIC
    key_field: ClassVar[str] = "clinic_id"

    clinic_id: UUID
    name: str
    timezone: str = Field(description="IANA timezone of the clinic, e.g. Europe/Paris")
    currency: str = Field(description="ISO 4217, e.g. EUR")
    changed_at: datetime = Field(description="When booking wrote this state of the clinic")


class ClinicOpened(ClinicEvent):
    """A clinic was created in a network."""

    type: ClassVar[str] = "mesocare.booking.ClinicOpened.v1"


class ClinicChanged(ClinicEvent):
    """A clinic's name (or another field it carries) changed; the event states the clinic anew."""

    type: ClassVar[str] = "mesocare.booking.ClinicChanged.v1"


class ClinicRef(BaseModel):
    """The clinic an appointment is at, with what patients and staff alerts need to reach it."""

    model_config = ConfigDict(frozen=True)
    clinic_id: UUID
    name: str
    timezone: str = Field(description="IANA timezone of the clinic, e.g. Europe/Paris")
    phone: str | None = None
    email: str | None = None


class PractitionerRef(BaseModel):
    model_config = ConfigDict(frozen=True)
    practitioner_id: UUID
    name: str
    email: str | None = None
    phone: str | None = None


class AppointmentEvent(Event):
    """Facts every appointment event carries, so consumers never call back for basics."""

    topic: ClassVar[str] = TOPIC
    key_field: ClassVar[str] = "appointment_id"

    appointment_id: UUID
    patient_id: UUID
    clinic: ClinicRef
    practitioner: PractitionerRef
    room_id: UUID
    treatment_type_id: UUID
    treatment_name: str
    kind: Literal["consultation", "treatment", "follow_up"]
    indication: str
    areas: list[str] = Field(default_factory=list)
    starts_at: datetime
    ends_at: datetime


class AppointmentBooked(AppointmentEvent):
    type: ClassVar[str] = "mesocare.booking.AppointmentBooked.v1"


class AppointmentRescheduled(AppointmentEvent):
    type: ClassVar[str] = "mesocare.booking.AppointmentRescheduled.v1"
    previous_starts_at: datetime
    previous_ends_at: datetime


class AppointmentCancelled(AppointmentEvent):
    type: ClassVar[str] = "mesocare.booking.AppointmentCancelled.v1"
    reason: str
    cancelled_by: str


class AppointmentNoShow(AppointmentEvent):
    type: ClassVar[str] = "mesocare.booking.AppointmentNoShow.v1"


class AcknowledgedFinding(BaseModel):
    """One finding of formulary's cross-check, as an acknowledgement or a deviation names it."""

    model_config = ConfigDict(frozen=True)
    code: str
    ingredient: str | None = None
    reason: str
    severity: str = Field(description="caution or contraindicated")


class SessionChecked(AppointmentEvent):
    """What a passing cross-check covered: the plan the practitioner may now inject."""

    started_at: datetime
    started_by: str
    cross_check_verdict: Literal["ok", "caution"]
    profile_version: int
    blend_id: UUID | None = None
    blend_version: int | None = None
    ingredient_codes: list[str] = Field(
        default_factory=list, description="The ingredients named, when no blend was"
    )
    lot_numbers: list[str] = Field(default_factory=list)
    acknowledged_findings: list[AcknowledgedFinding] = Field(default_factory=list)
    acknowledgement_reason: str | None = None


class SessionStarted(SessionChecked):
    """The session began after a passing cross-check (or, injecting nothing, without one)."""

    type: ClassVar[str] = "mesocare.booking.SessionStarted.v1"


class SessionRechecked(SessionChecked):
    """The practitioner changed the plan during the session and it passed a new cross-check."""

    type: ClassVar[str] = "mesocare.booking.SessionRechecked.v1"
    checked_at: datetime
    checked_by: str


class AdministeredIngredient(BaseModel):
    """One ingredient as injected: which lot and how much."""

    model_config = ConfigDict(frozen=True)
    ingredient_code: str
    ingredient_name: str
    lot_number: str
    amount: Decimal
    unit: str


class Preparation(BaseModel):
    model_config = ConfigDict(frozen=True)
    disinfection: str = Field(description="How the area was cleaned and disinfected")
    numbing_cream: bool
    numbing_product: str | None = None


class Deviation(BaseModel):
    """Something administered that no passing cross-check covered, with what formulary found.

    `ingredient_code` is None for a finding about the whole session (a condition, say).
    """

    model_config = ConfigDict(frozen=True)
    ingredient_code: str | None = None
    lot_numbers: list[str] = Field(default_factory=list)
    findings: list[AcknowledgedFinding]


class PlanFacts(BaseModel):
    """The patient's treatment plan as agreed: the course and what follows it."""

    model_config = ConfigDict(frozen=True)
    treatment_plan_id: UUID
    treatment_type_id: UUID
    treatment_name: str
    indication: str
    sessions_planned: int
    interval_days: int
    maintenance_interval_days: int | None = None


CompletionVerdict = Literal["ok", "caution", "contraindicated", "unknown_patient"]


class SessionCompleted(AppointmentEvent):
    """A session was held: triggers history, the lot ledger, aftercare (when something was
    injected) or a consultation summary (when nothing was), and the follow-ups.

    `deviations` lists what was injected outside a passing cross-check; each was acknowledged by
    the practitioner with `deviation_reason`. A contraindicated deviation is a safety incident.
    """

    type: ClassVar[str] = "mesocare.booking.SessionCompleted.v1"
    completed_at: datetime
    completed_by: str
    preparation: Preparation
    blend_id: UUID | None = None
    blend_version: int | None = None
    blend_name: str | None = None
    ingredients: list[AdministeredIngredient] = Field(default_factory=list)
    technique: str | None = None
    depth_mm: Decimal | None = None
    injection_count: int | None = None
    immediate_reactions: list[str] = Field(default_factory=list)
    notes: str | None = None
    treatment_plan_id: UUID | None = None
    treatment_plan: PlanFacts | None = Field(
        None,
        description="The appointment's plan; for a consultation, the plan agreed for its "
        "indication, if any",
    )
    next_session_due: date | None = None
    maintenance_due: date | None = None
    cross_check_verdict: CompletionVerdict | None = Field(
        None,
        description="formulary's verdict on what was administered, asked at completion; "
        "None when nothing was injected",
    )
    profile_version: int | None = None
    deviations: list[Deviation] = Field(default_factory=list)
    deviation_reason: str | None = None

    @property
    def injected(self) -> bool:
        """Whether anything was injected (a consultation or follow-up may inject nothing)."""
        return bool(self.ingredients)

    @property
    def contraindicated_deviation(self) -> bool:
        return any(f.severity == "contraindicated" for d in self.deviations for f in d.findings)
