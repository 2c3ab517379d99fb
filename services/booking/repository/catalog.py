"""Treatment types and prices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

import asyncpg

from services.booking.domain import DuplicatePrice
from services.booking.repository.common import by_name
from shared.db import Transaction, record_of, records_of

Kind = Literal["consultation", "treatment", "follow_up"]
"""A treatment type's kind as stored (`domain.TreatmentKind`'s values)."""


@dataclass(frozen=True, slots=True)
class TreatmentType:
    id: UUID
    network_id: UUID
    name: str
    kind: Kind
    indication: str
    areas: list[str]
    duration_minutes: int
    buffer_minutes: int


@dataclass(frozen=True, slots=True)
class Price:
    """A clinic's price of a treatment type, for one experience tier or (tier None) for all."""

    id: UUID
    network_id: UUID
    clinic_id: UUID
    treatment_type_id: UUID
    tier: str | None
    amount_minor: int
    currency: str


async def insert_treatment_type(
    tx: Transaction,
    *,
    network_id: UUID,
    id: UUID,
    name: str,
    kind: str,
    indication: str,
    areas: Sequence[str],
    duration_minutes: int,
    buffer_minutes: int,
) -> None:
    await tx.execute(
        """INSERT INTO treatment_types (id, network_id, name, kind, indication, areas,
                                        duration_minutes, buffer_minutes)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        id,
        network_id,
        name,
        kind,
        indication,
        list(areas),
        duration_minutes,
        buffer_minutes,
    )


async def get_treatment_type(
    tx: Transaction, *, network_id: UUID, id: UUID
) -> TreatmentType | None:
    return record_of(
        TreatmentType,
        await tx.fetchrow(
            "SELECT * FROM treatment_types WHERE network_id = $1 AND id = $2", network_id, id
        ),
    )


async def list_treatment_types(
    tx: Transaction, *, network_id: UUID, limit: int, after: tuple[str, UUID] | None
) -> list[TreatmentType]:
    return await by_name(
        tx, TreatmentType, "treatment_types", network_id=network_id, limit=limit, after=after
    )


async def insert_price(tx: Transaction, price: Price) -> None:
    """Insert a price; DuplicatePrice when the clinic already prices the type for that tier."""
    try:
        async with tx.transaction():
            await tx.execute(
                """INSERT INTO prices (id, network_id, clinic_id, treatment_type_id, tier,
                                       amount_minor, currency)
                   VALUES ($1, $2, $3, $4, $5, $6, $7)""",
                price.id,
                price.network_id,
                price.clinic_id,
                price.treatment_type_id,
                price.tier,
                price.amount_minor,
                price.currency,
            )
    except asyncpg.UniqueViolationError:
        raise DuplicatePrice(
            f"Clinic {price.clinic_id} already prices treatment type "
            f"{price.treatment_type_id} for {price.tier or 'all tiers'}."
        ) from None


async def get_price(tx: Transaction, *, network_id: UUID, id: UUID) -> Price | None:
    return record_of(
        Price,
        await tx.fetchrow("SELECT * FROM prices WHERE network_id = $1 AND id = $2", network_id, id),
    )


async def set_price_amount(
    tx: Transaction, *, network_id: UUID, id: UUID, amount_minor: int
) -> Price | None:
    """The price with its new amount; None when the network has no such price."""
    return record_of(
        Price,
        await tx.fetchrow(
            """UPDATE prices SET amount_minor = $3 WHERE network_id = $1 AND id = $2
               RETURNING *""",
            network_id,
            id,
            amount_minor,
        ),
    )


async def list_prices(
    tx: Transaction,
    *,
    network_id: UUID,
    clinic_id: UUID | None = None,
    treatment_type_id: UUID | None = None,
) -> list[Price]:
    rows = await tx.fetch(
        """SELECT * FROM prices WHERE network_id = $1
             AND ($2::uuid IS NULL OR clinic_id = $2)
             AND ($3::uuid IS NULL OR treatment_type_id = $3)
           ORDER BY clinic_id, treatment_type_id, tier NULLS FIRST""",
        network_id,
        clinic_id,
        treatment_type_id,
    )
    return records_of(Price, rows)
