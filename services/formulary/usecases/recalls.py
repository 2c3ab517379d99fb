"""Recalls and the lot ledger: who received a lot, and telling them when it is recalled.

A recall and the session ledger meet on the lot row: a recall takes it `FOR UPDATE`, a ledger
write `FOR SHARE`, so whichever commits second sees the other's work. Each ledger row is
notified at most once (`recall_notified_at`), whether by the recall or by a session recorded
after it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from services.formulary import repository
from services.formulary.domain import LotStatus, recall_lot
from services.formulary.repository import LotEntry
from services.formulary.schemas import RecallCreate
from shared.auth import Principal
from shared.errors import NotFound
from shared.events.booking import AdministeredIngredient, SessionCompleted
from shared.events.formulary import LotRecalled, RecalledLotExposure
from shared.uow import UnitOfWork


async def recall(uow: UnitOfWork, who: Principal, lot_id: UUID, cmd: RecallCreate) -> LotEntry:
    """Recall a lot and emit LotRecalled plus one RecalledLotExposure per exposed session.

    A lot already recalled is returned as it is: no second effect, no new events.
    """
    network_id = who.network_id
    found = await repository.get_lot(uow.tx, network_id=network_id, id=lot_id, for_update=True)
    if found is None:
        raise NotFound(f"No lot {lot_id} in your network.")
    _, changed = recall_lot(found.lot)
    if not changed:
        return found
    now = datetime.now(UTC)
    reason = cmd.reason.strip()
    exposed = await repository.count_exposed_patients(
        uow.tx, network_id=network_id, lot_number=found.lot_number
    )
    recalled = await repository.mark_recalled(
        uow.tx,
        network_id=network_id,
        id=lot_id,
        reason=reason,
        by=who.sub,
        at=now,
        exposed_patients=exposed,
    )
    name = await _ingredient_name(uow, network_id, recalled.ingredient_code)
    uow.emit(
        LotRecalled(
            network_id=network_id,
            lot_id=recalled.id,
            lot_number=recalled.lot_number,
            ingredient_code=recalled.ingredient_code,
            ingredient_name=name,
            supplier=recalled.supplier,
            reason=reason,
            recalled_at=now,
            recalled_by=who.sub,
            exposed_patients=exposed,
        )
    )
    await _notify_exposures(uow, network_id, lot=recalled, ingredient_name=name, at=now)
    return recalled


async def record_session(uow: UnitOfWork, event: SessionCompleted, event_id: UUID) -> int:
    """Add the session's lots to the ledger; returns how many ledger rows were new.

    A lot recalled before the session was recorded gets its exposure event here at once.
    """
    added = 0
    for item in _given_once(event.ingredients):
        lot = await repository.lock_lot_by_number(
            uow.tx, network_id=event.network_id, lot_number=item.lot_number
        )
        new = await repository.record_exposure(
            uow.tx,
            network_id=event.network_id,
            lot_number=item.lot_number,
            ingredient_code=item.ingredient_code,
            ingredient_name=item.ingredient_name,
            amount=item.amount,
            unit=item.unit,
            patient_id=event.patient_id,
            appointment_id=event.appointment_id,
            clinic_id=event.clinic.clinic_id,
            practitioner_id=event.practitioner.practitioner_id,
            administered_at=event.completed_at,
            event_id=event_id,
        )
        if not new:
            continue
        added += 1
        if lot is not None and lot.status == LotStatus.RECALLED:
            await _notify_exposures(
                uow,
                event.network_id,
                lot=lot,
                ingredient_name=item.ingredient_name,
                at=datetime.now(UTC),
            )
    return added


def _given_once(given: list[AdministeredIngredient]) -> list[AdministeredIngredient]:
    """The same lot given twice in one session is one exposure, with the amounts added."""
    once: dict[tuple[str, str], AdministeredIngredient] = {}
    for item in given:
        key = (item.lot_number, item.ingredient_code)
        earlier = once.get(key)
        once[key] = (
            item
            if earlier is None
            else earlier.model_copy(update={"amount": earlier.amount + item.amount})
        )
    return list(once.values())


async def _notify_exposures(
    uow: UnitOfWork, network_id: UUID, *, lot: LotEntry, ingredient_name: str, at: datetime
) -> None:
    """One RecalledLotExposure per ledger row of the recalled lot not yet told, then marked."""
    assert lot.recall is not None  # only a recalled lot's patients are told
    exposures = await repository.exposures_to_notify(
        uow.tx, network_id=network_id, lot_number=lot.lot_number
    )
    for exposure in exposures:
        uow.emit(
            RecalledLotExposure(
                network_id=network_id,
                lot_id=lot.id,
                lot_number=lot.lot_number,
                ingredient_code=lot.ingredient_code,
                ingredient_name=ingredient_name,
                supplier=lot.supplier,
                reason=lot.recall.reason,
                patient_id=exposure.patient_id,
                appointment_id=exposure.appointment_id,
                administered_at=exposure.administered_at,
                clinic_id=exposure.clinic_id,
                practitioner_id=exposure.practitioner_id,
            )
        )
    await repository.mark_notified(uow.tx, ids=[e.id for e in exposures], at=at)


async def _ingredient_name(uow: UnitOfWork, network_id: UUID, code: str) -> str:
    entry = await repository.get_ingredient(uow.tx, network_id=network_id, code=code)
    return entry.ingredient.name if entry is not None else code
