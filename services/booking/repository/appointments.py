"""Appointments: insert under the exclusion constraints, read, change, list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict
from uuid import UUID

import asyncpg

from services.booking.repository.catalog import Kind
from services.booking.repository.common import CONSTRAINT_ERRORS
from shared.db import Transaction, record_of, records_of

_APPOINTMENT = """SELECT a.*,
        c.name AS clinic_name, c.timezone AS clinic_timezone, c.phone AS clinic_phone,
        c.email AS clinic_email,
        p.name AS practitioner_name, p.email AS practitioner_email,
        p.phone AS practitioner_phone,
        t.name AS treatment_name, t.areas AS treatment_areas
    FROM appointments a
    JOIN clinics c ON c.id = a.clinic_id
    JOIN practitioners p ON p.id = a.practitioner_id
    JOIN treatment_types t ON t.id = a.treatment_type_id"""


class StoredAcknowledgement(TypedDict, total=False):
    """A practitioner's acknowledgement as the `acknowledgement` JSON column holds it."""

    reason: str
    finding_codes: list[str]


class StoredCheck(TypedDict, total=False):
    """A passing cross-check as the `cross_check` and `checks` JSON columns hold it."""

    verdict: str
    profile_version: int | None
    findings: list[dict[str, object]]
    blend_id: str | None
    blend_version: int | None
    ingredient_codes: list[str] | None
    lot_numbers: list[str]
    areas: list[str]
    checked_at: str
    checked_by: str
    acknowledgement: StoredAcknowledgement | None


@dataclass(frozen=True, slots=True)
class Appointment:
    """An appointment, with what its answers and events name of its clinic, practitioner and
    treatment type."""

    id: UUID
    network_id: UUID
    clinic_id: UUID
    room_id: UUID
    practitioner_id: UUID
    patient_id: UUID
    treatment_type_id: UUID
    treatment_plan_id: UUID | None
    kind: Kind
    indication: str
    status: str
    starts_at: datetime
    ends_at: datetime
    occupied_until: datetime
    price_minor: int | None
    currency: str | None
    notes: str | None
    created_at: datetime
    created_by: str
    clinic_name: str
    clinic_timezone: str
    clinic_phone: str | None
    clinic_email: str | None
    practitioner_name: str
    practitioner_email: str | None
    practitioner_phone: str | None
    treatment_name: str
    treatment_areas: list[str]
    checked_in_at: datetime | None = None
    started_at: datetime | None = None
    started_by: str | None = None
    cross_check: StoredCheck | None = None
    """The last passing cross-check: what may be injected now."""
    checks: list[StoredCheck] = field(default_factory=list)
    acknowledgement: StoredAcknowledgement | None = None
    completed_at: datetime | None = None
    completed_by: str | None = None
    completion: dict[str, Any] | None = None
    """A JSON column: the `SessionRecord` as recorded, kept as its JSON value."""
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None
    cancel_reason: str | None = None


async def insert_appointment(
    tx: Transaction,
    *,
    id: UUID,
    network_id: UUID,
    clinic_id: UUID,
    room_id: UUID,
    practitioner_id: UUID,
    patient_id: UUID,
    treatment_type_id: UUID,
    treatment_plan_id: UUID | None,
    kind: str,
    indication: str,
    starts_at: datetime,
    ends_at: datetime,
    occupied_until: datetime,
    price_minor: int | None,
    currency: str | None,
    notes: str | None,
    created_at: datetime,
    created_by: str,
) -> None:
    """Insert a booked appointment; PractitionerTaken / RoomTaken when the calendar is occupied."""
    try:
        await tx.execute(
            """INSERT INTO appointments (id, network_id, clinic_id, room_id, practitioner_id,
                   patient_id, treatment_type_id, treatment_plan_id, kind, indication, status,
                   starts_at, ends_at, occupied_until, price_minor, currency, notes, created_at,
                   updated_at, created_by)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'booked', $11, $12, $13, $14,
                       $15, $16, $17, $17, $18)""",
            id,
            network_id,
            clinic_id,
            room_id,
            practitioner_id,
            patient_id,
            treatment_type_id,
            treatment_plan_id,
            kind,
            indication,
            starts_at,
            ends_at,
            occupied_until,
            price_minor,
            currency,
            notes,
            created_at,
            created_by,
        )
    except asyncpg.ExclusionViolationError as exc:
        raise _taken(exc) from None


def _taken(exc: asyncpg.ExclusionViolationError) -> Exception:
    error = CONSTRAINT_ERRORS.get(exc.constraint_name or "")
    if error is None:
        return exc
    return error()


async def get_appointment(
    tx: Transaction, *, network_id: UUID, id: UUID, for_update: bool = False
) -> Appointment | None:
    lock = " FOR UPDATE OF a" if for_update else ""
    return record_of(
        Appointment,
        await tx.fetchrow(
            f"{_APPOINTMENT} WHERE a.network_id = $1 AND a.id = $2{lock}", network_id, id
        ),
    )


async def move_appointment(
    tx: Transaction,
    *,
    network_id: UUID,
    id: UUID,
    status: str,
    practitioner_id: UUID,
    room_id: UUID,
    starts_at: datetime,
    ends_at: datetime,
    occupied_until: datetime,
) -> None:
    """Reschedule (a new revision for calendars); PractitionerTaken / RoomTaken when the move
    hits the calendar."""
    try:
        await tx.execute(
            """UPDATE appointments SET status = $3, practitioner_id = $4, room_id = $5,
                      starts_at = $6, ends_at = $7, occupied_until = $8, updated_at = now(),
                      revision = revision + 1
               WHERE network_id = $1 AND id = $2""",
            network_id,
            id,
            status,
            practitioner_id,
            room_id,
            starts_at,
            ends_at,
            occupied_until,
        )
    except asyncpg.ExclusionViolationError as exc:
        raise _taken(exc) from None


async def cancel_appointment(
    tx: Transaction,
    *,
    network_id: UUID,
    id: UUID,
    status: str,
    cancelled_at: datetime,
    cancelled_by: str,
    cancel_reason: str,
) -> None:
    await tx.execute(
        """UPDATE appointments SET status = $3, cancelled_at = $4, cancelled_by = $5,
                  cancel_reason = $6, updated_at = now(), revision = revision + 1
           WHERE network_id = $1 AND id = $2""",
        network_id,
        id,
        status,
        cancelled_at,
        cancelled_by,
        cancel_reason,
    )


async def check_in_appointment(
    tx: Transaction, *, network_id: UUID, id: UUID, status: str, checked_in_at: datetime
) -> None:
    await tx.execute(
        """UPDATE appointments SET status = $3, checked_in_at = $4, updated_at = now()
           WHERE network_id = $1 AND id = $2""",
        network_id,
        id,
        status,
        checked_in_at,
    )


async def set_status(tx: Transaction, *, network_id: UUID, id: UUID, status: str) -> None:
    await tx.execute(
        "UPDATE appointments SET status = $3, updated_at = now() WHERE network_id = $1 AND id = $2",
        network_id,
        id,
        status,
    )


async def record_cross_check(
    tx: Transaction,
    *,
    network_id: UUID,
    id: UUID,
    status: str,
    check: StoredCheck,
    checks: list[StoredCheck],
    started_at: datetime | None = None,
    started_by: str | None = None,
) -> None:
    """Make `check` the one of record (added to `checks`); a start also says when and by whom."""
    await tx.execute(
        """UPDATE appointments SET status = $3, cross_check = $4, checks = $5,
                  acknowledgement = $6, started_at = coalesce($7, started_at),
                  started_by = coalesce($8, started_by), updated_at = now()
           WHERE network_id = $1 AND id = $2""",
        network_id,
        id,
        status,
        check,
        checks,
        check.get("acknowledgement"),
        started_at,
        started_by,
    )


async def complete_appointment(
    tx: Transaction,
    *,
    network_id: UUID,
    id: UUID,
    status: str,
    completed_at: datetime,
    completed_by: str,
    completion: dict[str, Any],
) -> None:
    await tx.execute(
        """UPDATE appointments SET status = $3, completed_at = $4, completed_by = $5,
                  completion = $6, updated_at = now()
           WHERE network_id = $1 AND id = $2""",
        network_id,
        id,
        status,
        completed_at,
        completed_by,
        completion,
    )


async def list_appointments(
    tx: Transaction,
    *,
    network_id: UUID,
    clinic_id: UUID | None,
    practitioner_id: UUID | None,
    patient_id: UUID | None,
    status: str | None,
    start: datetime | None,
    end: datetime | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[Appointment]:
    rows = await tx.fetch(
        f"""{_APPOINTMENT} WHERE a.network_id = $1
             AND ($2::uuid IS NULL OR a.clinic_id = $2)
             AND ($3::uuid IS NULL OR a.practitioner_id = $3)
             AND ($4::uuid IS NULL OR a.patient_id = $4)
             AND ($5::text IS NULL OR a.status = $5)
             AND ($6::timestamptz IS NULL OR a.starts_at >= $6)
             AND ($7::timestamptz IS NULL OR a.starts_at < $7)
             AND ($8::timestamptz IS NULL OR (a.starts_at, a.id) > ($8, $9::uuid))
           ORDER BY a.starts_at, a.id LIMIT $10""",
        network_id,
        clinic_id,
        practitioner_id,
        patient_id,
        status,
        start,
        end,
        after[0] if after else None,
        after[1] if after else None,
        limit + 1,
    )
    return records_of(Appointment, rows)
