"""Clinics and their rooms."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from services.booking.api import views
from services.booking.api.deps import Editor, Reader
from services.booking.schemas import (
    ClinicCreate,
    ClinicPage,
    ClinicRead,
    ClinicUpdate,
    RoomCreate,
    RoomRead,
)
from services.booking.usecases import clinics
from shared.openapi import problem
from shared.pagination import Cursor, Limit
from shared.uow import IdempotentUoW, UnitOfWorkRoute, UoW

router = APIRouter(route_class=UnitOfWorkRoute, tags=["clinics"])

NOT_FOUND = problem("No such clinic in your network")
FORBIDDEN = problem("Your role or clinic scope does not allow this")


@router.post(
    "/clinics",
    status_code=201,
    summary="Create a clinic",
    responses={403: FORBIDDEN, 409: problem("Idempotency-Key reused with another body")},
)
async def create_clinic(
    body: ClinicCreate, who: Editor, uow: IdempotentUoW, response: Response
) -> ClinicRead:
    created = await clinics.create(uow, who, body)
    response.headers["Location"] = f"/v1/clinics/{created.id}"
    return views.clinic(created)


@router.get("/clinics", summary="The network's clinics, by name")
async def list_clinics(
    who: Reader, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> ClinicPage:
    found = await clinics.find(uow, who, limit=limit, cursor=cursor)
    return ClinicPage(items=[views.clinic(c) for c in found.items], next_cursor=found.next_cursor)


@router.get("/clinics/{clinic_id}", summary="A clinic", responses={404: NOT_FOUND})
async def get_clinic(clinic_id: UUID, who: Reader, uow: UoW) -> ClinicRead:
    return views.clinic(await clinics.get(uow, who, clinic_id))


@router.patch(
    "/clinics/{clinic_id}",
    summary="Change a clinic's name, address, slot grid or contact",
    description="The timezone and currency are fixed once appointments exist in them.",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def update_clinic(clinic_id: UUID, body: ClinicUpdate, who: Editor, uow: UoW) -> ClinicRead:
    return views.clinic(await clinics.update(uow, who, clinic_id, body))


@router.post(
    "/clinics/{clinic_id}/rooms",
    status_code=201,
    summary="Add a treatment room to a clinic",
    responses={403: FORBIDDEN, 404: NOT_FOUND, 409: problem("The clinic has a room of that name")},
)
async def create_room(
    clinic_id: UUID, body: RoomCreate, who: Editor, uow: UoW, response: Response
) -> RoomRead:
    room = await clinics.add_room(uow, who, clinic_id, body)
    response.headers["Location"] = f"/v1/clinics/{clinic_id}/rooms/{room.id}"
    return views.room(room)


@router.get("/clinics/{clinic_id}/rooms", summary="A clinic's rooms", responses={404: NOT_FOUND})
async def list_rooms(clinic_id: UUID, who: Reader, uow: UoW) -> list[RoomRead]:
    return [views.room(r) for r in await clinics.rooms(uow, who, clinic_id)]


@router.delete(
    "/clinics/{clinic_id}/rooms/{room_id}",
    status_code=204,
    summary="Delete a room no appointment was ever booked in",
    responses={
        403: FORBIDDEN,
        404: problem("No such clinic or room in your network"),
        409: problem("The room has appointments (past or booked)"),
    },
)
async def delete_room(clinic_id: UUID, room_id: UUID, who: Editor, uow: UoW) -> Response:
    await clinics.remove_room(uow, who, clinic_id, room_id)
    return Response(status_code=204)
