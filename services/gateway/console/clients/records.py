"""What the console reads from records and sends to it: patients, their contact details and
safety profile, their history, treatments, adverse events and audit trail."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from uuid import UUID

from services.gateway.console.clients.calls import Answer, Body, Caller, Items
from services.gateway.console.clients.model import Model
from services.gateway.console.clients.safety import Deviation

SERVICE = "records"


class PatientSummary(Model):
    id: str
    given_name: str
    family_name: str
    date_of_birth: str | None = None
    email: str | None = None
    phone: str | None = None

    @property
    def name(self) -> str:
        """ "Family, Given", as lists show a patient."""
        return f"{self.family_name}, {self.given_name}"


class Consent(Model):
    granted: bool
    recorded_at: str


class Patient(PatientSummary):
    preferred_channel: str | None = None
    channel_opt_outs: list[str] = []
    locale: str = ""
    timezone: str = ""
    quiet_hours_start: str | None = None
    quiet_hours_end: str | None = None
    clinics_visited: list[str] = []
    consents: dict[str, Consent] = {}
    version: int


class Allergy(Model):
    code: str
    label: str | None = None
    reaction: str | None = None
    severity: str = ""
    status: str = ""
    noted_on: str | None = None


class Condition(Model):
    code: str
    label: str | None = None
    note: str | None = None
    since: str | None = None


class Medication(Model):
    name: str
    classes: list[str] = []
    dose: str | None = None


class SafetyProfile(Model):
    version: int
    fitzpatrick_skin_type: int | None = None
    allergies: list[Allergy] = []
    conditions: list[Condition] = []
    medications: list[Medication] = []


class MedicalHistory(Model):
    version: int | None = None
    medical_history: str | None = None
    treatment_goals: str | None = None
    indications: list[str] = []
    areas: list[str] = []


class GivenIngredient(Model):
    ingredient_code: str
    ingredient_name: str
    lot_number: str
    amount: str
    unit: str


class Treatment(Model):
    """A completed session in the patient's history."""

    appointment_id: str | None = None
    clinic_id: str
    clinic_name: str
    practitioner_name: str
    treatment_name: str
    areas: list[str] = []
    blend_name: str | None = None
    ingredients: list[GivenIngredient] = []
    completed_at: str
    deviations: list[Deviation] = []
    deviation_reason: str | None = None


class AdverseEvent(Model):
    appointment_id: str | None = None
    """The session involved, when the report named one."""
    clinic_id: str | None = None
    kind: str
    severity: str
    onset_at: str
    description: str
    lot_numbers: list[str] = []


class NewAdverseEvent(Body):
    """An adverse event reported: from a session, with the session's clinic, practitioner and
    lots (a field left None is not sent)."""

    kind: str
    severity: str
    onset_at: str
    """A time with its offset."""
    description: str
    appointment_id: str | None = None
    clinic_id: str | None = None
    practitioner_id: str | None = None
    lot_numbers: list[str] = []


class AuditEntry(Model):
    actor_sub: str
    actor_roles: list[str] = []
    action: str
    fields: list[str] = []
    outcome: str
    at: str


class ConsentGiven(Model):
    kind: str
    granted: bool
    wording_version: str


class DeclaredAllergy(Model):
    code: str
    reaction: str | None
    severity: str


class RecordedAllergy(DeclaredAllergy):
    status: str
    noted_on: str | None


class RecordedCondition(Model):
    code: str
    note: str | None
    since: str | None


class RecordedMedication(Model):
    name: str
    classes: list[str]
    dose: str | None


class Contact(Model):
    """A patient's name, birth date, contact details and preferences, as a form gave them (a
    field left empty is None)."""

    given_name: str | None
    family_name: str | None
    email: str | None
    phone: str | None
    preferred_channel: str | None
    date_of_birth: str | None
    locale: str
    timezone: str | None
    quiet_hours_start: str | None
    quiet_hours_end: str | None


class Registration(Body):
    """A new patient: what a field left empty is not sent, so records' defaults apply."""

    contact: Contact
    consents: list[ConsentGiven]
    declared_allergies: list[DeclaredAllergy]
    clinic_id: str

    def as_json(self) -> object:
        given = {k: v for k, v in self.contact.model_dump(mode="json").items() if v is not None}
        return {
            **given,
            "consents": [c.model_dump(mode="json") for c in self.consents],
            "declared_allergies": [a.model_dump(mode="json") for a in self.declared_allergies],
            "clinic_id": self.clinic_id,
        }


class ContactChange(Body):
    """New contact details: an empty field clears it (sent as null), except the channel, which
    is left as it is; compare-and-set on the version the form was opened at."""

    contact: Contact
    expected_version: int | None

    def as_json(self) -> object:
        body = self.contact.model_dump(mode="json")
        if not body["preferred_channel"]:
            body.pop("preferred_channel")
        if self.expected_version is not None:
            body["expected_version"] = self.expected_version
        return body


class SafetyProfileChange(Body):
    """The whole safety profile, compare-and-set on the version the form was opened at."""

    fitzpatrick_skin_type: int | None
    allergies: list[RecordedAllergy]
    conditions: list[RecordedCondition]
    medications: list[RecordedMedication]
    expected_version: int | None

    def as_json(self) -> object:
        return self.model_dump(mode="json")


class MedicalHistoryChange(Body):
    """The whole medical history and goals, as the consultation agreed them; compare-and-set on
    the version the form was opened at (0 before the first)."""

    medical_history: str
    treatment_goals: str
    indications: list[str]
    areas: list[str]
    consultation_appointment_id: str | None
    expected_version: int | None


async def patient(calls: Caller, patient_id: UUID | str) -> Answer[Patient | None]:
    return await calls.read(SERVICE, f"/v1/patients/{patient_id}", Patient)


async def search(
    calls: Caller, text: str, *, limit: int, cursor: str | None = None
) -> Answer[Items[PatientSummary]]:
    """A page of the patients matching part of a name, an email or a phone number."""
    return await calls.read_page(
        SERVICE, "/v1/patients", PatientSummary, {"q": text, "limit": limit, "cursor": cursor}
    )


async def names(calls: Caller, patient_ids: Iterable[str]) -> dict[str, str]:
    """Each patient's "Family, Given" (one audited read per patient); a patient records does
    not show is left out."""
    answers = await asyncio.gather(*(patient(calls, i) for i in sorted(set(patient_ids))))
    return {a.value.id: a.value.name for a in answers if a.value is not None}


async def safety_profile(calls: Caller, patient_id: str) -> Answer[SafetyProfile | None]:
    return await calls.read(SERVICE, f"/v1/patients/{patient_id}/safety-profile", SafetyProfile)


async def medical_history(calls: Caller, patient_id: str) -> Answer[MedicalHistory | None]:
    return await calls.read(SERVICE, f"/v1/patients/{patient_id}/medical-history", MedicalHistory)


async def treatments(calls: Caller, patient_id: str) -> Answer[Items[Treatment]]:
    """Every completed session of the patient."""
    return await calls.read_all(SERVICE, f"/v1/patients/{patient_id}/treatments", Treatment)


async def adverse_events(calls: Caller, patient_id: str) -> Answer[Items[AdverseEvent]]:
    """Every adverse event reported for the patient, newest first."""
    return await calls.read_all(SERVICE, f"/v1/patients/{patient_id}/adverse-events", AdverseEvent)


async def report_adverse_event(
    calls: Caller, patient_id: str, event: NewAdverseEvent, *, idempotency_key: str
) -> Answer[str | None]:
    """Report an adverse event once (the form's idempotency key); the answer is its id."""
    return await calls.create(
        SERVICE,
        f"/v1/patients/{patient_id}/adverse-events",
        event,
        idempotency_key=idempotency_key,
    )


async def audit(
    calls: Caller, patient_id: str, *, limit: int, cursor: str | None
) -> Answer[Items[AuditEntry]]:
    """A page of the chart's audit trail, newest first."""
    return await calls.read_page(
        SERVICE,
        f"/v1/patients/{patient_id}/audit",
        AuditEntry,
        {"limit": limit, "cursor": cursor},
    )


async def register(
    calls: Caller, registration: Registration, *, idempotency_key: str
) -> Answer[str | None]:
    """Register a patient; the answer is their id."""
    return await calls.create(
        SERVICE, "/v1/patients", registration, idempotency_key=idempotency_key
    )


async def change_contact(calls: Caller, patient_id: str, change: ContactChange) -> Answer[None]:
    return await calls.send(SERVICE, "PATCH", f"/v1/patients/{patient_id}", change)


async def change_safety_profile(
    calls: Caller, patient_id: str, profile: SafetyProfileChange
) -> Answer[None]:
    return await calls.send(SERVICE, "PUT", f"/v1/patients/{patient_id}/safety-profile", profile)


async def change_medical_history(
    calls: Caller, patient_id: str, history: MedicalHistoryChange
) -> Answer[None]:
    return await calls.send(SERVICE, "PUT", f"/v1/patients/{patient_id}/medical-history", history)
