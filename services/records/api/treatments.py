"""Treatment history (built from SessionCompleted) and adverse events."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from fastapi import APIRouter

from services.records import domain, repository
from services.records.api import views
from services.records.api.access import Chart
from services.records.domain import Permission
from services.records.schemas import (
    AdverseEventCreate,
    AdverseEventPage,
    AdverseEventRead,
    TreatmentPage,
)
from shared import idempotency, outbox
from shared.errors import Invalid
from shared.events.records import AdverseEventReported
from shared.idempotency import IdempotencyKey
from shared.pagination import Cursor, Limit, decode_cursor, encode_cursor, page_of
from shared.service import problem

router = APIRouter(tags=["treatment history", "adverse events"])
SOURCE = "mesocare/records"

NOT_FOUND = problem("No such patient in your network (the attempt is audited)")
FORBIDDEN = problem("Your role may not do this (the attempt is audited)")


def _after(cursor: str | None) -> tuple[datetime, UUID] | None:
    values = decode_cursor(cursor, 2)
    if values is None:
        return None
    try:
        return datetime.fromisoformat(values[0]), UUID(values[1])
    except ValueError as exc:
        raise Invalid("The cursor is not one this API issued.", field="cursor") from exc


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
    patient_id: UUID, chart: Chart, limit: Limit = 50, cursor: Cursor = None
) -> TreatmentPage:
    async with chart.open(patient_id, "treatments.read", Permission.READ_CLINICAL):
        rows = await repository.treatments_of(
            chart.tx,
            network_id=chart.who.network_id,
            patient_id=patient_id,
            limit=limit,
            after=_after(cursor),
        )
    items, next_cursor = page_of(
        rows, limit, lambda r: encode_cursor(r["completed_at"].isoformat(), r["id"])
    )
    return TreatmentPage(items=[views.treatment_read(r) for r in items], next_cursor=next_cursor)


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
    patient_id: UUID,
    body: AdverseEventCreate,
    chart: Chart,
    idempotency_key: IdempotencyKey = None,
) -> AdverseEventRead:
    who, tx = chart.who, chart.tx
    async with chart.open(
        patient_id, "adverse_event.report", Permission.REPORT_ADVERSE_EVENT
    ) as opened:
        opened.fields = sorted(body.model_fields_set)
        prior = await idempotency.replay_or_claim(
            tx,
            network_id=who.network_id,
            key=idempotency_key,
            method="POST",
            path=chart.request.url.path,
            body=body,
        )
        if prior is not None:
            return prior  # type: ignore[return-value]
        session = None
        if body.appointment_id is not None:
            session = await repository.session_facts(
                tx, network_id=who.network_id, appointment_id=body.appointment_id
            )
        links = domain.link_adverse_event(
            patient_id=patient_id,
            clinic_id=body.clinic_id,
            practitioner_id=body.practitioner_id,
            lot_numbers=body.lot_numbers,
            session=session,
        )
        chart.require_clinic(links.clinic_id)
        values = {
            "id": uuid4(),
            "network_id": who.network_id,
            "patient_id": patient_id,
            "kind": body.kind,
            "severity": body.severity,
            "onset_at": body.onset_at,
            "description": body.description,
            "appointment_id": body.appointment_id,
            "clinic_id": links.clinic_id,
            "practitioner_id": links.practitioner_id,
            "lot_numbers": list(links.lot_numbers),
            "reported_at": datetime.now(UTC),
            "reported_by": who.sub,
        }
        await repository.insert_adverse_event(tx, values)
        await outbox.add(
            tx,
            AdverseEventReported(
                network_id=who.network_id,
                adverse_event_id=values["id"],
                patient_id=patient_id,
                kind=body.kind,
                severity=body.severity,
                onset_at=body.onset_at,
                description=body.description,
                appointment_id=body.appointment_id,
                clinic_id=links.clinic_id,
                practitioner_id=links.practitioner_id,
                lot_numbers=list(links.lot_numbers),
                reported_by=who.sub,
            ),
            source=SOURCE,
        )
        created = views.adverse_event_read(values)
        await idempotency.remember(
            tx, network_id=who.network_id, key=idempotency_key, status_code=201, response=created
        )
    return created


@router.get(
    "/patients/{patient_id}/adverse-events",
    summary="Adverse events reported for a patient, newest first",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def list_adverse_events(
    patient_id: UUID, chart: Chart, limit: Limit = 50, cursor: Cursor = None
) -> AdverseEventPage:
    async with chart.open(patient_id, "adverse_events.read", Permission.READ_CLINICAL):
        rows = await repository.adverse_events_of(
            chart.tx,
            network_id=chart.who.network_id,
            patient_id=patient_id,
            limit=limit,
            after=_after(cursor),
        )
    items, next_cursor = page_of(
        rows, limit, lambda r: encode_cursor(r["reported_at"].isoformat(), r["id"])
    )
    return AdverseEventPage(
        items=[views.adverse_event_read(r) for r in items], next_cursor=next_cursor
    )
