"""Events produced by booking, on `booking.appointments.v1`, keyed by appointment id."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import Event

TOPIC = "booking.appointments.v1"


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
    model_config = ConfigDict(frozen=True)
    code: str
    ingredient: str | None = None
    reason: str
    severity: str


class SessionStarted(AppointmentEvent):
    type: ClassVar[str] = "mesocare.booking.SessionStarted.v1"
    started_at: datetime
    started_by: str
    cross_check_verdict: Literal["ok", "caution"]
    profile_version: int
    blend_id: UUID | None = None
    blend_version: int | None = None
    acknowledged_findings: list[AcknowledgedFinding] = Field(default_factory=list)
    acknowledgement_reason: str | None = None


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


class SessionCompleted(AppointmentEvent):
    """A treatment was administered; triggers history, the lot ledger, aftercare and follow-ups."""

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
    next_session_due: date | None = None
    maintenance_due: date | None = None
