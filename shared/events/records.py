"""Events produced by records: patients on `records.patients.v1` (keyed by patient id) and
adverse events on `records.adverse-events.v1` (keyed by patient id, so one patient's reports
stay in order)."""

from __future__ import annotations

from datetime import datetime, time
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.events.base import Event

PATIENTS_TOPIC = "records.patients.v1"
ADVERSE_EVENTS_TOPIC = "records.adverse-events.v1"


class PatientEvent(Event):
    topic: ClassVar[str] = PATIENTS_TOPIC
    key_field: ClassVar[str] = "patient_id"
    patient_id: UUID


class PatientContact(PatientEvent):
    """Contact data and messaging preferences, as notifications keeps them."""

    given_name: str
    family_name: str
    email: str | None = None
    phone: str | None = Field(None, description="E.164")
    preferred_channel: Literal["email", "sms"] = "email"
    channel_opt_outs: list[Literal["email", "sms"]] = Field(default_factory=list)
    marketing_consent: bool = False
    locale: str = "en"
    timezone: str = Field("UTC", description="IANA timezone of the patient")
    quiet_hours_start: time | None = None
    quiet_hours_end: time | None = None


class PatientRegistered(PatientContact):
    type: ClassVar[str] = "mesocare.records.PatientRegistered.v1"


class PatientContactChanged(PatientContact):
    type: ClassVar[str] = "mesocare.records.PatientContactChanged.v1"


class AllergyFact(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str = Field(description="An ingredient code or an allergen class code")
    reaction: str | None = None
    severity: Literal["mild", "moderate", "severe", "anaphylaxis"] = "moderate"
    status: Literal["active", "resolved"] = "active"


class MedicationFact(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    classes: list[str] = Field(default_factory=list, description="e.g. anticoagulant")


class PatientSafetyProfileChanged(PatientEvent):
    """The whole safety profile at `version`; a replica keeps only the highest version."""

    type: ClassVar[str] = "mesocare.records.PatientSafetyProfileChanged.v1"
    version: int
    fitzpatrick_skin_type: int | None = Field(None, ge=1, le=6)
    allergies: list[AllergyFact] = Field(default_factory=list)
    conditions: list[str] = Field(
        default_factory=list, description="e.g. active_skin_infection, pregnancy"
    )
    medications: list[MedicationFact] = Field(default_factory=list)


class AdverseEventReported(Event):
    type: ClassVar[str] = "mesocare.records.AdverseEventReported.v1"
    topic: ClassVar[str] = ADVERSE_EVENTS_TOPIC
    key_field: ClassVar[str] = "patient_id"

    adverse_event_id: UUID
    patient_id: UUID
    kind: Literal[
        "swelling",
        "redness",
        "bruising",
        "itching",
        "soreness",
        "allergic_reaction",
        "pigmentation_change",
        "infection",
        "nodule",
    ]
    severity: Literal["mild", "moderate", "severe"]
    onset_at: datetime
    description: str
    appointment_id: UUID | None = None
    clinic_id: UUID | None = None
    practitioner_id: UUID | None = None
    lot_numbers: list[str] = Field(default_factory=list)
    reported_by: str
