"""Practitioners, the clinics they work at, weekly hours and time off."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any
from uuid import UUID

from services.booking.repository.common import row_dict
from shared.db import Transaction

_PRACTITIONER = """SELECT p.*, coalesce(
        (SELECT array_agg(pc.clinic_id ORDER BY pc.clinic_id) FROM practitioner_clinics pc
          WHERE pc.practitioner_id = p.id), '{}') AS clinic_ids
    FROM practitioners p"""


async def insert_practitioner(
    tx: Transaction, *, network_id: UUID, id: UUID, clinic_ids: Sequence[UUID], **fields: Any
) -> None:
    await tx.execute(
        """INSERT INTO practitioners (id, network_id, name, email, phone, licence_number,
                                      licence_expires_on, indications, experience_tier)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        id,
        network_id,
        fields["name"],
        fields.get("email"),
        fields.get("phone"),
        fields["licence_number"],
        fields["licence_expires_on"],
        list(fields["indications"]),
        fields["experience_tier"],
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


async def update_practitioner(
    tx: Transaction, *, network_id: UUID, id: UUID, changes: dict[str, Any]
) -> None:
    allowed = (
        "name",
        "email",
        "phone",
        "licence_number",
        "licence_expires_on",
        "indications",
        "experience_tier",
    )
    sets = [(k, v) for k, v in changes.items() if k in allowed]
    if sets:
        assignments = ", ".join(f"{k} = ${i + 3}" for i, (k, _) in enumerate(sets))
        await tx.execute(
            f"UPDATE practitioners SET {assignments} WHERE network_id = $1 AND id = $2",
            network_id,
            id,
            *(v for _, v in sets),
        )
    if changes.get("clinic_ids") is not None:
        await set_practitioner_clinics(tx, practitioner_id=id, clinic_ids=changes["clinic_ids"])


async def get_practitioner(tx: Transaction, *, network_id: UUID, id: UUID) -> dict[str, Any] | None:
    return row_dict(
        await tx.fetchrow(f"{_PRACTITIONER} WHERE p.network_id = $1 AND p.id = $2", network_id, id)
    )


async def list_practitioners(
    tx: Transaction,
    *,
    network_id: UUID,
    clinic_id: UUID | None,
    limit: int,
    after: tuple[str, UUID] | None,
) -> list[dict[str, Any]]:
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
    return [dict(r) for r in rows]


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
) -> list[dict[str, Any]]:
    rows = await tx.fetch(
        """SELECT * FROM time_off WHERE network_id = $1 AND practitioner_id = $2
           ORDER BY starts_at, id""",
        network_id,
        practitioner_id,
    )
    return [dict(r) for r in rows]


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
