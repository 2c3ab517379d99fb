"""Practitioners, their weekly working hours per clinic and their time off."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID, uuid4

from services.booking import repository
from services.booking.domain import TimeOff, WorkingHours, check_working_hours
from services.booking.policies import require_clinic
from services.booking.repository import Practitioner
from services.booking.schemas import (
    PractitionerCreate,
    PractitionerUpdate,
    TimeOffCreate,
    WorkingHoursSet,
)
from services.booking.usecases.paging import Listing, cursor_uuid
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.pagination import decode_cursor, encode_cursor, page_of
from shared.uow import UnitOfWork


async def _practitioner_or_404(
    uow: UnitOfWork, who: Principal, practitioner_id: UUID, *, for_update: bool = False
) -> Practitioner:
    practitioner = await repository.get_practitioner(
        uow.tx, network_id=who.network_id, id=practitioner_id, for_update=for_update
    )
    if practitioner is None:
        raise NotFound(f"No practitioner {practitioner_id} in your network.")
    return practitioner


async def _check_clinics(uow: UnitOfWork, who: Principal, clinic_ids: list[UUID]) -> None:
    """Each clinic is the network's (422 naming clinic_ids) and in the token's scope (403)."""
    for clinic_id in clinic_ids:
        if await repository.get_clinic(uow.tx, network_id=who.network_id, id=clinic_id) is None:
            raise Invalid(f"No clinic {clinic_id} in your network.", field="clinic_ids")
    for clinic_id in clinic_ids:
        require_clinic(who, clinic_id)


def _require_all_clinics(who: Principal, practitioner: Practitioner) -> None:
    for clinic_id in practitioner.clinic_ids:
        require_clinic(who, clinic_id)


async def register(uow: UnitOfWork, who: Principal, cmd: PractitionerCreate) -> Practitioner:
    """Register a practitioner at clinics of the network."""
    clinic_ids = list(dict.fromkeys(cmd.clinic_ids))
    await _check_clinics(uow, who, clinic_ids)
    practitioner_id = uuid4()
    await repository.insert_practitioner(
        uow.tx,
        network_id=who.network_id,
        id=practitioner_id,
        clinic_ids=clinic_ids,
        name=cmd.name,
        email=cmd.email,
        phone=cmd.phone,
        licence_number=cmd.licence_number,
        licence_expires_on=cmd.licence_expires_on,
        indications=sorted({i.value for i in cmd.indications}),
        experience_tier=cmd.experience_tier.value,
    )
    return await _practitioner_or_404(uow, who, practitioner_id)


async def get(uow: UnitOfWork, who: Principal, practitioner_id: UUID) -> Practitioner:
    """A practitioner of the caller's network, with the clinics they work at."""
    return await _practitioner_or_404(uow, who, practitioner_id)


async def find(
    uow: UnitOfWork, who: Principal, *, clinic_id: UUID | None, limit: int, cursor: str | None
) -> Listing[Practitioner]:
    """The network's practitioners (optionally of one clinic) by name, a page at a time."""
    after = decode_cursor(cursor, 2)
    practitioners = await repository.list_practitioners(
        uow.tx,
        network_id=who.network_id,
        clinic_id=clinic_id,
        limit=limit,
        after=(after[0], cursor_uuid(after[1])) if after else None,
    )
    page, next_cursor = page_of(practitioners, limit, lambda p: encode_cursor(p.name, p.id))
    return Listing(page, next_cursor)


async def update(
    uow: UnitOfWork, who: Principal, practitioner_id: UUID, cmd: PractitionerUpdate
) -> Practitioner:
    """Change what the body names: contact, licence, clinics, indications or tier (what a
    practitioner always has is never null here: `PractitionerUpdate` refuses it)."""
    current = await _practitioner_or_404(uow, who, practitioner_id, for_update=True)
    _require_all_clinics(who, current)
    changes = cmd.model_dump(exclude_unset=True, exclude={"clinic_ids"})
    if cmd.indications is not None:
        changes["indications"] = sorted({i.value for i in cmd.indications})
    if cmd.experience_tier is not None:
        changes["experience_tier"] = cmd.experience_tier.value
    clinic_ids = None if cmd.clinic_ids is None else list(dict.fromkeys(cmd.clinic_ids))
    if clinic_ids is not None:
        await _check_clinics(uow, who, clinic_ids)
    await repository.save_practitioner(uow.tx, replace(current, **changes))
    if clinic_ids is not None:
        await repository.set_practitioner_clinics(
            uow.tx, practitioner_id=practitioner_id, clinic_ids=clinic_ids
        )
    return await _practitioner_or_404(uow, who, practitioner_id)


async def _works_at_or_404(
    uow: UnitOfWork, who: Principal, practitioner_id: UUID, clinic_id: UUID
) -> None:
    await _practitioner_or_404(uow, who, practitioner_id)
    if not await repository.works_at(uow.tx, practitioner_id=practitioner_id, clinic_id=clinic_id):
        raise NotFound(f"Practitioner {practitioner_id} does not work at clinic {clinic_id}.")


async def set_hours(
    uow: UnitOfWork, who: Principal, practitioner_id: UUID, clinic_id: UUID, cmd: WorkingHoursSet
) -> list[WorkingHours]:
    """Replace the practitioner's whole week at the clinic (local wall-clock times)."""
    await _works_at_or_404(uow, who, practitioner_id, clinic_id)
    require_clinic(who, clinic_id)
    intervals = []
    for index, h in enumerate(cmd.hours):
        try:
            intervals.append(WorkingHours(h.weekday, h.start, h.end))
        except Invalid as exc:
            raise Invalid(exc.detail, field=f"hours.{index}") from None
    check_working_hours(intervals)
    await repository.replace_working_hours(
        uow.tx,
        practitioner_id=practitioner_id,
        clinic_id=clinic_id,
        hours=[(i.weekday, i.start, i.end) for i in intervals],
    )
    return await hours(uow, who, practitioner_id, clinic_id)


async def hours(
    uow: UnitOfWork, who: Principal, practitioner_id: UUID, clinic_id: UUID
) -> list[WorkingHours]:
    """The practitioner's weekly hours at the clinic, by weekday and start."""
    await _works_at_or_404(uow, who, practitioner_id, clinic_id)
    rows = await repository.working_hours(
        uow.tx, practitioner_id=practitioner_id, clinic_id=clinic_id
    )
    return [WorkingHours(d, s, e) for d, s, e in rows]


async def add_time_off(
    uow: UnitOfWork, who: Principal, practitioner_id: UUID, cmd: TimeOffCreate
) -> repository.TimeOff:
    """Record a dated absence (holiday, training, sick leave)."""
    current = await _practitioner_or_404(uow, who, practitioner_id)
    _require_all_clinics(who, current)
    off = TimeOff(cmd.start, cmd.end)
    recorded = repository.TimeOff(
        id=uuid4(),
        network_id=who.network_id,
        practitioner_id=practitioner_id,
        starts_at=off.start,
        ends_at=off.end,
        reason=cmd.reason,
    )
    await repository.insert_time_off(
        uow.tx,
        network_id=recorded.network_id,
        id=recorded.id,
        practitioner_id=practitioner_id,
        start=off.start,
        end=off.end,
        reason=cmd.reason,
    )
    return recorded


async def time_off(
    uow: UnitOfWork, who: Principal, practitioner_id: UUID
) -> list[repository.TimeOff]:
    """The practitioner's time off, in order."""
    await _practitioner_or_404(uow, who, practitioner_id)
    return await repository.list_time_off(
        uow.tx, network_id=who.network_id, practitioner_id=practitioner_id
    )


async def remove_time_off(
    uow: UnitOfWork, who: Principal, practitioner_id: UUID, time_off_id: UUID
) -> None:
    """Remove a time off; NotFound when the practitioner has no such one."""
    current = await _practitioner_or_404(uow, who, practitioner_id)
    _require_all_clinics(who, current)
    if not await repository.delete_time_off(
        uow.tx, network_id=who.network_id, practitioner_id=practitioner_id, id=time_off_id
    ):
        raise NotFound(f"No time off {time_off_id} for practitioner {practitioner_id}.")
