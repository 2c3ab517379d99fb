"""SQL of the notifications service, one section per table family.

Replicas (patients, clinics, practitioners, appointments) keep the newest fact only: every
upsert is guarded by `as_of`, so an event that arrives late never overwrites a newer one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from shared.db import Transaction

Conn = Transaction | asyncpg.Pool

# --- replicas ------------------------------------------------------------------------------------

PATIENT_FIELDS = (
    "given_name",
    "family_name",
    "email",
    "phone",
    "preferred_channel",
    "channel_opt_outs",
    "marketing_consent",
    "locale",
    "timezone",
    "quiet_hours_start",
    "quiet_hours_end",
)


async def upsert_patient(
    tx: Transaction, *, network_id: UUID, patient_id: UUID, as_of: datetime, **fields: Any
) -> bool:
    """Store a patient's contact data unless a newer fact is already stored; True if written."""
    values = [fields[f] for f in PATIENT_FIELDS]
    columns = ", ".join(PATIENT_FIELDS)
    params = ", ".join(f"${i}" for i in range(4, 4 + len(PATIENT_FIELDS)))
    updates = ", ".join(f"{f} = EXCLUDED.{f}" for f in (*PATIENT_FIELDS, "as_of"))
    written = await tx.fetchval(
        f"""INSERT INTO patients (network_id, patient_id, as_of, {columns})
            VALUES ($1, $2, $3, {params})
            ON CONFLICT (network_id, patient_id) DO UPDATE SET {updates}
            WHERE patients.as_of <= EXCLUDED.as_of
            RETURNING true""",
        network_id,
        patient_id,
        as_of,
        *values,
    )
    return bool(written)


async def get_patient(conn: Conn, network_id: UUID, patient_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM patients WHERE network_id = $1 AND patient_id = $2", network_id, patient_id
    )


async def update_preferences(
    tx: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID,
    as_of: datetime,
    preferred_channel: str,
    channel_opt_outs: list[str],
    marketing_consent: bool,
    locale: str,
    timezone: str,
    quiet_hours_start: time | None,
    quiet_hours_end: time | None,
) -> asyncpg.Record | None:
    return await tx.fetchrow(
        """UPDATE patients SET preferred_channel = $3, channel_opt_outs = $4,
                  marketing_consent = $5, locale = $6, timezone = $7,
                  quiet_hours_start = $8, quiet_hours_end = $9, as_of = GREATEST(as_of, $10)
           WHERE network_id = $1 AND patient_id = $2
           RETURNING *""",
        network_id,
        patient_id,
        preferred_channel,
        channel_opt_outs,
        marketing_consent,
        locale,
        timezone,
        quiet_hours_start,
        quiet_hours_end,
        as_of,
    )


async def remember_appointment(
    tx: Transaction,
    *,
    network_id: UUID,
    appointment_id: UUID,
    patient_id: UUID,
    clinic: dict[str, Any],
    practitioner: dict[str, Any],
    treatment_type_id: UUID,
    treatment_name: str,
    kind: str,
    starts_at: datetime,
    status: str,
    as_of: datetime,
) -> None:
    """The clinic, practitioner and appointment an appointment event describes, in one trip."""
    await tx.execute(
        """WITH c AS (
               INSERT INTO clinics (network_id, clinic_id, name, timezone, phone, email, as_of)
               SELECT $1, (c->>'clinic_id')::uuid, c->>'name', c->>'timezone', c->>'phone',
                      c->>'email', $9
               FROM (SELECT $4::jsonb AS c) AS given
               ON CONFLICT (network_id, clinic_id) DO UPDATE SET name = EXCLUDED.name,
                   timezone = EXCLUDED.timezone, phone = EXCLUDED.phone,
                   email = EXCLUDED.email, as_of = EXCLUDED.as_of
               WHERE clinics.as_of <= EXCLUDED.as_of
           ), p AS (
               INSERT INTO practitioners (network_id, practitioner_id, name, email, phone, as_of)
               SELECT $1, (p->>'practitioner_id')::uuid, p->>'name', p->>'email', p->>'phone',
                      $9
               FROM (SELECT $5::jsonb AS p) AS given
               ON CONFLICT (network_id, practitioner_id) DO UPDATE SET name = EXCLUDED.name,
                   email = EXCLUDED.email, phone = EXCLUDED.phone, as_of = EXCLUDED.as_of
               WHERE practitioners.as_of <= EXCLUDED.as_of
           )
           INSERT INTO appointments (network_id, appointment_id, patient_id, clinic_id,
               practitioner_id, treatment_name, starts_at, status, as_of, treatment_type_id,
               kind)
           VALUES ($1, $2, $3, ($4::jsonb->>'clinic_id')::uuid,
                   ($5::jsonb->>'practitioner_id')::uuid, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (network_id, appointment_id) DO UPDATE SET
               patient_id = EXCLUDED.patient_id, clinic_id = EXCLUDED.clinic_id,
               practitioner_id = EXCLUDED.practitioner_id,
               treatment_name = EXCLUDED.treatment_name, starts_at = EXCLUDED.starts_at,
               status = EXCLUDED.status, as_of = EXCLUDED.as_of,
               treatment_type_id = EXCLUDED.treatment_type_id, kind = EXCLUDED.kind
           WHERE appointments.as_of <= EXCLUDED.as_of""",
        network_id,
        appointment_id,
        patient_id,
        clinic,
        practitioner,
        treatment_name,
        starts_at,
        status,
        as_of,
        treatment_type_id,
        kind,
    )


async def upsert_skin_type(
    tx: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID,
    fitzpatrick_skin_type: int | None,
    profile_version: int,
) -> bool:
    """Keep a patient's skin type unless a newer profile version is kept; True if written."""
    written = await tx.fetchval(
        """INSERT INTO patient_skin_types (network_id, patient_id, fitzpatrick_skin_type,
               profile_version)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (network_id, patient_id) DO UPDATE SET
               fitzpatrick_skin_type = EXCLUDED.fitzpatrick_skin_type,
               profile_version = EXCLUDED.profile_version
           WHERE patient_skin_types.profile_version < EXCLUDED.profile_version
           RETURNING true""",
        network_id,
        patient_id,
        fitzpatrick_skin_type,
        profile_version,
    )
    return bool(written)


async def get_skin_type(conn: Conn, network_id: UUID, patient_id: UUID) -> int | None:
    """The patient's Fitzpatrick skin type (1-6), or None when not known."""
    value = await conn.fetchval(
        """SELECT fitzpatrick_skin_type FROM patient_skin_types
           WHERE network_id = $1 AND patient_id = $2""",
        network_id,
        patient_id,
    )
    return int(value) if value is not None else None


async def next_session_booked(
    conn: Conn,
    network_id: UUID,
    patient_id: UUID,
    treatment_type_id: UUID,
    after: datetime,
    excluding: UUID,
) -> asyncpg.Record | None:
    """The patient's first appointment for the treatment starting after `after` that is booked
    or already held (not cancelled or missed), other than `excluding`; None if there is none."""
    return await conn.fetchrow(
        """SELECT appointment_id, starts_at, status FROM appointments
           WHERE network_id = $1 AND patient_id = $2 AND treatment_type_id = $3
             AND starts_at > $4 AND appointment_id <> $5
             AND status IN ('booked', 'completed')
           ORDER BY starts_at
           LIMIT 1""",
        network_id,
        patient_id,
        treatment_type_id,
        after,
        excluding,
    )


async def get_clinic(conn: Conn, network_id: UUID, clinic_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM clinics WHERE network_id = $1 AND clinic_id = $2", network_id, clinic_id
    )


async def get_practitioner(
    conn: Conn, network_id: UUID, practitioner_id: UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM practitioners WHERE network_id = $1 AND practitioner_id = $2",
        network_id,
        practitioner_id,
    )


async def get_appointment(
    conn: Conn, network_id: UUID, appointment_id: UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM appointments WHERE network_id = $1 AND appointment_id = $2",
        network_id,
        appointment_id,
    )


Keys = Sequence[tuple[UUID, UUID]]


async def _by_keys(conn: Conn, table: str, column: str, keys: Keys) -> dict[tuple[UUID, UUID], Any]:
    rows = await conn.fetch(
        f"""SELECT t.* FROM {table} t
            JOIN unnest($1::uuid[], $2::uuid[]) AS k(network_id, id)
              ON t.network_id = k.network_id AND t.{column} = k.id""",
        [k[0] for k in keys],
        [k[1] for k in keys],
    )
    return {(r["network_id"], r[column]): r for r in rows}


async def get_patients(conn: Conn, keys: Keys) -> dict[tuple[UUID, UUID], Any]:
    """The patients of (network_id, patient_id) `keys` that are known, in one query."""
    return await _by_keys(conn, "patients", "patient_id", keys)


async def get_clinics(conn: Conn, keys: Keys) -> dict[tuple[UUID, UUID], Any]:
    return await _by_keys(conn, "clinics", "clinic_id", keys)


async def get_appointments(conn: Conn, keys: Keys) -> dict[tuple[UUID, UUID], Any]:
    return await _by_keys(conn, "appointments", "appointment_id", keys)


async def get_skin_types(conn: Conn, keys: Keys) -> dict[tuple[UUID, UUID], int | None]:
    """The known skin types of (network_id, patient_id) `keys`, in one query."""
    rows = await _by_keys(conn, "patient_skin_types", "patient_id", keys)
    return {k: r["fitzpatrick_skin_type"] for k, r in rows.items()}


REPLICA_BATCH = {
    get_patient: get_patients,
    get_clinic: get_clinics,
    get_appointment: get_appointments,
    get_skin_type: get_skin_types,
}
"""The one-query form of each single-row replica lookup."""


# --- messages ------------------------------------------------------------------------------------


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


async def insert_messages(
    tx: Transaction,
    *,
    network_id: UUID,
    event_id: UUID,
    event_type: str,
    facts: dict[str, Any],
    now: datetime,
    trace_id: str | None,
    traceparent: str | None,
    messages: Sequence[NewMessage],
    notify: str,
) -> None:
    """Schedule an event's messages; one that (event, kind, recipient) already has is left be.

    One statement: when a new row is due by `now`, it also sends NOTIFY on channel `notify`,
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
        network_id,
        event_id,
        event_type,
        facts,
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
        notify,
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


async def claim_due(tx: Transaction, *, now: datetime, limit: int) -> list[asyncpg.Record]:
    """Lock due messages no other worker holds; the caller decides each one in `tx`."""
    return await tx.fetch(
        """SELECT * FROM messages
           WHERE status = 'scheduled' AND send_at <= $1
           ORDER BY send_at
           LIMIT $2
           FOR UPDATE SKIP LOCKED""",
        now,
        limit,
    )


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


def _scope(
    network_id: UUID,
    clinic_ids: Sequence[UUID],
    filters: dict[str, Any],
    *,
    statuses: Sequence[str] | None = None,
) -> tuple[list[str], list[Any]]:
    where = ["network_id = $1"]
    args: list[Any] = [network_id]
    if clinic_ids:
        args.append(list(clinic_ids))
        where.append(f"clinic_id = ANY(${len(args)})")
    for column, value in filters.items():
        if value is not None:
            args.append(value)
            where.append(f"{column} = ${len(args)}")
    if statuses is not None:
        args.append(list(statuses))
        where.append(f"status = ANY(${len(args)})")
    return where, args


async def list_messages(
    conn: Conn,
    *,
    network_id: UUID,
    clinic_ids: Sequence[UUID],
    filters: dict[str, Any],
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """The message log, newest first."""
    where, args = _scope(network_id, clinic_ids, filters)
    if after is not None:
        args.extend(after)
        where.append(f"(created_at, id) < (${len(args) - 1}, ${len(args)})")
    args.append(limit)
    return await conn.fetch(
        f"""SELECT * FROM messages WHERE {" AND ".join(where)}
            ORDER BY created_at DESC, id DESC LIMIT ${len(args)}""",
        *args,
    )


async def list_scheduled(
    conn: Conn,
    *,
    network_id: UUID,
    clinic_ids: Sequence[UUID],
    filters: dict[str, Any],
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Messages still to go out, soonest first."""
    where, args = _scope(network_id, clinic_ids, filters, statuses=("scheduled", "sending"))
    if after is not None:
        args.extend(after)
        where.append(f"(send_at, id) > (${len(args) - 1}, ${len(args)})")
    args.append(limit)
    return await conn.fetch(
        f"""SELECT * FROM messages WHERE {" AND ".join(where)}
            ORDER BY send_at, id LIMIT ${len(args)}""",
        *args,
    )


async def get_message(
    conn: Conn, *, network_id: UUID, clinic_ids: Sequence[UUID], message_id: UUID
) -> asyncpg.Record | None:
    where, args = _scope(network_id, clinic_ids, {"id": message_id})
    return await conn.fetchrow(f"SELECT * FROM messages WHERE {' AND '.join(where)}", *args)


async def get_attempts(conn: Conn, message_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM message_attempts WHERE message_id = $1 ORDER BY number", message_id
    )


# --- templates and branding ----------------------------------------------------------------------


async def template_overrides(conn: Conn, network_id: UUID, kind: str) -> dict[tuple[str, str], str]:
    """(locale, part) -> source of the network's own templates of `kind`."""
    rows = await conn.fetch(
        "SELECT locale, part, source FROM template_overrides WHERE network_id = $1 AND kind = $2",
        network_id,
        kind,
    )
    return {(r["locale"], r["part"]): r["source"] for r in rows}


async def put_template_override(
    tx: Transaction,
    *,
    network_id: UUID,
    kind: str,
    locale: str,
    part: str,
    source: str,
    now: datetime,
    by: str,
) -> None:
    await tx.execute(
        """INSERT INTO template_overrides (network_id, kind, locale, part, source, updated_at,
               updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (network_id, kind, locale, part) DO UPDATE SET source = EXCLUDED.source,
               updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by""",
        network_id,
        kind,
        locale,
        part,
        source,
        now,
        by,
    )


async def get_branding(conn: Conn, network_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM branding WHERE network_id = $1", network_id)


async def put_branding(
    tx: Transaction,
    *,
    network_id: UUID,
    network_name: str,
    signature: str | None,
    now: datetime,
    by: str,
) -> asyncpg.Record:
    row = await tx.fetchrow(
        """INSERT INTO branding (network_id, network_name, signature, updated_at, updated_by)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (network_id) DO UPDATE SET network_name = EXCLUDED.network_name,
               signature = EXCLUDED.signature, updated_at = EXCLUDED.updated_at,
               updated_by = EXCLUDED.updated_by
           RETURNING *""",
        network_id,
        network_name,
        signature,
        now,
        by,
    )
    assert row is not None
    return row
