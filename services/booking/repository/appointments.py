"""Appointments: insert under the exclusion constraints, read, change, list."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.booking.repository.common import CONSTRAINT_ERRORS, row_dict
from shared.db import Transaction

_APPOINTMENT = """SELECT a.*,
        c.name AS clinic_name, c.timezone AS clinic_timezone, c.phone AS clinic_phone,
        c.email AS clinic_email, c.slot_grid_minutes,
        p.name AS practitioner_name, p.email AS practitioner_email,
        p.phone AS practitioner_phone,
        t.name AS treatment_name, t.areas AS treatment_areas, t.duration_minutes,
        t.buffer_minutes
    FROM appointments a
    JOIN clinics c ON c.id = a.clinic_id
    JOIN practitioners p ON p.id = a.practitioner_id
    JOIN treatment_types t ON t.id = a.treatment_type_id"""


async def insert_appointment(tx: Transaction, **fields: Any) -> None:
    """Insert an appointment; PractitionerTaken / RoomTaken when the calendar is occupied."""
    try:
        await tx.execute(
            """INSERT INTO appointments (id, network_id, clinic_id, room_id, practitioner_id,
                   patient_id, treatment_type_id, treatment_plan_id, kind, indication, status,
                   starts_at, ends_at, occupied_until, price_minor, currency, notes, created_at,
                   updated_at, created_by)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'booked', $11, $12, $13, $14,
                       $15, $16, $17, $17, $18)""",
            fields["id"],
            fields["network_id"],
            fields["clinic_id"],
            fields["room_id"],
            fields["practitioner_id"],
            fields["patient_id"],
            fields["treatment_type_id"],
            fields["treatment_plan_id"],
            fields["kind"],
            fields["indication"],
            fields["starts_at"],
            fields["ends_at"],
            fields["occupied_until"],
            fields["price_minor"],
            fields["currency"],
            fields["notes"],
            fields["created_at"],
            fields["created_by"],
        )
    except asyncpg.ExclusionViolationError as exc:
        raise _taken(exc) from None


def _taken(exc: asyncpg.ExclusionViolationError) -> Exception:
    error = CONSTRAINT_ERRORS.get(exc.constraint_name or "")
    if error is None:
        return exc
    return error()


async def get_appointment(
    tx: Transaction, *, network_id: UUID, id: UUID, for_update: bool = False
) -> dict[str, Any] | None:
    lock = " FOR UPDATE OF a" if for_update else ""
    return row_dict(
        await tx.fetchrow(
            f"{_APPOINTMENT} WHERE a.network_id = $1 AND a.id = $2{lock}", network_id, id
        )
    )


async def update_appointment(
    tx: Transaction, *, network_id: UUID, id: UUID, changes: dict[str, Any]
) -> None:
    """Apply column changes; PractitionerTaken / RoomTaken when a move hits the calendar."""
    items = list(changes.items())
    assignments = ", ".join(f"{k} = ${i + 3}" for i, (k, _) in enumerate(items))
    try:
        await tx.execute(
            f"UPDATE appointments SET {assignments}, updated_at = now() "
            "WHERE network_id = $1 AND id = $2",
            network_id,
            id,
            *(v for _, v in items),
        )
    except asyncpg.ExclusionViolationError as exc:
        raise _taken(exc) from None


async def list_appointments(
    tx: Transaction,
    *,
    network_id: UUID,
    clinic_id: UUID | None,
    practitioner_id: UUID | None,
    patient_id: UUID | None,
    status: str | None,
    start: datetime | None,
    end: datetime | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    rows = await tx.fetch(
        f"""{_APPOINTMENT} WHERE a.network_id = $1
             AND ($2::uuid IS NULL OR a.clinic_id = $2)
             AND ($3::uuid IS NULL OR a.practitioner_id = $3)
             AND ($4::uuid IS NULL OR a.patient_id = $4)
             AND ($5::text IS NULL OR a.status = $5)
             AND ($6::timestamptz IS NULL OR a.starts_at >= $6)
             AND ($7::timestamptz IS NULL OR a.starts_at < $7)
             AND ($8::timestamptz IS NULL OR (a.starts_at, a.id) > ($8, $9::uuid))
           ORDER BY a.starts_at, a.id LIMIT $10""",
        network_id,
        clinic_id,
        practitioner_id,
        patient_id,
        status,
        start,
        end,
        after[0] if after else None,
        after[1] if after else None,
        limit + 1,
    )
    return [dict(r) for r in rows]
