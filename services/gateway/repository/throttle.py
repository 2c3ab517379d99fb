"""The sign-in throttle's rows: one per failed attempt (`subject` is the account, `user:<email>`
or `client:<id>`, with the address it came from), and the addresses each account signed in
from lately."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.db import Transaction, record_of


@dataclass(frozen=True, slots=True)
class Failures:
    """An account's failed attempts inside the window, as seen from one address."""

    address_failures: int
    """From that address."""
    address_newest: datetime | None
    account_failures: int
    """From all addresses, each counting at most `per_address_cap`."""
    account_newest: datetime | None
    known_address: bool
    """The account signed in from that address within `known_for`."""
    now: datetime
    """The database's clock, which stamped the rows."""


SIGN_IN_LOCKS = 0x6C6F6769  # "logi": the advisory lock class of the sign-in throttle


async def serialize(tx: Transaction, *, subject: str) -> None:
    """Until the transaction ends, attempts at the same account wait for this one."""
    await tx.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", SIGN_IN_LOCKS, subject)


async def failures(
    tx: Transaction,
    *,
    subject: str,
    address: str,
    window: timedelta,
    per_address_cap: int,
    known_for: timedelta,
) -> Failures:
    row = await tx.fetchrow(
        """WITH per_address AS (
               SELECT coalesce(address, '') AS address, count(*) AS n, max(failed_at) AS newest
                 FROM login_failures
                WHERE subject = $1 AND failed_at > now() - $3::interval
                GROUP BY 1
           )
           SELECT coalesce((SELECT n FROM per_address WHERE address = $2), 0)::int
                      AS address_failures,
                  (SELECT newest FROM per_address WHERE address = $2) AS address_newest,
                  coalesce((SELECT sum(least(n, $4)) FROM per_address), 0)::int
                      AS account_failures,
                  (SELECT max(newest) FROM per_address) AS account_newest,
                  EXISTS (SELECT 1 FROM login_addresses
                           WHERE subject = $1 AND address = $2
                             AND signed_in_at > now() - $5::interval) AS known_address,
                  now() AS now""",
        subject,
        address,
        window,
        per_address_cap,
        known_for,
    )
    found = record_of(Failures, row)
    assert found is not None  # one row, always
    return found


async def record_failure(tx: Transaction, *, subject: str, address: str, window: timedelta) -> None:
    """One failed attempt (or one being made: `record_success` takes it back)."""
    await tx.execute(
        "INSERT INTO login_failures (subject, address) VALUES ($1, $2)", subject, address
    )
    # Keep the table small: what left the window no longer counts, whoever it was about.
    await tx.execute("DELETE FROM login_failures WHERE failed_at < now() - $1::interval", window)


async def record_success(
    tx: Transaction, *, subject: str, address: str, known_for: timedelta
) -> None:
    """The account signed in from `address`: its failures from there are forgiven, and the
    address is one of its own for `known_for`."""
    await tx.execute(
        "DELETE FROM login_failures WHERE subject = $1 AND address = $2", subject, address
    )
    await tx.execute(
        """INSERT INTO login_addresses (subject, address) VALUES ($1, $2)
           ON CONFLICT (subject, address) DO UPDATE SET signed_in_at = now()""",
        subject,
        address,
    )
    await tx.execute(
        "DELETE FROM login_addresses WHERE subject = $1 AND signed_in_at < now() - $2::interval",
        subject,
        known_for,
    )
