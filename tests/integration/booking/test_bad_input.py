"""Bad booking input gets a clear 4xx problem naming what was wrong; nothing is half-booked."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from tests.integration.booking.helpers import MONDAY, Stage, at, make_world


def fields(problem: dict) -> list[str]:
    return [e["field"] for e in problem.get("errors", [])]


class TestBadBookings:
    async def test_end_before_start_is_422_naming_end(self, stage: Stage) -> None:
        world = await make_world(stage)
        start = at(MONDAY, "10:00", world.tz)
        problem = await world.book(
            start, expect=422, end=(start - timedelta(minutes=30)).isoformat()
        )
        assert problem["type"].endswith("/end-not-after-start")
        assert fields(problem) == ["end"]

    async def test_a_duration_not_the_treatment_types_is_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        start = at(MONDAY, "10:00", world.tz)
        problem = await world.book(
            start, expect=422, end=(start + timedelta(minutes=50)).isoformat()
        )
        assert problem["type"].endswith("/duration-mismatch")
        assert problem["expected_minutes"] == 30

    async def test_a_start_off_the_slot_grid_is_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        problem = await world.book(at(MONDAY, "10:07", world.tz), expect=422)
        assert problem["type"].endswith("/off-grid")
        assert fields(problem) == ["start"]

    async def test_outside_working_hours_is_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        problem = await world.book(at(MONDAY, "17:45", world.tz), expect=422)
        assert problem["type"].endswith("/outside-working-hours")

    async def test_a_start_in_the_past_is_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        problem = await world.book(at(MONDAY.replace(year=2024), "10:00", world.tz), expect=422)
        assert problem["type"].endswith("/start-in-past")

    async def test_a_start_without_offset_is_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        body = world.booking_body(at(MONDAY, "10:00", world.tz))
        body["start"] = "2027-06-07T10:00:00"
        response = await world.post("/v1/appointments", body, world.reception)
        assert response.status_code == 422
        assert fields(response.json()) == ["start"]

    async def test_an_expired_licence_is_422(self, stage: Stage) -> None:
        world = await make_world(stage, licence_expires_on="2027-06-01")
        problem = await world.book(at(MONDAY, "10:00", world.tz), expect=422)
        assert problem["type"].endswith("/licence-expired")

    async def test_an_unqualified_practitioner_is_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        scars = (
            await world.post(
                "/v1/treatment-types",
                {"name": "Scar consult", "kind": "consultation", "indication": "cellulite"},
            )
        ).json()
        problem = await world.book(
            at(MONDAY, "10:00", world.tz), expect=422, treatment_type_id=scars["id"]
        )
        assert problem["type"].endswith("/practitioner-not-qualified")

    async def test_time_off_is_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        off = await world.post(
            f"/v1/practitioners/{world.practitioner['id']}/time-off",
            {
                "start": at(MONDAY, "00:00", world.tz).isoformat(),
                "end": at(MONDAY, "23:59", world.tz).isoformat(),
                "reason": "training",
            },
        )
        assert off.status_code == 201, off.text
        problem = await world.book(at(MONDAY, "10:00", world.tz), expect=422)
        assert problem["type"].endswith("/practitioner-time-off")

    async def test_unknown_clinic_room_practitioner_or_type_is_422_naming_it(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        start = at(MONDAY, "10:00", world.tz)
        for name in ("clinic_id", "room_id", "practitioner_id", "treatment_type_id"):
            problem = await world.book(start, expect=422, **{name: str(uuid4())})
            assert fields(problem) == [name], name

    async def test_another_networks_clinic_is_unknown(self, stage: Stage) -> None:
        world = await make_world(stage)
        other = await make_world(stage, patient=False)
        problem = await world.book(
            at(MONDAY, "10:00", world.tz), expect=422, clinic_id=other.clinic["id"]
        )
        assert fields(problem) == ["clinic_id"]

    async def test_an_unknown_patient_fails_closed_when_records_cannot_answer(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        response = await world.post(
            "/v1/appointments",
            world.booking_body(at(MONDAY, "10:00", world.tz), patient_id=str(uuid4())),
            world.reception,
        )
        assert response.status_code == 503
        assert response.json()["service"] == "records"
        count = await stage.svc.pool.fetchval(
            "SELECT count(*) FROM appointments WHERE network_id = $1", world.network
        )
        assert count == 0

    async def test_malformed_json_is_400_and_unknown_fields_are_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        response = await stage.client.post(
            "/v1/appointments",
            content=b"{not json",
            headers={**world.reception, "content-type": "application/json"},
        )
        assert response.status_code == 400
        body = world.booking_body(at(MONDAY, "10:00", world.tz), network_id=str(uuid4()))
        response = await world.post("/v1/appointments", body, world.reception)
        assert response.status_code == 422

    async def test_an_unknown_appointment_is_404_and_a_bad_id_is_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        assert (await world.get(f"/v1/appointments/{uuid4()}")).status_code == 404
        assert (await world.get("/v1/appointments/not-a-uuid")).status_code == 422
        assert (await world.act(str(uuid4()), "check-in")).status_code == 404
