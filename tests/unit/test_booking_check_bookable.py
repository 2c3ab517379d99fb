"""Checking one requested appointment: each reason it cannot be booked has its own error.

Paris clinic, practitioner working 09:00-13:00 every day, hair-loss treatment of 45 minutes
plus 15 minutes of cleaning on a 15-minute grid. 2026-06-16 is a Tuesday, UTC+2.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from services.booking.domain import (
    Busy,
    DurationMismatch,
    EndNotAfterStart,
    Indication,
    InTimeOff,
    LicenceExpired,
    OffGrid,
    OutsideWorkingHours,
    PractitionerAvailability,
    PractitionerNotQualified,
    PractitionerTaken,
    RoomTaken,
    StartInPast,
    TimeOff,
    WorkingHours,
    check_bookable,
)
from shared.errors import Conflict, DomainError, Invalid, ProblemError

PARIS = ZoneInfo("Europe/Paris")
TUESDAY = date(2026, 6, 16)
MIN = timedelta(minutes=1)
ROOM = uuid4()
PRACTITIONER = uuid4()


def paris(hour: int, minute: int = 0, day: date = TUESDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).astimezone(UTC)


def availability(
    *,
    licence: date = date(2030, 1, 1),
    indications: Sequence[Indication] = (Indication.hair_loss,),
    time_off: Sequence[TimeOff] = (),
    hours: Sequence[tuple[time, time]] = ((time(9), time(13)),),
) -> PractitionerAvailability:
    return PractitionerAvailability(
        practitioner_id=PRACTITIONER,
        working_hours=[WorkingHours(d, s, e) for d in range(7) for s, e in hours],
        licence_expires_on=licence,
        indications=frozenset(indications),
        time_off=time_off,
    )


def book(
    start: datetime,
    end: datetime | None = None,
    *,
    practitioner: PractitionerAvailability | None = None,
    busy: Sequence[Busy] = (),
    room: UUID = ROOM,
    now: datetime | None = None,
) -> None:
    check_bookable(
        tz=PARIS,
        start=start,
        end=start + 45 * MIN if end is None else end,
        duration=45 * MIN,
        buffer=15 * MIN,
        grid=15 * MIN,
        indication=Indication.hair_loss,
        practitioner=practitioner or availability(),
        room_id=room,
        busy=busy,
        now=now,
    )


def problem(error: ProblemError) -> dict[str, Any]:
    return error.to_problem()


class TestABookableAppointment:
    def test_an_appointment_on_the_grid_inside_hours_is_accepted(self) -> None:
        book(paris(9))
        book(paris(12))  # ends 12:45, cleaning until 13:00

    def test_it_may_start_as_the_previous_cleaning_ends(self) -> None:
        before = Busy(practitioner_id=PRACTITIONER, room_id=ROOM, start=paris(9), end=paris(10))
        book(paris(10), busy=[before])


class TestRequestShape:
    def test_an_end_before_the_start_is_invalid_on_end(self) -> None:
        with pytest.raises(EndNotAfterStart) as caught:
            book(paris(10), paris(9))
        assert problem(caught.value)["errors"][0]["field"] == "end"
        assert problem(caught.value)["type"].endswith("/end-not-after-start")

    def test_an_end_equal_to_the_start_is_invalid_on_end(self) -> None:
        with pytest.raises(EndNotAfterStart):
            book(paris(10), paris(10))

    def test_a_duration_other_than_the_treatment_types_is_invalid_on_end(self) -> None:
        with pytest.raises(DurationMismatch) as caught:
            book(paris(10), paris(10, 30))
        body = problem(caught.value)
        assert body["errors"][0]["field"] == "end"
        assert body["expected_minutes"] == 45
        assert body["status"] == 422

    def test_a_start_off_the_grid_is_invalid_on_start(self) -> None:
        with pytest.raises(OffGrid) as caught:
            book(paris(10, 5))
        body = problem(caught.value)
        assert body["errors"][0]["field"] == "start"
        assert body["type"].endswith("/off-grid")
        assert "09:00" in body["detail"]

    def test_seconds_put_a_start_off_the_grid(self) -> None:
        with pytest.raises(OffGrid):
            book(paris(10) + timedelta(seconds=30))

    def test_the_grid_counts_from_the_start_of_the_working_interval(self) -> None:
        odd = availability(hours=[(time(9, 10), time(13))])
        book(paris(9, 25), practitioner=odd)
        with pytest.raises(OffGrid):
            book(paris(9, 30), practitioner=odd)

    def test_a_start_in_the_past_is_invalid_on_start(self) -> None:
        with pytest.raises(StartInPast) as caught:
            book(paris(10), now=paris(10, 1))
        assert problem(caught.value)["errors"][0]["field"] == "start"

    def test_a_naive_start_is_invalid_on_start(self) -> None:
        with pytest.raises(Invalid) as caught:
            book(datetime(2026, 6, 16, 10, 0))
        assert problem(caught.value)["errors"][0]["field"] == "start"


class TestBusinessRules:
    def test_before_opening_is_outside_working_hours(self) -> None:
        with pytest.raises(OutsideWorkingHours) as caught:
            book(paris(8, 30))
        body = problem(caught.value)
        assert body["type"].endswith("/outside-working-hours")
        assert body["status"] == 422
        assert "09:00-13:00" in body["detail"]

    def test_a_treatment_whose_cleaning_runs_past_closing_is_outside_working_hours(self) -> None:
        with pytest.raises(OutsideWorkingHours):
            book(paris(12, 15))  # ends 13:00, cleaning until 13:15

    def test_a_day_without_hours_is_outside_working_hours(self) -> None:
        weekends_off = PractitionerAvailability(
            practitioner_id=PRACTITIONER,
            working_hours=[WorkingHours(0, time(9), time(13))],
            licence_expires_on=date(2030, 1, 1),
            indications={Indication.hair_loss},
        )
        with pytest.raises(OutsideWorkingHours, match="no hours"):
            book(paris(9), practitioner=weekends_off)

    def test_an_appointment_across_the_lunch_break_is_outside_working_hours(self) -> None:
        split = availability(hours=[(time(9), time(12)), (time(13), time(17))])
        with pytest.raises(OutsideWorkingHours):
            book(paris(11, 30), practitioner=split)

    def test_an_appointment_touching_time_off_is_refused(self) -> None:
        off = availability(time_off=[TimeOff(paris(10, 55), paris(12))])
        with pytest.raises(InTimeOff) as caught:
            book(paris(10), practitioner=off)  # its cleaning runs until 11:00
        assert problem(caught.value)["type"].endswith("/practitioner-time-off")

    def test_a_licence_expired_the_day_before_is_refused(self) -> None:
        expired = availability(licence=TUESDAY - timedelta(days=1))
        with pytest.raises(LicenceExpired) as caught:
            book(paris(10), practitioner=expired)
        body = problem(caught.value)
        assert body["type"].endswith("/licence-expired")
        assert body["licence_expires_on"] == "2026-06-15"

    def test_a_licence_expiring_that_day_still_covers_it(self) -> None:
        book(paris(10), practitioner=availability(licence=TUESDAY))

    def test_a_practitioner_not_treating_the_indication_is_refused(self) -> None:
        other = availability(indications=[Indication.cellulite])
        with pytest.raises(PractitionerNotQualified) as caught:
            book(paris(10), practitioner=other)
        assert isinstance(caught.value, DomainError)
        assert problem(caught.value)["type"].endswith("/practitioner-not-qualified")


class TestTakenTimes:
    def test_an_overlap_with_the_practitioners_appointment_is_a_409(self) -> None:
        theirs = Busy(practitioner_id=PRACTITIONER, room_id=uuid4(), start=paris(10), end=paris(11))
        with pytest.raises(PractitionerTaken) as caught:
            book(paris(9, 15), busy=[theirs])  # cleaning until 10:15
        assert isinstance(caught.value, Conflict)
        assert problem(caught.value)["type"].endswith("/practitioner-taken")

    def test_an_overlap_with_the_rooms_appointment_is_a_409(self) -> None:
        other = Busy(practitioner_id=uuid4(), room_id=ROOM, start=paris(9), end=paris(10, 15))
        with pytest.raises(RoomTaken) as caught:
            book(paris(10), busy=[other])
        assert caught.value.status == 409

    def test_another_rooms_appointment_of_another_practitioner_is_no_obstacle(self) -> None:
        book(
            paris(10),
            busy=[Busy(practitioner_id=uuid4(), room_id=uuid4(), start=paris(10), end=paris(11))],
        )


class TestWhichErrorWins:
    def test_duration_is_reported_before_working_hours(self) -> None:
        with pytest.raises(DurationMismatch):
            book(paris(20), paris(20, 30))

    def test_working_hours_are_reported_before_the_grid(self) -> None:
        with pytest.raises(OutsideWorkingHours):
            book(paris(20, 5))

    def test_qualification_is_reported_before_the_licence(self) -> None:
        neither = availability(licence=date(2020, 1, 1), indications=[Indication.cellulite])
        with pytest.raises(PractitionerNotQualified):
            book(paris(10), practitioner=neither)
