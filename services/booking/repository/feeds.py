"""Calendar feeds, the network's settings, and the appointments a feed shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from shared.db import Transaction, record_of, records_of

Owner = Literal["practitioner_id", "clinic_id"]
"""Whose appointments a feed shows: a practitioner's or a clinic's."""


@dataclass(frozen=True, slots=True)
class CalendarFeed:
    """A feed as stored: never its secret, only the secret's hash."""

    id: UUID
    network_id: UUID
    practitioner_id: UUID | None
    clinic_id: UUID | None
    label: str | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class NetworkSettings:
    network_id: UUID
    show_patient_names: bool
    updated_at: datetime | None
    updated_by: str | None


@dataclass(frozen=True, slots=True)
class FeedAppointment:
    """An appointment with what a feed says of it."""

    id: UUID
    status: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    revision: int
    updated_at: datetime
    clinic_name: str
    clinic_address: str
    clinic_timezone: str
    room_name: str
    practitioner_name: str
    treatment_name: str
    given_name: str | None
    family_name: str | None


async def insert_feed(
    tx: Transaction,
    *,
    id: UUID,
    network_id: UUID,
    owner: Owner,
    owner_id: UUID,
    secret_sha256: str,
    label: str | None,
    created_by: str,
) -> CalendarFeed:
    feed = record_of(
        CalendarFeed,
        await tx.fetchrow(
            f"""INSERT INTO calendar_feeds (id, network_id, {owner}, secret_sha256, label,
                                            created_by)
                VALUES ($1, $2, $3, $4, $5, $6) RETURNING *""",
            id,
            network_id,
            owner_id,
            secret_sha256,
            label,
            created_by,
        ),
    )
    assert feed is not None
    return feed


async def list_feeds(
    tx: Transaction, *, network_id: UUID, owner: Owner, owner_id: UUID
) -> list[CalendarFeed]:
    """The owner's feeds that are not revoked, oldest first."""
    rows = await tx.fetch(
        f"""SELECT * FROM calendar_feeds
             WHERE network_id = $1 AND {owner} = $2 AND revoked_at IS NULL
             ORDER BY created_at, id""",
        network_id,
        owner_id,
    )
    return records_of(CalendarFeed, rows)


async def revoke_feed(
    tx: Transaction, *, network_id: UUID, owner: Owner, owner_id: UUID, id: UUID, by: str
) -> bool:
    """False when the owner has no such feed, or it is revoked already."""
    revoked = await tx.fetchval(
        f"""UPDATE calendar_feeds SET revoked_at = now(), revoked_by = $4
             WHERE network_id = $1 AND {owner} = $2 AND id = $3 AND revoked_at IS NULL
            RETURNING true""",
        network_id,
        owner_id,
        id,
        by,
    )
    return bool(revoked)


async def feed_by_secret_hash(tx: Transaction, *, secret_sha256: str) -> CalendarFeed | None:
    """The live feed whose secret has this hash, in whichever network: a system unit's lookup,
    the one read of this table without a tenant."""
    return record_of(
        CalendarFeed,
        await tx.fetchrow(
            "SELECT * FROM calendar_feeds WHERE secret_sha256 = $1 AND revoked_at IS NULL",
            secret_sha256,
        ),
    )


async def get_live_feed(tx: Transaction, *, network_id: UUID, id: UUID) -> CalendarFeed | None:
    return record_of(
        CalendarFeed,
        await tx.fetchrow(
            """SELECT * FROM calendar_feeds
                WHERE network_id = $1 AND id = $2 AND revoked_at IS NULL""",
            network_id,
            id,
        ),
    )


async def network_settings(tx: Transaction, *, network_id: UUID) -> NetworkSettings:
    """The network's settings, or the defaults when it has chosen none."""
    found = record_of(
        NetworkSettings,
        await tx.fetchrow("SELECT * FROM network_settings WHERE network_id = $1", network_id),
    )
    return found or NetworkSettings(network_id, False, None, None)


async def set_show_patient_names(
    tx: Transaction, *, network_id: UUID, show: bool, by: str
) -> NetworkSettings:
    saved = record_of(
        NetworkSettings,
        await tx.fetchrow(
            """INSERT INTO network_settings (network_id, show_patient_names, updated_by)
               VALUES ($1, $2, $3)
               ON CONFLICT (network_id) DO UPDATE
                  SET show_patient_names = excluded.show_patient_names,
                      updated_at = now(), updated_by = excluded.updated_by
               RETURNING *""",
            network_id,
            show,
            by,
        ),
    )
    assert saved is not None
    return saved


async def feed_appointments(
    tx: Transaction,
    *,
    network_id: UUID,
    owner: Owner,
    owner_id: UUID,
    start: datetime,
    end: datetime,
    cancelled_since: datetime,
) -> list[FeedAppointment]:
    """The owner's appointments starting in [start, end), a cancelled one only if cancelled
    since `cancelled_since`, in order."""
    rows = await tx.fetch(
        f"""SELECT a.id, a.status, a.kind, a.starts_at, a.ends_at, a.revision, a.updated_at,
                   c.name AS clinic_name, c.address AS clinic_address,
                   c.timezone AS clinic_timezone, r.name AS room_name,
                   p.name AS practitioner_name, t.name AS treatment_name,
                   pt.given_name, pt.family_name
              FROM appointments a
              JOIN clinics c ON c.id = a.clinic_id
              JOIN rooms r ON r.id = a.room_id
              JOIN practitioners p ON p.id = a.practitioner_id
              JOIN treatment_types t ON t.id = a.treatment_type_id
              LEFT JOIN patients pt
                ON pt.network_id = a.network_id AND pt.patient_id = a.patient_id
             WHERE a.network_id = $1 AND a.{owner} = $2
               AND a.starts_at >= $3 AND a.starts_at < $4
               AND (a.status <> 'cancelled' OR a.cancelled_at >= $5)
             ORDER BY a.starts_at, a.id""",
        network_id,
        owner_id,
        start,
        end,
        cancelled_since,
    )
    return records_of(FeedAppointment, rows)
