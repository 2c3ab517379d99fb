"""The walking skeleton's table (kept until it is retired)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from shared.db import Transaction


async def insert_skeleton_session(
    tx: Transaction,
    *,
    id: UUID,
    network_id: UUID,
    patient_id: UUID,
    clinic_id: UUID,
    practitioner_id: UUID,
    areas: list[str],
    completed_at: datetime,
    completed_by: str,
) -> None:
    await tx.execute(
        """INSERT INTO skeleton_sessions
           (id, network_id, patient_id, clinic_id, practitioner_id, areas, completed_at,
            completed_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        id,
        network_id,
        patient_id,
        clinic_id,
        practitioner_id,
        areas,
        completed_at,
        completed_by,
    )


async def get_skeleton_session(
    tx: Transaction, *, network_id: UUID, id: UUID
) -> dict[str, Any] | None:
    row = await tx.fetchrow(
        "SELECT * FROM skeleton_sessions WHERE network_id = $1 AND id = $2", network_id, id
    )
    return dict(row) if row else None
