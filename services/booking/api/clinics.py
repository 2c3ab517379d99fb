"""Clinics and their rooms."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request, Response

from services.booking import repository
from services.booking.api import views
from services.booking.api.access import Editor, Reader, require_clinic
from services.booking.api.paging import cursor_uuid
from services.booking.schemas import (
    ClinicCreate,
    ClinicPage,
    ClinicRead,
    ClinicUpdate,
    RoomCreate,
    RoomRead,
)
from shared import idempotency
from shared.db import Tx
from shared.errors import Conflict, NotFound
from shared.idempotency import IdempotencyKey
from shared.pagination import Cursor, Limit, decode_cursor, encode_cursor, page_of
from shared.service import problem

router = APIRouter(tags=["clinics"])

NOT_FOUND = problem("No such clinic in your network")
FORBIDDEN = problem("Your role or clinic scope does not allow this")


async def clinic_or_404(tx: Tx, network_id: UUID, clinic_id: UUID) -> dict[str, Any]:
    row = await repository.get_clinic(tx, network_id=network_id, id=clinic_id)
    if row is None:
        raise NotFound(f"No clinic {clinic_id} in your network.")
    return row


@router.post(
    "/clinics",
    status_code=201,
    summary="Create a clinic",
    responses={403: FORBIDDEN, 409: problem("Idempotency-Key reused with another body")},
)
async def create_clinic(
    body: ClinicCreate,
    tx: Tx,
    who: Editor,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ClinicRead:
    prior = await idempotency.replay_or_claim(
        tx,
        network_id=who.network_id,
        key=idempotency_key,
        method="POST",
        path=request.url.path,
        body=body,
    )
    if prior is not None:
        return prior  # type: ignore[return-value]
    clinic_id = uuid4()
    await repository.insert_clinic(
        tx, network_id=who.network_id, id=clinic_id, **body.model_dump(mode="json")
    )
    created = views.clinic(await clinic_or_404(tx, who.network_id, clinic_id))
    await idempotency.remember(
        tx, network_id=who.network_id, key=idempotency_key, status_code=201, response=created
    )
    response.headers["Location"] = f"/v1/clinics/{clinic_id}"
    return created


@router.get("/clinics", summary="The network's clinics, by name")
async def list_clinics(tx: Tx, who: Reader, limit: Limit = 50, cursor: Cursor = None) -> ClinicPage:
    after = decode_cursor(cursor, 2)
    rows = await repository.list_clinics(
        tx,
        network_id=who.network_id,
        limit=limit,
        after=(after[0], cursor_uuid(after[1])) if after else None,
    )
    page, next_cursor = page_of(rows, limit, lambda r: encode_cursor(r["name"], r["id"]))
    return ClinicPage(items=[views.clinic(r) for r in page], next_cursor=next_cursor)


@router.get("/clinics/{clinic_id}", summary="A clinic", responses={404: NOT_FOUND})
async def get_clinic(clinic_id: UUID, tx: Tx, who: Reader) -> ClinicRead:
    return views.clinic(await clinic_or_404(tx, who.network_id, clinic_id))


@router.patch(
    "/clinics/{clinic_id}",
    summary="Change a clinic's name, address, slot grid or contact",
    description="The timezone and currency are fixed once appointments exist in them.",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def update_clinic(clinic_id: UUID, body: ClinicUpdate, tx: Tx, who: Editor) -> ClinicRead:
    await clinic_or_404(tx, who.network_id, clinic_id)
    require_clinic(who, clinic_id)
    row = await repository.update_clinic(
        tx,
        network_id=who.network_id,
        id=clinic_id,
        changes=body.model_dump(mode="json", exclude_unset=True),
    )
    assert row is not None
    return views.clinic(row)


@router.post(
    "/clinics/{clinic_id}/rooms",
    status_code=201,
    summary="Add a treatment room to a clinic",
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: problem("The clinic has a room of that name")},
)
async def create_room(
    clinic_id: UUID, body: RoomCreate, tx: Tx, who: Editor, response: Response
) -> RoomRead:
    await clinic_or_404(tx, who.network_id, clinic_id)
    require_clinic(who, clinic_id)
    room_id = uuid4()
    if not await repository.insert_room(
        tx, network_id=who.network_id, id=room_id, clinic_id=clinic_id, name=body.name
    ):
        raise Conflict(f"Clinic {clinic_id} already has a room named {body.name!r}.")
    response.headers["Location"] = f"/v1/clinics/{clinic_id}/rooms/{room_id}"
    return RoomRead(id=room_id, clinic_id=clinic_id, name=body.name)


@router.get("/clinics/{clinic_id}/rooms", summary="A clinic's rooms", responses={404: NOT_FOUND})
async def list_rooms(clinic_id: UUID, tx: Tx, who: Reader) -> list[RoomRead]:
    await clinic_or_404(tx, who.network_id, clinic_id)
    rows = await repository.list_rooms(tx, network_id=who.network_id, clinic_id=clinic_id)
    return [views.room(r) for r in rows]
