"""Rows and events in, response models out: the shapes the API answers with."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.records import domain, repository
from services.records.schemas import (
    AdverseEventRead,
    AllergyRead,
    AuditEntryRead,
    ConditionRead,
    ConsentRead,
    MedicalHistoryRead,
    MedicationRead,
    PatientRead,
    SafetyProfileRead,
    TreatmentRead,
)
from shared import vocabulary
from shared.db import Transaction
from shared.events.records import PatientContact, PatientContactChanged, PatientRegistered

CONTACT_COLUMNS = (
    "given_name",
    "family_name",
    "email",
    "phone",
    "preferred_channel",
    "channel_opt_outs",
    "locale",
    "timezone",
    "quiet_hours_start",
    "quiet_hours_end",
)


def consent_read(entry: domain.ConsentEntry) -> ConsentRead:
    return ConsentRead(
        kind=entry.kind,  # type: ignore[arg-type]
        granted=entry.granted,
        wording_version=entry.wording_version,
        recorded_at=entry.recorded_at,
        recorded_by=entry.recorded_by,
    )


async def patient_read(tx: Transaction, row: dict[str, Any]) -> PatientRead:
    history = await repository.consents_of(tx, network_id=row["network_id"], patient_id=row["id"])
    current = domain.current_consents(history)
    return PatientRead(
        **{k: row[k] for k in PatientRead.model_fields if k in row},
        consents={kind: consent_read(e) for kind, e in current.items()},
        marketing_consent=domain.marketing_consent(history),
    )


def contact_of(row: dict[str, Any], marketing_consent: bool) -> domain.Contact:
    return domain.Contact(
        **{k: row[k] for k in CONTACT_COLUMNS if k != "channel_opt_outs"},
        channel_opt_outs=tuple(row["channel_opt_outs"]),
        marketing_consent=marketing_consent,
    )


def contact_event(
    event: type[PatientContact], row: dict[str, Any], marketing_consent: bool
) -> PatientContact:
    return event(
        network_id=row["network_id"],
        patient_id=row["id"],
        **{k: row[k] for k in CONTACT_COLUMNS},
        marketing_consent=marketing_consent,
    )


def registered(row: dict[str, Any], marketing_consent: bool) -> PatientContact:
    return contact_event(PatientRegistered, row, marketing_consent)


def contact_changed(row: dict[str, Any], marketing_consent: bool) -> PatientContact:
    return contact_event(PatientContactChanged, row, marketing_consent)


def profile_read(patient_id: UUID, row: dict[str, Any]) -> SafetyProfileRead:
    return SafetyProfileRead(
        patient_id=patient_id,
        version=row["version"],
        fitzpatrick_skin_type=row["fitzpatrick_skin_type"],
        allergies=[
            AllergyRead(
                **a,
                kind=vocabulary.allergen_kind(a["code"]) or "allergen_class",
                label=vocabulary.label(a["code"]) or a["code"],
            )
            for a in row["allergies"]
        ],
        conditions=[
            ConditionRead(**c, label=vocabulary.label(c["code"]) or c["code"])
            for c in row["conditions"]
        ],
        medications=[MedicationRead(**m) for m in row["medications"]],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )


def history_read(patient_id: UUID, row: dict[str, Any] | None) -> MedicalHistoryRead:
    if row is None:
        return MedicalHistoryRead(
            patient_id=patient_id,
            version=0,
            medical_history="",
            treatment_goals="",
            indications=[],
            areas=[],
            consultation_appointment_id=None,
            updated_at=None,
            updated_by=None,
        )
    return MedicalHistoryRead(**{k: row[k] for k in MedicalHistoryRead.model_fields})


def treatment_read(row: dict[str, Any]) -> TreatmentRead:
    return TreatmentRead(**{k: row[k] for k in TreatmentRead.model_fields})


def adverse_event_read(row: dict[str, Any]) -> AdverseEventRead:
    return AdverseEventRead(**{k: row[k] for k in AdverseEventRead.model_fields})


def audit_read(row: dict[str, Any]) -> AuditEntryRead:
    return AuditEntryRead(**{k: row[k] for k in AuditEntryRead.model_fields})
