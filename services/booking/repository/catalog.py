"""Treatment types and prices."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from services.booking.domain import DuplicatePrice
from services.booking.repository.common import row_dict
from shared.db import Transaction


async def insert_treatment_type(
    tx: Transaction, *, network_id: UUID, id: UUID, **fields: Any
) -> None:
    await tx.execute(
        """INSERT INTO treatment_types (id, network_id, name, kind, indication, areas,
                                        duration_minutes, buffer_minutes)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        id,
        network_id,
        fields["name"],
        fields["kind"],
        fields["indication"],
        list(fields["areas"]),
        fields["duration_minutes"],
        fields["buffer_minutes"],
    )


async def get_treatment_type(
    tx: Transaction, *, network_id: UUID, id: UUID
) -> dict[str, Any] | None:
    return row_dict(
        await tx.fetchrow(
            "SELECT * FROM treatment_types WHERE network_id = $1 AND id = $2", network_id, id
        )
    )


async def list_treatment_types(
    tx: Transaction, *, network_id: UUID, limit: int, after: tuple[str, UUID] | None
) -> list[dict[str, Any]]:
    rows = await tx.fetch(
        """SELECT * FROM treatment_types WHERE network_id = $1
             AND ($2::text IS NULL OR (name, id) > ($2, $3::uuid))
           ORDER BY name, id LIMIT $4""",
        network_id,
        after[0] if after else None,
        after[1] if after else None,
        limit + 1,
    )
    return [dict(r) for r in rows]


async def insert_price(tx: Transaction, *, network_id: UUID, id: UUID, **fields: Any) -> None:
    try:
        async with tx.transaction():
            await tx.execute(
                """INSERT INTO prices (id, network_id, clinic_id, treatment_type_id, tier,
                                       amount_minor, currency)
                   VALUES ($1, $2, $3, $4, $5, $6, $7)""",
                id,
                network_id,
                fields["clinic_id"],
                fields["treatment_type_id"],
                fields["tier"],
                fields["amount_minor"],
                fields["currency"],
            )
    except asyncpg.UniqueViolationError:
        raise DuplicatePrice(
            f"Clinic {fields['clinic_id']} already prices treatment type "
            f"{fields['treatment_type_id']} for {fields['tier'] or 'all tiers'}."
        ) from None


async def list_prices(
    tx: Transaction,
    *,
    network_id: UUID,
    clinic_id: UUID | None = None,
    treatment_type_id: UUID | None = None,
) -> list[dict[str, Any]]:
    rows = await tx.fetch(
        """SELECT * FROM prices WHERE network_id = $1
             AND ($2::uuid IS NULL OR clinic_id = $2)
             AND ($3::uuid IS NULL OR treatment_type_id = $3)
           ORDER BY clinic_id, treatment_type_id, tier NULLS FIRST""",
        network_id,
        clinic_id,
        treatment_type_id,
    )
    return [dict(r) for r in rows]
