"""SQL of the notifications service."""

from __future__ import annotations

from uuid import UUID

from shared.db import Transaction


async def record_session_completion(
    tx: Transaction,
    *,
    event_id: UUID,
    network_id: UUID,
    appointment_id: UUID,
    patient_id: UUID,
    areas: list[str],
    trace_id: str | None,
) -> None:
    await tx.execute(
        """INSERT INTO skeleton_session_completions
           (event_id, network_id, appointment_id, patient_id, areas, trace_id)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        event_id,
        network_id,
        appointment_id,
        patient_id,
        areas,
        trace_id,
    )
