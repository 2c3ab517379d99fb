"""Console sessions: the cookie carries a random id; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from services.gateway.repository.staff import COLUMNS, StaffAccount
from shared.db import Transaction, record_of

COLUMNS_OF_ACCOUNT = ", ".join("a." + c.strip() for c in COLUMNS.split(","))


@dataclass(frozen=True, slots=True)
class LiveSession:
    """A session still open, with the (active) account it belongs to."""

    csrf_token: str
    account: StaffAccount


def session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def insert(
    tx: Transaction, *, session_id: str, staff_id: UUID, csrf_token: str, expires_at: datetime
) -> None:
    await tx.execute(
        """INSERT INTO console_sessions (id_hash, staff_id, csrf_token, expires_at)
           VALUES ($1, $2, $3, $4)""",
        session_key(session_id),
        staff_id,
        csrf_token,
        expires_at,
    )


async def touch(tx: Transaction, *, session_id: str, idle: timedelta) -> LiveSession | None:
    """The live session with its (active) staff account, its idle clock reset; else None."""
    row = await tx.fetchrow(
        f"""UPDATE console_sessions s SET last_seen = now()
            FROM staff_accounts a
            WHERE s.id_hash = $1 AND a.id = s.staff_id AND a.active
              AND s.expires_at > now() AND s.last_seen > now() - $2::interval
            RETURNING s.csrf_token, {COLUMNS_OF_ACCOUNT}""",
        session_key(session_id),
        idle,
    )
    account = record_of(StaffAccount, row)
    if row is None or account is None:
        return None
    return LiveSession(csrf_token=row["csrf_token"], account=account)


async def delete(tx: Transaction, *, session_id: str) -> None:
    await tx.execute("DELETE FROM console_sessions WHERE id_hash = $1", session_key(session_id))


async def delete_all_of(tx: Transaction, *, staff_id: UUID) -> None:
    await tx.execute("DELETE FROM console_sessions WHERE staff_id = $1", staff_id)
