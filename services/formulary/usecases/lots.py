"""Lots: receiving one, reading them, and the patients the lot ledger says received one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from services.formulary import repository
from services.formulary.domain import LotStatus, UnknownCode, validate_new_lot
from services.formulary.repository import Exposure, LotEntry
from services.formulary.schemas import LotCreate
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.uow import UnitOfWork


def today() -> date:
    """The formulary's day for expiry: UTC (lots are usable through their expiry day)."""
    return datetime.now(UTC).date()


async def receive(uow: UnitOfWork, who: Principal, cmd: LotCreate) -> LotEntry:
    """Receive a lot of a known ingredient; one already expired is refused (422)."""
    known = await repository.get_ingredient(
        uow.tx, network_id=who.network_id, code=cmd.ingredient_code
    )
    if known is None:
        raise UnknownCode(f"No ingredient {cmd.ingredient_code!r}.", field="ingredient_code")
    validate_new_lot(cmd.expires_on, today())
    lot_number = cmd.lot_number.strip()
    received = await repository.insert_lot(
        uow.tx,
        id=uuid4(),
        network_id=who.network_id,
        lot_number=lot_number,
        ingredient_code=cmd.ingredient_code,
        supplier=cmd.supplier,
        expires_on=cmd.expires_on,
        by=who.sub,
    )
    if received is None:
        raise Conflict(f"Your network already has lot {lot_number!r}.")
    return received


async def list_lots(
    uow: UnitOfWork,
    who: Principal,
    *,
    ingredient_code: str | None,
    status: LotStatus | None,
    lot_number: str | None,
    after: tuple[str, UUID] | None,
    limit: int,
) -> list[LotEntry]:
    """The network's lots by (lot number, id), after `after`."""
    return await repository.list_lots(
        uow.tx,
        network_id=who.network_id,
        after=after,
        limit=limit,
        ingredient_code=ingredient_code,
        status=status,
        lot_number=lot_number,
    )


async def lot(uow: UnitOfWork, who: Principal, lot_id: UUID) -> LotEntry:
    """One lot of the network (404 otherwise)."""
    found = await repository.get_lot(uow.tx, network_id=who.network_id, id=lot_id)
    if found is None:
        raise NotFound(f"No lot {lot_id} in your network.")
    return found


async def exposures(
    uow: UnitOfWork,
    who: Principal,
    lot_id: UUID,
    *,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[Exposure]:
    """Who received the lot, when: its ledger, oldest first (404 for another network's lot)."""
    received = await lot(uow, who, lot_id)
    return await repository.list_exposures(
        uow.tx,
        network_id=who.network_id,
        lot_number=received.lot_number,
        after=after,
        limit=limit,
    )
