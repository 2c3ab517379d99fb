"""Lots' SQL: receiving, recalling, and the lot ledger (who received which lot when).

A recall and the ledger meet on the lot row: a recall takes it `FOR UPDATE`, a ledger write
`FOR SHARE` (`lock_lot_by_number`), so whichever commits second sees the other's work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from services.formulary.domain import Lot, LotStatus
from shared.db import Transaction, records_of

# ---------------------------------------------------------------------------------------------
# Lots


@dataclass(frozen=True, slots=True)
class Recall:
    """Why and when a lot was recalled, by whom, and how many patients had received it."""

    reason: str
    recalled_at: datetime
    recalled_by: str
    exposed_patients: int


@dataclass(frozen=True, slots=True)
class LotEntry:
    """A lot the network received; `recall` is set once it is recalled."""

    id: UUID
    lot_number: str
    ingredient_code: str
    supplier: str
    expires_on: date
    status: LotStatus
    demo: bool
    received_at: datetime
    received_by: str
    recall: Recall | None

    @property
    def lot(self) -> Lot:
        """The lot as the rules know it."""
        return Lot(
            lot_number=self.lot_number,
            ingredient_code=self.ingredient_code,
            expires_on=self.expires_on,
            status=self.status,
            supplier=self.supplier,
        )


def _lot_entry(row: Mapping[str, Any]) -> LotEntry:
    status = LotStatus(row["status"])
    return LotEntry(
        id=row["id"],
        lot_number=row["lot_number"],
        ingredient_code=row["ingredient_code"],
        supplier=row["supplier"],
        expires_on=row["expires_on"],
        status=status,
        demo=row["demo"],
        received_at=row["received_at"],
        received_by=row["received_by"],
        recall=(
            Recall(
                reason=row["recall_reason"],
                recalled_at=row["recalled_at"],
                recalled_by=row["recalled_by"],
                exposed_patients=row["exposed_patients"] or 0,
            )
            if status == LotStatus.RECALLED
            else None
        ),
    )


async def insert_lot(
    tx: Transaction,
    *,
    id: UUID,
    network_id: UUID,
    lot_number: str,
    ingredient_code: str,
    supplier: str,
    expires_on: date,
    by: str,
    demo: bool = False,
) -> LotEntry | None:
    """The new lot, or None when the network already has a lot with that number."""
    row = await tx.fetchrow(
        """INSERT INTO lots (id, network_id, ingredient_code, supplier, lot_number, expires_on,
               received_by, demo)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING *""",
        id,
        network_id,
        ingredient_code,
        supplier,
        lot_number,
        expires_on,
        by,
        demo,
    )
    return _lot_entry(row) if row is not None else None


async def get_lot(
    tx: Transaction, *, network_id: UUID, id: UUID, for_update: bool = False
) -> LotEntry | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await tx.fetchrow(
        f"SELECT * FROM lots WHERE network_id = $1 AND id = $2{lock}", network_id, id
    )
    return _lot_entry(row) if row is not None else None


async def lots_by_number(
    tx: Transaction, *, network_id: UUID, numbers: Sequence[str]
) -> dict[str, LotEntry]:
    rows = await tx.fetch(
        "SELECT * FROM lots WHERE network_id = $1 AND lot_number = ANY($2::text[])",
        network_id,
        list(numbers),
    )
    return {r["lot_number"]: _lot_entry(r) for r in rows}


async def lock_lot_by_number(
    tx: Transaction, *, network_id: UUID, lot_number: str
) -> LotEntry | None:
    """The lot, share-locked so that a recall running at the same time waits for this writer."""
    row = await tx.fetchrow(
        "SELECT * FROM lots WHERE network_id = $1 AND lot_number = $2 FOR SHARE",
        network_id,
        lot_number,
    )
    return _lot_entry(row) if row is not None else None


async def list_lots(
    tx: Transaction,
    *,
    network_id: UUID,
    after: tuple[str, UUID] | None,
    limit: int,
    ingredient_code: str | None = None,
    status: LotStatus | None = None,
    lot_number: str | None = None,
) -> list[LotEntry]:
    """The network's lots by (lot number, id), after the `after` key."""
    after_number, after_id = after if after else (None, None)
    rows = await tx.fetch(
        """SELECT * FROM lots
           WHERE network_id = $1
             AND ($2::text IS NULL OR (lot_number, id) > ($2, $3::uuid))
             AND ($4::text IS NULL OR ingredient_code = $4)
             AND ($5::text IS NULL OR status = $5)
             AND ($6::text IS NULL OR lot_number = $6)
           ORDER BY lot_number, id LIMIT $7""",
        network_id,
        after_number,
        after_id,
        ingredient_code,
        status,
        lot_number,
        limit,
    )
    return [_lot_entry(r) for r in rows]


async def mark_recalled(
    tx: Transaction,
    *,
    network_id: UUID,
    id: UUID,
    reason: str,
    by: str,
    at: datetime,
    exposed_patients: int,
) -> LotEntry:
    row = await tx.fetchrow(
        """UPDATE lots SET status = 'recalled', recalled_at = $3, recalled_by = $4,
               recall_reason = $5, exposed_patients = $6
           WHERE network_id = $1 AND id = $2 RETURNING *""",
        network_id,
        id,
        at,
        by,
        reason,
        exposed_patients,
    )
    return _lot_entry(row)


# ---------------------------------------------------------------------------------------------
# The lot ledger


@dataclass(frozen=True, slots=True)
class Exposure:
    """One patient session that used a lot (a row of the lot ledger)."""

    id: int
    lot_number: str
    ingredient_code: str
    ingredient_name: str
    amount: Decimal
    unit: str
    patient_id: UUID
    appointment_id: UUID
    clinic_id: UUID
    practitioner_id: UUID
    administered_at: datetime
    recall_notified_at: datetime | None


async def record_exposure(
    tx: Transaction,
    *,
    network_id: UUID,
    lot_number: str,
    ingredient_code: str,
    ingredient_name: str,
    amount: Decimal,
    unit: str,
    patient_id: UUID,
    appointment_id: UUID,
    clinic_id: UUID,
    practitioner_id: UUID,
    administered_at: datetime,
    event_id: UUID,
) -> bool:
    """Whether the row is new: False when this session's use of the lot is recorded already."""
    added = await tx.fetchval(
        """INSERT INTO lot_exposures (network_id, lot_number, ingredient_code, ingredient_name,
               amount, unit, patient_id, appointment_id, clinic_id, practitioner_id,
               administered_at, event_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT DO NOTHING RETURNING true""",
        network_id,
        lot_number,
        ingredient_code,
        ingredient_name,
        amount,
        unit,
        patient_id,
        appointment_id,
        clinic_id,
        practitioner_id,
        administered_at,
        event_id,
    )
    return bool(added)


async def list_exposures(
    tx: Transaction,
    *,
    network_id: UUID,
    lot_number: str,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[Exposure]:
    """The lot's ledger by (administered at, id), after the `after` key."""
    after_at, after_id = after if after else (None, None)
    rows = await tx.fetch(
        """SELECT * FROM lot_exposures
           WHERE network_id = $1 AND lot_number = $2
             AND ($3::timestamptz IS NULL OR (administered_at, id) > ($3, $4::bigint))
           ORDER BY administered_at, id LIMIT $5""",
        network_id,
        lot_number,
        after_at,
        after_id,
        limit,
    )
    return records_of(Exposure, rows)


async def exposures_to_notify(
    tx: Transaction, *, network_id: UUID, lot_number: str
) -> list[Exposure]:
    """Ledger rows of the lot whose patients have not been notified yet, locked."""
    rows = await tx.fetch(
        """SELECT * FROM lot_exposures
           WHERE network_id = $1 AND lot_number = $2 AND recall_notified_at IS NULL
           ORDER BY administered_at, id FOR UPDATE""",
        network_id,
        lot_number,
    )
    return records_of(Exposure, rows)


async def count_exposed_patients(tx: Transaction, *, network_id: UUID, lot_number: str) -> int:
    count: int = await tx.fetchval(
        "SELECT count(DISTINCT patient_id) FROM lot_exposures "
        "WHERE network_id = $1 AND lot_number = $2",
        network_id,
        lot_number,
    )
    return count


async def mark_notified(tx: Transaction, *, ids: Sequence[int], at: datetime) -> None:
    await tx.execute(
        "UPDATE lot_exposures SET recall_notified_at = $2 WHERE id = ANY($1::bigint[])",
        list(ids),
        at,
    )
