"""Clinics and rooms."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.booking.repository.common import row_dict
from shared.db import Transaction


async def insert_clinic(tx: Transaction, *, network_id: UUID, id: UUID, **fields: Any) -> None:
    await tx.execute(
        """INSERT INTO clinics (id, network_id, name, address, timezone, currency,
                                slot_grid_minutes, phone, email)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        id,
        network_id,
        fields["name"],
        fields["address"],
        fields["timezone"],
        fields["currency"],
        fields["slot_grid_minutes"],
        fields.get("phone"),
        fields.get("email"),
    )


async def get_clinic(tx: Transaction, *, network_id: UUID, id: UUID) -> dict[str, Any] | None:
    return row_dict(
        await tx.fetchrow("SELECT * FROM clinics WHERE network_id = $1 AND id = $2", network_id, id)
    )


async def update_clinic(
    tx: Transaction, *, network_id: UUID, id: UUID, changes: dict[str, Any]
) -> dict[str, Any] | None:
    allowed = ("name", "address", "slot_grid_minutes", "phone", "email")
    sets = [(k, v) for k, v in changes.items() if k in allowed]
    if not sets:
        return await get_clinic(tx, network_id=network_id, id=id)
    assignments = ", ".join(f"{k} = ${i + 3}" for i, (k, _) in enumerate(sets))
    return row_dict(
        await tx.fetchrow(
            f"UPDATE clinics SET {assignments} WHERE network_id = $1 AND id = $2 RETURNING *",
            network_id,
            id,
            *(v for _, v in sets),
        )
    )


async def list_clinics(
    tx: Transaction, *, network_id: UUID, limit: int, after: tuple[str, UUID] | None
) -> list[dict[str, Any]]:
    rows = await tx.fetch(
        """SELECT * FROM clinics WHERE network_id = $1
             AND ($2::text IS NULL OR (name, id) > ($2, $3::uuid))
           ORDER BY name, id LIMIT $4""",
        network_id,
        after[0] if after else None,
        after[1] if after else None,
        limit + 1,
    )
    return [dict(r) for r in rows]


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


async def list_rooms(tx: Transaction, *, network_id: UUID, clinic_id: UUID) -> list[dict[str, Any]]:
    rows = await tx.fetch(
        "SELECT * FROM rooms WHERE network_id = $1 AND clinic_id = $2 ORDER BY name, id",
        network_id,
        clinic_id,
    )
    return [dict(r) for r in rows]
