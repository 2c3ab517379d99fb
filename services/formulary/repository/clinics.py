"""The clinic replica's SQL: booking's ClinicOpened / ClinicChanged, newest state kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shared.db import Transaction, record_of


@dataclass(frozen=True, slots=True)
class KnownClinic:
    """A clinic of a network, as booking last announced it."""

    network_id: UUID
    clinic_id: UUID
    name: str
    timezone: str
    currency: str
    changed_at: datetime


async def store_clinic(tx: Transaction, clinic: KnownClinic, *, event_id: UUID) -> bool:
    """Keep `clinic` unless a state at least as new is stored; False when it changed nothing."""
    stored = await tx.fetchval(
        """INSERT INTO clinics (network_id, clinic_id, name, timezone, currency, changed_at,
                                event_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (network_id, clinic_id) DO UPDATE SET
               name = EXCLUDED.name, timezone = EXCLUDED.timezone,
               currency = EXCLUDED.currency, changed_at = EXCLUDED.changed_at,
               event_id = EXCLUDED.event_id, received_at = now()
           WHERE clinics.changed_at < EXCLUDED.changed_at
           RETURNING true""",
        clinic.network_id,
        clinic.clinic_id,
        clinic.name,
        clinic.timezone,
        clinic.currency,
        clinic.changed_at,
        event_id,
    )
    return bool(stored)


async def get_clinic(tx: Transaction, *, network_id: UUID, clinic_id: UUID) -> KnownClinic | None:
    """The network's clinic, or None when booking has not announced it (or it is another's)."""
    return record_of(
        KnownClinic,
        await tx.fetchrow(
            "SELECT * FROM clinics WHERE network_id = $1 AND clinic_id = $2",
            network_id,
            clinic_id,
        ),
    )
