"""Booking across DST changes: a European and an American clinic."""

from __future__ import annotations

from datetime import date

from tests.integration.booking.helpers import Stage, at, make_world

EU_SPRING = date(2027, 3, 28)  # Europe/Paris: 02:00 CET → 03:00 CEST
US_SPRING = date(2027, 3, 14)  # America/New_York: 02:00 EST → 03:00 EDT
US_FALL = date(2027, 11, 7)  # America/New_York: 02:00 EDT → 01:00 EST
NIGHT = [{"weekday": 6, "start": "01:00", "end": "04:00"}]


async def slots(world, day: date) -> list[str]:
    response = await world.get(
        "/v1/availability",
        clinic_id=world.clinic["id"],
        treatment_type_id=world.consultation["id"],
        **{"from": day.isoformat()},
    )
    assert response.status_code == 200, response.text
    return [s["start"] for s in response.json()["slots"]]


class TestEuropeanClinic:
    async def test_ten_oclock_is_an_hour_earlier_in_utc_after_spring_forward(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage, tz="Europe/Paris")
        before = await world.book(at(date(2027, 3, 27), "10:00", world.tz))
        after = await world.book(at(EU_SPRING, "10:00", world.tz))
        assert before["start"] == "2027-03-27T09:00:00Z"
        assert after["start"] == "2027-03-28T08:00:00Z"

    async def test_the_skipped_hour_offers_no_slot_and_cannot_be_booked(self, stage: Stage) -> None:
        world = await make_world(stage, tz="Europe/Paris", hours=NIGHT)
        offered = await slots(world, EU_SPRING)
        # 01:00 CET = 00:00Z; at 01:00Z the clock jumps from 02:00 to 03:00 CEST, and 04:00
        # CEST is 02:00Z: two real hours, no 02:xx start, the last 30 + 5 min fit at 01:15Z.
        assert offered == [
            "2027-03-28T00:00:00Z",
            "2027-03-28T00:15:00Z",
            "2027-03-28T00:30:00Z",
            "2027-03-28T00:45:00Z",
            "2027-03-28T01:00:00Z",
            "2027-03-28T01:15:00Z",
        ]
        booked = await world.book(at(EU_SPRING, "03:00", world.tz))
        assert booked["start"] == "2027-03-28T01:00:00Z"


class TestAmericanClinic:
    async def test_nine_oclock_moves_from_14z_to_13z_over_spring_forward(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage, tz="America/New_York", currency="USD")
        saturday = await world.book(at(date(2027, 3, 13), "09:00", world.tz))
        sunday = await world.book(at(US_SPRING, "09:00", world.tz))
        assert saturday["start"] == "2027-03-13T14:00:00Z"
        assert sunday["start"] == "2027-03-14T13:00:00Z"

    async def test_the_repeated_hour_of_fall_back_is_bookable_twice(self, stage: Stage) -> None:
        world = await make_world(stage, tz="America/New_York", currency="USD", hours=NIGHT, rooms=2)
        offered = await slots(world, US_FALL)
        # 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST): both are offered.
        assert "2027-11-07T05:30:00Z" in offered
        assert "2027-11-07T06:30:00Z" in offered
        first = await world.book(at(US_FALL, "01:30", world.tz))
        assert first["start"] == "2027-11-07T05:30:00Z"
        second = await world.book(
            at(US_FALL, "01:30", world.tz).replace(fold=1), room_id=world.rooms[1]["id"]
        )
        assert second["start"] == "2027-11-07T06:30:00Z"
        # Working 01:00-04:00 that night is four real hours; the last 30+5 min fits at 08:15Z.
        assert offered[-1] == "2027-11-07T08:15:00Z"
