"""Walking skeleton of the event pipeline (kept for the platform tests; to be retired)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request

from services.booking import repository
from services.booking.api.access import Practitioner
from services.booking.schemas import SkeletonSessionCreate, SkeletonSessionRead
from shared import idempotency, outbox
from shared.auth import CurrentPrincipal
from shared.db import Tx
from shared.errors import NotFound
from shared.events.booking import ClinicRef, PractitionerRef, Preparation, SessionCompleted
from shared.idempotency import IdempotencyKey
from shared.service import problem

router = APIRouter()


@router.post(
    "/skeleton/completed-sessions",
    status_code=201,
    tags=["walking skeleton"],
    summary="Record a completed session and emit SessionCompleted (pipeline walking skeleton)",
    response_model=SkeletonSessionRead,
    responses={
        403: problem("Only practitioners complete sessions"),
        409: problem("Idempotency-Key reused with a different body"),
    },
)
async def record_completed_session(
    body: SkeletonSessionCreate,
    tx: Tx,
    who: Practitioner,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    prior = await idempotency.replay_or_claim(
        tx,
        network_id=who.network_id,
        key=idempotency_key,
        method="POST",
        path=request.url.path,
        body=body,
    )
    if prior is not None:
        return prior
    now = datetime.now(UTC)
    session_id = uuid4()
    await repository.insert_skeleton_session(
        tx,
        id=session_id,
        network_id=who.network_id,
        patient_id=body.patient_id,
        clinic_id=body.clinic_id,
        practitioner_id=body.practitioner_id,
        areas=body.areas,
        completed_at=now,
        completed_by=who.sub,
    )
    envelope = await outbox.add(
        tx,
        SessionCompleted(
            network_id=who.network_id,
            appointment_id=session_id,
            patient_id=body.patient_id,
            clinic=ClinicRef(clinic_id=body.clinic_id, name="Clinic", timezone="UTC"),
            practitioner=PractitionerRef(practitioner_id=body.practitioner_id, name=who.sub),
            room_id=body.clinic_id,
            treatment_type_id=session_id,
            treatment_name="Session",
            kind="treatment",
            indication="skin_rejuvenation",
            areas=body.areas,
            starts_at=now,
            ends_at=now,
            completed_at=now,
            completed_by=who.sub,
            preparation=Preparation(disinfection="chlorhexidine", numbing_cream=False),
        ),
        source="mesocare/booking",
    )
    created = SkeletonSessionRead(
        id=session_id,
        patient_id=body.patient_id,
        clinic_id=body.clinic_id,
        practitioner_id=body.practitioner_id,
        areas=body.areas,
        completed_at=now,
        completed_by=who.sub,
        event_id=envelope.id,
    )
    await idempotency.remember(
        tx, network_id=who.network_id, key=idempotency_key, status_code=201, response=created
    )
    return created


@router.get(
    "/skeleton/completed-sessions/{session_id}",
    tags=["walking skeleton"],
    summary="A completed session of the caller's network",
    responses={404: problem("No such session in your network")},
)
async def get_completed_session(
    session_id: UUID, tx: Tx, who: CurrentPrincipal
) -> SkeletonSessionRead:
    row = await repository.get_skeleton_session(tx, network_id=who.network_id, id=session_id)
    if row is None:
        raise NotFound(f"No completed session {session_id} in your network.")
    return SkeletonSessionRead(**{k: v for k, v in row.items() if k != "network_id"})
