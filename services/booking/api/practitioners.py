"""Practitioners, their weekly working hours per clinic and their time off."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request, Response

from services.booking import repository
from services.booking.api import views
from services.booking.api.access import Editor, Reader, require_clinic
from services.booking.api.paging import cursor_uuid
from services.booking.domain import TimeOff, WorkingHours, check_working_hours
from services.booking.schemas import (
    PractitionerCreate,
    PractitionerPage,
    PractitionerRead,
    PractitionerUpdate,
    TimeOffCreate,
    TimeOffRead,
    WorkingHoursEntry,
    WorkingHoursRead,
    WorkingHoursSet,
)
from shared import idempotency
from shared.db import Tx
from shared.errors import Invalid, NotFound
from shared.idempotency import IdempotencyKey
from shared.pagination import Cursor, Limit, decode_cursor, encode_cursor, page_of
from shared.service import problem

router = APIRouter(tags=["practitioners"])

NOT_FOUND = problem("No such practitioner (or clinic) in your network")
FORBIDDEN = problem("Your role or clinic scope does not allow this")


async def practitioner_or_404(tx: Tx, network_id: UUID, practitioner_id: UUID) -> dict[str, Any]:
    row = await repository.get_practitioner(tx, network_id=network_id, id=practitioner_id)
    if row is None:
        raise NotFound(f"No practitioner {practitioner_id} in your network.")
    return row


async def _check_clinics(tx: Tx, network_id: UUID, clinic_ids: list[UUID]) -> None:
    for clinic_id in clinic_ids:
        if await repository.get_clinic(tx, network_id=network_id, id=clinic_id) is None:
            raise Invalid(f"No clinic {clinic_id} in your network.", field="clinic_ids")


@router.post(
    "/practitioners",
    status_code=201,
    summary="Register a practitioner",
    responses={403: FORBIDDEN, 409: problem("Idempotency-Key reused with another body")},
)
async def create_practitioner(
    body: PractitionerCreate,
    tx: Tx,
    who: Editor,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> PractitionerRead:
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
    clinic_ids = list(dict.fromkeys(body.clinic_ids))
    await _check_clinics(tx, who.network_id, clinic_ids)
    for clinic_id in clinic_ids:
        require_clinic(who, clinic_id)
    practitioner_id = uuid4()
    fields = body.model_dump(mode="json", exclude={"clinic_ids", "licence_expires_on"})
    fields["indications"] = sorted(set(fields["indications"]))
    await repository.insert_practitioner(
        tx,
        network_id=who.network_id,
        id=practitioner_id,
        clinic_ids=clinic_ids,
        licence_expires_on=body.licence_expires_on,
        **fields,
    )
    created = views.practitioner(await practitioner_or_404(tx, who.network_id, practitioner_id))
    await idempotency.remember(
        tx, network_id=who.network_id, key=idempotency_key, status_code=201, response=created
    )
    response.headers["Location"] = f"/v1/practitioners/{practitioner_id}"
    return created


@router.get("/practitioners", summary="The network's practitioners (optionally of one clinic)")
async def list_practitioners(
    tx: Tx,
    who: Reader,
    clinic_id: UUID | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PractitionerPage:
    after = decode_cursor(cursor, 2)
    rows = await repository.list_practitioners(
        tx,
        network_id=who.network_id,
        clinic_id=clinic_id,
        limit=limit,
        after=(after[0], cursor_uuid(after[1])) if after else None,
    )
    page, next_cursor = page_of(rows, limit, lambda r: encode_cursor(r["name"], r["id"]))
    return PractitionerPage(items=[views.practitioner(r) for r in page], next_cursor=next_cursor)


@router.get(
    "/practitioners/{practitioner_id}", summary="A practitioner", responses={404: NOT_FOUND}
)
async def get_practitioner(practitioner_id: UUID, tx: Tx, who: Reader) -> PractitionerRead:
    return views.practitioner(await practitioner_or_404(tx, who.network_id, practitioner_id))


@router.patch(
    "/practitioners/{practitioner_id}",
    summary="Change a practitioner's contact, licence, clinics, indications or tier",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def update_practitioner(
    practitioner_id: UUID, body: PractitionerUpdate, tx: Tx, who: Editor
) -> PractitionerRead:
    current = await practitioner_or_404(tx, who.network_id, practitioner_id)
    for clinic_id in current["clinic_ids"]:
        require_clinic(who, clinic_id)
    changes: dict[str, Any] = body.model_dump(mode="json", exclude_unset=True)
    if body.licence_expires_on is not None:
        changes["licence_expires_on"] = body.licence_expires_on
    if body.indications is not None:
        changes["indications"] = sorted({i.value for i in body.indications})
    if body.clinic_ids is not None:
        changes["clinic_ids"] = list(dict.fromkeys(body.clinic_ids))
        await _check_clinics(tx, who.network_id, changes["clinic_ids"])
        for clinic_id in changes["clinic_ids"]:
            require_clinic(who, clinic_id)
    for required in ("name", "licence_number", "licence_expires_on", "experience_tier"):
        if required in changes and changes[required] is None:
            raise Invalid(f"{required} cannot be removed.", field=required)
    await repository.update_practitioner(
        tx, network_id=who.network_id, id=practitioner_id, changes=changes
    )
    return views.practitioner(await practitioner_or_404(tx, who.network_id, practitioner_id))


@router.put(
    "/practitioners/{practitioner_id}/clinics/{clinic_id}/working-hours",
    summary="Set a practitioner's weekly hours at a clinic (local wall-clock time)",
    description="Replaces the whole week at this clinic; an empty list removes every hour.",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def set_working_hours(
    practitioner_id: UUID, clinic_id: UUID, body: WorkingHoursSet, tx: Tx, who: Editor
) -> WorkingHoursRead:
    await _works_at_or_404(tx, who.network_id, practitioner_id, clinic_id)
    require_clinic(who, clinic_id)
    try:
        intervals = [WorkingHours(h.weekday, h.start, h.end) for h in body.hours]
    except Invalid as exc:
        raise Invalid(exc.detail, field="hours") from None
    check_working_hours(intervals)
    await repository.replace_working_hours(
        tx,
        practitioner_id=practitioner_id,
        clinic_id=clinic_id,
        hours=[(i.weekday, i.start, i.end) for i in intervals],
    )
    return await get_working_hours(practitioner_id, clinic_id, tx, who)


@router.get(
    "/practitioners/{practitioner_id}/clinics/{clinic_id}/working-hours",
    summary="A practitioner's weekly hours at a clinic",
    responses={404: NOT_FOUND},
)
async def get_working_hours(
    practitioner_id: UUID, clinic_id: UUID, tx: Tx, who: Reader
) -> WorkingHoursRead:
    await _works_at_or_404(tx, who.network_id, practitioner_id, clinic_id)
    hours = await repository.working_hours(tx, practitioner_id=practitioner_id, clinic_id=clinic_id)
    return WorkingHoursRead(
        practitioner_id=practitioner_id,
        clinic_id=clinic_id,
        hours=[WorkingHoursEntry(weekday=d, start=s, end=e) for d, s, e in hours],
    )


async def _works_at_or_404(
    tx: Tx, network_id: UUID, practitioner_id: UUID, clinic_id: UUID
) -> None:
    await practitioner_or_404(tx, network_id, practitioner_id)
    if not await repository.works_at(tx, practitioner_id=practitioner_id, clinic_id=clinic_id):
        raise NotFound(f"Practitioner {practitioner_id} does not work at clinic {clinic_id}.")


@router.post(
    "/practitioners/{practitioner_id}/time-off",
    status_code=201,
    summary="Record a dated absence (holiday, training, sick leave)",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def create_time_off(
    practitioner_id: UUID, body: TimeOffCreate, tx: Tx, who: Editor
) -> TimeOffRead:
    current = await practitioner_or_404(tx, who.network_id, practitioner_id)
    for clinic_id in current["clinic_ids"]:
        require_clinic(who, clinic_id)
    off = TimeOff(body.start, body.end)
    off_id = uuid4()
    await repository.insert_time_off(
        tx,
        network_id=who.network_id,
        id=off_id,
        practitioner_id=practitioner_id,
        start=off.start,
        end=off.end,
        reason=body.reason,
    )
    return TimeOffRead(
        id=off_id, practitioner_id=practitioner_id, start=off.start, end=off.end, reason=body.reason
    )


@router.get(
    "/practitioners/{practitioner_id}/time-off",
    summary="A practitioner's time off",
    responses={404: NOT_FOUND},
)
async def list_time_off(practitioner_id: UUID, tx: Tx, who: Reader) -> list[TimeOffRead]:
    await practitioner_or_404(tx, who.network_id, practitioner_id)
    rows = await repository.list_time_off(
        tx, network_id=who.network_id, practitioner_id=practitioner_id
    )
    return [views.time_off(r) for r in rows]


@router.delete(
    "/practitioners/{practitioner_id}/time-off/{time_off_id}",
    status_code=204,
    summary="Remove a time off",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def delete_time_off(
    practitioner_id: UUID, time_off_id: UUID, tx: Tx, who: Editor
) -> Response:
    current = await practitioner_or_404(tx, who.network_id, practitioner_id)
    for clinic_id in current["clinic_ids"]:
        require_clinic(who, clinic_id)
    if not await repository.delete_time_off(
        tx, network_id=who.network_id, practitioner_id=practitioner_id, id=time_off_id
    ):
        raise NotFound(f"No time off {time_off_id} for practitioner {practitioner_id}.")
    return Response(status_code=204)
