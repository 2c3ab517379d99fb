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
from services.formulary.domain import recall_lot
from services.formulary.repository import Row
from shared import outbox
from shared.db import Transaction
from shared.events.booking import AdministeredIngredient, SessionCompleted
from shared.events.formulary import LotRecalled, RecalledLotExposure

SOURCE = "mesocare/formulary"


async def recall(
    tx: Transaction, *, network_id: UUID, lot_id: UUID, reason: str, by: str
) -> Row | None:
    """Recall a lot and emit LotRecalled plus one RecalledLotExposure per exposed session.

    Returns the lot row (None when the network has no such lot). A lot already recalled is
    returned as it is: no second effect, no new events.
    """
    row = await repository.get_lot(tx, network_id=network_id, id=lot_id, for_update=True)
    if row is None:
        return None
    _, changed = recall_lot(repository.lot_of(row))
    if not changed:
        return row
    now = datetime.now(UTC)
    exposed = await repository.count_exposed_patients(
        tx, network_id=network_id, lot_number=row["lot_number"]
    )
    row = await repository.mark_recalled(
        tx,
        network_id=network_id,
        id=lot_id,
        reason=reason,
        by=by,
        at=now,
        exposed_patients=exposed,
    )
    name = await _ingredient_name(tx, network_id, row["ingredient_code"])
    await outbox.add(
        tx,
        LotRecalled(
            network_id=network_id,
            lot_id=row["id"],
            lot_number=row["lot_number"],
            ingredient_code=row["ingredient_code"],
            ingredient_name=name,
            supplier=row["supplier"],
            reason=reason,
            recalled_at=now,
            recalled_by=by,
            exposed_patients=exposed,
        ),
        source=SOURCE,
    )
    await _notify_exposures(tx, network_id=network_id, lot=row, ingredient_name=name, at=now)
    return row


async def record_session(tx: Transaction, event: SessionCompleted, event_id: UUID) -> int:
    """Add the session's lots to the ledger; returns how many ledger rows were new.

    A lot recalled before the session was recorded gets its exposure event here at once.
    """
    # The same lot given twice in one session is one exposure, with the amounts added.
    given: dict[tuple[str, str], AdministeredIngredient] = {}
    for item in event.ingredients:
        key = (item.lot_number, item.ingredient_code)
        earlier = given.get(key)
        given[key] = (
            item
            if earlier is None
            else earlier.model_copy(update={"amount": earlier.amount + item.amount})
        )
    added = 0
    for item in given.values():
        lot = await repository.lock_lot_by_number(
            tx, network_id=event.network_id, lot_number=item.lot_number
        )
        row = await repository.record_exposure(
            tx,
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
        if row is None:
            continue
        added += 1
        if lot is not None and lot["status"] == "recalled":
            await _notify_exposures(
                tx,
                network_id=event.network_id,
                lot=lot,
                ingredient_name=item.ingredient_name,
                at=datetime.now(UTC),
            )
    return added


async def _notify_exposures(
    tx: Transaction, *, network_id: UUID, lot: Row, ingredient_name: str, at: datetime
) -> int:
    rows = await repository.exposures_to_notify(
        tx, network_id=network_id, lot_number=lot["lot_number"]
    )
    for exposure in rows:
        await outbox.add(
            tx,
            RecalledLotExposure(
                network_id=network_id,
                lot_id=lot["id"],
                lot_number=lot["lot_number"],
                ingredient_code=lot["ingredient_code"],
                ingredient_name=ingredient_name,
                supplier=lot["supplier"],
                reason=lot["recall_reason"],
                patient_id=exposure["patient_id"],
                appointment_id=exposure["appointment_id"],
                administered_at=exposure["administered_at"],
                clinic_id=exposure["clinic_id"],
                practitioner_id=exposure["practitioner_id"],
            ),
            source=SOURCE,
        )
    await repository.mark_notified(tx, ids=[r["id"] for r in rows], at=at)
    return len(rows)


async def _ingredient_name(tx: Transaction, network_id: UUID, code: str) -> str:
    row = await repository.get_ingredient(tx, network_id=network_id, code=code)
    return row["name"] if row is not None else code
