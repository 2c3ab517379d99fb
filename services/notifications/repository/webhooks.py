"""Webhook endpoints, their deliveries (one per endpoint and event) and each attempt.

A delivery is `pending` until a 2xx (`delivered`) or until it is given up (`failed`); while it is
being sent it holds a lease. Only the first pending delivery of an aggregate (its
`ordering_key`) for an endpoint may be taken, so one aggregate's events arrive in order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from shared.db import Transaction, record_of, records_of

WEBHOOKS_CHANNEL = "notifications_webhooks_due"
"""NOTIFY channel: deliveries fell due now; the sender wakes at commit instead of polling."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: UUID
    network_id: UUID
    url: str
    event_types: list[str]
    description: str | None
    status: str
    disabled_reason: str | None
    disabled_at: datetime | None
    secret: str
    previous_secret: str | None
    previous_secret_until: datetime | None
    failing_since: datetime | None
    created_at: datetime
    created_by: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    id: UUID
    network_id: UUID
    endpoint_id: UUID
    event_id: UUID
    event_type: str
    ordering_key: str
    status: str
    attempts: int
    next_attempt_at: datetime
    first_failed_at: datetime | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class Attempt:
    delivery_id: UUID
    attempted_at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None


@dataclass(frozen=True, slots=True)
class Taken:
    """A delivery taken to be sent: what to send, where, signed with what."""

    id: UUID
    network_id: UUID
    endpoint_id: UUID
    event_id: UUID
    event_type: str
    body: str
    url: str
    secret: str
    previous_secret: str | None
    previous_secret_until: datetime | None
    attempts: int
    first_failed_at: datetime | None


# --- endpoints -------------------------------------------------------------------------------


async def insert_endpoint(
    tx: Transaction,
    *,
    network_id: UUID,
    url: str,
    event_types: Sequence[str],
    description: str | None,
    secret: str,
    now: datetime,
    by: str,
) -> Endpoint:
    row = await tx.fetchrow(
        """INSERT INTO webhook_endpoints (id, network_id, url, event_types, description, status,
               secret, created_at, created_by, updated_at)
           VALUES ($1, $2, $3, $4, $5, 'enabled', $6, $7, $8, $7)
           RETURNING *""",
        uuid4(),
        network_id,
        url,
        list(event_types),
        description,
        secret,
        now,
        by,
    )
    return _endpoint(row)


async def count_endpoints(tx: Transaction, network_id: UUID) -> int:
    count: int = await tx.fetchval(
        "SELECT count(*) FROM webhook_endpoints WHERE network_id = $1", network_id
    )
    return count


async def get_endpoint(
    tx: Transaction, network_id: UUID, endpoint_id: UUID, *, for_update: bool = False
) -> Endpoint | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await tx.fetchrow(
        f"SELECT * FROM webhook_endpoints WHERE network_id = $1 AND id = $2{lock}",
        network_id,
        endpoint_id,
    )
    return record_of(Endpoint, row)


async def list_endpoints(tx: Transaction, network_id: UUID) -> list[Endpoint]:
    rows = await tx.fetch(
        "SELECT * FROM webhook_endpoints WHERE network_id = $1 ORDER BY created_at, id",
        network_id,
    )
    return records_of(Endpoint, rows)


async def update_endpoint(
    tx: Transaction,
    endpoint: Endpoint,
    *,
    url: str,
    event_types: Sequence[str],
    description: str | None,
    status: str,
    disabled_reason: str | None,
    disabled_at: datetime | None,
    failing_since: datetime | None,
    now: datetime,
) -> Endpoint:
    row = await tx.fetchrow(
        """UPDATE webhook_endpoints SET url = $3, event_types = $4, description = $5,
               status = $6, disabled_reason = $7, disabled_at = $8, failing_since = $9,
               updated_at = $10
           WHERE network_id = $1 AND id = $2 RETURNING *""",
        endpoint.network_id,
        endpoint.id,
        url,
        list(event_types),
        description,
        status,
        disabled_reason,
        disabled_at,
        failing_since,
        now,
    )
    return _endpoint(row)


async def rotate_secret(
    tx: Transaction, endpoint: Endpoint, *, secret: str, previous_until: datetime, now: datetime
) -> Endpoint:
    row = await tx.fetchrow(
        """UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = $3,
               secret = $4, updated_at = $5
           WHERE network_id = $1 AND id = $2 RETURNING *""",
        endpoint.network_id,
        endpoint.id,
        previous_until,
        secret,
        now,
    )
    return _endpoint(row)


async def delete_endpoint(tx: Transaction, network_id: UUID, endpoint_id: UUID) -> bool:
    deleted = await tx.fetchval(
        "DELETE FROM webhook_endpoints WHERE network_id = $1 AND id = $2 RETURNING id",
        network_id,
        endpoint_id,
    )
    return deleted is not None


async def subscribers(tx: Transaction, network_id: UUID, event_type: str) -> list[UUID]:
    """The enabled endpoints of the network that take `event_type`."""
    rows = await tx.fetch(
        """SELECT id FROM webhook_endpoints
           WHERE network_id = $1 AND status = 'enabled'
             AND (event_types @> ARRAY[$2]::text[] OR event_types @> ARRAY['*']::text[])
           ORDER BY id""",
        network_id,
        event_type,
    )
    return [r["id"] for r in rows]


def _endpoint(row: object) -> Endpoint:
    endpoint = record_of(Endpoint, row)  # type: ignore[arg-type]
    assert endpoint is not None
    return endpoint


# --- deliveries ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewDelivery:
    endpoint_id: UUID
    event_id: UUID
    event_type: str
    ordering_key: str
    body: str


async def insert_deliveries(
    tx: Transaction, network_id: UUID, deliveries: Sequence[NewDelivery], *, now: datetime
) -> int:
    """Queue deliveries (an event already queued for an endpoint is not queued twice) and wake
    the sender at commit; how many were new."""
    if not deliveries:
        return 0
    rows = await tx.fetch(
        """INSERT INTO webhook_deliveries (id, network_id, endpoint_id, event_id, event_type,
               ordering_key, body, status, next_attempt_at, created_at)
           SELECT gen_random_uuid(), $1, d.endpoint_id, d.event_id, d.event_type,
                  d.ordering_key, d.body, 'pending', $2, $2
             FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[])
                  AS d (endpoint_id, event_id, event_type, ordering_key, body)
           ON CONFLICT (endpoint_id, event_id) DO NOTHING
           RETURNING id""",
        network_id,
        now,
        [d.endpoint_id for d in deliveries],
        [d.event_id for d in deliveries],
        [d.event_type for d in deliveries],
        [d.ordering_key for d in deliveries],
        [d.body for d in deliveries],
    )
    if rows:
        await tx.execute("SELECT pg_notify($1, '')", WEBHOOKS_CHANNEL)
    return len(rows)


async def take_due(
    tx: Transaction,
    *,
    now: datetime,
    lease_until: datetime,
    room: int,
    per_endpoint: int,
    in_flight: Mapping[UUID, int],
) -> list[Taken]:
    """Lease up to `room` due deliveries, each the first pending of its aggregate, so that no
    endpoint has more than `per_endpoint` being sent (`in_flight` are being sent already)."""
    rows = await tx.fetch(
        """WITH candidates AS (
               SELECT id FROM (
                   SELECT d.id, d.endpoint_id, row_number() OVER (
                              PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.seq) AS n
                     FROM webhook_deliveries d
                     JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.status = 'enabled'
                    WHERE d.status = 'pending' AND d.next_attempt_at <= $1
                      AND (d.leased_until IS NULL OR d.leased_until <= $1)
                      AND NOT EXISTS (
                          SELECT 1 FROM webhook_deliveries p
                           WHERE p.endpoint_id = d.endpoint_id
                             AND p.ordering_key = d.ordering_key
                             AND p.status = 'pending' AND p.seq < d.seq)
               ) ranked
               WHERE n <= $4 - coalesce(
                   (SELECT f.sending FROM unnest($5::uuid[], $6::int[]) AS f (id, sending)
                     WHERE f.id = ranked.endpoint_id), 0)
               LIMIT $3
           ), taken AS (
               SELECT d.id FROM webhook_deliveries d JOIN candidates c ON c.id = d.id
                WHERE d.status = 'pending'
                  AND (d.leased_until IS NULL OR d.leased_until <= $1)
                FOR UPDATE OF d SKIP LOCKED
           )
           UPDATE webhook_deliveries d SET leased_until = $2, attempts = d.attempts + 1
             FROM taken, webhook_endpoints e
            WHERE d.id = taken.id AND e.id = d.endpoint_id
           RETURNING d.id, d.network_id, d.endpoint_id, d.event_id, d.event_type, d.body,
                     e.url, e.secret, e.previous_secret, e.previous_secret_until, d.attempts,
                     d.first_failed_at""",
        now,
        lease_until,
        room,
        per_endpoint,
        list(in_flight),
        list(in_flight.values()),
    )
    return records_of(Taken, rows)


async def record_attempt(
    tx: Transaction,
    taken: Taken,
    *,
    attempted_at: datetime,
    status_code: int | None,
    duration_ms: int,
    error: str | None,
) -> None:
    await tx.execute(
        """INSERT INTO webhook_attempts (id, network_id, delivery_id, attempted_at, status_code,
               duration_ms, error)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        uuid4(),
        taken.network_id,
        taken.id,
        attempted_at,
        status_code,
        duration_ms,
        error,
    )


async def finish_delivery(tx: Transaction, taken: Taken, *, status: str, now: datetime) -> None:
    """`delivered` or `failed`: the delivery leaves the queue."""
    await tx.execute(
        """UPDATE webhook_deliveries SET status = $3, finished_at = $4, leased_until = NULL
           WHERE network_id = $1 AND id = $2""",
        taken.network_id,
        taken.id,
        status,
        now,
    )


async def retry_later(
    tx: Transaction, taken: Taken, *, at: datetime, first_failed_at: datetime
) -> None:
    await tx.execute(
        """UPDATE webhook_deliveries SET next_attempt_at = $3, first_failed_at = $4,
               leased_until = NULL
           WHERE network_id = $1 AND id = $2""",
        taken.network_id,
        taken.id,
        at,
        first_failed_at,
    )


async def requeue(
    tx: Transaction, network_id: UUID, endpoint_id: UUID, delivery_id: UUID, *, now: datetime
) -> Delivery | None:
    """Send a delivery again now, whatever became of it (a manual retry)."""
    row = await tx.fetchrow(
        """UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $4,
               first_failed_at = NULL, finished_at = NULL
           WHERE network_id = $1 AND endpoint_id = $2 AND id = $3
           RETURNING *""",
        network_id,
        endpoint_id,
        delivery_id,
        now,
    )
    if row is not None:
        await tx.execute("SELECT pg_notify($1, '')", WEBHOOKS_CHANNEL)
    return record_of(Delivery, row)


async def delivery_of_event(
    tx: Transaction, network_id: UUID, endpoint_id: UUID, event_id: UUID
) -> Delivery | None:
    row = await tx.fetchrow(
        """SELECT * FROM webhook_deliveries
           WHERE network_id = $1 AND endpoint_id = $2 AND event_id = $3""",
        network_id,
        endpoint_id,
        event_id,
    )
    return record_of(Delivery, row)


async def list_deliveries(
    tx: Transaction,
    network_id: UUID,
    endpoint_id: UUID,
    *,
    status: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[Delivery]:
    """An endpoint's deliveries, newest first."""
    rows = await tx.fetch(
        """SELECT * FROM webhook_deliveries
           WHERE network_id = $1 AND endpoint_id = $2
             AND ($3::text IS NULL OR status = $3)
             AND ($4::timestamptz IS NULL OR (created_at, id) < ($4, $5))
           ORDER BY created_at DESC, id DESC
           LIMIT $6""",
        network_id,
        endpoint_id,
        status,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return records_of(Delivery, rows)


async def attempts_of(tx: Transaction, delivery_ids: Sequence[UUID]) -> list[Attempt]:
    rows = await tx.fetch(
        """SELECT * FROM webhook_attempts WHERE delivery_id = ANY($1::uuid[])
           ORDER BY attempted_at, id""",
        list(delivery_ids),
    )
    return records_of(Attempt, rows)
