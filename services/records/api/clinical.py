"""Clinical parts of the chart: the safety profile and the medical history with goals.

Both are written whole and compare-and-set on their version (If-Match), so two practitioners
cannot silently overwrite each other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, Header, Response

from services.records import domain, repository
from services.records.api import views
from services.records.api.access import Chart
from services.records.domain import Permission
from services.records.schemas import (
    MedicalHistoryRead,
    MedicalHistoryWrite,
    SafetyProfileRead,
    SafetyProfileWrite,
)
from shared import outbox
from shared.events.records import PatientSafetyProfileChanged
from shared.service import problem

router = APIRouter(tags=["clinical"])
SOURCE = "mesocare/records"

NOT_FOUND = problem("No such patient in your network (the attempt is audited)")
FORBIDDEN = problem("Your role may not do this (the attempt is audited)")
STALE = problem("The version you sent is not the current one (`current_version`)")
IF_MATCH_REQUIRED = problem("Send If-Match (or `expected_version`)")

IfMatch = Header(None, alias="If-Match", description='The ETag of the version you read, e.g. "3"')


@router.get(
    "/patients/{patient_id}/safety-profile",
    summary="The safety profile: skin type, allergies, conditions, medications",
    description="The ETag header carries the version; send it back as If-Match to change it.",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def get_safety_profile(
    patient_id: UUID, chart: Chart, response: Response
) -> SafetyProfileRead:
    async with chart.open(patient_id, "safety_profile.read", Permission.READ_CLINICAL):
        row = await repository.get_profile(
            chart.tx, network_id=chart.who.network_id, patient_id=patient_id
        )
    profile = views.profile_read(patient_id, row or {})
    response.headers["ETag"] = domain.etag(profile.version)
    return profile


@router.put(
    "/patients/{patient_id}/safety-profile",
    summary="Replace the safety profile (practitioners)",
    description=(
        "The whole profile: what is not listed is no longer on it. A change bumps the "
        "version and emits PatientSafetyProfileChanged with the whole profile; a write "
        "that changes nothing keeps the version and emits nothing."
    ),
    responses={
        403: FORBIDDEN,
        404: NOT_FOUND,
        409: STALE,
        428: IF_MATCH_REQUIRED,
    },
)
async def put_safety_profile(
    patient_id: UUID,
    body: SafetyProfileWrite,
    chart: Chart,
    response: Response,
    if_match: str | None = IfMatch,
) -> SafetyProfileRead:
    who, tx = chart.who, chart.tx
    async with chart.open(patient_id, "safety_profile.write", Permission.WRITE_CLINICAL) as opened:
        expected = domain.parse_if_match(if_match, body.expected_version)
        current = await repository.get_profile(tx, network_id=who.network_id, patient_id=patient_id)
        assert current is not None  # written at registration
        domain.check_expected_version(current["version"], expected)
        content = body.model_dump(mode="json", exclude={"expected_version"})
        changes = domain.changed_fields(current, content)
        opened.fields = changes
        if changes:
            version = await repository.replace_profile(
                tx,
                network_id=who.network_id,
                patient_id=patient_id,
                expected_version=expected,
                content=content,
                at=datetime.now(UTC),
                by=who.sub,
            )
            if version is None:  # another write committed between our read and update
                fresh = await repository.get_profile(
                    tx, network_id=who.network_id, patient_id=patient_id
                )
                domain.check_expected_version(fresh["version"] if fresh else 0, expected)
            await outbox.add(
                tx,
                PatientSafetyProfileChanged(
                    network_id=who.network_id,
                    patient_id=patient_id,
                    version=version,
                    **domain.profile_facts(content),
                ),
                source=SOURCE,
            )
        row = await repository.get_profile(tx, network_id=who.network_id, patient_id=patient_id)
    profile = views.profile_read(patient_id, row or {})
    response.headers["ETag"] = domain.etag(profile.version)
    return profile


@router.get(
    "/patients/{patient_id}/medical-history",
    summary="Medical history and treatment goals from the consultation",
    description="Version 0 (empty) until first written. The ETag header carries the version.",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def get_medical_history(
    patient_id: UUID, chart: Chart, response: Response
) -> MedicalHistoryRead:
    async with chart.open(patient_id, "medical_history.read", Permission.READ_CLINICAL):
        row = await repository.get_medical_history(
            chart.tx, network_id=chart.who.network_id, patient_id=patient_id
        )
    history = views.history_read(patient_id, row)
    response.headers["ETag"] = domain.etag(history.version)
    return history


@router.put(
    "/patients/{patient_id}/medical-history",
    summary="Write the medical history and treatment goals (practitioners)",
    description='Free text plus structured indications and areas; If-Match "0" for the first.',
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: STALE, 428: IF_MATCH_REQUIRED},
)
async def put_medical_history(
    patient_id: UUID,
    body: MedicalHistoryWrite,
    chart: Chart,
    response: Response,
    if_match: str | None = IfMatch,
) -> MedicalHistoryRead:
    who, tx = chart.who, chart.tx
    async with chart.open(patient_id, "medical_history.write", Permission.WRITE_CLINICAL) as opened:
        expected = domain.parse_if_match(if_match, body.expected_version)
        current = await repository.get_medical_history(
            tx, network_id=who.network_id, patient_id=patient_id
        )
        domain.check_expected_version(current["version"] if current else 0, expected)
        content = body.model_dump(exclude={"expected_version"})
        changes = domain.changed_fields(current or {}, content)
        opened.fields = changes
        if changes:
            version = await repository.put_medical_history(
                tx,
                network_id=who.network_id,
                patient_id=patient_id,
                expected_version=expected,
                content=content,
                at=datetime.now(UTC),
                by=who.sub,
            )
            if version is None:
                fresh = await repository.get_medical_history(
                    tx, network_id=who.network_id, patient_id=patient_id
                )
                domain.check_expected_version(fresh["version"] if fresh else 0, expected)
        row = await repository.get_medical_history(
            tx, network_id=who.network_id, patient_id=patient_id
        )
    history = views.history_read(patient_id, row)
    response.headers["ETag"] = domain.etag(history.version)
    return history
