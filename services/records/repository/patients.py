"""Patients and their consents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

import asyncpg

from services.records.domain import (
    Channel,
    ConsentEntry,
    DuplicatePatient,
    SearchQuery,
    like_pattern,
    looks_like_phone,
    phone_fragment,
)
from shared.db import Transaction, record_of, records_of


@dataclass(frozen=True, slots=True)
class Patient:
    """A patient of the network, with the skin type of their safety profile."""

    id: UUID
    network_id: UUID
    given_name: str
    family_name: str
    date_of_birth: date | None
    email: str | None
    phone: str | None
    preferred_channel: Channel
    channel_opt_outs: list[Channel]
    locale: str
    timezone: str
    quiet_hours_start: time | None
    quiet_hours_end: time | None
    clinics_visited: list[UUID]
    version: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    fitzpatrick_skin_type: int | None


@dataclass(frozen=True, slots=True)
class PatientMatch:
    """A patient found by a search: enough to tell namesakes apart."""

    id: UUID
    given_name: str
    family_name: str
    date_of_birth: date | None
    email: str | None
    phone: str | None


_PATIENT = """
    SELECT p.*, s.fitzpatrick_skin_type
    FROM patients p LEFT JOIN safety_profiles s ON s.patient_id = p.id
    WHERE p.network_id = $1 AND p.id = $2
"""

_DUPLICATE_INDEXES = {
    "patients_email_per_network": "email",
    "patients_phone_per_network": "phone",
}


async def _raise_duplicate(
    tx: Transaction, patient: Patient, exc: asyncpg.UniqueViolationError
) -> None:
    field = _DUPLICATE_INDEXES.get(exc.constraint_name or "")
    if field is None:
        raise exc
    if field == "email":
        existing = await tx.fetchval(
            "SELECT id FROM patients WHERE network_id = $1 AND lower(email) = lower($2)",
            patient.network_id,
            patient.email,
        )
    else:
        existing = await tx.fetchval(
            "SELECT id FROM patients WHERE network_id = $1 AND phone = $2",
            patient.network_id,
            patient.phone,
        )
    raise DuplicatePatient(
        f"Patient {existing} of your network already has this {field}.",
        existing_patient_id=str(existing),
        errors=[{"field": field, "message": "already used by another patient"}],
    ) from exc


def _contact(patient: Patient) -> tuple[object, ...]:
    """The patient's contact data and preferences, in the order both statements below write
    them (from `given_name` to `quiet_hours_end`)."""
    return (
        patient.given_name,
        patient.family_name,
        patient.date_of_birth,
        patient.email,
        patient.phone,
        patient.preferred_channel,
        patient.channel_opt_outs,
        patient.locale,
        patient.timezone,
        patient.quiet_hours_start,
        patient.quiet_hours_end,
    )


async def _write(tx: Transaction, patient: Patient, sql: str, *args: object) -> None:
    """Write the patient's row; DuplicatePatient (409) when the email or phone is taken."""
    try:
        # A savepoint: the unique index refuses the row, and the transaction lives on to find
        # which patient holds the contact (a concurrent write has committed by now).
        async with tx.transaction():
            await tx.execute(sql, *args)
    except asyncpg.UniqueViolationError as exc:
        await _raise_duplicate(tx, patient, exc)


async def insert(tx: Transaction, patient: Patient) -> None:
    """Insert a patient; DuplicatePatient (409) when the email or phone is taken."""
    await _write(
        tx,
        patient,
        """INSERT INTO patients (id, network_id, given_name, family_name, date_of_birth,
               email, phone, preferred_channel, channel_opt_outs, locale, timezone,
               quiet_hours_start, quiet_hours_end, clinics_visited, version,
               created_at, created_by, updated_at, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                   $16, $17, $18, $19)""",
        patient.id,
        patient.network_id,
        *_contact(patient),
        patient.clinics_visited,
        patient.version,
        patient.created_at,
        patient.created_by,
        patient.updated_at,
        patient.updated_by,
    )


async def get(
    tx: Transaction, *, network_id: UUID, id: UUID, for_update: bool = False
) -> Patient | None:
    sql = _PATIENT + (" FOR UPDATE OF p" if for_update else "")
    return record_of(Patient, await tx.fetchrow(sql, network_id, id))


async def network_of(tx: Transaction, id: UUID) -> UUID | None:
    """Which network a patient id belongs to: only for logging a cross-network attempt."""
    network_id: UUID | None = await tx.fetchval("SELECT network_id FROM patients WHERE id = $1", id)
    return network_id


async def update_contact(tx: Transaction, patient: Patient) -> None:
    """Write the patient's contact data and preferences (with updated_at/by); bumps the version.

    DuplicatePatient (409) when the new email or phone is another patient's."""
    await _write(
        tx,
        patient,
        """UPDATE patients
           SET given_name = $3, family_name = $4, date_of_birth = $5, email = $6,
               phone = $7, preferred_channel = $8, channel_opt_outs = $9, locale = $10,
               timezone = $11, quiet_hours_start = $12, quiet_hours_end = $13,
               updated_at = $14, updated_by = $15, version = version + 1
           WHERE network_id = $1 AND id = $2""",
        patient.network_id,
        patient.id,
        *_contact(patient),
        patient.updated_at,
        patient.updated_by,
    )


async def add_clinic_visited(
    tx: Transaction, *, network_id: UUID, patient_id: UUID, clinic_id: UUID
) -> None:
    await tx.execute(
        """UPDATE patients SET clinics_visited = array_append(clinics_visited, $3)
           WHERE network_id = $1 AND id = $2 AND NOT ($3 = ANY(clinics_visited))""",
        network_id,
        patient_id,
        clinic_id,
    )


async def search(
    tx: Transaction,
    *,
    network_id: UUID,
    query: SearchQuery,
    limit: int,
    after: tuple[str, str, UUID] | None,
) -> list[PatientMatch]:
    """Patients matching every criterion given (partial, case-insensitive), by name;
    `limit + 1` of them so the caller knows whether there is a next page."""
    where = ["network_id = $1"]
    args: list[Any] = [network_id]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    name_expr = "lower(given_name || ' ' || family_name)"
    if query.name:
        where.append(f"{name_expr} LIKE {arg(like_pattern(query.name.strip().lower()))}")
    if query.email:
        where.append(f"lower(email) LIKE {arg(like_pattern(query.email.strip().lower()))}")
    if query.phone:
        where.append(f"phone LIKE {arg(like_pattern(phone_fragment(query.phone)))}")
    if query.q:
        text = like_pattern(query.q.strip().lower())
        any_of = [f"{name_expr} LIKE {arg(text)}", f"lower(email) LIKE {arg(text)}"]
        if looks_like_phone(query.q):
            any_of.append(f"phone LIKE {arg(like_pattern(phone_fragment(query.q)))}")
        where.append("(" + " OR ".join(any_of) + ")")
    if after is not None:
        where.append(f"(family_name, given_name, id) > ({arg(after[0])}, {arg(after[1])}, "
                     f"{arg(after[2])})")  # fmt: skip
    # A generic plan cannot see that `%abc%` is selective and would walk the whole network in
    # name order; a custom plan per pattern uses the trigram indexes.
    await tx.execute("SET LOCAL plan_cache_mode = force_custom_plan")
    sql = (
        "SELECT id, given_name, family_name, date_of_birth, email, phone FROM patients "
        f"WHERE {' AND '.join(where)} ORDER BY family_name, given_name, id LIMIT {arg(limit + 1)}"
    )
    return records_of(PatientMatch, await tx.fetch(sql, *args))


# ---------------------------------------------------------------------------------------------
# Consents


async def insert_consent(
    tx: Transaction, *, id: UUID, network_id: UUID, patient_id: UUID, entry: ConsentEntry
) -> None:
    await tx.execute(
        """INSERT INTO consents (id, network_id, patient_id, kind, granted, wording_version,
                                 recorded_at, recorded_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        id,
        network_id,
        patient_id,
        entry.kind,
        entry.granted,
        entry.wording_version,
        entry.recorded_at,
        entry.recorded_by,
    )


async def consents_of(tx: Transaction, *, network_id: UUID, patient_id: UUID) -> list[ConsentEntry]:
    """Every consent entry of a patient, in the order they were recorded."""
    rows = await tx.fetch(
        """SELECT kind, granted, wording_version, recorded_at, recorded_by FROM consents
           WHERE network_id = $1 AND patient_id = $2 ORDER BY recorded_at, seq""",
        network_id,
        patient_id,
    )
    return records_of(ConsentEntry, rows)
