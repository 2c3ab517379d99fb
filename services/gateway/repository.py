"""SQL of the gateway: staff accounts, integration clients, login failures, console sessions."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from shared.db import Transaction

STAFF_COLUMNS = (
    "id, network_id, email, display_name, roles, clinic_ids, active, created_at, updated_at"
)
STAFF_COLUMNS_OF_A = ", ".join("a." + c.strip() for c in STAFF_COLUMNS.split(","))
CLIENT_COLUMNS = (
    "id, network_id, client_id, name, roles, clinic_ids, active, created_at, updated_at"
)


# -- staff ----------------------------------------------------------------------------------


async def insert_staff(tx: Transaction, **fields: Any) -> dict[str, Any] | None:
    """The new account, or None when the email already names an account."""
    row = await tx.fetchrow(
        f"""INSERT INTO staff_accounts
               (id, network_id, email, display_name, password_hash, roles, clinic_ids)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT ((lower(email))) DO NOTHING
            RETURNING {STAFF_COLUMNS}""",
        fields["id"],
        fields["network_id"],
        fields["email"],
        fields["display_name"],
        fields["password_hash"],
        fields["roles"],
        fields["clinic_ids"],
    )
    return dict(row) if row else None


async def get_staff(tx: Transaction, *, network_id: UUID, id: UUID) -> dict[str, Any] | None:
    row = await tx.fetchrow(
        f"SELECT {STAFF_COLUMNS} FROM staff_accounts WHERE network_id = $1 AND id = $2",
        network_id,
        id,
    )
    return dict(row) if row else None


async def staff_for_login(tx: Transaction, *, email: str) -> dict[str, Any] | None:
    row = await tx.fetchrow(
        f"SELECT {STAFF_COLUMNS}, password_hash FROM staff_accounts WHERE lower(email) = $1",
        email,
    )
    return dict(row) if row else None


async def list_staff(
    tx: Transaction, *, network_id: UUID, after: tuple[str, UUID] | None, limit: int
) -> list[dict[str, Any]]:
    """Ordered by email (then id); `after` is the (email, id) of the previous page's last row."""
    if after is None:
        rows = await tx.fetch(
            f"""SELECT {STAFF_COLUMNS} FROM staff_accounts WHERE network_id = $1
                ORDER BY lower(email), id LIMIT $2""",
            network_id,
            limit,
        )
    else:
        rows = await tx.fetch(
            f"""SELECT {STAFF_COLUMNS} FROM staff_accounts
                WHERE network_id = $1 AND (lower(email), id) > ($2, $3)
                ORDER BY lower(email), id LIMIT $4""",
            network_id,
            after[0],
            after[1],
            limit,
        )
    return [dict(r) for r in rows]


async def update_staff(
    tx: Transaction, *, network_id: UUID, id: UUID, changes: dict[str, Any]
) -> dict[str, Any] | None:
    allowed = ("display_name", "password_hash", "roles", "clinic_ids", "active")
    sets = [f"{name} = ${i}" for i, name in enumerate(changes, start=3) if name in allowed]
    assert len(sets) == len(changes), f"unexpected staff fields {set(changes) - set(allowed)}"
    row = await tx.fetchrow(
        f"""UPDATE staff_accounts SET {", ".join([*sets, "updated_at = now()"])}
            WHERE network_id = $1 AND id = $2 RETURNING {STAFF_COLUMNS}""",
        network_id,
        id,
        *changes.values(),
    )
    return dict(row) if row else None


async def count_active_admins(tx: Transaction, *, network_id: UUID) -> int:
    return await tx.fetchval(
        """SELECT count(*) FROM staff_accounts
           WHERE network_id = $1 AND active AND 'network_admin' = ANY (roles)""",
        network_id,
    )


# -- integration clients ----------------------------------------------------------------------


async def insert_client(tx: Transaction, **fields: Any) -> dict[str, Any]:
    row = await tx.fetchrow(
        f"""INSERT INTO integration_clients
               (id, network_id, client_id, name, secret_hash, roles, clinic_ids)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {CLIENT_COLUMNS}""",
        fields["id"],
        fields["network_id"],
        fields["client_id"],
        fields["name"],
        fields["secret_hash"],
        fields["roles"],
        fields["clinic_ids"],
    )
    return dict(row)


async def get_client(tx: Transaction, *, network_id: UUID, id: UUID) -> dict[str, Any] | None:
    row = await tx.fetchrow(
        f"SELECT {CLIENT_COLUMNS} FROM integration_clients WHERE network_id = $1 AND id = $2",
        network_id,
        id,
    )
    return dict(row) if row else None


async def client_for_login(tx: Transaction, *, client_id: str) -> dict[str, Any] | None:
    row = await tx.fetchrow(
        f"SELECT {CLIENT_COLUMNS}, secret_hash FROM integration_clients WHERE client_id = $1",
        client_id,
    )
    return dict(row) if row else None


async def list_clients(
    tx: Transaction, *, network_id: UUID, after: tuple[datetime, UUID] | None, limit: int
) -> list[dict[str, Any]]:
    """Oldest first; `after` is the (created_at, id) of the previous page's last row."""
    if after is None:
        rows = await tx.fetch(
            f"""SELECT {CLIENT_COLUMNS} FROM integration_clients WHERE network_id = $1
                ORDER BY created_at, id LIMIT $2""",
            network_id,
            limit,
        )
    else:
        rows = await tx.fetch(
            f"""SELECT {CLIENT_COLUMNS} FROM integration_clients
                WHERE network_id = $1 AND (created_at, id) > ($2, $3)
                ORDER BY created_at, id LIMIT $4""",
            network_id,
            after[0],
            after[1],
            limit,
        )
    return [dict(r) for r in rows]


async def update_client(
    tx: Transaction, *, network_id: UUID, id: UUID, changes: dict[str, Any]
) -> dict[str, Any] | None:
    allowed = ("name", "roles", "clinic_ids", "active")
    sets = [f"{name} = ${i}" for i, name in enumerate(changes, start=3) if name in allowed]
    assert len(sets) == len(changes), f"unexpected client fields {set(changes) - set(allowed)}"
    row = await tx.fetchrow(
        f"""UPDATE integration_clients SET {", ".join([*sets, "updated_at = now()"])}
            WHERE network_id = $1 AND id = $2 RETURNING {CLIENT_COLUMNS}""",
        network_id,
        id,
        *changes.values(),
    )
    return dict(row) if row else None


# -- login throttle ---------------------------------------------------------------------------


async def recent_failures(
    tx: Transaction, *, subject: str, window: timedelta
) -> tuple[list[datetime], datetime]:
    """Failed attempts of `subject` inside the window (oldest first), and the database's now."""
    rows = await tx.fetch(
        """SELECT failed_at, now() AS now FROM login_failures
           WHERE subject = $1 AND failed_at > now() - $2::interval ORDER BY failed_at""",
        subject,
        window,
    )
    now = rows[0]["now"] if rows else await tx.fetchval("SELECT now()")
    return [r["failed_at"] for r in rows], now


async def record_failure(tx: Transaction, *, subjects: list[str], window: timedelta) -> None:
    await tx.execute("INSERT INTO login_failures (subject) SELECT unnest($1::text[])", subjects)
    # Keep the table small: what left the window no longer counts.
    await tx.execute(
        "DELETE FROM login_failures WHERE subject = ANY($1) AND failed_at < now() - $2::interval",
        subjects,
        window,
    )


async def forget_failures(tx: Transaction, *, subject: str) -> None:
    await tx.execute("DELETE FROM login_failures WHERE subject = $1", subject)


# -- console sessions -------------------------------------------------------------------------


def session_key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def insert_session(
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


async def touch_session(
    tx: Transaction, *, session_id: str, idle: timedelta
) -> dict[str, Any] | None:
    """The live session with its (active) staff account, its idle clock reset; else None."""
    row = await tx.fetchrow(
        f"""UPDATE console_sessions s SET last_seen = now()
            FROM staff_accounts a
            WHERE s.id_hash = $1 AND a.id = s.staff_id AND a.active
              AND s.expires_at > now() AND s.last_seen > now() - $2::interval
            RETURNING s.csrf_token, {STAFF_COLUMNS_OF_A}""",
        session_key(session_id),
        idle,
    )
    return dict(row) if row else None


async def delete_session(tx: Transaction, *, session_id: str) -> None:
    await tx.execute("DELETE FROM console_sessions WHERE id_hash = $1", session_key(session_id))


async def delete_sessions_of(tx: Transaction, *, staff_id: UUID) -> None:
    await tx.execute("DELETE FROM console_sessions WHERE staff_id = $1", staff_id)
