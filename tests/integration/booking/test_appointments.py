"""Booking appointments: the 201, the 409s the exclusion constraints guarantee, the 422s, the
calendar views, and a race of fifty for one slot."""

from __future__ import annotations

import asyncio
from uuid import uuid4

from tests.integration.booking.helpers import MONDAY, Stage, at, events_of, make_world


class TestBooking:
    async def test_a_consultation_in_working_hours_is_booked_and_announced(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        start = at(MONDAY, "10:00", world.tz)
        appt = await world.book(start)

        assert appt["status"] == "booked"
        assert appt["start"] == "2027-06-07T08:00:00Z"
        assert appt["end"] == "2027-06-07T08:30:00Z"
        assert appt["occupied_until"] == "2027-06-07T08:35:00Z"
        assert appt["allowed_actions"] == ["check-in", "reschedule", "cancel", "no-show"]
        [(ce_type, payload)] = await events_of(stage, appt["id"], count=1)
        assert ce_type == "mesocare.booking.AppointmentBooked.v1"
        assert payload["clinic"] == {
            "clinic_id": world.clinic["id"],
            "name": world.clinic["name"],
            "timezone": "Europe/Paris",
            "phone": "+33140000000",
            "email": "accueil@clinique.example",
        }
        assert payload["practitioner"]["email"] == "dr.leroy@example.test"
        assert payload["patient_id"] == str(world.patient)
        assert payload["kind"] == "consultation"

    async def test_the_same_practitioner_twice_at_once_is_409_practitioner_taken(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage, rooms=2)
        start = at(MONDAY, "10:00", world.tz)
        await world.book(start)
        second = await world.book(
            at(MONDAY, "10:30", world.tz), expect=409, room_id=world.rooms[1]["id"]
        )
        assert second["type"].endswith("/practitioner-taken")

    async def test_the_same_room_twice_at_once_is_409_room_taken(self, stage: Stage) -> None:
        world = await make_world(stage)
        other = (
            await world.post(
                "/v1/practitioners",
                {
                    "name": "Dr Martin",
                    "licence_number": "RPPS-2",
                    "licence_expires_on": "2031-01-01",
                    "clinic_ids": [world.clinic["id"]],
                    "indications": ["skin_rejuvenation"],
                },
            )
        ).json()
        await world.stage.client.put(
            f"/v1/practitioners/{other['id']}/clinics/{world.clinic['id']}/working-hours",
            json={"hours": [{"weekday": 0, "start": "09:00", "end": "18:00"}]},
            headers=world.admin,
        )
        await world.book(at(MONDAY, "10:00", world.tz))
        second = await world.book(
            at(MONDAY, "10:00", world.tz), expect=409, practitioner_id=other["id"]
        )
        assert second["type"].endswith("/room-taken")

    async def test_the_cleaning_buffer_keeps_the_next_start_away(self, stage: Stage) -> None:
        world = await make_world(stage)
        await world.book(at(MONDAY, "10:00", world.tz))  # 30 min + 5 min cleaning
        refused = await world.book(at(MONDAY, "10:30", world.tz), expect=409)
        assert refused["type"].endswith("/practitioner-taken")
        await world.book(at(MONDAY, "10:45", world.tz))

    async def test_fifty_concurrent_bookings_of_one_slot_yield_one_201_and_49_409(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage, rooms=1)
        patients = [world.patient] * 50
        start = at(MONDAY, "11:00", world.tz)

        async def attempt(n: int) -> int:
            response = await world.stage.client.post(
                "/v1/appointments",
                json=world.booking_body(start, patient_id=str(patients[n])),
                headers=world.reception,
            )
            return response.status_code

        codes = await asyncio.gather(*(attempt(n) for n in range(50)))
        assert sorted(codes) == [201] + [409] * 49
        rows = await stage.svc.pool.fetchval(
            "SELECT count(*) FROM appointments WHERE clinic_id = $1", uuid4() and world.clinic["id"]
        )
        assert rows == 1

    async def test_a_repeat_with_the_same_idempotency_key_returns_the_first_booking(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        body = world.booking_body(at(MONDAY, "12:00", world.tz))
        headers = {**world.reception, "Idempotency-Key": f"book-{uuid4()}"}
        first = await world.stage.client.post("/v1/appointments", json=body, headers=headers)
        again = await world.stage.client.post("/v1/appointments", json=body, headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"]
        assert again.headers["Idempotent-Replayed"] == "true"
