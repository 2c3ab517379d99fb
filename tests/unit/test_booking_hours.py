"""Clinic wall-clock time to real instants, and weekly working hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.booking.domain import (
    WorkingHours,
    as_utc,
    check_working_hours,
    clock_reaches,
    instants_at,
)
from services.booking.domain.hours import weekly_hours
from shared.errors import Invalid

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # DST shifts by 30 minutes


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class TestInstantsAtAWallClockTime:
    def test_an_ordinary_time_happens_once(self) -> None:
        assert instants_at(PARIS, datetime(2026, 3, 29, 9, 0)) == (utc(2026, 3, 29, 7, 0),)

    def test_a_time_skipped_by_spring_forward_never_happens(self) -> None:
        assert instants_at(PARIS, datetime(2026, 3, 29, 2, 30)) == ()
        assert instants_at(NEW_YORK, datetime(2026, 3, 8, 2, 0)) == ()

    def test_a_time_repeated_by_fall_back_happens_twice_an_hour_apart(self) -> None:
        assert instants_at(PARIS, datetime(2026, 10, 25, 2, 30)) == (
            utc(2026, 10, 25, 0, 30),
            utc(2026, 10, 25, 1, 30),
        )
        assert instants_at(NEW_YORK, datetime(2026, 11, 1, 1, 15)) == (
            utc(2026, 11, 1, 5, 15),
            utc(2026, 11, 1, 6, 15),
        )


class TestWhenTheClockReachesATime:
    def test_an_ordinary_time_is_reached_when_it_happens(self) -> None:
        assert clock_reaches(NEW_YORK, datetime(2026, 3, 8, 9, 0)) == utc(2026, 3, 8, 13, 0)

    def test_a_skipped_time_is_reached_at_the_jump(self) -> None:
        # 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
        assert clock_reaches(PARIS, datetime(2026, 3, 29, 2, 30)) == utc(2026, 3, 29, 1, 0)
        # 02:00 LHST jumps to 02:30 LHDT at 15:30 UTC the day before.
        assert clock_reaches(LORD_HOWE, datetime(2026, 10, 4, 2, 10)) == utc(2026, 10, 3, 15, 30)

    def test_a_repeated_time_is_reached_the_first_time(self) -> None:
        assert clock_reaches(PARIS, datetime(2026, 10, 25, 2, 30)) == utc(2026, 10, 25, 0, 30)


class TestAsUtc:
    def test_an_offset_datetime_is_converted_to_utc(self) -> None:
        local = datetime(2026, 3, 29, 9, 0, tzinfo=timezone(timedelta(hours=2)))
        converted = as_utc(local, field="start")
        assert converted == utc(2026, 3, 29, 7, 0)
        assert converted.tzinfo is UTC

    def test_a_naive_datetime_names_the_field(self) -> None:
        with pytest.raises(Invalid) as caught:
            as_utc(datetime(2026, 3, 29, 9, 0), field="start")
        assert caught.value.extra["errors"] == [
            {"field": "start", "message": "start must carry a UTC offset."}
        ]


class TestWorkingHours:
    def test_hours_that_end_before_they_start_name_the_end(self) -> None:
        with pytest.raises(Invalid) as caught:
            WorkingHours(0, time(17), time(9))
        assert caught.value.extra["errors"][0]["field"] == "end"

    def test_a_weekday_beyond_sunday_is_refused(self) -> None:
        with pytest.raises(Invalid) as caught:
            WorkingHours(7, time(9), time(17))
        assert caught.value.extra["errors"][0]["field"] == "weekday"

    def test_hours_with_an_offset_are_refused(self) -> None:
        with pytest.raises(Invalid):
            WorkingHours(0, time(9, tzinfo=UTC), time(17))

    def test_overlapping_hours_on_one_weekday_are_refused(self) -> None:
        with pytest.raises(Invalid, match="overlap"):
            check_working_hours(
                [WorkingHours(1, time(9), time(13)), WorkingHours(1, time(12), time(17))]
            )

    def test_back_to_back_hours_and_hours_on_other_days_are_accepted(self) -> None:
        check_working_hours(
            [
                WorkingHours(1, time(9), time(13)),
                WorkingHours(1, time(13), time(17)),
                WorkingHours(2, time(12), time(17)),
            ]
        )

    def test_touching_or_overlapping_hours_merge_into_one_interval(self) -> None:
        weekly = weekly_hours(
            [
                WorkingHours(1, time(13), time(17)),
                WorkingHours(1, time(9), time(13)),
                WorkingHours(1, time(18), time(20)),
                WorkingHours(1, time(19), time(19, 30)),
            ]
        )
        assert weekly == {1: [(time(9), time(17)), (time(18), time(20))]}
