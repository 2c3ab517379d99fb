"""Free slots: working hours, buffers, rooms, time off, licences, qualification and the clock.

The clinic is in Paris; 2026-06-16 is a Tuesday in summer time (UTC+2).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from services.booking.domain import (
    Busy,
    Indication,
    PractitionerAvailability,
    Slot,
    TimeOff,
    WorkingHours,
    free_slots,
)
from shared.errors import Invalid

PARIS = ZoneInfo("Europe/Paris")
TUESDAY = date(2026, 6, 16)
MIN = timedelta(minutes=1)
ROOM_A, ROOM_B = uuid4(), uuid4()


def paris(hour: int, minute: int = 0, day: date = TUESDAY) -> datetime:
    """A Paris wall-clock time as the UTC instant the domain speaks in."""
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).astimezone(UTC)


def practitioner(
    *hours: tuple[time, time],
    weekdays: Sequence[int] = range(7),
    licence: date = date(2030, 1, 1),
    indications: Sequence[Indication] = (Indication.hair_loss,),
    time_off: Sequence[TimeOff] = (),
    id: UUID | None = None,
) -> PractitionerAvailability:
    return PractitionerAvailability(
        practitioner_id=id or uuid4(),
        working_hours=[
            WorkingHours(d, s, e) for d in weekdays for s, e in hours or [(time(9), time(12))]
        ],
        licence_expires_on=licence,
        indications=frozenset(indications),
        time_off=time_off,
    )


def slots(
    practitioners: Sequence[PractitionerAvailability],
    *,
    busy: Sequence[Busy] = (),
    rooms: Sequence[UUID] = (ROOM_A,),
    duration: int = 45,
    buffer: int = 15,
    grid: int = 15,
    date_from: date = TUESDAY,
    date_to: date = TUESDAY,
    now: datetime | None = None,
    indication: Indication = Indication.hair_loss,
) -> list[Slot]:
    return free_slots(
        tz=PARIS,
        date_from=date_from,
        date_to=date_to,
        duration=duration * MIN,
        buffer=buffer * MIN,
        grid=grid * MIN,
        indication=indication,
        practitioners=practitioners,
        rooms=rooms,
        busy=busy,
        now=now,
    )


def local_starts(found: Sequence[Slot]) -> list[str]:
    return [f"{s.start.astimezone(PARIS):%H:%M}" for s in found]


class TestAnEmptyDay:
    def test_slots_run_on_the_grid_from_opening_until_treatment_and_buffer_fit(self) -> None:
        found = slots([practitioner((time(9), time(12)))])
        assert local_starts(found) == [
            "09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00",
        ]  # fmt: skip

    def test_slots_are_utc_and_end_when_the_treatment_ends(self) -> None:
        first = slots([practitioner()])[0]
        assert first.start == datetime(2026, 6, 16, 7, 0, tzinfo=UTC)
        assert first.start.tzinfo is UTC
        assert first.end - first.start == 45 * MIN
        assert first.room_id == ROOM_A

    def test_the_trailing_buffer_must_fit_inside_working_hours(self) -> None:
        one_hour = practitioner((time(9), time(10)))
        assert local_starts(slots([one_hour], buffer=15)) == ["09:00"]
        assert slots([one_hour], buffer=20) == []

    def test_the_grid_counts_from_each_intervals_own_start(self) -> None:
        split = practitioner((time(9, 10), time(10, 30)), (time(14, 5), time(15, 5)))
        found = slots([split], duration=30, buffer=0, grid=30)
        assert local_starts(found) == ["09:10", "09:40", "14:05", "14:35"]

    def test_touching_intervals_behave_as_one(self) -> None:
        found = slots([practitioner((time(9), time(10)), (time(10), time(11)))], grid=30)
        assert local_starts(found) == ["09:00", "09:30", "10:00"]

    def test_no_slots_on_a_day_the_practitioner_does_not_work_here(self) -> None:
        mondays_only = practitioner(weekdays=[0])
        assert slots([mondays_only]) == []
        assert slots([mondays_only], date_from=TUESDAY - timedelta(days=1)) != []


class TestExistingAppointments:
    def test_a_slot_may_start_exactly_when_the_previous_cleaning_ends(self) -> None:
        p = practitioner((time(9), time(12)))
        # Booked 10:00-10:45 with 15 min of cleaning: taken until 11:00.
        taken = Busy.for_appointment(
            practitioner_id=p.practitioner_id, room_id=ROOM_A,
            start=paris(10), end=paris(10, 45), buffer=15 * MIN,
        )  # fmt: skip
        assert local_starts(slots([p], busy=[taken])) == ["09:00", "11:00"]

    def test_a_slot_whose_own_cleaning_would_run_into_the_next_appointment_is_not_offered(
        self,
    ) -> None:
        p = practitioner((time(9), time(12)))
        taken = Busy(
            practitioner_id=p.practitioner_id, room_id=ROOM_A, start=paris(10), end=paris(11)
        )
        starts = local_starts(slots([p], busy=[taken], duration=30, buffer=15))
        assert "09:15" in starts  # 09:15-09:45 + cleaning until 10:00
        assert "09:30" not in starts  # cleaning until 10:15 would overlap

    def test_the_practitioners_appointment_in_another_clinic_blocks_them(self) -> None:
        p = practitioner((time(9), time(11)))
        elsewhere = Busy(
            practitioner_id=p.practitioner_id, room_id=uuid4(), start=paris(9), end=paris(10)
        )
        assert local_starts(slots([p], busy=[elsewhere])) == ["10:00"]

    def test_a_taken_room_sends_the_patient_to_the_next_free_room(self) -> None:
        p = practitioner((time(9), time(10)))
        other_patient = Busy(practitioner_id=uuid4(), room_id=ROOM_A, start=paris(9), end=paris(10))
        found = slots([p], busy=[other_patient], rooms=[ROOM_A, ROOM_B])
        assert [(s.room_id, f"{s.start.astimezone(PARIS):%H:%M}") for s in found] == [
            (ROOM_B, "09:00")
        ]

    def test_the_first_free_room_in_the_given_order_is_proposed(self) -> None:
        found = slots([practitioner((time(9), time(10)))], rooms=[ROOM_B, ROOM_A])
        assert {s.room_id for s in found} == {ROOM_B}

    def test_no_slot_when_every_room_is_taken(self) -> None:
        p = practitioner((time(9), time(10)))
        full = [
            Busy(practitioner_id=uuid4(), room_id=room, start=paris(8), end=paris(10))
            for room in (ROOM_A, ROOM_B)
        ]
        assert slots([p], busy=full, rooms=[ROOM_A, ROOM_B]) == []

    def test_busy_times_given_with_an_offset_mean_the_same_instant(self) -> None:
        p = practitioner((time(9), time(11)))
        plus_two = timezone(timedelta(hours=2))
        taken = Busy(
            practitioner_id=p.practitioner_id, room_id=ROOM_A,
            start=datetime(2026, 6, 16, 9, 0, tzinfo=plus_two),
            end=datetime(2026, 6, 16, 10, 0, tzinfo=plus_two),
        )  # fmt: skip
        assert local_starts(slots([p], busy=[taken])) == ["10:00"]

    def test_an_occupation_that_ends_before_it_starts_is_refused(self) -> None:
        with pytest.raises(Invalid):
            Busy(practitioner_id=uuid4(), room_id=ROOM_A, start=paris(10), end=paris(9))


class TestWhoCanTreat:
    def test_time_off_hides_the_slots_it_touches(self) -> None:
        off = TimeOff(paris(10), paris(11))
        p = practitioner((time(9), time(12)), time_off=[off])
        assert local_starts(slots([p])) == ["09:00", "11:00"]

    def test_a_practitioner_not_qualified_for_the_indication_gets_no_slots(self) -> None:
        p = practitioner(indications=[Indication.cellulite])
        assert slots([p], indication=Indication.hair_loss) == []
        assert slots([p], indication=Indication.cellulite) != []

    def test_a_licence_is_valid_through_its_expiry_date(self) -> None:
        p = practitioner(licence=TUESDAY)
        found = slots([p], date_from=TUESDAY, date_to=TUESDAY + timedelta(days=1))
        assert found
        assert {s.start.astimezone(PARIS).date() for s in found} == {TUESDAY}

    def test_an_expired_licence_gets_no_slots(self) -> None:
        assert slots([practitioner(licence=TUESDAY - timedelta(days=1))]) == []


class TestTheClock:
    def test_slots_before_now_are_hidden_and_one_starting_now_is_offered(self) -> None:
        found = slots([practitioner((time(9), time(12)))], now=paris(10, 30))
        assert local_starts(found) == ["10:30", "10:45", "11:00"]

    def test_a_naive_now_is_refused(self) -> None:
        with pytest.raises(Invalid) as caught:
            slots([practitioner()], now=datetime(2026, 6, 16, 10, 0))
        assert caught.value.extra["errors"][0]["field"] == "now"


class TestManyPractitioners:
    def test_slots_are_ordered_by_start_then_by_the_given_practitioner_order(self) -> None:
        early = practitioner((time(9), time(10)))
        late = practitioner((time(8, 30), time(10)))
        found = slots([early, late], grid=30, rooms=[ROOM_A, ROOM_B])
        assert [(f"{s.start.astimezone(PARIS):%H:%M}", s.practitioner_id) for s in found] == [
            ("08:30", late.practitioner_id),
            ("09:00", early.practitioner_id),
            ("09:00", late.practitioner_id),
        ]

    def test_two_practitioners_cannot_share_the_clinics_only_room(self) -> None:
        a, b = practitioner((time(9), time(10))), practitioner((time(9), time(10)))
        one = slots([a, b])
        assert [s.practitioner_id for s in one] == [a.practitioner_id, b.practitioner_id]
        assert {s.room_id for s in one} == {ROOM_A}  # each slot alone; booking one takes the room

    def test_several_days_are_covered_inclusively(self) -> None:
        found = slots([practitioner()], date_from=TUESDAY, date_to=TUESDAY + timedelta(days=2))
        assert {s.start.astimezone(PARIS).date() for s in found} == {
            TUESDAY + timedelta(days=n) for n in range(3)
        }


class TestBadRequests:
    def test_a_window_ending_before_it_starts_names_to(self) -> None:
        with pytest.raises(Invalid) as caught:
            slots([practitioner()], date_from=TUESDAY, date_to=TUESDAY - timedelta(days=1))
        assert caught.value.extra["errors"][0]["field"] == "to"

    def test_a_window_longer_than_31_days_is_refused(self) -> None:
        slots([practitioner()], date_to=TUESDAY + timedelta(days=30))
        with pytest.raises(Invalid) as caught:
            slots([practitioner()], date_to=TUESDAY + timedelta(days=31))
        assert caught.value.extra["errors"][0]["field"] == "to"

    def test_a_practitioner_listed_twice_is_a_programming_error(self) -> None:
        twice = practitioner()
        with pytest.raises(ValueError, match="once"):
            slots([twice, twice])

    @pytest.mark.parametrize(
        ("field", "kwargs"),
        [("duration", {"duration": 0}), ("buffer", {"buffer": -5}), ("grid", {"grid": 0})],
    )
    def test_a_non_positive_span_names_its_field(self, field: str, kwargs: dict[str, int]) -> None:
        with pytest.raises(Invalid) as caught:
            slots([practitioner()], **kwargs)  # type: ignore[arg-type]
        assert caught.value.extra["errors"][0]["field"] == field
