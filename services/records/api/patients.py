"""Patients: register, read, update, search; consents."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Header, Query, Response

from services.records.api import views
from services.records.api.deps import ChartCaller
from services.records.api.versions import etag, stated_version
from services.records.schemas import (
    ConsentCreate,
    ConsentPage,
    ConsentRead,
    PatientCreate,
    PatientPage,
    PatientRead,
    PatientSummary,
    PatientUpdate,
)
from services.records.usecases import patients
from shared.openapi import problem, rules
from shared.pagination import Cursor, Limit
from shared.uow import IdempotentUoW, UnitOfWorkRoute, UoW

router = APIRouter(route_class=UnitOfWorkRoute, tags=["patients"])

NOT_FOUND = problem("No such patient in your network (the attempt is audited)")
FORBIDDEN = problem("Your role may not do this (the attempt is audited)")


@router.post(
    "/patients",
    status_code=201,
    summary="Register a patient",
    description=(
        "Emits PatientRegistered and the first PatientSafetyProfileChanged (version 1). "
        "`fitzpatrick_skin_type` is clinical: only practitioners may set it. "
        "`declared_allergies` (the allergies the patient declares at intake) may be sent by "
        "any role that registers: they only make cross-checks stricter, and become the "
        "allergies of safety profile version 1. Changing or removing them later is the "
        "practitioners' safety-profile PUT."
    ),
    responses={
        403: FORBIDDEN,
        409: problem("Email or phone already used in your network (`existing_patient_id`)"),
    },
)
async def register_patient(
    body: PatientCreate, uow: IdempotentUoW, caller: ChartCaller, response: Response
) -> PatientRead:
    created = views.patient_read(await patients.register(uow, caller, body))
    response.headers["Location"] = f"/v1/patients/{created.id}"
    response.headers["ETag"] = etag(created.version)
    return created


@router.get(
    "/patients",
    summary="Search patients by name, email or phone (partial, case-insensitive)",
    description="Criteria combine with AND; `q` matches any of name, email and phone.",
    responses={
        403: FORBIDDEN,
        422: rules(
            "The request is not valid; `errors` names the fields",
            "At least one of q, name, email or phone",
            "Each criterion holds at least 2 characters (a phone at least 2 digits), no NUL",
        ),
    },
)
async def search_patients(
    uow: UoW,
    caller: ChartCaller,
    q: str | None = Query(None, max_length=200),
    name: str | None = Query(None, max_length=200),
    email: str | None = Query(None, max_length=254),
    phone: str | None = Query(None, max_length=32),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PatientPage:
    found = await patients.search(
        uow, caller, q=q, name=name, email=email, phone=phone, limit=limit, cursor=cursor
    )
    return PatientPage(
        items=[PatientSummary.model_validate(p, from_attributes=True) for p in found.items],
        next_cursor=found.next_cursor,
    )


@router.get(
    "/patients/{patient_id}",
    summary="A patient: contact, preferences, skin type, clinics visited, current consents",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def get_patient(
    patient_id: UUID, uow: UoW, caller: ChartCaller, response: Response
) -> PatientRead:
    patient = views.patient_read(await patients.read(uow, caller, patient_id))
    response.headers["ETag"] = etag(patient.version)
    return patient


@router.patch(
    "/patients/{patient_id}",
    summary="Change contact data and preferences",
    description=(
        "Send only the fields to change; null clears an optional field. Emits "
        "PatientContactChanged when contact or preferences change. If-Match (or "
        "`expected_version`) is optional here: when sent, a stale version is a 409."
    ),
    responses={
        403: FORBIDDEN,
        404: NOT_FOUND,
        409: problem("Email or phone already used, or a stale version"),
    },
)
async def update_patient(
    patient_id: UUID,
    body: PatientUpdate,
    uow: UoW,
    caller: ChartCaller,
    response: Response,
    if_match: str | None = Header(None, alias="If-Match"),
) -> PatientRead:
    stated = stated_version(if_match, body.expected_version)
    patient = views.patient_read(await patients.update(uow, caller, patient_id, body, stated))
    response.headers["ETag"] = etag(patient.version)
    return patient


@router.post(
    "/patients/{patient_id}/consents",
    status_code=201,
    summary="Record a consent given or withdrawn",
    description=(
        "Every entry is kept; a withdrawal is an entry with `granted: false`. A change of "
        "the marketing consent emits PatientContactChanged."
    ),
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: problem("Idempotency-Key reused")},
)
async def record_consent(
    patient_id: UUID, body: ConsentCreate, uow: IdempotentUoW, caller: ChartCaller
) -> ConsentRead:
    return views.consent_read(await patients.record_consent(uow, caller, patient_id, body))


@router.get(
    "/patients/{patient_id}/consents",
    summary="Current consents and their whole history (grants and withdrawals)",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def list_consents(patient_id: UUID, uow: UoW, caller: ChartCaller) -> ConsentPage:
    consents = await patients.consents(uow, caller, patient_id)
    return ConsentPage(
        current={kind: views.consent_read(e) for kind, e in consents.current.items()},
        history=[views.consent_read(e) for e in consents.entries],
    )
