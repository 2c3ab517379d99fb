"""Practitioners, their weekly working hours per clinic and their time off."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from services.booking.api import views
from services.booking.api.deps import Editor, Reader
from services.booking.schemas import (
    PractitionerCreate,
    PractitionerPage,
    PractitionerRead,
    PractitionerUpdate,
    TimeOffCreate,
    TimeOffRead,
    WorkingHoursRead,
    WorkingHoursSet,
)
from services.booking.usecases import practitioners
from shared.openapi import problem
from shared.pagination import Cursor, Limit
from shared.uow import IdempotentUoW, UnitOfWorkRoute, UoW

router = APIRouter(route_class=UnitOfWorkRoute, tags=["practitioners"])

NOT_FOUND = problem("No such practitioner (or clinic) in your network")
FORBIDDEN = problem("Your role or clinic scope does not allow this")


@router.post(
    "/practitioners",
    status_code=201,
    summary="Register a practitioner",
    responses={403: FORBIDDEN, 409: problem("Idempotency-Key reused with another body")},
)
async def create_practitioner(
    body: PractitionerCreate, who: Editor, uow: IdempotentUoW, response: Response
) -> PractitionerRead:
    registered = await practitioners.register(uow, who, body)
    response.headers["Location"] = f"/v1/practitioners/{registered.id}"
    return views.practitioner(registered)


@router.get("/practitioners", summary="The network's practitioners (optionally of one clinic)")
async def list_practitioners(
    who: Reader,
    uow: UoW,
    clinic_id: UUID | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PractitionerPage:
    found = await practitioners.find(uow, who, clinic_id=clinic_id, limit=limit, cursor=cursor)
    return PractitionerPage(
        items=[views.practitioner(p) for p in found.items], next_cursor=found.next_cursor
    )


@router.get(
    "/practitioners/{practitioner_id}", summary="A practitioner", responses={404: NOT_FOUND}
)
async def get_practitioner(practitioner_id: UUID, who: Reader, uow: UoW) -> PractitionerRead:
    return views.practitioner(await practitioners.get(uow, who, practitioner_id))


@router.patch(
    "/practitioners/{practitioner_id}",
    summary="Change a practitioner's contact, licence, clinics, indications or tier",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def update_practitioner(
    practitioner_id: UUID, body: PractitionerUpdate, who: Editor, uow: UoW
) -> PractitionerRead:
    return views.practitioner(await practitioners.update(uow, who, practitioner_id, body))


@router.put(
    "/practitioners/{practitioner_id}/clinics/{clinic_id}/working-hours",
    summary="Set a practitioner's weekly hours at a clinic (local wall-clock time)",
    description="Replaces the whole week at this clinic; an empty list removes every hour.",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def set_working_hours(
    practitioner_id: UUID, clinic_id: UUID, body: WorkingHoursSet, who: Editor, uow: UoW
) -> WorkingHoursRead:
    hours = await practitioners.set_hours(uow, who, practitioner_id, clinic_id, body)
    return WorkingHoursRead(
        practitioner_id=practitioner_id, clinic_id=clinic_id, hours=views.working_hours(hours)
    )


@router.get(
    "/practitioners/{practitioner_id}/clinics/{clinic_id}/working-hours",
    summary="A practitioner's weekly hours at a clinic",
    responses={404: NOT_FOUND},
)
async def get_working_hours(
    practitioner_id: UUID, clinic_id: UUID, who: Reader, uow: UoW
) -> WorkingHoursRead:
    hours = await practitioners.hours(uow, who, practitioner_id, clinic_id)
    return WorkingHoursRead(
        practitioner_id=practitioner_id, clinic_id=clinic_id, hours=views.working_hours(hours)
    )


@router.post(
    "/practitioners/{practitioner_id}/time-off",
    status_code=201,
    summary="Record a dated absence (holiday, training, sick leave)",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def create_time_off(
    practitioner_id: UUID, body: TimeOffCreate, who: Editor, uow: UoW
) -> TimeOffRead:
    return views.time_off(await practitioners.add_time_off(uow, who, practitioner_id, body))


@router.get(
    "/practitioners/{practitioner_id}/time-off",
    summary="A practitioner's time off",
    responses={404: NOT_FOUND},
)
async def list_time_off(practitioner_id: UUID, who: Reader, uow: UoW) -> list[TimeOffRead]:
    return [views.time_off(t) for t in await practitioners.time_off(uow, who, practitioner_id)]


@router.delete(
    "/practitioners/{practitioner_id}/time-off/{time_off_id}",
    status_code=204,
    summary="Remove a time off",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def delete_time_off(
    practitioner_id: UUID, time_off_id: UUID, who: Editor, uow: UoW
) -> Response:
    await practitioners.remove_time_off(uow, who, practitioner_id, time_off_id)
    return Response(status_code=204)
