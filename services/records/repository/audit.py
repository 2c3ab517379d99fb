"""The audit log of chart accesses: append-only (the database refuses UPDATE and DELETE)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.db import Transaction, records_of


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who read or changed which chart, which fields, with what outcome, in which request."""

    id: int
    network_id: UUID
    patient_id: UUID | None
    actor_sub: str
    actor_roles: list[str]
    action: str
    fields: list[str]
    outcome: str
    request_id: str | None
    detail: str | None
    at: datetime


async def insert(
    tx: Transaction,
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
    await tx.execute(
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


async def entries(
    tx: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID | None,
    outcome: str | None,
    limit: int,
    before_id: int | None,
) -> list[AuditEntry]:
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
    return records_of(AuditEntry, rows)
