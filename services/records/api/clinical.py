"""Clinical parts of the chart: the safety profile and the medical history with goals.

Both are written whole and compare-and-set on their version (If-Match), so two practitioners
cannot silently overwrite each other.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from services.records.api import views
from services.records.api.deps import ChartCaller
from services.records.api.versions import IfMatch, etag, stated_version
from services.records.schemas import (
    MedicalHistoryRead,
    MedicalHistoryWrite,
    SafetyProfileRead,
    SafetyProfileWrite,
)
from services.records.usecases import clinical
from shared.openapi import problem, rules
from shared.uow import UnitOfWorkRoute, UoW

router = APIRouter(route_class=UnitOfWorkRoute, tags=["clinical"])

NOT_FOUND = problem("No such patient in your network (the attempt is audited)")
FORBIDDEN = problem("Your role may not do this (the attempt is audited)")
STALE = problem("The version you sent is not the current one (`current_version`)")
IF_MATCH_REQUIRED = rules(
    "Send If-Match (or `expected_version`)",
    "A change names the version it changes: If-Match with the ETag read, or `expected_version`",
)


@router.get(
    "/patients/{patient_id}/safety-profile",
    summary="The safety profile: skin type, allergies, conditions, medications",
    description="The ETag header carries the version; send it back as If-Match to change it.",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def get_safety_profile(
    patient_id: UUID, uow: UoW, caller: ChartCaller, response: Response
) -> SafetyProfileRead:
    profile = views.profile_read(await clinical.safety_profile(uow, caller, patient_id))
    response.headers["ETag"] = etag(profile.version)
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
    uow: UoW,
    caller: ChartCaller,
    response: Response,
    if_match: str | None = IfMatch,
) -> SafetyProfileRead:
    stated = stated_version(if_match, body.expected_version)
    replaced = await clinical.replace_safety_profile(uow, caller, patient_id, body, stated)
    profile = views.profile_read(replaced)
    response.headers["ETag"] = etag(profile.version)
    return profile


@router.get(
    "/patients/{patient_id}/medical-history",
    summary="Medical history and treatment goals from the consultation",
    description="Version 0 (empty) until first written. The ETag header carries the version.",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def get_medical_history(
    patient_id: UUID, uow: UoW, caller: ChartCaller, response: Response
) -> MedicalHistoryRead:
    found = await clinical.medical_history(uow, caller, patient_id)
    history = views.history_read(patient_id, found)
    response.headers["ETag"] = etag(history.version)
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
    uow: UoW,
    caller: ChartCaller,
    response: Response,
    if_match: str | None = IfMatch,
) -> MedicalHistoryRead:
    stated = stated_version(if_match, body.expected_version)
    written = await clinical.write_medical_history(uow, caller, patient_id, body, stated)
    history = views.history_read(patient_id, written)
    response.headers["ETag"] = etag(history.version)
    return history
