"""Treatment plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from shared.db import Transaction, record_of, records_of


@dataclass(frozen=True, slots=True)
class Plan:
    """A treatment plan as agreed: a course of sessions at an interval, then maintenance."""

    id: UUID
    network_id: UUID
    patient_id: UUID
    indication: str
    treatment_type_id: UUID
    clinic_id: UUID | None
    sessions_planned: int
    interval_days: int
    maintenance_interval_days: int | None
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class NamedPlan:
    """A plan with its treatment type's name: what SessionCompleted tells of it."""

    id: UUID
    treatment_type_id: UUID
    treatment_name: str
    indication: str
    sessions_planned: int
    interval_days: int
    maintenance_interval_days: int | None


async def insert_plan(
    tx: Transaction,
    *,
    network_id: UUID,
    id: UUID,
    patient_id: UUID,
    indication: str,
    treatment_type_id: UUID,
    clinic_id: UUID | None,
    sessions_planned: int,
    interval_days: int,
    maintenance_interval_days: int | None,
    created_by: str,
) -> None:
    await tx.execute(
        """INSERT INTO treatment_plans (id, network_id, patient_id, indication,
               treatment_type_id, clinic_id, sessions_planned, interval_days,
               maintenance_interval_days, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
        id,
        network_id,
        patient_id,
        indication,
        treatment_type_id,
        clinic_id,
        sessions_planned,
        interval_days,
        maintenance_interval_days,
        created_by,
    )


async def get_plan(tx: Transaction, *, network_id: UUID, id: UUID) -> Plan | None:
    return record_of(
        Plan,
        await tx.fetchrow(
            "SELECT * FROM treatment_plans WHERE network_id = $1 AND id = $2", network_id, id
        ),
    )


async def list_plans(tx: Transaction, *, network_id: UUID, patient_id: UUID) -> list[Plan]:
    rows = await tx.fetch(
        """SELECT * FROM treatment_plans WHERE network_id = $1 AND patient_id = $2
           ORDER BY created_at DESC, id""",
        network_id,
        patient_id,
    )
    return records_of(Plan, rows)


async def latest_plan_for(
    tx: Transaction, *, network_id: UUID, patient_id: UUID, treatment_type_id: UUID
) -> UUID | None:
    return await tx.fetchval(
        """SELECT id FROM treatment_plans
           WHERE network_id = $1 AND patient_id = $2 AND treatment_type_id = $3
           ORDER BY created_at DESC, id LIMIT 1""",
        network_id,
        patient_id,
        treatment_type_id,
    )


async def plan_session_dates(tx: Transaction, *, network_id: UUID, plan_id: UUID) -> list[date]:
    """Local dates (clinic timezone) of the plan's completed sessions."""
    rows = await tx.fetch(
        """SELECT (a.starts_at AT TIME ZONE c.timezone)::date AS day
           FROM appointments a JOIN clinics c ON c.id = a.clinic_id
           WHERE a.network_id = $1 AND a.treatment_plan_id = $2 AND a.status = 'completed'""",
        network_id,
        plan_id,
    )
    return [r["day"] for r in rows]


async def plan_with_treatment(
    tx: Transaction,
    *,
    network_id: UUID,
    plan_id: UUID | None = None,
    patient_id: UUID | None = None,
    indication: str | None = None,
) -> NamedPlan | None:
    """A plan with its treatment type's name: by id, or the patient's latest for an indication."""
    return record_of(
        NamedPlan,
        await tx.fetchrow(
            """SELECT p.id, p.treatment_type_id, t.name AS treatment_name, p.indication,
                      p.sessions_planned, p.interval_days, p.maintenance_interval_days
               FROM treatment_plans p
               JOIN treatment_types t ON t.id = p.treatment_type_id
               WHERE p.network_id = $1
                 AND ($2::uuid IS NULL OR p.id = $2)
                 AND ($3::uuid IS NULL OR p.patient_id = $3)
                 AND ($4::text IS NULL OR p.indication = $4)
               ORDER BY p.created_at DESC, p.id LIMIT 1""",
            network_id,
            plan_id,
            patient_id,
            indication,
        ),
    )
