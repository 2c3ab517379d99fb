"""The patient replica (ids, and the names calendar feeds show) and what booking knows of a
patient's history."""

from __future__ import annotations

from uuid import UUID

from services.booking.domain import Consultation, Indication, Status
from shared.db import Transaction


async def patient_known(tx: Transaction, *, network_id: UUID, patient_id: UUID) -> bool:
    return bool(
        await tx.fetchval(
            "SELECT true FROM patients WHERE network_id = $1 AND patient_id = $2",
            network_id,
            patient_id,
        )
    )


async def remember_patient(
    tx: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID,
    source: str,
    given_name: str | None = None,
    family_name: str | None = None,
) -> None:
    """Remember that the patient exists; their name too when given (the latest one wins)."""
    await tx.execute(
        """INSERT INTO patients (network_id, patient_id, source, given_name, family_name)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (network_id, patient_id) DO UPDATE
              SET given_name = coalesce(excluded.given_name, patients.given_name),
                  family_name = coalesce(excluded.family_name, patients.family_name)
            WHERE excluded.given_name IS NOT NULL OR excluded.family_name IS NOT NULL""",
        network_id,
        patient_id,
        source,
        given_name,
        family_name,
    )


async def consultations_for(
    tx: Transaction, *, network_id: UUID, patient_id: UUID, indication: str
) -> list[Consultation]:
    """The patient's consultations for `indication`, whatever their status, earliest first."""
    rows = await tx.fetch(
        """SELECT id, indication, status, starts_at FROM appointments
           WHERE network_id = $1 AND patient_id = $2 AND kind = 'consultation'
             AND indication = $3
           ORDER BY starts_at, id""",
        network_id,
        patient_id,
        indication,
    )
    return [
        Consultation(
            id=r["id"],
            indication=Indication(r["indication"]),
            status=Status(r["status"]),
            starts_at=r["starts_at"],
        )
        for r in rows
    ]
