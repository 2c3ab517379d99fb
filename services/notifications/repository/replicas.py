"""What notifications keeps of other services' facts: patients, clinics, practitioners,
appointments, skin types and staff accounts.

Each keeps the newest fact only: every upsert is guarded by `as_of` (the profile version for skin
types), so an event that arrives late never overwrites a newer one. The dispatcher reads many
at once (`get_patients`, ...): one query for all the messages of a round.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from uuid import UUID

import asyncpg

from shared.db import Transaction, record_of, records_of


@dataclass(frozen=True, slots=True)
class Contact:
    """How a patient is reached, as records tells it."""

    given_name: str
    family_name: str
    email: str | None
    phone: str | None
    preferred_channel: str
    channel_opt_outs: list[str]
    marketing_consent: bool
    locale: str
    timezone: str
    quiet_hours_start: time | None
    quiet_hours_end: time | None


@dataclass(frozen=True, slots=True)
class Patient(Contact):
    """A patient kept: their keys and their contact data, as the last fact told it."""

    network_id: UUID
    patient_id: UUID


@dataclass(frozen=True, slots=True)
class Clinic:
    network_id: UUID
    clinic_id: UUID
    name: str
    timezone: str
    phone: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class Practitioner:
    network_id: UUID
    practitioner_id: UUID
    name: str
    email: str | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class Appointment:
    network_id: UUID
    appointment_id: UUID
    patient_id: UUID
    clinic_id: UUID
    practitioner_id: UUID
    treatment_name: str
    starts_at: datetime
    status: str
    treatment_type_id: UUID | None
    """Empty for appointments remembered before it was kept."""
    kind: str | None


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A staff account as the gateway announced it: whom an alert to the admins reaches."""

    network_id: UUID
    staff_id: UUID
    email: str
    display_name: str
    roles: list[str]
    active: bool


@dataclass(frozen=True, slots=True)
class BookedSession:
    """A later appointment for the same treatment, booked or already held."""

    appointment_id: UUID
    starts_at: datetime
    status: str


Key = tuple[UUID, UUID]
"""(network_id, id) of a replica row."""

_CONTACT_FIELDS = tuple(f.name for f in dataclasses.fields(Contact))


# --- patients ------------------------------------------------------------------------------------


async def upsert_patient(
    tx: Transaction, *, network_id: UUID, patient_id: UUID, as_of: datetime, contact: Contact
) -> bool:
    """Store a patient's contact data unless a newer fact is already stored; True if written."""
    columns = ", ".join(_CONTACT_FIELDS)
    params = ", ".join(f"${i}" for i in range(4, 4 + len(_CONTACT_FIELDS)))
    updates = ", ".join(f"{f} = EXCLUDED.{f}" for f in (*_CONTACT_FIELDS, "as_of"))
    written = await tx.fetchval(
        f"""INSERT INTO patients (network_id, patient_id, as_of, {columns})
            VALUES ($1, $2, $3, {params})
            ON CONFLICT (network_id, patient_id) DO UPDATE SET {updates}
            WHERE patients.as_of <= EXCLUDED.as_of
            RETURNING true""",
        network_id,
        patient_id,
        as_of,
        *(getattr(contact, f) for f in _CONTACT_FIELDS),
    )
    return bool(written)


async def get_patient(tx: Transaction, network_id: UUID, patient_id: UUID) -> Patient | None:
    row = await tx.fetchrow(
        "SELECT * FROM patients WHERE network_id = $1 AND patient_id = $2", network_id, patient_id
    )
    return record_of(Patient, row)


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
) -> Patient | None:
    """Replace how a patient is reached; None for a patient not kept."""
    row = await tx.fetchrow(
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
    return record_of(Patient, row)


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


async def get_skin_type(tx: Transaction, network_id: UUID, patient_id: UUID) -> int | None:
    """The patient's Fitzpatrick skin type (1-6), or None when not known."""
    value = await tx.fetchval(
        """SELECT fitzpatrick_skin_type FROM patient_skin_types
           WHERE network_id = $1 AND patient_id = $2""",
        network_id,
        patient_id,
    )
    return int(value) if value is not None else None


# --- appointments, with their clinic and practitioner --------------------------------------------


async def remember_appointment(
    tx: Transaction,
    appointment: Appointment,
    clinic: Clinic,
    practitioner: Practitioner,
    *,
    as_of: datetime,
) -> None:
    """The clinic, practitioner and appointment an appointment event describes, in one trip."""
    await tx.execute(
        """WITH c AS (
               INSERT INTO clinics (network_id, clinic_id, name, timezone, phone, email, as_of)
               VALUES ($1, $4, $5, $6, $7, $8, $16)
               ON CONFLICT (network_id, clinic_id) DO UPDATE SET name = EXCLUDED.name,
                   timezone = EXCLUDED.timezone, phone = EXCLUDED.phone,
                   email = EXCLUDED.email, as_of = EXCLUDED.as_of
               WHERE clinics.as_of <= EXCLUDED.as_of
           ), p AS (
               INSERT INTO practitioners (network_id, practitioner_id, name, email, phone, as_of)
               VALUES ($1, $9, $10, $11, $12, $16)
               ON CONFLICT (network_id, practitioner_id) DO UPDATE SET name = EXCLUDED.name,
                   email = EXCLUDED.email, phone = EXCLUDED.phone, as_of = EXCLUDED.as_of
               WHERE practitioners.as_of <= EXCLUDED.as_of
           )
           INSERT INTO appointments (network_id, appointment_id, patient_id, clinic_id,
               practitioner_id, treatment_name, starts_at, status, as_of, treatment_type_id,
               kind)
           VALUES ($1, $2, $3, $4, $9, $13, $14, $15, $16, $17, $18)
           ON CONFLICT (network_id, appointment_id) DO UPDATE SET
               patient_id = EXCLUDED.patient_id, clinic_id = EXCLUDED.clinic_id,
               practitioner_id = EXCLUDED.practitioner_id,
               treatment_name = EXCLUDED.treatment_name, starts_at = EXCLUDED.starts_at,
               status = EXCLUDED.status, as_of = EXCLUDED.as_of,
               treatment_type_id = EXCLUDED.treatment_type_id, kind = EXCLUDED.kind
           WHERE appointments.as_of <= EXCLUDED.as_of""",
        appointment.network_id,
        appointment.appointment_id,
        appointment.patient_id,
        clinic.clinic_id,
        clinic.name,
        clinic.timezone,
        clinic.phone,
        clinic.email,
        practitioner.practitioner_id,
        practitioner.name,
        practitioner.email,
        practitioner.phone,
        appointment.treatment_name,
        appointment.starts_at,
        appointment.status,
        as_of,
        appointment.treatment_type_id,
        appointment.kind,
    )


async def get_appointment(
    tx: Transaction, network_id: UUID, appointment_id: UUID
) -> Appointment | None:
    row = await tx.fetchrow(
        "SELECT * FROM appointments WHERE network_id = $1 AND appointment_id = $2",
        network_id,
        appointment_id,
    )
    return record_of(Appointment, row)


async def next_session_booked(
    tx: Transaction,
    network_id: UUID,
    patient_id: UUID,
    treatment_type_id: UUID,
    after: datetime,
    excluding: UUID,
) -> BookedSession | None:
    """The patient's first appointment for the treatment starting after `after` that is booked
    or already held (not cancelled or missed), other than `excluding`; None if there is none."""
    row = await tx.fetchrow(
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
    return record_of(BookedSession, row)


async def get_clinic(tx: Transaction, network_id: UUID, clinic_id: UUID) -> Clinic | None:
    row = await tx.fetchrow(
        "SELECT * FROM clinics WHERE network_id = $1 AND clinic_id = $2", network_id, clinic_id
    )
    return record_of(Clinic, row)


async def get_practitioner(
    tx: Transaction, network_id: UUID, practitioner_id: UUID
) -> Practitioner | None:
    row = await tx.fetchrow(
        "SELECT * FROM practitioners WHERE network_id = $1 AND practitioner_id = $2",
        network_id,
        practitioner_id,
    )
    return record_of(Practitioner, row)


# --- staff accounts ------------------------------------------------------------------------------


async def upsert_staff_member(tx: Transaction, member: StaffMember, *, as_of: datetime) -> bool:
    """Store a staff account unless a newer fact is already stored; True if written."""
    written = await tx.fetchval(
        """INSERT INTO staff (network_id, staff_id, email, display_name, roles, active, as_of)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (network_id, staff_id) DO UPDATE SET email = EXCLUDED.email,
               display_name = EXCLUDED.display_name, roles = EXCLUDED.roles,
               active = EXCLUDED.active, as_of = EXCLUDED.as_of
           WHERE staff.as_of <= EXCLUDED.as_of
           RETURNING true""",
        member.network_id,
        member.staff_id,
        member.email,
        member.display_name,
        member.roles,
        member.active,
        as_of,
    )
    return bool(written)


async def get_staff_member(tx: Transaction, network_id: UUID, staff_id: UUID) -> StaffMember | None:
    row = await tx.fetchrow(
        "SELECT * FROM staff WHERE network_id = $1 AND staff_id = $2", network_id, staff_id
    )
    return record_of(StaffMember, row)


async def active_network_admins(tx: Transaction, network_id: UUID) -> list[StaffMember]:
    """The network's active admins, by id."""
    rows = await tx.fetch(
        """SELECT * FROM staff
           WHERE network_id = $1 AND active AND 'network_admin' = ANY (roles)
           ORDER BY staff_id""",
        network_id,
    )
    return records_of(StaffMember, rows)


# --- many at once --------------------------------------------------------------------------------


async def _by_keys(
    tx: Transaction, table: str, column: str, keys: Sequence[Key]
) -> list[asyncpg.Record]:
    return await tx.fetch(
        f"""SELECT t.* FROM {table} t
            JOIN unnest($1::uuid[], $2::uuid[]) AS k(network_id, id)
              ON t.network_id = k.network_id AND t.{column} = k.id""",
        [k[0] for k in keys],
        [k[1] for k in keys],
    )


async def get_patients(tx: Transaction, keys: Sequence[Key]) -> dict[Key, Patient]:
    """The patients of (network_id, patient_id) `keys` that are known, in one query."""
    rows = records_of(Patient, await _by_keys(tx, "patients", "patient_id", keys))
    return {(p.network_id, p.patient_id): p for p in rows}


async def get_clinics(tx: Transaction, keys: Sequence[Key]) -> dict[Key, Clinic]:
    rows = records_of(Clinic, await _by_keys(tx, "clinics", "clinic_id", keys))
    return {(c.network_id, c.clinic_id): c for c in rows}


async def get_appointments(tx: Transaction, keys: Sequence[Key]) -> dict[Key, Appointment]:
    rows = records_of(Appointment, await _by_keys(tx, "appointments", "appointment_id", keys))
    return {(a.network_id, a.appointment_id): a for a in rows}


async def get_skin_types(tx: Transaction, keys: Sequence[Key]) -> dict[Key, int | None]:
    """The known skin types of (network_id, patient_id) `keys`, in one query."""
    rows = await _by_keys(tx, "patient_skin_types", "patient_id", keys)
    return {(r["network_id"], r["patient_id"]): r["fitzpatrick_skin_type"] for r in rows}
