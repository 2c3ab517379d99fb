"""Records in, response models out: the shapes the API answers with."""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

from services.records.domain import ConsentEntry
from services.records.repository.audit import AuditEntry
from services.records.repository.clinical import MedicalHistory, SafetyProfile
from services.records.repository.treatments import AdverseEvent, Treatment
from services.records.schemas import (
    AdverseEventRead,
    AllergyRead,
    AuditEntryRead,
    AuditPage,
    ChartExport,
    ConditionRead,
    ConsentRead,
    MedicalHistoryRead,
    MedicationRead,
    PatientRead,
    SafetyProfileRead,
    TreatmentRead,
)
from services.records.usecases.audit import ExportedChart
from services.records.usecases.paging import Page
from services.records.usecases.patients import PatientDetails
from shared import vocabulary


def consent_read(entry: ConsentEntry) -> ConsentRead:
    return ConsentRead.model_validate(entry, from_attributes=True)


def patient_read(details: PatientDetails) -> PatientRead:
    return PatientRead.model_validate(
        asdict(details.patient)
        | {
            "consents": {k: consent_read(e) for k, e in details.consents.current.items()},
            "marketing_consent": details.consents.marketing_consent,
        }
    )


def profile_read(profile: SafetyProfile) -> SafetyProfileRead:
    return SafetyProfileRead(
        patient_id=profile.patient_id,
        version=profile.version,
        fitzpatrick_skin_type=profile.fitzpatrick_skin_type,
        allergies=[
            AllergyRead(
                **a,
                kind=vocabulary.allergen_kind(a["code"]) or "allergen_class",
                label=vocabulary.label(a["code"]) or a["code"],
            )
            for a in profile.allergies
        ],
        conditions=[
            ConditionRead(**c, label=vocabulary.label(c["code"]) or c["code"])
            for c in profile.conditions
        ],
        medications=[MedicationRead(**m) for m in profile.medications],
        updated_at=profile.updated_at,
        updated_by=profile.updated_by,
    )


def history_read(patient_id: UUID, history: MedicalHistory | None) -> MedicalHistoryRead:
    if history is None:
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
    return MedicalHistoryRead.model_validate(history, from_attributes=True)


def treatment_read(treatment: Treatment) -> TreatmentRead:
    return TreatmentRead.model_validate(treatment, from_attributes=True)


def adverse_event_read(event: AdverseEvent) -> AdverseEventRead:
    return AdverseEventRead.model_validate(event, from_attributes=True)


def audit_page(found: Page[AuditEntry]) -> AuditPage:
    return AuditPage(
        items=[AuditEntryRead.model_validate(e, from_attributes=True) for e in found.items],
        next_cursor=found.next_cursor,
    )


def chart_export(chart: ExportedChart) -> ChartExport:
    return ChartExport(
        exported_at=chart.exported_at,
        exported_by=chart.exported_by,
        patient=patient_read(chart.patient),
        consent_history=[consent_read(c) for c in chart.patient.consents.entries],
        safety_profile=profile_read(chart.safety_profile),
        safety_profile_history=[asdict(v) for v in chart.safety_profile_history],
        medical_history=history_read(chart.patient.patient.id, chart.medical_history),
        treatments=[treatment_read(t) for t in chart.treatments],
        adverse_events=[adverse_event_read(e) for e in chart.adverse_events],
    )
