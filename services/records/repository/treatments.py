"""Treatment history (from booking's SessionCompleted) and adverse events."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from services.records.domain import JsonObject, SessionFacts
from shared.db import Transaction, records_of

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Treatment:
    """One completed session in a patient's treatment history."""

    id: UUID
    network_id: UUID
    patient_id: UUID
    appointment_id: UUID
    event_id: UUID
    clinic_id: UUID
    clinic_name: str
    practitioner_id: UUID
    practitioner_name: str
    treatment_name: str
    kind: str
    indication: str
    areas: list[str]
    blend_id: UUID | None
    blend_version: int | None
    blend_name: str | None
    ingredients: list[JsonObject]
    technique: str | None
    depth_mm: Decimal | None
    injection_count: int | None
    disinfection: str
    numbing_cream: bool
    numbing_product: str | None
    immediate_reactions: list[str]
    notes: str | None
    started_at: datetime
    completed_at: datetime
    completed_by: str
    next_session_due: date | None
    maintenance_due: date | None
    cross_check_verdict: str | None
    deviations: list[JsonObject]
    deviation_reason: str | None


@dataclass(frozen=True, slots=True)
class AdverseEvent:
    """An adverse event reported for a patient."""

    id: UUID
    network_id: UUID
    patient_id: UUID
    kind: str
    severity: str
    onset_at: datetime
    description: str
    appointment_id: UUID | None
    clinic_id: UUID | None
    practitioner_id: UUID | None
    lot_numbers: list[str]
    reported_at: datetime
    reported_by: str


_TREATMENT_COLUMNS = tuple(f.name for f in fields(Treatment))


async def _newest_first(
    tx: Transaction,
    record: type[R],
    table: str,
    at: str,
    network_id: UUID,
    patient_id: UUID,
    limit: int | None,
    after: tuple[datetime, UUID] | None,
) -> list[R]:
    """The patient's rows of `table`, newest first by the instant column `at` (then id), after
    `after`; `limit + 1` of them when there is a limit."""
    args: list[Any] = [network_id, patient_id]
    where = "network_id = $1 AND patient_id = $2"
    if after is not None:
        args += [after[0], after[1]]
        where += f" AND ({at}, id) < ($3, $4)"
    sql = f"SELECT * FROM {table} WHERE {where} ORDER BY {at} DESC, id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit) + 1}"
    return records_of(record, await tx.fetch(sql, *args))


async def insert_treatment(tx: Transaction, treatment: Treatment) -> bool:
    """Append a treatment record; False when the appointment is already in the history."""
    placeholders = ", ".join(f"${i}" for i in range(1, len(_TREATMENT_COLUMNS) + 1))
    return bool(
        await tx.fetchval(
            f"INSERT INTO treatments ({', '.join(_TREATMENT_COLUMNS)}) VALUES ({placeholders}) "
            "ON CONFLICT (network_id, appointment_id) DO NOTHING RETURNING true",
            *(getattr(treatment, column) for column in _TREATMENT_COLUMNS),
        )
    )


async def treatments_of(
    tx: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID,
    limit: int | None = None,
    after: tuple[datetime, UUID] | None = None,
) -> list[Treatment]:
    """Newest first; `limit + 1` rows so the caller knows whether there is a next page."""
    return await _newest_first(
        tx, Treatment, "treatments", "completed_at", network_id, patient_id, limit, after
    )


async def session_facts(
    tx: Transaction, *, network_id: UUID, appointment_id: UUID
) -> SessionFacts | None:
    row = await tx.fetchrow(
        """SELECT patient_id, clinic_id, practitioner_id, ingredients FROM treatments
           WHERE network_id = $1 AND appointment_id = $2""",
        network_id,
        appointment_id,
    )
    if row is None:
        return None
    lots = tuple(dict.fromkeys(i["lot_number"] for i in row["ingredients"]))
    return SessionFacts(row["patient_id"], row["clinic_id"], row["practitioner_id"], lots)


# ---------------------------------------------------------------------------------------------
# Adverse events


async def insert_adverse_event(tx: Transaction, e: AdverseEvent) -> None:
    await tx.execute(
        """INSERT INTO adverse_events (id, network_id, patient_id, kind, severity, onset_at,
               description, appointment_id, clinic_id, practitioner_id, lot_numbers,
               reported_at, reported_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)""",
        e.id, e.network_id, e.patient_id, e.kind, e.severity, e.onset_at, e.description,
        e.appointment_id, e.clinic_id, e.practitioner_id, e.lot_numbers, e.reported_at,
        e.reported_by,
    )  # fmt: skip


async def adverse_events_of(
    tx: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID,
    limit: int | None = None,
    after: tuple[datetime, UUID] | None = None,
) -> list[AdverseEvent]:
    """Newest first; `limit + 1` rows so the caller knows whether there is a next page."""
    return await _newest_first(
        tx, AdverseEvent, "adverse_events", "reported_at", network_id, patient_id, limit, after
    )
