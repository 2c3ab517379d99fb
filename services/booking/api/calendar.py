"""Rows of the calendar (hours, time off, occupied ranges) as the domain's values."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from services.booking.domain import (
    Busy,
    Indication,
    PractitionerAvailability,
    TimeOff,
    WorkingHours,
    clock_reaches,
)


def local_window(tz: ZoneInfo, first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC instants from local midnight before `first` to local midnight after `last`."""
    return (
        clock_reaches(tz, datetime.combine(first, time())),
        clock_reaches(tz, datetime.combine(last + timedelta(days=1), time())),
    )


def practitioner_availability(row: dict[str, Any]) -> PractitionerAvailability:
    """From a `repository.availability_practitioners` row."""
    return PractitionerAvailability(
        practitioner_id=row["id"],
        working_hours=[
            WorkingHours(d, s, e)
            for d, s, e in zip(row["weekdays"], row["starts"], row["ends"], strict=True)
        ],
        licence_expires_on=row["licence_expires_on"],
        indications=frozenset(Indication(i) for i in row["indications"]),
        time_off=[TimeOff(s, e) for s, e in zip(row["off_starts"], row["off_ends"], strict=True)],
    )


def busy(rows: list[tuple[UUID, UUID, datetime, datetime]]) -> list[Busy]:
    return [Busy(practitioner_id=p, room_id=r, start=s, end=e) for p, r, s, e in rows]
