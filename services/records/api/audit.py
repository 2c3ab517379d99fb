"""The audit log of chart accesses, and the export of a whole chart."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Query

from services.records.api import views
from services.records.api.deps import ChartCaller
from services.records.schemas import AuditPage, ChartExport
from services.records.usecases import audit
from shared.openapi import problem
from shared.pagination import Cursor, Limit
from shared.uow import UnitOfWorkRoute, UoW

router = APIRouter(route_class=UnitOfWorkRoute, tags=["audit and export"])

NOT_FOUND = problem("No such patient in your network (the attempt is audited)")
FORBIDDEN = problem("Your role may not do this (the attempt is audited)")

Outcome = Literal["ok", "denied", "not_found", "conflict", "invalid", "error"]


@router.get(
    "/patients/{patient_id}/audit",
    summary="Who read or changed this chart, newest first (clinic managers, network admins)",
    description="Reading the audit log is itself audited.",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def patient_audit(
    patient_id: UUID,
    uow: UoW,
    caller: ChartCaller,
    outcome: Outcome | None = Query(None),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AuditPage:
    found = await audit.chart_audit(
        uow, caller, patient_id, outcome=outcome, limit=limit, cursor=cursor
    )
    return views.audit_page(found)


@router.get(
    "/audit",
    summary="The network's chart audit log, newest first (clinic managers, network admins)",
    description=(
        "Includes refused attempts on patient ids outside your network (`outcome=not_found`), "
        "which have no chart to list them under."
    ),
    responses={403: FORBIDDEN},
)
async def network_audit(
    uow: UoW,
    caller: ChartCaller,
    patient_id: UUID | None = Query(None),
    outcome: Outcome | None = Query(None),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AuditPage:
    found = await audit.network_audit(
        uow, caller, patient_id=patient_id, outcome=outcome, limit=limit, cursor=cursor
    )
    return views.audit_page(found)


@router.get(
    "/patients/{patient_id}/export",
    summary="The whole chart as one JSON document",
    description=(
        "Patient, consent history, safety profile with every version, medical history, "
        "treatments and adverse events (`format: mesocare.chart.v1`; FHIR comes later)."
    ),
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def export_chart(patient_id: UUID, uow: UoW, caller: ChartCaller) -> ChartExport:
    return views.chart_export(await audit.export_chart(uow, caller, patient_id))
