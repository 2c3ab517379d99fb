"""Clinics and their rooms."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID, uuid4

from services.booking import repository
from services.booking.policies import require_clinic
from services.booking.repository import Clinic, Room
from services.booking.schemas import ClinicCreate, ClinicUpdate, RoomCreate
from services.booking.usecases.paging import Listing, cursor_uuid
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.events.booking import ClinicChanged, ClinicEvent, ClinicOpened
from shared.pagination import decode_cursor, encode_cursor, page_of
from shared.uow import UnitOfWork


async def _clinic_or_404(
    uow: UnitOfWork, who: Principal, clinic_id: UUID, *, for_update: bool = False
) -> Clinic:
    clinic = await repository.get_clinic(
        uow.tx, network_id=who.network_id, id=clinic_id, for_update=for_update
    )
    if clinic is None:
        raise NotFound(f"No clinic {clinic_id} in your network.")
    return clinic


def _announced(clinic: Clinic) -> tuple[str, str, str]:
    """What a clinic event tells other services (`ClinicEvent`): a change to it is announced."""
    return (clinic.name, clinic.timezone, clinic.currency)


def _event(kind: type[ClinicEvent], clinic: Clinic) -> ClinicEvent:
    return kind(
        network_id=clinic.network_id,
        clinic_id=clinic.id,
        name=clinic.name,
        timezone=clinic.timezone,
        currency=clinic.currency,
        changed_at=datetime.now(UTC),
    )


async def create(uow: UnitOfWork, who: Principal, cmd: ClinicCreate) -> Clinic:
    """Open a clinic in the caller's network; other services hear of it (`ClinicOpened`)."""
    clinic_id = uuid4()
    await repository.insert_clinic(
        uow.tx,
        network_id=who.network_id,
        id=clinic_id,
        name=cmd.name,
        address=cmd.address,
        timezone=cmd.timezone,
        currency=cmd.currency,
        slot_grid_minutes=cmd.slot_grid_minutes,
        phone=cmd.phone,
        email=cmd.email,
    )
    clinic = await _clinic_or_404(uow, who, clinic_id)
    uow.emit(_event(ClinicOpened, clinic))
    return clinic


async def find(
    uow: UnitOfWork, who: Principal, *, limit: int, cursor: str | None
) -> Listing[Clinic]:
    """The network's clinics by name, a page at a time."""
    after = decode_cursor(cursor, 2)
    clinics = await repository.list_clinics(
        uow.tx,
        network_id=who.network_id,
        limit=limit,
        after=(after[0], cursor_uuid(after[1])) if after else None,
    )
    page, next_cursor = page_of(clinics, limit, lambda c: encode_cursor(c.name, c.id))
    return Listing(page, next_cursor)


async def get(uow: UnitOfWork, who: Principal, clinic_id: UUID) -> Clinic:
    """A clinic of the caller's network."""
    return await _clinic_or_404(uow, who, clinic_id)


async def update(uow: UnitOfWork, who: Principal, clinic_id: UUID, cmd: ClinicUpdate) -> Clinic:
    """Change what the body names of a clinic (never its timezone or currency; never null for
    what a clinic always has: `ClinicUpdate` refuses it). A new name is announced
    (`ClinicChanged`)."""
    current = await _clinic_or_404(uow, who, clinic_id, for_update=True)
    require_clinic(who, clinic_id)
    saved = await repository.save_clinic(
        uow.tx, replace(current, **cmd.model_dump(mode="json", exclude_unset=True))
    )
    if _announced(saved) != _announced(current):
        uow.emit(_event(ClinicChanged, saved))
    return saved


async def add_room(uow: UnitOfWork, who: Principal, clinic_id: UUID, cmd: RoomCreate) -> Room:
    """Add a treatment room; Conflict when the clinic has one of that name."""
    await _clinic_or_404(uow, who, clinic_id)
    require_clinic(who, clinic_id)
    room = Room(id=uuid4(), network_id=who.network_id, clinic_id=clinic_id, name=cmd.name)
    if not await repository.insert_room(
        uow.tx, network_id=room.network_id, id=room.id, clinic_id=clinic_id, name=room.name
    ):
        raise Conflict(f"Clinic {clinic_id} already has a room named {cmd.name!r}.")
    return room


async def rooms(uow: UnitOfWork, who: Principal, clinic_id: UUID) -> list[Room]:
    """A clinic's rooms, by name."""
    await _clinic_or_404(uow, who, clinic_id)
    return await repository.list_rooms(uow.tx, network_id=who.network_id, clinic_id=clinic_id)


async def remove_room(uow: UnitOfWork, who: Principal, clinic_id: UUID, room_id: UUID) -> None:
    """Delete a room no appointment was ever booked in; Conflict when one was."""
    await _clinic_or_404(uow, who, clinic_id)
    require_clinic(who, clinic_id)
    deleted = await repository.delete_room(
        uow.tx, network_id=who.network_id, clinic_id=clinic_id, id=room_id
    )
    if deleted is None:
        raise NotFound(f"Clinic {clinic_id} has no room {room_id}.")
    if not deleted:
        raise Conflict(
            f"Room {room_id} has appointments (past or booked): it stays, so they keep their room."
        )
