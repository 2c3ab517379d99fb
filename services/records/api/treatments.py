"""Treatment history (built from SessionCompleted) and adverse events."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from services.records.api import views
from services.records.api.deps import ChartCaller
from services.records.schemas import (
    AdverseEventCreate,
    AdverseEventPage,
    AdverseEventRead,
    TreatmentPage,
)
from services.records.usecases import treatments
from shared.openapi import problem
from shared.pagination import Cursor, Limit
from shared.uow import IdempotentUoW, UnitOfWorkRoute, UoW

router = APIRouter(route_class=UnitOfWorkRoute, tags=["treatment history", "adverse events"])

NOT_FOUND = problem("No such patient in your network (the attempt is audited)")
FORBIDDEN = problem("Your role may not do this (the attempt is audited)")


@router.get(
    "/patients/{patient_id}/treatments",
    summary="Treatment history, newest first",
    description=(
        "One record per completed session (from booking's SessionCompleted): clinic, "
        "practitioner, areas, blend and version, each ingredient with lot and amount, "
        "technique, depth, numbing cream, immediate reactions."
    ),
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def list_treatments(
    patient_id: UUID, uow: UoW, caller: ChartCaller, limit: Limit = 50, cursor: Cursor = None
) -> TreatmentPage:
    found = await treatments.history(uow, caller, patient_id, limit=limit, cursor=cursor)
    return TreatmentPage(
        items=[views.treatment_read(t) for t in found.items], next_cursor=found.next_cursor
    )


@router.post(
    "/patients/{patient_id}/adverse-events",
    status_code=201,
    summary="Report an adverse event (practitioners)",
    description=(
        "Emits AdverseEventReported. When `appointment_id` names a session in the treatment "
        "history, clinic, practitioner and lots default to that session's."
    ),
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: problem("Idempotency-Key reused")},
)
async def report_adverse_event(
    patient_id: UUID, body: AdverseEventCreate, uow: IdempotentUoW, caller: ChartCaller
) -> AdverseEventRead:
    reported = await treatments.report_adverse_event(uow, caller, patient_id, body)
    return views.adverse_event_read(reported)


@router.get(
    "/patients/{patient_id}/adverse-events",
    summary="Adverse events reported for a patient, newest first",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def list_adverse_events(
    patient_id: UUID, uow: UoW, caller: ChartCaller, limit: Limit = 50, cursor: Cursor = None
) -> AdverseEventPage:
    found = await treatments.adverse_events(uow, caller, patient_id, limit=limit, cursor=cursor)
    return AdverseEventPage(
        items=[views.adverse_event_read(e) for e in found.items], next_cursor=found.next_cursor
    )
