"""The audit log of chart accesses, and the export of a whole chart."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Query

from services.records import repository
from services.records.api import views
from services.records.api.access import Chart
from services.records.domain import Permission
from services.records.schemas import AuditPage, ChartExport
from shared.errors import Invalid
from shared.pagination import Cursor, Limit, decode_cursor, encode_cursor, page_of
from shared.service import problem

router = APIRouter(tags=["audit and export"])

NOT_FOUND = problem("No such patient in your network (the attempt is audited)")
FORBIDDEN = problem("Your role may not do this (the attempt is audited)")

Outcome = Literal["ok", "denied", "not_found", "conflict", "invalid", "error"]


def _before(cursor: str | None) -> int | None:
    values = decode_cursor(cursor, 1)
    if values is None:
        return None
    if not re.fullmatch(r"[0-9]{1,18}", values[0]):
        raise Invalid("The cursor is not one this API issued.", field="cursor")
    return int(values[0])


async def _page(
    chart: Chart, patient_id: UUID | None, outcome: str | None, limit: int, cursor: str | None
) -> AuditPage:
    rows = await repository.audit_entries(
        chart.tx,
        network_id=chart.who.network_id,
        patient_id=patient_id,
        outcome=outcome,
        limit=limit,
        before_id=_before(cursor),
    )
    items, next_cursor = page_of(rows, limit, lambda r: encode_cursor(r["id"]))
    return AuditPage(items=[views.audit_read(r) for r in items], next_cursor=next_cursor)


@router.get(
    "/patients/{patient_id}/audit",
    summary="Who read or changed this chart, newest first (clinic managers, network admins)",
    description="Reading the audit log is itself audited.",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def patient_audit(
    patient_id: UUID,
    chart: Chart,
    outcome: Outcome | None = Query(None),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AuditPage:
    async with chart.open(patient_id, "audit.read", Permission.READ_AUDIT):
        return await _page(chart, patient_id, outcome, limit, cursor)


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
    chart: Chart,
    patient_id: UUID | None = Query(None),
    outcome: Outcome | None = Query(None),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AuditPage:
    async with chart.open(None, "audit.read", Permission.READ_AUDIT):
        return await _page(chart, patient_id, outcome, limit, cursor)


@router.get(
    "/patients/{patient_id}/export",
    summary="The whole chart as one JSON document",
    description=(
        "Patient, consent history, safety profile with every version, medical history, "
        "treatments and adverse events (`format: mesocare.chart.v1`; FHIR comes later)."
    ),
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def export_chart(patient_id: UUID, chart: Chart) -> ChartExport:
    tx, network_id = chart.tx, chart.who.network_id
    async with chart.open(patient_id, "chart.export", Permission.EXPORT) as opened:
        opened.fields = ["*"]
        consents = await repository.consents_of(tx, network_id=network_id, patient_id=patient_id)
        profile = await repository.get_profile(tx, network_id=network_id, patient_id=patient_id)
        versions = await repository.profile_versions(
            tx, network_id=network_id, patient_id=patient_id
        )
        history = await repository.get_medical_history(
            tx, network_id=network_id, patient_id=patient_id
        )
        treatments = await repository.treatments_of(
            tx, network_id=network_id, patient_id=patient_id
        )
        adverse = await repository.adverse_events_of(
            tx, network_id=network_id, patient_id=patient_id
        )
        document = ChartExport(
            exported_at=datetime.now(UTC),
            exported_by=chart.who.sub,
            patient=await views.patient_read(tx, opened.row),
            consent_history=[views.consent_read(c) for c in consents],
            safety_profile=views.profile_read(patient_id, profile or {}),
            safety_profile_history=versions,
            medical_history=views.history_read(patient_id, history),
            treatments=[views.treatment_read(r) for r in treatments],
            adverse_events=[views.adverse_event_read(r) for r in adverse],
        )
    return document
