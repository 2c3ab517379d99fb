"""The sign-in throttle's rules: when an attempt must wait, and for how long. No I/O.

Failed attempts count per account (an email or a client id) and per (account, address):

- **Per (account, address).** After `free` failures for the account from that address, the
  address waits before its next attempt for that account: `first` after the newest failure,
  doubling with each further failure, at most `cap`. A waiting attempt is refused without the
  password being checked, even a right one: someone there has just been guessing it.
- **Per account.** The failures from all addresses, each address counting at most its own free
  ones (beyond them it already waits), past the account's `free`: an attempt from an address
  the account has not signed in from lately waits the same way. Addresses where it has signed
  in keep only their own limit, so staff at their usual place still get in while the account
  is attacked from elsewhere.

Nothing is ever counted per address alone: one clinic behind one address, with one person
guessing at one account, must not lock its other staff out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Backoff:
    """`free` failures, then a wait of `first` after the newest, doubling up to `cap`."""

    free: int
    first: timedelta
    cap: timedelta

    def wait(self, failures: int) -> timedelta:
        """How long after the newest of `failures` failures the next attempt must wait."""
        if failures < self.free:
            return timedelta(0)
        doublings = failures - self.free
        if doublings >= 40:  # far past any cap; 2**40 would overflow a timedelta
            return self.cap
        return min(self.cap, self.first * 2**doublings)

    def retry_after(self, failures: int, newest: datetime | None, now: datetime) -> int | None:
        """Whole seconds until the next attempt is allowed, or None when it is allowed now."""
        if newest is None:
            return None
        release = newest + self.wait(failures)
        if release <= now:
            return None
        return max(1, math.ceil((release - now).total_seconds()))


@dataclass(frozen=True, slots=True)
class Policy:
    per_address: Backoff
    """One account from one address."""
    per_account: Backoff
    """One account from every address it has not signed in from lately."""


@dataclass(frozen=True, slots=True)
class Record:
    """What is known of an account's failures when one of its sign-ins is attempted."""

    address_failures: int
    """Inside the window, from the attempt's address."""
    address_newest: datetime | None
    account_failures: int
    """Inside the window, from all addresses, each counting at most `per_address.free`."""
    account_newest: datetime | None
    known_address: bool
    """The account signed in from the attempt's address lately."""
    now: datetime


def retry_after(policy: Policy, record: Record) -> int | None:
    """Seconds the attempt must wait (the longer of the waits that apply), or None."""
    waits = [
        policy.per_address.retry_after(record.address_failures, record.address_newest, record.now)
    ]
    if not record.known_address:
        waits.append(
            policy.per_account.retry_after(
                record.account_failures, record.account_newest, record.now
            )
        )
    found = [w for w in waits if w is not None]
    return max(found) if found else None
