"""SQL of the records service; every query is scoped by network id."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.records import domain
from shared.db import Transaction

# ---------------------------------------------------------------------------------------------
# Patients

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
    tx: Transaction, network_id: UUID, exc: asyncpg.UniqueViolationError, values: dict[str, Any]
) -> None:
    field = _DUPLICATE_INDEXES.get(exc.constraint_name or "")
    if field is None:
        raise exc
    if field == "email":
        existing = await tx.fetchval(
            "SELECT id FROM patients WHERE network_id = $1 AND lower(email) = lower($2)",
            network_id,
            values["email"],
        )
    else:
        existing = await tx.fetchval(
            "SELECT id FROM patients WHERE network_id = $1 AND phone = $2",
            network_id,
            values["phone"],
        )
    raise domain.DuplicatePatient(
        f"Patient {existing} of your network already has this {field}.",
        existing_patient_id=str(existing),
        errors=[{"field": field, "message": "already used by another patient"}],
    ) from exc


async def insert_patient(tx: Transaction, values: dict[str, Any]) -> None:
    """Insert a patient; DuplicatePatient (409) when the email or phone is taken."""
    columns = list(values)
    sql = (
        f"INSERT INTO patients ({', '.join(columns)}) "
        f"VALUES ({', '.join(f'${i}' for i in range(1, len(columns) + 1))})"
    )
    try:
        # A savepoint: the unique index refuses the row, and the transaction lives on to find
        # which patient holds the contact (a concurrent registration has committed by now).
        async with tx.transaction():
            await tx.execute(sql, *values.values())
    except asyncpg.UniqueViolationError as exc:
        await _raise_duplicate(tx, values["network_id"], exc, values)


async def get_patient(
    tx: Transaction, *, network_id: UUID, id: UUID, for_update: bool = False
) -> dict[str, Any] | None:
    sql = _PATIENT + (" FOR UPDATE OF p" if for_update else "")
    row = await tx.fetchrow(sql, network_id, id)
    return dict(row) if row else None


async def network_of_patient(tx: Transaction, id: UUID) -> UUID | None:
    """Which network a patient id belongs to: only for logging a cross-network attempt."""
    return await tx.fetchval("SELECT network_id FROM patients WHERE id = $1", id)


async def update_patient(
    tx: Transaction, *, network_id: UUID, id: UUID, values: dict[str, Any]
) -> int:
    """Apply `values` (with updated_at/updated_by) and bump the version; returns it."""
    assignments = ", ".join(f"{k} = ${i}" for i, k in enumerate(values, start=3))
    sql = (
        f"UPDATE patients SET {assignments}, version = version + 1 "
        "WHERE network_id = $1 AND id = $2 RETURNING version"
    )
    try:
        async with tx.transaction():
            return await tx.fetchval(sql, network_id, id, *values.values())
    except asyncpg.UniqueViolationError as exc:
        await _raise_duplicate(tx, network_id, exc, values)
        raise  # unreachable: _raise_duplicate always raises


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


async def search_patients(
    tx: Transaction,
    *,
    network_id: UUID,
    query: domain.SearchQuery,
    limit: int,
    after: tuple[str, str, UUID] | None,
) -> list[dict[str, Any]]:
    """Patients matching every criterion given (partial, case-insensitive), by name."""
    where = ["network_id = $1"]
    args: list[Any] = [network_id]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    name_expr = "lower(given_name || ' ' || family_name)"
    if query.name:
        where.append(f"{name_expr} LIKE {arg(domain.like_pattern(query.name.strip().lower()))}")
    if query.email:
        where.append(f"lower(email) LIKE {arg(domain.like_pattern(query.email.strip().lower()))}")
    if query.phone:
        where.append(f"phone LIKE {arg(domain.like_pattern(domain.phone_fragment(query.phone)))}")
    if query.q:
        text = domain.like_pattern(query.q.strip().lower())
        any_of = [f"{name_expr} LIKE {arg(text)}", f"lower(email) LIKE {arg(text)}"]
        if domain.looks_like_phone(query.q):
            any_of.append(f"phone LIKE {arg(domain.like_pattern(domain.phone_fragment(query.q)))}")
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
    return [dict(r) for r in await tx.fetch(sql, *args)]


# ---------------------------------------------------------------------------------------------
# Consents


async def insert_consent(
    tx: Transaction,
    *,
    id: UUID,
    network_id: UUID,
    patient_id: UUID,
    kind: str,
    granted: bool,
    wording_version: str,
    recorded_at: datetime,
    recorded_by: str,
) -> None:
    await tx.execute(
        """INSERT INTO consents (id, network_id, patient_id, kind, granted, wording_version,
                                 recorded_at, recorded_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        id,
        network_id,
        patient_id,
        kind,
        granted,
        wording_version,
        recorded_at,
        recorded_by,
    )


async def consents_of(
    tx: Transaction, *, network_id: UUID, patient_id: UUID
) -> list[domain.ConsentEntry]:
    """Every consent entry of a patient, in the order they were recorded."""
    rows = await tx.fetch(
        """SELECT kind, granted, wording_version, recorded_at, recorded_by FROM consents
           WHERE network_id = $1 AND patient_id = $2 ORDER BY recorded_at, seq""",
        network_id,
        patient_id,
    )
    return [domain.ConsentEntry(**dict(r)) for r in rows]


# ---------------------------------------------------------------------------------------------
# Safety profile

_PROFILE_COLUMNS = "fitzpatrick_skin_type, allergies, conditions, medications"


async def insert_profile(
    tx: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID,
    content: dict[str, Any],
    at: datetime,
    by: str,
) -> None:
    """The first version of a profile (version 1, written at registration)."""
    await tx.execute(
        f"""INSERT INTO safety_profiles (patient_id, network_id, version, {_PROFILE_COLUMNS},
                                         updated_at, updated_by)
            VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8)""",
        patient_id,
        network_id,
        content["fitzpatrick_skin_type"],
        content["allergies"],
        content["conditions"],
        content["medications"],
        at,
        by,
    )
    await _insert_profile_version(tx, network_id, patient_id, 1, content, at, by)


async def _insert_profile_version(
    tx: Transaction,
    network_id: UUID,
    patient_id: UUID,
    version: int,
    content: dict[str, Any],
    at: datetime,
    by: str,
) -> None:
    await tx.execute(
        f"""INSERT INTO safety_profile_versions (patient_id, network_id, version,
                {_PROFILE_COLUMNS}, recorded_at, recorded_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        patient_id,
        network_id,
        version,
        content["fitzpatrick_skin_type"],
        content["allergies"],
        content["conditions"],
        content["medications"],
        at,
        by,
    )


async def get_profile(
    tx: Transaction, *, network_id: UUID, patient_id: UUID
) -> dict[str, Any] | None:
    row = await tx.fetchrow(
        "SELECT * FROM safety_profiles WHERE network_id = $1 AND patient_id = $2",
        network_id,
        patient_id,
    )
    return dict(row) if row else None


async def replace_profile(
    tx: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID,
    expected_version: int,
    content: dict[str, Any],
    at: datetime,
    by: str,
) -> int | None:
    """Compare-and-set: the new version, or None when `expected_version` is not current."""
    version = await tx.fetchval(
        """UPDATE safety_profiles
           SET version = version + 1, fitzpatrick_skin_type = $4, allergies = $5,
               conditions = $6, medications = $7, updated_at = $8, updated_by = $9
           WHERE network_id = $1 AND patient_id = $2 AND version = $3
           RETURNING version""",
        network_id,
        patient_id,
        expected_version,
        content["fitzpatrick_skin_type"],
        content["allergies"],
        content["conditions"],
        content["medications"],
        at,
        by,
    )
    if version is not None:
        await _insert_profile_version(tx, network_id, patient_id, version, content, at, by)
    return version


async def profile_versions(
    tx: Transaction, *, network_id: UUID, patient_id: UUID
) -> list[dict[str, Any]]:
    rows = await tx.fetch(
        f"""SELECT version, {_PROFILE_COLUMNS}, recorded_at, recorded_by
            FROM safety_profile_versions WHERE network_id = $1 AND patient_id = $2
            ORDER BY version""",
        network_id,
        patient_id,
    )
    return [dict(r) for r in rows]


# ---------------------------------------------------------------------------------------------
# Medical history

_HISTORY_COLUMNS = (
    "medical_history, treatment_goals, indications, areas, consultation_appointment_id"
)


async def get_medical_history(
    tx: Transaction, *, network_id: UUID, patient_id: UUID
) -> dict[str, Any] | None:
    row = await tx.fetchrow(
        "SELECT * FROM medical_histories WHERE network_id = $1 AND patient_id = $2",
        network_id,
        patient_id,
    )
    return dict(row) if row else None


async def put_medical_history(
    tx: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID,
    expected_version: int,
    content: dict[str, Any],
    at: datetime,
    by: str,
) -> int | None:
    """Compare-and-set from `expected_version` (0: none yet); the new version or None."""
    values = [content[k] for k in _HISTORY_COLUMNS.split(", ")]
    if expected_version == 0:
        version = await tx.fetchval(
            f"""INSERT INTO medical_histories (patient_id, network_id, version,
                    {_HISTORY_COLUMNS}, updated_at, updated_by)
                VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (patient_id) DO NOTHING RETURNING version""",
            patient_id,
            network_id,
            *values,
            at,
            by,
        )
    else:
        version = await tx.fetchval(
            """UPDATE medical_histories
               SET version = version + 1, medical_history = $4, treatment_goals = $5,
                   indications = $6, areas = $7, consultation_appointment_id = $8,
                   updated_at = $9, updated_by = $10
               WHERE network_id = $1 AND patient_id = $2 AND version = $3
               RETURNING version""",
            network_id,
            patient_id,
            expected_version,
            *values,
            at,
            by,
        )
    if version is not None:
        await tx.execute(
            f"""INSERT INTO medical_history_versions (patient_id, network_id, version,
                    {_HISTORY_COLUMNS}, recorded_at, recorded_by)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
            patient_id,
            network_id,
            version,
            *values,
            at,
            by,
        )
    return version


# ---------------------------------------------------------------------------------------------
# Treatment history


async def insert_treatment(tx: Transaction, values: dict[str, Any]) -> bool:
    """Append a treatment record; False when the appointment is already in the history."""
    columns = list(values)
    return bool(
        await tx.fetchval(
            f"INSERT INTO treatments ({', '.join(columns)}) "
            f"VALUES ({', '.join(f'${i}' for i in range(1, len(columns) + 1))}) "
            "ON CONFLICT (network_id, appointment_id) DO NOTHING RETURNING true",
            *values.values(),
        )
    )


async def treatments_of(
    tx: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID,
    limit: int | None = None,
    after: tuple[datetime, UUID] | None = None,
) -> list[dict[str, Any]]:
    """Newest first; `limit + 1` rows so the caller knows whether there is a next page."""
    args: list[Any] = [network_id, patient_id]
    where = "network_id = $1 AND patient_id = $2"
    if after is not None:
        args += [after[0], after[1]]
        where += " AND (completed_at, id) < ($3, $4)"
    sql = f"SELECT * FROM treatments WHERE {where} ORDER BY completed_at DESC, id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit) + 1}"
    return [dict(r) for r in await tx.fetch(sql, *args)]


async def session_facts(
    tx: Transaction, *, network_id: UUID, appointment_id: UUID
) -> domain.SessionFacts | None:
    row = await tx.fetchrow(
        """SELECT patient_id, clinic_id, practitioner_id, ingredients FROM treatments
           WHERE network_id = $1 AND appointment_id = $2""",
        network_id,
        appointment_id,
    )
    if row is None:
        return None
    lots = tuple(dict.fromkeys(i["lot_number"] for i in row["ingredients"]))
    return domain.SessionFacts(row["patient_id"], row["clinic_id"], row["practitioner_id"], lots)


# ---------------------------------------------------------------------------------------------
# Adverse events


async def insert_adverse_event(tx: Transaction, values: dict[str, Any]) -> None:
    columns = list(values)
    await tx.execute(
        f"INSERT INTO adverse_events ({', '.join(columns)}) "
        f"VALUES ({', '.join(f'${i}' for i in range(1, len(columns) + 1))})",
        *values.values(),
    )


async def adverse_events_of(
    tx: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID,
    limit: int | None = None,
    after: tuple[datetime, UUID] | None = None,
) -> list[dict[str, Any]]:
    args: list[Any] = [network_id, patient_id]
    where = "network_id = $1 AND patient_id = $2"
    if after is not None:
        args += [after[0], after[1]]
        where += " AND (reported_at, id) < ($3, $4)"
    sql = f"SELECT * FROM adverse_events WHERE {where} ORDER BY reported_at DESC, id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit) + 1}"
    return [dict(r) for r in await tx.fetch(sql, *args)]


# ---------------------------------------------------------------------------------------------
# Audit log


async def insert_audit(
    conn: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID | None,
    actor_sub: str,
    actor_roles: list[str],
    action: str,
    fields: list[str],
    outcome: str,
    request_id: str | None,
    detail: str | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO audit_log (network_id, patient_id, actor_sub, actor_roles, action, fields,
                                  outcome, request_id, detail)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        network_id,
        patient_id,
        actor_sub,
        actor_roles,
        action,
        fields,
        outcome,
        request_id,
        detail,
    )


async def audit_entries(
    tx: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID | None,
    outcome: str | None,
    limit: int,
    before_id: int | None,
) -> list[dict[str, Any]]:
    """Newest first; `limit + 1` rows."""
    args: list[Any] = [network_id]
    where = ["network_id = $1"]
    if patient_id is not None:
        args.append(patient_id)
        where.append(f"patient_id = ${len(args)}")
    if outcome is not None:
        args.append(outcome)
        where.append(f"outcome = ${len(args)}")
    if before_id is not None:
        args.append(before_id)
        where.append(f"id < ${len(args)}")
    rows = await tx.fetch(
        f"SELECT * FROM audit_log WHERE {' AND '.join(where)} ORDER BY id DESC "
        f"LIMIT {int(limit) + 1}",
        *args,
    )
    return [dict(r) for r in rows]
