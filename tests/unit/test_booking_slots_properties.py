"""Properties of free slots over generated clinics, days around DST changes, and calendars.

The oracles here are deliberately naive: overlaps are tested pairwise, and "the first instant
the clinic's clock shows a time" is found by walking minute by minute, independently of the
bisection the domain uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from uuid import UUID
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.booking.domain import (
    Busy,
    Indication,
    PractitionerAvailability,
    Slot,
    TimeOff,
    WorkingHours,
    check_bookable,
    free_slots,
)
from shared.errors import ProblemError

MIN = timedelta(minutes=1)
STRANGER = UUID(int=999)
HOUR = 60 * MIN
STEP = 5 * MIN  # everything generated here is on five-minute boundaries

# Zones with the changes that matter: Paris and New York (one hour, at night), Lord Howe (half
# an hour), Santiago (at midnight, so a date loses or repeats its last hour) and UTC (none).
TRANSITION_DAYS: dict[str, list[date]] = {
    "Europe/Paris": [date(2026, 3, 29), date(2026, 10, 25)],
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Australia/Lord_Howe": [date(2026, 4, 5), date(2026, 10, 4)],
    "America/Santiago": [date(2026, 4, 4), date(2026, 4, 5), date(2026, 9, 6)],
    "UTC": [date(2026, 6, 16)],
}

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
THOROUGH = settings(PROPERTY_SETTINGS, max_examples=120)  # the two properties with oracles


@dataclass(frozen=True)
class Scenario:
    tz: ZoneInfo
    date_from: date
    date_to: date
    duration: timedelta
    buffer: timedelta
    grid: timedelta
    practitioners: list[PractitionerAvailability]
    rooms: list[UUID]
    busy: list[Busy]
    now: datetime | None
    probes: list[datetime]

    @property
    def occupied(self) -> timedelta:
        return self.duration + self.buffer

    def slots(self) -> list[Slot]:
        return free_slots(
            tz=self.tz,
            date_from=self.date_from,
            date_to=self.date_to,
            duration=self.duration,
            buffer=self.buffer,
            grid=self.grid,
            indication=Indication.hair_loss,
            practitioners=self.practitioners,
            rooms=self.rooms,
            busy=self.busy,
            now=self.now,
        )


# Strategies are built once: building them inside the generator dominated the run time.
ZONES = st.sampled_from(sorted(TRANSITION_DAYS))
ANY_DAY = st.dates(date(2026, 1, 1), date(2026, 12, 30))
INDEX = st.integers(0, 3)
EIGHTH = st.integers(0, 7)
ONE_IN_FOUR = st.integers(0, 3).map(lambda n: n == 0)
WEEKDAY_OR_WINDOW_DAY = st.integers(0, 20)  # 0-13 a weekday of the window, 14-20 any weekday
# Working hours (in five-minute units of the day, 287 = 23:55): any, or through the small hours
# (where Paris, New York and Lord Howe change clocks), or up to midnight (where Santiago does).
WORKING_HOURS = st.one_of(
    st.tuples(st.integers(0, 12), st.integers(13, 84)),
    st.tuples(st.integers(0, 286), st.integers(1, 287)).map(
        lambda p: (p[0], min(p[0] + p[1], 287))
    ),
    st.tuples(st.integers(228, 276), st.just(287)),
)
WINDOW_FIVE_MINUTES = st.integers(0, (3 * 24 + 32) * 12)  # up to 3 days plus 32 hours
TIME_OFF_LENGTH = st.integers(1, 60).map(lambda n: n * 5 * MIN)
BUSY_LENGTH = st.integers(1, 36).map(lambda n: n * 5 * MIN)
DURATION = st.integers(1, 18).map(lambda n: n * 5 * MIN)
BUFFER = st.integers(0, 6).map(lambda n: n * 5 * MIN)
GRID = st.sampled_from([5, 10, 15, 20, 30, 45, 60]).map(lambda n: n * MIN)
FEW = st.integers(0, 2)
SOME = st.integers(1, 3)
INDICATION_SETS = [
    frozenset({Indication.hair_loss}),
    frozenset({Indication.hair_loss, Indication.cellulite}),
    frozenset({Indication.cellulite}),
]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    zone = draw(ZONES)
    tz = ZoneInfo(zone)
    if draw(ONE_IN_FOUR):
        around = draw(ANY_DAY)
    else:
        transitions = TRANSITION_DAYS[zone]
        around = transitions[draw(INDEX) % len(transitions)]
    date_from = around - timedelta(days=draw(st.booleans()))
    date_to = around + timedelta(days=draw(st.booleans()))
    days = [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    window_start = datetime.combine(date_from, time(0), tzinfo=UTC) - timedelta(hours=16)

    def instant() -> datetime:
        return window_start + draw(WINDOW_FIVE_MINUTES) * 5 * MIN

    practitioners = []
    for index in range(draw(SOME)):
        hours = []
        for _ in range(draw(SOME)):
            pick = draw(WEEKDAY_OR_WINDOW_DAY)
            weekday = days[pick % len(days)].weekday() if pick < 14 else pick - 14
            start, end = draw(WORKING_HOURS)
            hours.append(
                WorkingHours(weekday, time(*divmod(start * 5, 60)), time(*divmod(end * 5, 60)))
            )
        time_off = []
        for _ in range(draw(FEW)):
            off_start = instant()
            time_off.append(TimeOff(off_start, off_start + draw(TIME_OFF_LENGTH)))
        licences = [*[date(2030, 1, 1)] * 5, date_from - timedelta(days=1), date_from, date_to]
        practitioners.append(
            PractitionerAvailability(
                practitioner_id=UUID(int=index + 1),
                working_hours=hours,
                licence_expires_on=licences[draw(EIGHTH)],
                indications=INDICATION_SETS[draw(FEW)],
                time_off=time_off,
            )
        )
    rooms = [UUID(int=100 + n) for n in range(draw(SOME))]
    busy = []
    for _ in range(draw(st.integers(0, 12))):
        start = instant()
        who, where = draw(INDEX), draw(INDEX)
        busy.append(
            Busy(
                practitioner_id=UUID(int=who + 1) if who < len(practitioners) else STRANGER,
                room_id=rooms[where] if where < len(rooms) else STRANGER,
                start=start,
                end=start + draw(BUSY_LENGTH),
            )
        )
    return Scenario(
        tz=tz,
        date_from=date_from,
        date_to=date_to,
        duration=draw(DURATION),
        buffer=draw(BUFFER),
        grid=draw(GRID),
        practitioners=practitioners,
        rooms=rooms,
        busy=busy,
        now=instant() if draw(st.booleans()) else None,
        probes=[instant() for _ in range(draw(st.integers(0, 15)))],
    )


# -- naive oracles -------------------------------------------------------------------------------


def wall(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


@cache
def first_instant_showing(tz: ZoneInfo, reading: datetime) -> datetime:
    """Walk in five-minute steps until the clinic's clock shows `reading` or later.

    Exact here: readings, UTC offsets and DST changes all fall on five-minute boundaries.
    """
    instant = (reading - timedelta(hours=15)).replace(tzinfo=UTC)
    while wall(instant, tz) < reading:
        instant += STEP
    return instant


def merged_hours(p: PractitionerAvailability, day: date) -> list[tuple[datetime, datetime]]:
    spans = sorted(
        (datetime.combine(day, h.start), datetime.combine(day, h.end))
        for h in p.working_hours
        if h.weekday == day.weekday()
    )
    merged: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def practitioner(scenario: Scenario, practitioner_id: UUID) -> PractitionerAvailability:
    return next(p for p in scenario.practitioners if p.practitioner_id == practitioner_id)


# -- properties ----------------------------------------------------------------------------------


@THOROUGH
@given(scenarios())
def test_no_slot_overlaps_a_busy_interval_of_its_practitioner_or_its_room(
    scenario: Scenario,
) -> None:
    for slot in scenario.slots():
        taken = (slot.start, slot.end + scenario.buffer)
        for b in scenario.busy:
            if b.practitioner_id == slot.practitioner_id or b.room_id == slot.room_id:
                assert not overlap(taken, (b.start, b.end)), (slot, b)


@PROPERTY_SETTINGS
@given(scenarios())
def test_no_slot_overlaps_its_practitioners_time_off(scenario: Scenario) -> None:
    for slot in scenario.slots():
        for off in practitioner(scenario, slot.practitioner_id).time_off:
            assert not overlap((slot.start, slot.end + scenario.buffer), (off.start, off.end))


@THOROUGH
@given(scenarios())
def test_every_slot_lies_inside_working_hours_in_local_time_and_on_the_grid(
    scenario: Scenario,
) -> None:
    tz = scenario.tz
    for slot in scenario.slots():
        assert slot.start.tzinfo is UTC and slot.end - slot.start == scenario.duration
        occupied_until = slot.end + scenario.buffer
        local_start = wall(slot.start, tz)
        day = local_start.date()
        assert scenario.date_from <= day <= scenario.date_to
        containing = [
            (s, e)
            for s, e in merged_hours(practitioner(scenario, slot.practitioner_id), day)
            if s <= local_start < e
        ]
        assert len(containing) == 1, slot
        opens, closes = containing[0]
        # On the grid counted from the interval's local start.
        assert (local_start - opens) % scenario.grid == timedelta(0)
        # From when the clock first shows the opening time until it first shows closing time.
        assert first_instant_showing(tz, opens) <= slot.start
        assert occupied_until <= first_instant_showing(tz, closes)
        # So the clock never shows closing time (or a later date) while the slot lasts.
        instant = slot.start
        while instant < occupied_until:
            assert wall(instant, tz) < closes
            instant += STEP
        if slot.start.astimezone(tz).utcoffset() == occupied_until.astimezone(tz).utcoffset():
            assert opens <= local_start and wall(occupied_until, tz) <= closes


@PROPERTY_SETTINGS
@given(scenarios())
def test_no_two_slots_of_one_practitioner_share_a_start(scenario: Scenario) -> None:
    found = scenario.slots()
    keys = [(s.practitioner_id, s.start) for s in found]
    assert len(keys) == len(set(keys))
    assert [s.start for s in found] == sorted(s.start for s in found)


@PROPERTY_SETTINGS
@given(scenarios())
def test_slots_are_never_past_unlicensed_or_for_an_unqualified_practitioner(
    scenario: Scenario,
) -> None:
    for slot in scenario.slots():
        p = practitioner(scenario, slot.practitioner_id)
        assert Indication.hair_loss in p.indications
        assert wall(slot.start, scenario.tz).date() <= p.licence_expires_on
        assert scenario.now is None or slot.start >= scenario.now
        assert slot.room_id in scenario.rooms


@THOROUGH
@given(scenarios())
def test_a_start_is_offered_exactly_when_it_can_be_booked_in_the_offered_room(
    scenario: Scenario,
) -> None:
    found = scenario.slots()
    offered = {(s.practitioner_id, s.start): s.room_id for s in found}
    probes = set(scenario.probes)
    for s in found[:: max(1, len(found) // 10)]:  # about ten offered slots and their neighbours
        probes |= {s.start, s.start - STEP, s.start + STEP, s.start + scenario.grid}
        probes |= {s.start - HOUR, s.start + HOUR}  # the other reading of a repeated hour
    for p in scenario.practitioners:
        for start in probes:
            bookable_rooms = []
            for room in scenario.rooms:
                try:
                    check_bookable(
                        tz=scenario.tz,
                        start=start,
                        end=start + scenario.duration,
                        duration=scenario.duration,
                        buffer=scenario.buffer,
                        grid=scenario.grid,
                        indication=Indication.hair_loss,
                        practitioner=p,
                        room_id=room,
                        busy=scenario.busy,
                        now=scenario.now,
                    )
                except ProblemError:
                    continue
                bookable_rooms.append(room)
            day = wall(start, scenario.tz).date()
            if not scenario.date_from <= day <= scenario.date_to:
                continue  # outside the asked window nothing is offered
            expected_room = bookable_rooms[0] if bookable_rooms else None
            assert offered.get((p.practitioner_id, start)) == expected_room, (p, start)


def test_the_generated_scenarios_do_produce_slots_and_dst_days() -> None:
    """Guard against a generator that only ever builds empty calendars."""
    seen: dict[str, int] = {"slots": 0, "transition_day_slots": 0}

    @settings(max_examples=60, deadline=None, database=None)
    @given(scenarios())
    def collect(scenario: Scenario) -> None:
        found = scenario.slots()
        seen["slots"] += len(found)
        days = TRANSITION_DAYS[str(scenario.tz)]
        seen["transition_day_slots"] += sum(
            wall(s.start, scenario.tz).date() in days for s in found
        )

    collect()
    assert seen["slots"] > 0
    assert seen["transition_day_slots"] > 0
