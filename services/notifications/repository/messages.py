"""The message log, which is also the schedule, and each message's send attempts.

One row per (event, kind, recipient): the unique key makes scheduling exactly-once. Status:
scheduled -> sending -> sent | scheduled (retry) | failed; or skipped / withdrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from services.notifications.domain.admin_alerts import AdminAlert
from shared.db import Transaction, record_of, records_of
from shared.events.base import Event

DUE_CHANNEL = "notifications_due"
"""NOTIFY channel: a message fell due now; the worker wakes at commit instead of polling."""


@dataclass(frozen=True, slots=True)
class Message:
    id: UUID
    network_id: UUID
    event_id: UUID
    event_type: str
    kind: str
    recipient_type: str
    recipient_id: UUID
    patient_id: UUID | None
    appointment_id: UUID | None
    clinic_id: UUID | None
    facts: dict[str, Any]
    """The event that caused it, as JSON (a jsonb column): read back with its event type; or,
    for an alert to the network's admins, the alert (`AdminAlert`)."""
    due_at: datetime
    send_at: datetime
    status: str
    status_reason: str | None
    channel: str | None
    address: str | None
    locale: str | None
    subject: str | None
    body: str | None
    sms: str | None
    attempts: int
    trace_id: str | None
    traceparent: str | None
    created_at: datetime
    updated_at: datetime
    sending_since: datetime | None
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class SendAttempt:
    message_id: UUID
    number: int
    channel: str
    address: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    detail: str | None


@dataclass(frozen=True, slots=True)
class NewMessage:
    kind: str
    recipient_type: str
    recipient_id: UUID
    patient_id: UUID | None
    appointment_id: UUID | None
    clinic_id: UUID | None
    due_at: datetime
    send_at: datetime


@dataclass(frozen=True, slots=True)
class MessageFilter:
    """What a listing is narrowed to; None matches every value."""

    patient_id: UUID | None = None
    appointment_id: UUID | None = None
    status: str | None = None
    kind: str | None = None


Position = tuple[datetime, UUID]
"""Where a page ended: the last message's time (created or sending) and id."""


# --- scheduling ----------------------------------------------------------------------------------


async def insert_messages(
    tx: Transaction,
    event: Event | AdminAlert,
    *,
    event_id: UUID,
    now: datetime,
    trace_id: str | None,
    traceparent: str | None,
    messages: Sequence[NewMessage],
) -> None:
    """Schedule an event's (or an admin alert's) messages; one that (event, kind, recipient)
    already has is left be.

    One statement: when a new row is due by `now`, it also sends NOTIFY on `DUE_CHANNEL`,
    which PostgreSQL delivers at commit.
    """
    await tx.execute(
        """WITH added AS (
               INSERT INTO messages (id, network_id, event_id, event_type, kind, recipient_type,
                   recipient_id, patient_id, appointment_id, clinic_id, facts, due_at, send_at,
                   status, trace_id, traceparent, created_at, updated_at)
               SELECT m.id, $1, $2, $3, m.kind, m.recipient_type, m.recipient_id, m.patient_id,
                      m.appointment_id, m.clinic_id, $4, m.due_at, m.send_at, 'scheduled', $5,
                      $6, $7, $7
               FROM unnest($8::uuid[], $9::text[], $10::text[], $11::uuid[], $12::uuid[],
                           $13::uuid[], $14::uuid[], $15::timestamptz[], $16::timestamptz[])
                    AS m(id, kind, recipient_type, recipient_id, patient_id, appointment_id,
                         clinic_id, due_at, send_at)
               ON CONFLICT ON CONSTRAINT messages_once DO NOTHING
               RETURNING send_at
           )
           SELECT pg_notify($17, '') FROM added WHERE send_at <= $7 LIMIT 1""",
        event.network_id,
        event_id,
        event.type,
        event.model_dump(mode="json"),
        trace_id,
        traceparent,
        now,
        [uuid4() for _ in messages],
        [m.kind for m in messages],
        [m.recipient_type for m in messages],
        [m.recipient_id for m in messages],
        [m.patient_id for m in messages],
        [m.appointment_id for m in messages],
        [m.clinic_id for m in messages],
        [m.due_at for m in messages],
        [m.send_at for m in messages],
        DUE_CHANNEL,
    )


async def withdraw_pending(
    tx: Transaction,
    *,
    network_id: UUID,
    appointment_id: UUID,
    kinds: Sequence[str],
    reason: str,
    now: datetime,
) -> int:
    """Withdraw the appointment's messages of `kinds` that have not started going out."""
    result = await tx.execute(
        """UPDATE messages SET status = 'withdrawn', status_reason = $4, updated_at = $5
           WHERE network_id = $1 AND appointment_id = $2 AND kind = ANY($3)
             AND status = 'scheduled'""",
        network_id,
        appointment_id,
        list(kinds),
        reason,
        now,
    )
    return int(result.split()[-1])


# --- dispatching ---------------------------------------------------------------------------------


async def claim_due(tx: Transaction, *, now: datetime, limit: int) -> list[Message]:
    """Lock due messages no other worker holds; the caller decides each one in `tx`."""
    rows = await tx.fetch(
        """SELECT * FROM messages
           WHERE status = 'scheduled' AND send_at <= $1
           ORDER BY send_at
           LIMIT $2
           FOR UPDATE SKIP LOCKED""",
        now,
        limit,
    )
    return records_of(Message, rows)


async def hold(tx: Transaction, message_id: UUID, *, until: datetime, now: datetime) -> None:
    await tx.execute(
        "UPDATE messages SET send_at = $2, updated_at = $3 WHERE id = $1", message_id, until, now
    )


async def close_without_sending(
    tx: Transaction, message_id: UUID, *, status: str, reason: str, now: datetime
) -> None:
    """Record a message as skipped, withdrawn or failed before any attempt, with why."""
    await tx.execute(
        """UPDATE messages SET status = $2, status_reason = $3, updated_at = $4
           WHERE id = $1""",
        message_id,
        status,
        reason,
        now,
    )


@dataclass(frozen=True, slots=True)
class Sending:
    """A decided message about to go out: the channel, address and what it says."""

    message_id: UUID
    channel: str
    address: str
    locale: str
    subject: str
    body: str
    sms: str


async def start_sending_many(
    tx: Transaction, sendings: Sequence[Sending], *, now: datetime
) -> dict[UUID, int]:
    """Mark messages `sending` and open the next attempt of each; message id -> attempt number."""
    if not sendings:
        return {}
    rows = await tx.fetch(
        """WITH started AS (
               UPDATE messages m SET status = 'sending', sending_since = $1,
                   attempts = m.attempts + 1, channel = s.channel, address = s.address,
                   locale = s.locale, subject = s.subject, body = s.body, sms = s.sms,
                   updated_at = $1
               FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
                           $7::text[], $8::text[])
                    AS s(id, channel, address, locale, subject, body, sms)
               WHERE m.id = s.id
               RETURNING m.id, m.attempts, m.channel, m.address
           ), opened AS (
               INSERT INTO message_attempts (message_id, number, channel, address, started_at)
               SELECT id, attempts, channel, address, $1 FROM started
           )
           SELECT id, attempts FROM started""",
        now,
        [s.message_id for s in sendings],
        [s.channel for s in sendings],
        [s.address for s in sendings],
        [s.locale for s in sendings],
        [s.subject for s in sendings],
        [s.body for s in sendings],
        [s.sms for s in sendings],
    )
    return {r["id"]: r["attempts"] for r in rows}


@dataclass(frozen=True, slots=True)
class Finished:
    """How attempt `number` of a message ended and what the message becomes."""

    message_id: UUID
    number: int
    outcome: str  # sent | temporary_failure | permanent_failure
    detail: str | None
    status: str  # sent | scheduled (retry) | failed
    status_reason: str | None
    send_at: datetime | None  # the retry time
    counted: str  # the outcome as the metrics count it: sent | retried | failed


async def finish_attempts(tx: Transaction, finished: Sequence[Finished], *, now: datetime) -> None:
    """Close the attempts and move their messages to sent, scheduled (retry) or failed."""
    if not finished:
        return
    await tx.execute(
        """WITH f AS (
               SELECT * FROM unnest($2::uuid[], $3::int[], $4::text[], $5::text[], $6::text[],
                                    $7::text[], $8::timestamptz[])
                    AS f(id, number, outcome, detail, status, status_reason, send_at)
           ), closed AS (
               UPDATE message_attempts a SET finished_at = $1, outcome = f.outcome,
                   detail = f.detail
               FROM f WHERE a.message_id = f.id AND a.number = f.number
           )
           UPDATE messages m SET status = f.status, status_reason = f.status_reason,
               send_at = COALESCE(f.send_at, m.send_at), sending_since = NULL, updated_at = $1,
               sent_at = CASE WHEN f.status = 'sent' THEN $1 ELSE m.sent_at END
           FROM f WHERE m.id = f.id AND m.status = 'sending'""",
        now,
        [f.message_id for f in finished],
        [f.number for f in finished],
        [f.outcome for f in finished],
        [f.detail for f in finished],
        [f.status for f in finished],
        [f.status_reason for f in finished],
        [f.send_at for f in finished],
    )


async def expire_stale_sending(tx: Transaction, *, older_than: datetime, now: datetime) -> int:
    """Messages a stopped worker left mid-send: failed with an unknown outcome, never resent."""
    reason = (
        "delivery outcome unknown: the worker stopped while sending; not retried so that the "
        "recipient cannot get it twice"
    )
    rows = await tx.fetch(
        """UPDATE messages SET status = 'failed', status_reason = $2, sending_since = NULL,
               updated_at = $3
           WHERE status = 'sending' AND sending_since < $1
           RETURNING id, attempts""",
        older_than,
        reason,
        now,
    )
    for row in rows:
        await tx.execute(
            """UPDATE message_attempts SET finished_at = $3, outcome = 'outcome_unknown'
               WHERE message_id = $1 AND number = $2 AND finished_at IS NULL""",
            row["id"],
            row["attempts"],
            now,
        )
    return len(rows)


# --- the log -------------------------------------------------------------------------------------


def _scope(
    network_id: UUID,
    clinic_ids: Sequence[UUID],
    filters: MessageFilter,
    *,
    message_id: UUID | None = None,
    statuses: Sequence[str] | None = None,
) -> tuple[list[str], list[Any]]:
    """The WHERE clauses and their arguments: the network, the caller's clinics, the filters."""
    where = ["network_id = $1"]
    args: list[Any] = [network_id]
    if clinic_ids:
        args.append(list(clinic_ids))
        where.append(f"clinic_id = ANY(${len(args)})")
    for column, value in (
        ("patient_id", filters.patient_id),
        ("appointment_id", filters.appointment_id),
        ("status", filters.status),
        ("kind", filters.kind),
        ("id", message_id),
    ):
        if value is not None:
            args.append(value)
            where.append(f"{column} = ${len(args)}")
    if statuses is not None:
        args.append(list(statuses))
        where.append(f"status = ANY(${len(args)})")
    return where, args


async def _page(
    tx: Transaction,
    where: list[str],
    args: list[Any],
    *,
    at: str,
    newest_first: bool,
    after: Position | None,
    limit: int,
) -> list[Message]:
    """The messages `where` holds, ordered by the time column `at` (then id), from `after` on."""
    direction, beyond = (" DESC", "<") if newest_first else ("", ">")
    if after is not None:
        args.extend(after)
        where.append(f"({at}, id) {beyond} (${len(args) - 1}, ${len(args)})")
    args.append(limit)
    rows = await tx.fetch(
        f"""SELECT * FROM messages WHERE {" AND ".join(where)}
            ORDER BY {at}{direction}, id{direction} LIMIT ${len(args)}""",
        *args,
    )
    return records_of(Message, rows)


async def list_messages(
    tx: Transaction,
    *,
    network_id: UUID,
    clinic_ids: Sequence[UUID],
    filters: MessageFilter,
    after: Position | None,
    limit: int,
) -> list[Message]:
    """The message log, newest first."""
    where, args = _scope(network_id, clinic_ids, filters)
    return await _page(
        tx, where, args, at="created_at", newest_first=True, after=after, limit=limit
    )


async def list_scheduled(
    tx: Transaction,
    *,
    network_id: UUID,
    clinic_ids: Sequence[UUID],
    filters: MessageFilter,
    after: Position | None,
    limit: int,
) -> list[Message]:
    """Messages still to go out, soonest first."""
    where, args = _scope(network_id, clinic_ids, filters, statuses=("scheduled", "sending"))
    return await _page(tx, where, args, at="send_at", newest_first=False, after=after, limit=limit)


async def get_message(
    tx: Transaction, *, network_id: UUID, clinic_ids: Sequence[UUID], message_id: UUID
) -> Message | None:
    where, args = _scope(network_id, clinic_ids, MessageFilter(), message_id=message_id)
    row = await tx.fetchrow(f"SELECT * FROM messages WHERE {' AND '.join(where)}", *args)
    return record_of(Message, row)


async def get_attempts(tx: Transaction, message_id: UUID) -> list[SendAttempt]:
    rows = await tx.fetch(
        "SELECT * FROM message_attempts WHERE message_id = $1 ORDER BY number", message_id
    )
    return records_of(SendAttempt, rows)
