"""Practitioners, the clinics they work at, weekly hours and time off."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from uuid import UUID

from shared.db import Transaction, record_of, records_of

_PRACTITIONER = """SELECT p.*, coalesce(
        (SELECT array_agg(pc.clinic_id ORDER BY pc.clinic_id) FROM practitioner_clinics pc
          WHERE pc.practitioner_id = p.id), '{}') AS clinic_ids
    FROM practitioners p"""


@dataclass(frozen=True, slots=True)
class Practitioner:
    """A practitioner with the clinics they work at."""

    id: UUID
    network_id: UUID
    name: str
    email: str | None
    phone: str | None
    licence_number: str
    licence_expires_on: date
    indications: list[str]
    experience_tier: str
    created_at: datetime
    clinic_ids: list[UUID]


@dataclass(frozen=True, slots=True)
class TimeOff:
    """A dated absence of a practitioner, as recorded."""

    id: UUID
    network_id: UUID
    practitioner_id: UUID
    starts_at: datetime
    ends_at: datetime
    reason: str | None


async def insert_practitioner(
    tx: Transaction,
    *,
    network_id: UUID,
    id: UUID,
    clinic_ids: Sequence[UUID],
    name: str,
    licence_number: str,
    licence_expires_on: date,
    indications: Sequence[str],
    experience_tier: str,
    email: str | None = None,
    phone: str | None = None,
) -> None:
    await tx.execute(
        """INSERT INTO practitioners (id, network_id, name, email, phone, licence_number,
                                      licence_expires_on, indications, experience_tier)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        id,
        network_id,
        name,
        email,
        phone,
        licence_number,
        licence_expires_on,
        list(indications),
        experience_tier,
    )
    await set_practitioner_clinics(tx, practitioner_id=id, clinic_ids=clinic_ids)


async def set_practitioner_clinics(
    tx: Transaction, *, practitioner_id: UUID, clinic_ids: Sequence[UUID]
) -> None:
    await tx.execute(
        "DELETE FROM practitioner_clinics WHERE practitioner_id = $1 AND clinic_id <> ALL($2)",
        practitioner_id,
        list(clinic_ids),
    )
    await tx.execute(
        """INSERT INTO practitioner_clinics (practitioner_id, clinic_id)
           SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING""",
        practitioner_id,
        list(clinic_ids),
    )


async def save_practitioner(tx: Transaction, practitioner: Practitioner) -> None:
    """Write a practitioner's own columns (their clinics: `set_practitioner_clinics`)."""
    await tx.execute(
        """UPDATE practitioners SET name = $3, email = $4, phone = $5, licence_number = $6,
                  licence_expires_on = $7, indications = $8, experience_tier = $9
           WHERE network_id = $1 AND id = $2""",
        practitioner.network_id,
        practitioner.id,
        practitioner.name,
        practitioner.email,
        practitioner.phone,
        practitioner.licence_number,
        practitioner.licence_expires_on,
        practitioner.indications,
        practitioner.experience_tier,
    )


async def get_practitioner(
    tx: Transaction, *, network_id: UUID, id: UUID, for_update: bool = False
) -> Practitioner | None:
    lock = " FOR UPDATE OF p" if for_update else ""
    return record_of(
        Practitioner,
        await tx.fetchrow(
            f"{_PRACTITIONER} WHERE p.network_id = $1 AND p.id = $2{lock}", network_id, id
        ),
    )


async def list_practitioners(
    tx: Transaction,
    *,
    network_id: UUID,
    clinic_id: UUID | None,
    limit: int,
    after: tuple[str, UUID] | None,
) -> list[Practitioner]:
    rows = await tx.fetch(
        f"""{_PRACTITIONER} WHERE p.network_id = $1
             AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM practitioner_clinics pc
                   WHERE pc.practitioner_id = p.id AND pc.clinic_id = $2))
             AND ($3::text IS NULL OR (p.name, p.id) > ($3, $4::uuid))
           ORDER BY p.name, p.id LIMIT $5""",
        network_id,
        clinic_id,
        after[0] if after else None,
        after[1] if after else None,
        limit + 1,
    )
    return records_of(Practitioner, rows)


async def works_at(tx: Transaction, *, practitioner_id: UUID, clinic_id: UUID) -> bool:
    return bool(
        await tx.fetchval(
            "SELECT true FROM practitioner_clinics WHERE practitioner_id = $1 AND clinic_id = $2",
            practitioner_id,
            clinic_id,
        )
    )


async def replace_working_hours(
    tx: Transaction,
    *,
    practitioner_id: UUID,
    clinic_id: UUID,
    hours: Sequence[tuple[int, time, time]],
) -> None:
    await tx.execute(
        "DELETE FROM working_hours WHERE practitioner_id = $1 AND clinic_id = $2",
        practitioner_id,
        clinic_id,
    )
    await tx.executemany(
        """INSERT INTO working_hours (practitioner_id, clinic_id, weekday, starts, ends)
           VALUES ($1, $2, $3, $4, $5)""",
        [(practitioner_id, clinic_id, d, s, e) for d, s, e in hours],
    )


async def working_hours(
    tx: Transaction, *, practitioner_id: UUID, clinic_id: UUID
) -> list[tuple[int, time, time]]:
    rows = await tx.fetch(
        """SELECT weekday, starts, ends FROM working_hours
           WHERE practitioner_id = $1 AND clinic_id = $2 ORDER BY weekday, starts""",
        practitioner_id,
        clinic_id,
    )
    return [(r["weekday"], r["starts"], r["ends"]) for r in rows]


async def insert_time_off(
    tx: Transaction,
    *,
    network_id: UUID,
    id: UUID,
    practitioner_id: UUID,
    start: datetime,
    end: datetime,
    reason: str | None,
) -> None:
    await tx.execute(
        """INSERT INTO time_off (id, network_id, practitioner_id, starts_at, ends_at, reason)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        id,
        network_id,
        practitioner_id,
        start,
        end,
        reason,
    )


async def list_time_off(
    tx: Transaction, *, network_id: UUID, practitioner_id: UUID
) -> list[TimeOff]:
    rows = await tx.fetch(
        """SELECT * FROM time_off WHERE network_id = $1 AND practitioner_id = $2
           ORDER BY starts_at, id""",
        network_id,
        practitioner_id,
    )
    return records_of(TimeOff, rows)


async def delete_time_off(
    tx: Transaction, *, network_id: UUID, practitioner_id: UUID, id: UUID
) -> bool:
    deleted = await tx.fetchval(
        """DELETE FROM time_off WHERE network_id = $1 AND practitioner_id = $2 AND id = $3
           RETURNING true""",
        network_id,
        practitioner_id,
        id,
    )
    return bool(deleted)
