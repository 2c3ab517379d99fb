"""Availability: free slots for a treatment, and the check of one requested booking.

What occupies the calendar: an appointment takes its practitioner *and* its room from its
start until its end plus the cleaning buffer of its treatment type — `Busy.end` already includes
that buffer (build it with `Busy.for_appointment`). A new appointment occupies
[start, end + buffer) the same way, and two occupations may not overlap (half-open, so one may
begin the instant the other's buffer ends). That is the range the database's exclusion
constraints should cover, over appointments in ACTIVE_STATUSES.

Decisions:
- The trailing buffer must fit inside working hours: cleaning is part of the practitioner's
  day, and a room left uncleaned at closing would still be unusable.
- Time off blocks the same occupied range.
- A licence is valid through its expiry date, compared with the appointment's local date.
- `now` hides slots starting before it; a slot starting exactly at `now` is offered.
- Of several free rooms the first in the caller's `rooms` order is proposed.

`free_slots` and `check_bookable` share these rules, so every proposed slot is bookable and
every bookable (practitioner, start) is proposed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain
from uuid import UUID
from zoneinfo import ZoneInfo

from shared.errors import Invalid

from .errors import (
    DurationMismatch,
    EndNotAfterStart,
    InTimeOff,
    LicenceExpired,
    OffGrid,
    OutsideWorkingHours,
    PractitionerNotQualified,
    PractitionerTaken,
    RoomTaken,
    StartInPast,
)
from .hours import (
    WorkingHours,
    as_utc,
    grid_starts,
    on_grid,
    wall_clock,
    weekly_hours,
    working_intervals,
)
from .treatments import Indication

MAX_WINDOW_DAYS = 31


def _utc_range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """`start` and `end` in UTC; EndNotAfterStart unless the end is after the start."""
    start, end = as_utc(start, field="start"), as_utc(end, field="end")
    if end <= start:
        raise EndNotAfterStart()
    return start, end


@dataclass(frozen=True, slots=True)
class TimeOff:
    """A dated absence of a practitioner (holiday, training, sick leave)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start, end = _utc_range(self.start, self.end)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)


@dataclass(frozen=True, slots=True, kw_only=True)
class PractitionerAvailability:
    """What availability needs to know about one practitioner at one clinic."""

    practitioner_id: UUID
    working_hours: Sequence[WorkingHours]
    licence_expires_on: date
    indications: Collection[Indication]
    time_off: Sequence[TimeOff] = ()

    def licence_valid_on(self, day: date) -> bool:
        return day <= self.licence_expires_on


@dataclass(frozen=True, slots=True, kw_only=True)
class Busy:
    """An active appointment's occupation: `end` is the treatment's end plus its buffer."""

    practitioner_id: UUID
    room_id: UUID
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start, end = _utc_range(self.start, self.end)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @classmethod
    def for_appointment(
        cls,
        *,
        practitioner_id: UUID,
        room_id: UUID,
        start: datetime,
        end: datetime,
        buffer: timedelta,
    ) -> Busy:
        """The occupation of an appointment from its treatment end and its buffer."""
        return cls(practitioner_id=practitioner_id, room_id=room_id, start=start, end=end + buffer)


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable appointment: `end` is the treatment's end (the buffer follows it)."""

    start: datetime
    end: datetime
    practitioner_id: UUID
    room_id: UUID


class _Timeline:
    """One practitioner's or room's occupied ranges, merged and sorted: O(log n) overlap tests."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, ranges: Iterable[tuple[datetime, datetime]]) -> None:
        self._starts: list[datetime] = []
        self._ends: list[datetime] = []
        for start, end in sorted(ranges):
            if self._ends and start <= self._ends[-1]:
                self._ends[-1] = max(self._ends[-1], end)
            else:
                self._starts.append(start)
                self._ends.append(end)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        i = bisect_right(self._ends, start)
        return i < len(self._starts) and self._starts[i] < end


def _check_span(value: timedelta, *, field: str, allow_zero: bool = False) -> None:
    if value < timedelta(0) or (value == timedelta(0) and not allow_zero):
        raise Invalid(f"{field} must be {'zero or ' if allow_zero else ''}positive.", field=field)


def free_slots(
    *,
    tz: ZoneInfo,
    date_from: date,
    date_to: date,
    duration: timedelta,
    buffer: timedelta,
    grid: timedelta,
    indication: Indication,
    practitioners: Sequence[PractitionerAvailability],
    rooms: Sequence[UUID],
    busy: Iterable[Busy],
    now: datetime | None = None,
) -> list[Slot]:
    """Free (practitioner, room) slots on local dates date_from..date_to, ordered by start.

    `busy` holds the active appointments of these practitioners (at any clinic) and of these
    rooms; entries for other practitioners or rooms are ignored. Each practitioner appears once.
    """
    if date_to < date_from:
        raise Invalid("to is before from.", field="to")
    if (date_to - date_from).days >= MAX_WINDOW_DAYS:
        raise Invalid(f"Ask for at most {MAX_WINDOW_DAYS} days at a time.", field="to")
    _check_span(duration, field="duration")
    _check_span(buffer, field="buffer", allow_zero=True)
    _check_span(grid, field="grid")
    not_before = None if now is None else as_utc(now, field="now")
    occupied = duration + buffer
    if len({p.practitioner_id for p in practitioners}) != len(practitioners):
        raise ValueError("each practitioner appears once in practitioners")

    by_practitioner: defaultdict[UUID, list[tuple[datetime, datetime]]] = defaultdict(list)
    by_room: defaultdict[UUID, list[tuple[datetime, datetime]]] = defaultdict(list)
    for entry in busy:
        by_practitioner[entry.practitioner_id].append((entry.start, entry.end))
        by_room[entry.room_id].append((entry.start, entry.end))
    room_timelines = [(room, _Timeline(by_room.get(room, ()))) for room in rooms]

    days = [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    found: list[tuple[datetime, int, Slot]] = []
    for rank, practitioner in enumerate(practitioners):
        if indication not in practitioner.indications:
            continue
        weekly = weekly_hours(practitioner.working_hours)
        own = _Timeline(
            chain(
                by_practitioner.get(practitioner.practitioner_id, ()),
                ((off.start, off.end) for off in practitioner.time_off),
            )
        )
        for day in days:
            if not practitioner.licence_valid_on(day):
                break
            for interval in working_intervals(tz, day, weekly):
                for start in grid_starts(tz, interval, grid=grid, occupied=occupied):
                    if not_before is not None and start < not_before:
                        continue
                    end = start + occupied
                    if own.overlaps(start, end):
                        continue
                    room = next(
                        (r for r, line in room_timelines if not line.overlaps(start, end)), None
                    )
                    if room is not None:
                        slot = Slot(start, start + duration, practitioner.practitioner_id, room)
                        found.append((start, rank, slot))
    found.sort(key=lambda item: (item[0], item[1]))
    return [slot for _, _, slot in found]


def check_bookable(
    *,
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
    duration: timedelta,
    buffer: timedelta,
    grid: timedelta,
    indication: Indication,
    practitioner: PractitionerAvailability,
    room_id: UUID,
    busy: Iterable[Busy] = (),
    now: datetime | None = None,
) -> None:
    """Raise the precise error that keeps this appointment from being booked, if any.

    Checks in this order: end after start, duration, not in the past, qualification,
    licence, working hours, slot grid, time off, then `busy` (when rescheduling, leave the
    appointment being moved out of `busy`). The database's exclusion constraints remain the
    guarantee against concurrent double booking; the `busy` check only words the error early.
    """
    start, end = _utc_range(start, end)
    if end - start != duration:
        raise DurationMismatch(requested=end - start, expected=duration)
    if now is not None and start < as_utc(now, field="now"):
        raise StartInPast()
    if indication not in practitioner.indications:
        raise PractitionerNotQualified(indication=indication.value)
    local_start = wall_clock(start, tz)
    day = local_start.date()
    if not practitioner.licence_valid_on(day):
        raise LicenceExpired(expired_on=practitioner.licence_expires_on, appointment_date=day)

    occupied_until = end + buffer
    intervals = working_intervals(tz, day, weekly_hours(practitioner.working_hours))
    interval = next((i for i in intervals if i.start <= start and occupied_until <= i.end), None)
    if interval is None:
        hours = ", ".join(f"{i.wall_start:%H:%M}-{i.wall_end:%H:%M}" for i in intervals)
        raise OutsideWorkingHours(
            f"On {day:%A %Y-%m-%d} the practitioner works {hours or 'no hours'} here "
            f"(local time); {local_start:%H:%M} plus treatment and "
            f"{buffer.total_seconds() / 60:g} min cleaning does not fit."
        )
    if not on_grid(tz, start, interval, grid):
        raise OffGrid(grid=grid, first=f"{interval.wall_start:%H:%M}")
    if _Timeline((off.start, off.end) for off in practitioner.time_off).overlaps(
        start, occupied_until
    ):
        raise InTimeOff()
    entries = list(busy)
    practitioner_line = _Timeline(
        (b.start, b.end) for b in entries if b.practitioner_id == practitioner.practitioner_id
    )
    if practitioner_line.overlaps(start, occupied_until):
        raise PractitionerTaken()
    if _Timeline((b.start, b.end) for b in entries if b.room_id == room_id).overlaps(
        start, occupied_until
    ):
        raise RoomTaken()
