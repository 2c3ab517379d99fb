"""Failed sign-ins, one row each; `subject` is `user:<email>`, `client:<id>` or `address:<ip>`."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.db import Transaction


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
    now: datetime = rows[0]["now"] if rows else await tx.fetchval("SELECT now()")
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
