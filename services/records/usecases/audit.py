"""The audit log of chart accesses, and the export of a whole chart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from services.records.policies import Permission
from services.records.repository import audit, clinical, treatments
from services.records.repository.audit import AuditEntry
from services.records.repository.clinical import MedicalHistory, ProfileVersion, SafetyProfile
from services.records.repository.treatments import AdverseEvent, Treatment
from services.records.usecases import paging
from services.records.usecases.access import Caller, open_chart
from services.records.usecases.paging import Page
from services.records.usecases.patients import PatientDetails, with_consents
from shared.pagination import encode_cursor
from shared.uow import UnitOfWork


async def _entries(
    uow: UnitOfWork,
    caller: Caller,
    patient_id: UUID | None,
    outcome: str | None,
    limit: int,
    cursor: str | None,
) -> Page[AuditEntry]:
    found = await audit.entries(
        uow.tx,
        network_id=caller.who.network_id,
        patient_id=patient_id,
        outcome=outcome,
        limit=limit,
        before_id=paging.before_id(cursor),
    )
    return paging.page(found, limit, lambda e: encode_cursor(e.id))


async def chart_audit(
    uow: UnitOfWork,
    caller: Caller,
    patient_id: UUID,
    *,
    outcome: str | None = None,
    limit: int,
    cursor: str | None = None,
) -> Page[AuditEntry]:
    """Who read or changed this chart, newest first (reading it is audited too)."""
    async with open_chart(uow, caller, "audit.read", Permission.READ_AUDIT, patient_id):
        return await _entries(uow, caller, patient_id, outcome, limit, cursor)


async def network_audit(
    uow: UnitOfWork,
    caller: Caller,
    *,
    patient_id: UUID | None = None,
    outcome: str | None = None,
    limit: int,
    cursor: str | None = None,
) -> Page[AuditEntry]:
    """The network's chart audit log, newest first, with attempts on unknown patient ids."""
    async with open_chart(uow, caller, "audit.read", Permission.READ_AUDIT):
        return await _entries(uow, caller, patient_id, outcome, limit, cursor)


@dataclass(frozen=True, slots=True)
class ExportedChart:
    """The whole chart as of one moment."""

    exported_at: datetime
    exported_by: str
    patient: PatientDetails
    safety_profile: SafetyProfile
    safety_profile_history: list[ProfileVersion]
    medical_history: MedicalHistory | None
    treatments: list[Treatment]
    adverse_events: list[AdverseEvent]


async def export_chart(uow: UnitOfWork, caller: Caller, patient_id: UUID) -> ExportedChart:
    """Patient, consents, every safety profile version, history, treatments, adverse events."""
    tx, network_id = uow.tx, caller.who.network_id
    async with open_chart(uow, caller, "chart.export", Permission.EXPORT, patient_id) as chart:
        chart.fields = ["*"]
        profile = await clinical.get_profile(tx, network_id=network_id, patient_id=patient_id)
        assert profile is not None  # written at registration
        return ExportedChart(
            exported_at=datetime.now(UTC),
            exported_by=caller.who.sub,
            patient=await with_consents(uow, chart.patient),
            safety_profile=profile,
            safety_profile_history=await clinical.profile_versions(
                tx, network_id=network_id, patient_id=patient_id
            ),
            medical_history=await clinical.get_medical_history(
                tx, network_id=network_id, patient_id=patient_id
            ),
            treatments=await treatments.treatments_of(
                tx, network_id=network_id, patient_id=patient_id
            ),
            adverse_events=await treatments.adverse_events_of(
                tx, network_id=network_id, patient_id=patient_id
            ),
        )
