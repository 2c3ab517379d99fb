"""Request and response models of the records API.

Field checks call the pure rules of `domain`, so a bad value is a 422 that names its field
(`email`, `allergies.0.code`, …). Request bodies are `shared.inputs.Strict` (unknown fields and
NUL characters refused); names, timezones and dates follow the shared rules too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from services.records import domain
from services.records.domain import Channel, ConsentKind
from shared.events.records import AdverseEventReported
from shared.inputs import Day, NotBlank, Strict, day_in_range, instant_in_range

MAX_VERSION = 2**31 - 1
AdverseEventKind = AdverseEventReported.model_fields["kind"].annotation  # the guide's list


def _latest_today(born: date) -> date:
    # It is already tomorrow somewhere (UTC+14): a baby born there today is not "future".
    return domain.check_date_of_birth(born, (datetime.now(UTC) + timedelta(hours=14)).date())


def _not_in_future(at: datetime) -> datetime:
    return domain.check_onset(at, datetime.now(UTC))


Name = Annotated[
    str, Field(min_length=1, max_length=100), NotBlank, AfterValidator(domain.check_name)
]
Email = Annotated[str, Field(max_length=254), AfterValidator(domain.normalize_email)]
Phone = Annotated[str, Field(max_length=32), AfterValidator(domain.normalize_phone)]
Timezone = Annotated[str, Field(max_length=64), AfterValidator(domain.check_timezone)]
Locale = Annotated[str, Field(max_length=10), AfterValidator(domain.check_locale)]
DateOfBirth = Annotated[date, AfterValidator(day_in_range), AfterValidator(_latest_today)]
SkinType = Annotated[
    int,
    BeforeValidator(domain.fitzpatrick),
    Field(description="Fitzpatrick skin type: 1-6, or the roman numerals I-VI"),
]
PastInstant = Annotated[datetime, AfterValidator(instant_in_range), AfterValidator(_not_in_future)]
Text = Annotated[str, Field(max_length=2000)]
Code = Annotated[str, Field(min_length=1, max_length=64)]
OptOuts = Annotated[list[Channel], AfterValidator(lambda v: list(domain.unique(v, "channel")))]


# ---------------------------------------------------------------------------------------------
# Consents


class ConsentCreate(Strict):
    """A consent given or withdrawn; withdrawal is a new entry with `granted: false`."""

    kind: ConsentKind
    granted: bool
    wording_version: str = Field(
        min_length=1, max_length=50, description="Version of the wording the patient saw"
    )
    recorded_at: PastInstant | None = Field(
        None, description="When the patient gave or withdrew it; default: now"
    )


class ConsentRead(BaseModel):
    kind: ConsentKind
    granted: bool
    wording_version: str
    recorded_at: datetime
    recorded_by: str


class ConsentPage(BaseModel):
    current: dict[str, ConsentRead]
    history: list[ConsentRead]


# ---------------------------------------------------------------------------------------------
# Allergies (on the safety profile, and declared by the patient at registration)


class AllergyIn(Strict):
    code: Annotated[Code, AfterValidator(domain.check_allergen_code)] = Field(
        description="An allergen class code or an ingredient code of shared/vocabulary.py"
    )
    reaction: Text | None = None
    severity: Literal["mild", "moderate", "severe", "anaphylaxis"] = "moderate"
    status: Literal["active", "resolved"] = "active"
    noted_on: Day | None = None


def _unique_codes(items: list[Any]) -> list[Any]:
    domain.unique([i.code for i in items], "code")
    return items


# ---------------------------------------------------------------------------------------------
# Patients


class PatientCreate(Strict):
    given_name: Name
    family_name: Name
    date_of_birth: DateOfBirth | None = None
    email: Email | None = None
    phone: Phone | None = Field(None, description="E.164, e.g. +33612345678")
    preferred_channel: Channel | None = Field(
        None, description="Default: email when there is an address, else sms"
    )
    channel_opt_outs: OptOuts = Field(default_factory=list)
    locale: Locale = "en"
    timezone: Timezone = "UTC"
    quiet_hours_start: time | None = None
    quiet_hours_end: time | None = None
    fitzpatrick_skin_type: SkinType | None = Field(
        None, description="Clinical: practitioners only. Also settable on the safety profile."
    )
    clinic_id: UUID | None = Field(None, description="The clinic registering the patient")
    consents: list[ConsentCreate] = Field(default_factory=list, max_length=10)
    declared_allergies: Annotated[list[AllergyIn], AfterValidator(_unique_codes)] = Field(
        default_factory=list,
        max_length=100,
        description=(
            "Allergies the patient declares at intake; any role that may register sends them. "
            "They are the allergies of safety profile version 1."
        ),
    )


class PatientUpdate(Strict):
    """Fields to change; a field sent as null is cleared (where it may be empty)."""

    given_name: Name | None = None
    family_name: Name | None = None
    date_of_birth: DateOfBirth | None = None
    email: Email | None = None
    phone: Phone | None = None
    preferred_channel: Channel | None = None
    channel_opt_outs: OptOuts | None = None
    locale: Locale | None = None
    timezone: Timezone | None = None
    quiet_hours_start: time | None = None
    quiet_hours_end: time | None = None
    expected_version: int | None = Field(
        None, ge=1, le=MAX_VERSION, description="Optional optimistic concurrency (or If-Match)"
    )


class PatientRead(BaseModel):
    id: UUID
    given_name: str
    family_name: str
    date_of_birth: date | None
    email: str | None
    phone: str | None
    preferred_channel: Channel
    channel_opt_outs: list[Channel]
    locale: str
    timezone: str
    quiet_hours_start: time | None
    quiet_hours_end: time | None
    fitzpatrick_skin_type: int | None
    clinics_visited: list[UUID]
    consents: dict[str, ConsentRead] = Field(description="The current consent of each kind")
    marketing_consent: bool
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


class PatientSummary(BaseModel):
    id: UUID
    given_name: str
    family_name: str
    date_of_birth: date | None
    email: str | None
    phone: str | None


class PatientPage(BaseModel):
    items: list[PatientSummary]
    next_cursor: str | None = None


# ---------------------------------------------------------------------------------------------
# Safety profile


class ConditionIn(Strict):
    code: Annotated[Code, AfterValidator(domain.check_condition_code)]
    note: Text | None = None
    since: Day | None = None


class MedicationIn(Strict):
    name: Annotated[
        str, Field(min_length=1, max_length=200), NotBlank, AfterValidator(domain.check_name)
    ]
    classes: Annotated[
        list[Annotated[Code, AfterValidator(domain.check_medication_class)]],
        AfterValidator(lambda v: list(domain.unique(v, "class"))),
    ] = Field(default_factory=list, description="e.g. anticoagulant, antiplatelet")
    dose: Annotated[str, Field(max_length=200)] | None = None


class SafetyProfileWrite(Strict):
    """The whole profile (a replacement): what is not listed is no longer on it."""

    fitzpatrick_skin_type: SkinType | None = None
    allergies: Annotated[list[AllergyIn], AfterValidator(_unique_codes)] = Field(
        default_factory=list, max_length=100
    )
    conditions: Annotated[list[ConditionIn], AfterValidator(_unique_codes)] = Field(
        default_factory=list, max_length=100
    )
    medications: list[MedicationIn] = Field(default_factory=list, max_length=100)
    expected_version: int | None = Field(
        None, ge=0, le=MAX_VERSION, description="The version you read (or send If-Match)"
    )


class AllergyRead(BaseModel):
    code: str
    kind: Literal["allergen_class", "ingredient"]
    label: str
    reaction: str | None
    severity: str
    status: str
    noted_on: date | None


class ConditionRead(BaseModel):
    code: str
    label: str
    note: str | None
    since: date | None


class MedicationRead(BaseModel):
    name: str
    classes: list[str]
    dose: str | None


class SafetyProfileRead(BaseModel):
    patient_id: UUID
    version: int
    fitzpatrick_skin_type: int | None
    allergies: list[AllergyRead]
    conditions: list[ConditionRead]
    medications: list[MedicationRead]
    updated_at: datetime
    updated_by: str


# ---------------------------------------------------------------------------------------------
# Medical history and treatment goals


class MedicalHistoryWrite(Strict):
    medical_history: str = Field("", max_length=20_000)
    treatment_goals: str = Field("", max_length=5_000)
    indications: Annotated[
        list[Annotated[Code, AfterValidator(domain.check_indication)]],
        AfterValidator(lambda v: list(domain.unique(v, "indication"))),
    ] = Field(default_factory=list)
    areas: Annotated[
        list[Annotated[Code, AfterValidator(domain.check_area)]],
        AfterValidator(lambda v: list(domain.unique(v, "area"))),
    ] = Field(default_factory=list)
    consultation_appointment_id: UUID | None = None
    expected_version: int | None = Field(None, ge=0, le=MAX_VERSION)


class MedicalHistoryRead(BaseModel):
    patient_id: UUID
    version: int
    medical_history: str
    treatment_goals: str
    indications: list[str]
    areas: list[str]
    consultation_appointment_id: UUID | None
    updated_at: datetime | None
    updated_by: str | None


# ---------------------------------------------------------------------------------------------
# Treatment history


class AdministeredIngredientRead(BaseModel):
    ingredient_code: str
    ingredient_name: str
    lot_number: str
    amount: Decimal
    unit: str


class DeviationFindingRead(BaseModel):
    code: str
    ingredient: str | None = None
    reason: str
    severity: str


class TreatmentDeviationRead(BaseModel):
    ingredient_code: str | None = None
    lot_numbers: list[str] = Field(default_factory=list)
    findings: list[DeviationFindingRead]


class TreatmentRead(BaseModel):
    id: UUID
    appointment_id: UUID
    clinic_id: UUID
    clinic_name: str
    practitioner_id: UUID
    practitioner_name: str
    treatment_name: str
    kind: str
    indication: str
    areas: list[str]
    blend_id: UUID | None
    blend_version: int | None
    blend_name: str | None
    ingredients: list[AdministeredIngredientRead]
    technique: str | None
    depth_mm: Decimal | None
    injection_count: int | None
    disinfection: str
    numbing_cream: bool
    numbing_product: str | None
    immediate_reactions: list[str]
    notes: str | None
    started_at: datetime
    completed_at: datetime
    completed_by: str
    next_session_due: date | None
    maintenance_due: date | None
    cross_check_verdict: str | None = Field(
        None, description="formulary's verdict on what was given; None when nothing was injected"
    )
    deviations: list[TreatmentDeviationRead] = Field(
        default_factory=list,
        description="What was injected outside a passing cross-check, acknowledged at completion",
    )
    deviation_reason: str | None = None


class TreatmentPage(BaseModel):
    items: list[TreatmentRead]
    next_cursor: str | None = None


# ---------------------------------------------------------------------------------------------
# Adverse events


class AdverseEventCreate(Strict):
    kind: AdverseEventKind  # type: ignore[valid-type]
    severity: Literal["mild", "moderate", "severe"]
    onset_at: PastInstant
    description: str = Field(min_length=1, max_length=5_000)
    appointment_id: UUID | None = Field(
        None, description="The session involved; clinic, practitioner and lots default to it"
    )
    clinic_id: UUID | None = None
    practitioner_id: UUID | None = None
    lot_numbers: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=64)]],
        AfterValidator(lambda v: list(domain.unique(v, "lot"))),
    ] = Field(default_factory=list, max_length=50)


class AdverseEventRead(BaseModel):
    id: UUID
    patient_id: UUID
    kind: str
    severity: str
    onset_at: datetime
    description: str
    appointment_id: UUID | None
    clinic_id: UUID | None
    practitioner_id: UUID | None
    lot_numbers: list[str]
    reported_at: datetime
    reported_by: str


class AdverseEventPage(BaseModel):
    items: list[AdverseEventRead]
    next_cursor: str | None = None


# ---------------------------------------------------------------------------------------------
# Audit and export


class AuditEntryRead(BaseModel):
    id: int
    patient_id: UUID | None
    actor_sub: str
    actor_roles: list[str]
    action: str
    fields: list[str]
    outcome: str
    request_id: str | None
    detail: str | None
    at: datetime


class AuditPage(BaseModel):
    items: list[AuditEntryRead]
    next_cursor: str | None = None


class ChartExport(BaseModel):
    """The whole chart as one document (a FHIR bundle comes later)."""

    format: Literal["mesocare.chart.v1"] = "mesocare.chart.v1"
    exported_at: datetime
    exported_by: str
    patient: PatientRead
    consent_history: list[ConsentRead]
    safety_profile: SafetyProfileRead
    safety_profile_history: list[dict[str, Any]]
    medical_history: MedicalHistoryRead
    treatments: list[TreatmentRead]
    adverse_events: list[AdverseEventRead]
