"""Clinics and rooms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from services.booking.repository.common import by_name
from shared.db import Transaction, record_of, records_of


@dataclass(frozen=True, slots=True)
class Clinic:
    id: UUID
    network_id: UUID
    name: str
    address: str
    timezone: str
    currency: str
    slot_grid_minutes: int
    phone: str | None
    email: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Room:
    id: UUID
    network_id: UUID
    clinic_id: UUID
    name: str


async def insert_clinic(
    tx: Transaction,
    *,
    network_id: UUID,
    id: UUID,
    name: str,
    address: str,
    timezone: str,
    currency: str,
    slot_grid_minutes: int,
    phone: str | None = None,
    email: str | None = None,
) -> None:
    await tx.execute(
        """INSERT INTO clinics (id, network_id, name, address, timezone, currency,
                                slot_grid_minutes, phone, email)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        id,
        network_id,
        name,
        address,
        timezone,
        currency,
        slot_grid_minutes,
        phone,
        email,
    )


async def get_clinic(
    tx: Transaction, *, network_id: UUID, id: UUID, for_update: bool = False
) -> Clinic | None:
    lock = " FOR UPDATE" if for_update else ""
    return record_of(
        Clinic,
        await tx.fetchrow(
            f"SELECT * FROM clinics WHERE network_id = $1 AND id = $2{lock}", network_id, id
        ),
    )


async def save_clinic(tx: Transaction, clinic: Clinic) -> Clinic:
    """Write what may change of a clinic (not its timezone or currency); the clinic as stored."""
    saved = record_of(
        Clinic,
        await tx.fetchrow(
            """UPDATE clinics SET name = $3, address = $4, slot_grid_minutes = $5, phone = $6,
                      email = $7
               WHERE network_id = $1 AND id = $2 RETURNING *""",
            clinic.network_id,
            clinic.id,
            clinic.name,
            clinic.address,
            clinic.slot_grid_minutes,
            clinic.phone,
            clinic.email,
        ),
    )
    assert saved is not None, "save_clinic is given a clinic read in the same transaction"
    return saved


async def list_clinics(
    tx: Transaction, *, network_id: UUID, limit: int, after: tuple[str, UUID] | None
) -> list[Clinic]:
    return await by_name(tx, Clinic, "clinics", network_id=network_id, limit=limit, after=after)


async def insert_room(
    tx: Transaction, *, network_id: UUID, id: UUID, clinic_id: UUID, name: str
) -> bool:
    """False when the clinic already has a room of that name."""
    inserted = await tx.fetchval(
        """INSERT INTO rooms (id, network_id, clinic_id, name) VALUES ($1, $2, $3, $4)
           ON CONFLICT (clinic_id, name) DO NOTHING RETURNING true""",
        id,
        network_id,
        clinic_id,
        name,
    )
    return bool(inserted)


async def list_rooms(tx: Transaction, *, network_id: UUID, clinic_id: UUID) -> list[Room]:
    rows = await tx.fetch(
        "SELECT * FROM rooms WHERE network_id = $1 AND clinic_id = $2 ORDER BY name, id",
        network_id,
        clinic_id,
    )
    return records_of(Room, rows)


async def delete_room(
    tx: Transaction, *, network_id: UUID, clinic_id: UUID, id: UUID
) -> bool | None:
    """Delete a room no appointment was ever booked in: True; False when one was (the room
    stays); None when the clinic has no such room."""
    try:
        async with tx.transaction():
            deleted = await tx.fetchval(
                """DELETE FROM rooms r WHERE r.network_id = $1 AND r.clinic_id = $2 AND r.id = $3
                     AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.room_id = r.id)
                   RETURNING true""",
                network_id,
                clinic_id,
                id,
            )
    except asyncpg.ForeignKeyViolationError:
        return False  # an appointment was booked in it meanwhile
    if deleted:
        return True
    exists = await tx.fetchval(
        "SELECT true FROM rooms WHERE network_id = $1 AND clinic_id = $2 AND id = $3",
        network_id,
        clinic_id,
        id,
    )
    return False if exists else None
