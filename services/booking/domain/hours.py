"""Clinic wall-clock time: weekly working hours and the real (UTC) instants they cover.

Working hours are wall-clock times in the clinic's IANA timezone ("Tuesdays 09:00-13:00"); the
rest of the domain works with aware UTC instants. The bridge, DST-correct:

- A working interval on a local date runs from the first instant the clinic's clock shows its
  start time to the first instant it shows its end time — what a person at the clinic would do.
  On the spring-forward day a start or end inside the skipped hour becomes the moment the clock
  jumps; on the fall-back day an hour that happens twice counts from its first occurrence.
- Slot starts are wall-clock times on the grid counted from the interval's local start
  (09:00, 09:15, …). A grid time skipped by spring-forward yields no start; one that happens
  twice on fall-back yields both (they are distinct instants), so no instant is offered twice.
- Starts are only readings at or after the opening time: if the clock falls back inside an
  interval, the repeated readings from before opening are not offered (the practitioner is at
  work then, but "09:00 opening" never yields an 08:30 start).
- Durations are real elapsed time: a 45-minute treatment ends 45 minutes later, whatever the
  clock does meanwhile.

Intervals do not cross midnight; overlapping or touching intervals of one weekday are merged,
so the grid counts from the start of the merged interval.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from shared.errors import Invalid

_SECOND = timedelta(seconds=1)


def as_utc(value: datetime, *, field: str) -> datetime:
    """`value` as a UTC datetime; Invalid (naming `field`) when it carries no offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid(f"{field} must carry a UTC offset.", field=field)
    return value.astimezone(UTC)


def wall_clock(instant: datetime, tz: ZoneInfo) -> datetime:
    """What the clinic's clock shows at `instant`, as a naive datetime."""
    return instant.astimezone(tz).replace(tzinfo=None)


def instants_at(tz: ZoneInfo, wall: datetime) -> tuple[datetime, ...]:
    """The UTC instants at which the clock shows `wall`: none in a gap, two in a fall-back."""
    found: list[datetime] = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if wall_clock(instant, tz) == wall and instant not in found:
            found.append(instant)
    return tuple(sorted(found))


def clock_reaches(tz: ZoneInfo, wall: datetime) -> datetime:
    """The first UTC instant at which the clinic's clock shows `wall` or later."""
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if wall_clock(instant, tz) == wall:
        return instant  # for a time that happens twice, fold 0 is the first time
    # `wall` is skipped by a spring-forward: fold 1 reads it with the later offset (an instant
    # before the jump), fold 0 with the earlier one (after it). Find the jump to the second.
    before = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    after = instant
    # Transitions fall on whole seconds, so bisect in whole seconds.
    while (span := (after - before) // _SECOND) > 1:
        middle = before + (span // 2) * _SECOND
        if wall_clock(middle, tz) >= wall:
            after = middle
        else:
            before = middle
    return after


def local_window(tz: ZoneInfo, first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC instants from local midnight before `first` to local midnight after `last`."""
    return (
        clock_reaches(tz, datetime.combine(first, time())),
        clock_reaches(tz, datetime.combine(last + timedelta(days=1), time())),
    )


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """One interval of a practitioner's weekly hours at a clinic, in local wall-clock time."""

    weekday: int  # 0 = Monday … 6 = Sunday, as date.weekday()
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise Invalid("weekday is 0 (Monday) to 6 (Sunday).", field="weekday")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise Invalid(
                "Working hours are local wall-clock times, without offset.", field="start"
            )
        if self.end <= self.start:
            raise Invalid("Working hours end after they start, on the same day.", field="end")


def check_working_hours(hours: Sequence[WorkingHours]) -> None:
    """Raise Invalid when two intervals of one weekday overlap, naming the later one by its
    place in `hours` (field `hours.<index>`), so a form can say it next to that row."""
    by_day: dict[int, list[tuple[int, WorkingHours]]] = defaultdict(list)
    for index, interval in enumerate(hours):
        by_day[interval.weekday].append((index, interval))
    for intervals in by_day.values():
        intervals.sort(key=lambda i: i[1].start)
        for (_, earlier), (index, later) in pairwise(intervals):
            if later.start < earlier.end:
                raise Invalid(
                    f"Working hours {earlier.start:%H:%M}-{earlier.end:%H:%M} and "
                    f"{later.start:%H:%M}-{later.end:%H:%M} overlap.",
                    field=f"hours.{index}",
                )


WeeklyHours = Mapping[int, Sequence[tuple[time, time]]]


def weekly_hours(hours: Iterable[WorkingHours]) -> WeeklyHours:
    """Intervals per weekday, sorted, with overlapping or touching ones merged."""
    by_day: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for interval in sorted(hours, key=lambda i: (i.weekday, i.start)):
        merged = by_day[interval.weekday]
        if merged and interval.start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], interval.end))
        else:
            merged.append((interval.start, interval.end))
    return dict(by_day)


@dataclass(frozen=True, slots=True)
class WorkingInterval:
    """A working interval on one local date: wall-clock bounds and the real instants."""

    day: date
    wall_start: datetime  # naive, the clinic's clock
    wall_end: datetime
    start: datetime  # UTC: the first instant the clock shows wall_start
    end: datetime  # UTC: the first instant the clock shows wall_end


def working_intervals(tz: ZoneInfo, day: date, weekly: WeeklyHours) -> list[WorkingInterval]:
    """The practitioner's working intervals on local date `day` (empty ones dropped)."""
    intervals: list[WorkingInterval] = []
    for start, end in weekly.get(day.weekday(), ()):
        wall_start, wall_end = datetime.combine(day, start), datetime.combine(day, end)
        real_start, real_end = clock_reaches(tz, wall_start), clock_reaches(tz, wall_end)
        if real_start < real_end:
            intervals.append(WorkingInterval(day, wall_start, wall_end, real_start, real_end))
    return intervals


def grid_starts(
    tz: ZoneInfo, interval: WorkingInterval, *, grid: timedelta, occupied: timedelta
) -> Iterator[datetime]:
    """UTC instants whose wall-clock time is `wall_start + k·grid` and that leave `occupied`
    (treatment + buffer) before the interval ends; ascending only when no DST change falls
    inside the interval."""
    latest = interval.end - occupied
    if latest < interval.start:
        return
    offset = interval.start.astimezone(tz).utcoffset()
    steady = (
        offset is not None
        and interval.end.astimezone(tz).utcoffset() == offset
        and interval.end - interval.start == interval.wall_end - interval.wall_start
    )
    wall = interval.wall_start
    if steady:
        assert offset is not None
        instant = (wall - offset).replace(tzinfo=UTC)
        while instant <= latest:
            yield instant
            instant += grid
        return
    while wall < interval.wall_end:
        for instant in instants_at(tz, wall):
            if instant <= latest:
                yield instant
        wall += grid


def on_grid(tz: ZoneInfo, instant: datetime, interval: WorkingInterval, grid: timedelta) -> bool:
    """Whether `instant` reads on the clock as `wall_start + k·grid` for some k ≥ 0."""
    since_start = wall_clock(instant, tz) - interval.wall_start
    return since_start >= timedelta(0) and not since_start % grid
