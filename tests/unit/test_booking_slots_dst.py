"""Slots across daylight-saving changes, for a European and an American clinic.

Working hours are wall-clock times: 09:00 is 09:00 on the clinic's clock on both sides of a
change, so the first slot moves by an hour in UTC and the day keeps its number of slots. At
night, a skipped hour yields no slots and a repeated hour yields its slots twice (distinct
instants); treatments always last their real duration.

Changes: Europe/Paris 2026-03-29 02:00 CET -> 03:00 CEST (01:00 UTC) and 2026-10-25 03:00 CEST
-> 02:00 CET (01:00 UTC); America/New_York 2026-03-08 02:00 EST -> 03:00 EDT (07:00 UTC) and
2026-11-01 02:00 EDT -> 01:00 EST (06:00 UTC). All four are Sundays; the clinics open daily.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from services.booking.domain import (
    Busy,
    Indication,
    OffGrid,
    PractitionerAvailability,
    Slot,
    WorkingHours,
    check_bookable,
    free_slots,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
MIN = timedelta(minutes=1)
ROOM = uuid4()
TREATMENT, CLEANING, GRID = 45 * MIN, 15 * MIN, 15 * MIN


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def every_day(start: time, end: time) -> PractitionerAvailability:
    return PractitionerAvailability(
        practitioner_id=uuid4(),
        working_hours=[WorkingHours(d, start, end) for d in range(7)],
        licence_expires_on=date(2030, 1, 1),
        indications={Indication.skin_rejuvenation},
    )


def slots_on(
    tz: ZoneInfo,
    first: date,
    last: date | None = None,
    *,
    hours: tuple[time, time] = (time(9), time(17)),
    busy: list[Busy] | None = None,
    practitioner: PractitionerAvailability | None = None,
) -> list[Slot]:
    return free_slots(
        tz=tz,
        date_from=first,
        date_to=last or first,
        duration=TREATMENT,
        buffer=CLEANING,
        grid=GRID,
        indication=Indication.skin_rejuvenation,
        practitioners=[practitioner or every_day(*hours)],
        rooms=[ROOM],
        busy=busy or [],
    )


def every_15_minutes_from(first: datetime, count: int) -> list[datetime]:
    return [first + n * GRID for n in range(count)]


class TestDaytimeHoursAroundEachChange:
    """09:00-17:00, 45 + 15 minutes: starts 09:00 ... 16:00 local, 29 a day."""

    @pytest.mark.parametrize(
        ("tz", "day", "first_slot"),
        [
            (PARIS, date(2026, 3, 28), utc(2026, 3, 28, 8, 0)),  # CET, UTC+1
            (PARIS, date(2026, 3, 29), utc(2026, 3, 29, 7, 0)),  # CEST, UTC+2
            (PARIS, date(2026, 10, 24), utc(2026, 10, 24, 7, 0)),  # CEST
            (PARIS, date(2026, 10, 25), utc(2026, 10, 25, 8, 0)),  # CET
            (NEW_YORK, date(2026, 3, 7), utc(2026, 3, 7, 14, 0)),  # EST, UTC-5
            (NEW_YORK, date(2026, 3, 8), utc(2026, 3, 8, 13, 0)),  # EDT, UTC-4
            (NEW_YORK, date(2026, 10, 31), utc(2026, 10, 31, 13, 0)),  # EDT
            (NEW_YORK, date(2026, 11, 1), utc(2026, 11, 1, 14, 0)),  # EST
        ],
        ids=lambda v: str(v),
    )
    def test_the_first_slot_is_nine_local_and_the_day_has_29_slots(
        self, tz: ZoneInfo, day: date, first_slot: datetime
    ) -> None:
        found = slots_on(tz, day)
        assert found[0].start == first_slot
        assert len(found) == 29
        assert found[-1].start == first_slot + 7 * timedelta(hours=1)

    def test_a_week_across_the_paris_spring_change_keeps_29_slots_a_day(self) -> None:
        found = slots_on(PARIS, date(2026, 3, 27), date(2026, 3, 31))
        per_day = Counter(s.start.astimezone(PARIS).date() for s in found)
        assert list(per_day.values()) == [29] * 5
        firsts = sorted({min(s.start for s in found if s.start.astimezone(PARIS).date() == d)
                         for d in per_day})  # fmt: skip
        assert [f.hour for f in firsts] == [8, 8, 7, 7, 7]


class TestParisSpringForwardNight:
    def test_the_skipped_hour_has_no_slots_and_the_rest_are_15_real_minutes_apart(self) -> None:
        found = slots_on(PARIS, date(2026, 3, 29), hours=(time(0), time(6)))
        # 00:00 CET is 23:00 UTC the day before; 06:00 CEST is 04:00 UTC: 5 real hours.
        assert found[0].start == utc(2026, 3, 28, 23, 0)
        assert len(found) == 17
        assert [s.start for s in found] == every_15_minutes_from(utc(2026, 3, 28, 23, 0), 17)
        assert not [s for s in found if s.start.astimezone(PARIS).hour == 2]

    def test_a_treatment_across_the_jump_lasts_its_real_45_minutes(self) -> None:
        found = slots_on(PARIS, date(2026, 3, 29), hours=(time(0), time(6)))
        across = next(s for s in found if s.start == utc(2026, 3, 29, 0, 45))  # 01:45 CET
        assert across.end == utc(2026, 3, 29, 1, 30)  # 03:30 CEST on the clock
        assert all(s.end - s.start == TREATMENT for s in found)

    def test_hours_starting_in_the_skipped_hour_start_when_the_clock_jumps(self) -> None:
        found = slots_on(PARIS, date(2026, 3, 29), hours=(time(2, 30), time(4)))
        assert [s.start for s in found] == [utc(2026, 3, 29, 1, 0)]  # 03:00 CEST

    def test_hours_ending_in_the_skipped_hour_end_when_the_clock_jumps(self) -> None:
        found = slots_on(PARIS, date(2026, 3, 29), hours=(time(0), time(2, 30)))
        assert found[0].start == utc(2026, 3, 28, 23, 0)
        assert len(found) == 5  # the last, 01:00 CET, is cleaned by 03:00 CEST


class TestParisFallBackNight:
    def test_the_repeated_hour_has_its_slots_twice_and_no_instant_twice(self) -> None:
        found = slots_on(PARIS, date(2026, 10, 25), hours=(time(0), time(6)))
        # 00:00 CEST is 22:00 UTC the day before; 06:00 CET is 05:00 UTC: 7 real hours.
        assert found[0].start == utc(2026, 10, 24, 22, 0)
        assert len(found) == 25
        assert [s.start for s in found] == every_15_minutes_from(utc(2026, 10, 24, 22, 0), 25)
        local = Counter(f"{s.start.astimezone(PARIS):%H:%M}" for s in found)
        assert {t for t, n in local.items() if n == 2} == {"02:00", "02:15", "02:30", "02:45"}

    def test_hours_ending_in_the_repeated_hour_end_at_its_first_occurrence(self) -> None:
        found = slots_on(PARIS, date(2026, 10, 25), hours=(time(1), time(2, 30)))
        # 01:00 CEST is 23:00 UTC; the clock first shows 02:30 at 00:30 UTC (CEST).
        assert [s.start for s in found] == every_15_minutes_from(utc(2026, 10, 24, 23, 0), 3)

    def test_an_appointment_in_the_second_two_oclock_blocks_only_that_hour(self) -> None:
        p = every_day(time(0), time(6))
        second_hour = Busy(
            practitioner_id=p.practitioner_id,
            room_id=ROOM,
            start=utc(2026, 10, 25, 1, 0),  # 02:00 CET
            end=utc(2026, 10, 25, 2, 0),  # 03:00 CET
        )
        found = slots_on(PARIS, date(2026, 10, 25), busy=[second_hour], practitioner=p)
        starts = {s.start for s in found}
        assert utc(2026, 10, 25, 0, 0) in starts  # 02:00 CEST, cleaned by 01:00 UTC
        assert not starts & set(every_15_minutes_from(utc(2026, 10, 25, 0, 15), 7))
        assert len(found) == 25 - 7

    def test_the_second_occurrence_of_a_repeated_time_can_be_booked(self) -> None:
        p = every_day(time(0), time(6))
        common = {
            "tz": PARIS, "duration": TREATMENT, "buffer": CLEANING, "grid": GRID,
            "indication": Indication.skin_rejuvenation, "practitioner": p, "room_id": ROOM,
        }  # fmt: skip
        second_two_fifteen = utc(2026, 10, 25, 1, 15)
        check_bookable(start=second_two_fifteen, end=second_two_fifteen + TREATMENT, **common)
        with pytest.raises(OffGrid):
            off = utc(2026, 10, 25, 0, 50)  # 02:50 CEST
            check_bookable(start=off, end=off + TREATMENT, **common)


class TestNewYorkNights:
    def test_spring_forward_skips_two_oclock(self) -> None:
        found = slots_on(NEW_YORK, date(2026, 3, 8), hours=(time(1), time(4)))
        # 01:00 EST is 06:00 UTC; 04:00 EDT is 08:00 UTC: 2 real hours.
        assert found[0].start == utc(2026, 3, 8, 6, 0)
        assert len(found) == 5
        assert [f"{s.start.astimezone(NEW_YORK):%H:%M}" for s in found] == [
            "01:00", "01:15", "01:30", "01:45", "03:00",
        ]  # fmt: skip

    def test_fall_back_repeats_one_oclock(self) -> None:
        found = slots_on(NEW_YORK, date(2026, 11, 1), hours=(time(0), time(3)))
        # 00:00 EDT is 04:00 UTC; 03:00 EST is 08:00 UTC: 4 real hours.
        assert found[0].start == utc(2026, 11, 1, 4, 0)
        assert len(found) == 13
        assert [s.start for s in found] == every_15_minutes_from(utc(2026, 11, 1, 4, 0), 13)
        assert all(s.end - s.start == TREATMENT for s in found)
