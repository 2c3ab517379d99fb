"""Clinical parts of the chart: the safety profile and the medical history with goals.

Both are written whole and compare-and-set on their version, so two practitioners cannot
silently overwrite each other.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from uuid import UUID

from services.records import domain
from services.records.domain import HistoryContent, ProfileContent, StatedVersion
from services.records.policies import Permission
from services.records.repository import clinical
from services.records.repository.clinical import MedicalHistory, SafetyProfile
from services.records.schemas import MedicalHistoryWrite, SafetyProfileWrite
from services.records.usecases import events
from services.records.usecases.access import Caller, open_chart
from shared.uow import UnitOfWork


async def _profile(uow: UnitOfWork, caller: Caller, patient_id: UUID) -> SafetyProfile:
    profile = await clinical.get_profile(
        uow.tx, network_id=caller.who.network_id, patient_id=patient_id
    )
    assert profile is not None  # written at registration
    return profile


async def safety_profile(uow: UnitOfWork, caller: Caller, patient_id: UUID) -> SafetyProfile:
    """The safety profile: skin type, allergies, conditions, medications."""
    async with open_chart(uow, caller, "safety_profile.read", Permission.READ_CLINICAL, patient_id):
        return await _profile(uow, caller, patient_id)


async def replace_safety_profile(
    uow: UnitOfWork,
    caller: Caller,
    patient_id: UUID,
    cmd: SafetyProfileWrite,
    stated: StatedVersion,
) -> SafetyProfile:
    """Replace the whole profile: a change is a new version, announced whole; no change, none."""
    who = caller.who
    async with open_chart(
        uow, caller, "safety_profile.write", Permission.WRITE_CLINICAL, patient_id
    ) as chart:
        expected = domain.based_on(stated)
        current = await _profile(uow, caller, patient_id)
        domain.check_expected_version(current.version, expected)
        content = ProfileContent(
            fitzpatrick_skin_type=cmd.fitzpatrick_skin_type,
            allergies=[a.model_dump(mode="json") for a in cmd.allergies],
            conditions=[c.model_dump(mode="json") for c in cmd.conditions],
            medications=[m.model_dump(mode="json") for m in cmd.medications],
        )
        chart.fields = domain.changed_fields(asdict(current.content), asdict(content))
        if chart.fields:
            version = await clinical.replace_profile(
                uow.tx,
                network_id=who.network_id,
                patient_id=patient_id,
                expected_version=expected,
                content=content,
                at=datetime.now(UTC),
                by=who.sub,
            )
            if version is None:  # another write committed between our read and update
                fresh = await _profile(uow, caller, patient_id)
                raise domain.stale_version(fresh.version, expected)
            uow.emit(events.profile_changed(who.network_id, patient_id, version, content))
        return await _profile(uow, caller, patient_id)


async def medical_history(
    uow: UnitOfWork, caller: Caller, patient_id: UUID
) -> MedicalHistory | None:
    """The medical history and treatment goals; None until first written."""
    async with open_chart(
        uow, caller, "medical_history.read", Permission.READ_CLINICAL, patient_id
    ):
        return await clinical.get_medical_history(
            uow.tx, network_id=caller.who.network_id, patient_id=patient_id
        )


async def write_medical_history(
    uow: UnitOfWork,
    caller: Caller,
    patient_id: UUID,
    cmd: MedicalHistoryWrite,
    stated: StatedVersion,
) -> MedicalHistory | None:
    """Write the medical history and goals whole; version 0 is the one before the first."""
    who = caller.who
    async with open_chart(
        uow, caller, "medical_history.write", Permission.WRITE_CLINICAL, patient_id
    ) as chart:
        expected = domain.based_on(stated)
        current = await clinical.get_medical_history(
            uow.tx, network_id=who.network_id, patient_id=patient_id
        )
        domain.check_expected_version(current.version if current else 0, expected)
        content = HistoryContent(
            medical_history=cmd.medical_history,
            treatment_goals=cmd.treatment_goals,
            indications=cmd.indications,
            areas=cmd.areas,
            consultation_appointment_id=cmd.consultation_appointment_id,
        )
        # Before the first write every field is unset, so the first write lists what it sets.
        before = asdict(current.content) if current else {}
        chart.fields = domain.changed_fields(before, asdict(content))
        if chart.fields:
            version = await clinical.put_medical_history(
                uow.tx,
                network_id=who.network_id,
                patient_id=patient_id,
                expected_version=expected,
                content=content,
                at=datetime.now(UTC),
                by=who.sub,
            )
            if version is None:  # another write committed between our read and update
                fresh = await clinical.get_medical_history(
                    uow.tx, network_id=who.network_id, patient_id=patient_id
                )
                raise domain.stale_version(fresh.version if fresh else 0, expected)
        return await clinical.get_medical_history(
            uow.tx, network_id=who.network_id, patient_id=patient_id
        )
