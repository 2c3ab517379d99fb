"""Bad booking input gets a clear 4xx problem naming what was wrong; nothing is half-booked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

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


def problem_naming(response: Any, field: str) -> None:
    """A 422 problem whose `errors` name exactly `field`."""
    assert response.status_code == 422, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert fields(response.json()) == [field], response.text


def clinic_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Clinique du Parc",
        "address": "3 allée des Tilleuls",
        "timezone": "Europe/Paris",
        "currency": "EUR",
    }
    body.update(overrides)
    return body


class TestValuesThatWouldReachPostgreSQL:
    """Issue 14, item 3: each of these was a 500 or a dropped connection."""

    @pytest.mark.parametrize("field", ["name", "address", "slot_grid_minutes"])
    async def test_a_clinic_change_may_not_remove_what_a_clinic_always_has(
        self, stage: Stage, field: str
    ) -> None:
        world = await make_world(stage, patient=False)
        response = await stage.client.patch(
            f"/v1/clinics/{world.clinic['id']}", json={field: None}, headers=world.admin
        )
        problem_naming(response, field)
        cleared = await stage.client.patch(
            f"/v1/clinics/{world.clinic['id']}", json={"phone": None}, headers=world.admin
        )
        assert cleared.status_code == 200, cleared.text
        assert cleared.json()["phone"] is None
        assert cleared.json()["name"] == world.clinic["name"]

    @pytest.mark.parametrize(
        "field",
        [
            "name",
            "licence_number",
            "licence_expires_on",
            "experience_tier",
            "indications",
            "clinic_ids",
        ],
    )
    async def test_a_practitioner_change_follows_the_same_rule(
        self, stage: Stage, field: str
    ) -> None:
        world = await make_world(stage, patient=False)
        response = await stage.client.patch(
            f"/v1/practitioners/{world.practitioner['id']}",
            json={field: None},
            headers=world.admin,
        )
        problem_naming(response, field)

    @pytest.mark.parametrize(
        ("path", "body", "field"),
        [
            ("/v1/clinics", clinic_body(name="Clinique\x00"), "name"),
            ("/v1/clinics", clinic_body(address="\x00"), "address"),
            ("/v1/clinics", clinic_body(phone="+33\x00"), "phone"),
            ("/v1/clinics/{clinic}/rooms", {"name": "Room\x00"}, "name"),
            (
                "/v1/treatment-types",
                {"name": "\x00", "kind": "consultation", "indication": "hair_loss"},
                "name",
            ),
        ],
    )
    async def test_a_nul_character_is_422_naming_the_field(
        self, stage: Stage, path: str, body: dict[str, Any], field: str
    ) -> None:
        world = await make_world(stage, patient=False)
        response = await world.post(path.format(clinic=world.clinic["id"]), body)
        problem_naming(response, field)
        renamed = await stage.client.patch(
            f"/v1/clinics/{world.clinic['id']}", json={"name": "a\x00b"}, headers=world.admin
        )
        problem_naming(renamed, "name")

    async def test_a_nul_character_in_appointment_notes_is_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        problem = await world.book(at(MONDAY, "10:00", world.tz), expect=422, notes="a\x00")
        assert fields(problem) == ["notes"]

    @pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "3000-01-01", "1899-12-31"])
    async def test_availability_far_outside_the_calendar_is_422_naming_from(
        self, stage: Stage, day: str
    ) -> None:
        world = await make_world(stage, patient=False)
        response = await world.get(
            "/v1/availability",
            clinic_id=world.clinic["id"],
            treatment_type_id=world.consultation["id"],
            **{"from": day},
        )
        problem_naming(response, "from")
        response = await world.get(
            "/v1/availability",
            clinic_id=world.clinic["id"],
            treatment_type_id=world.consultation["id"],
            **{"from": MONDAY.isoformat(), "to": day},
        )
        assert response.status_code == 422, response.text
        assert fields(response.json()) == ["to"]

    @pytest.mark.parametrize(
        "start", ["9999-12-31T23:45:00+00:00", "0001-01-01T00:00:00+01:00", "3000-01-01T10:00Z"]
    )
    async def test_a_booking_far_outside_the_calendar_is_422_naming_start(
        self, stage: Stage, start: str
    ) -> None:
        world = await make_world(stage)
        body = {**world.booking_body(at(MONDAY, "10:00", world.tz)), "start": start}
        problem_naming(await world.post("/v1/appointments", body, world.reception), "start")
        listed = await world.get("/v1/appointments", **{"from": start})
        problem_naming(listed, "from")

    async def test_far_time_off_and_licence_dates_are_422(self, stage: Stage) -> None:
        world = await make_world(stage, patient=False)
        off = await world.post(
            f"/v1/practitioners/{world.practitioner['id']}/time-off",
            {"start": "9999-12-31T00:00:00+00:00", "end": "9999-12-31T23:59:59+00:00"},
        )
        assert off.status_code == 422, off.text
        assert set(fields(off.json())) == {"start", "end"}
        renewed = await stage.client.patch(
            f"/v1/practitioners/{world.practitioner['id']}",
            json={"licence_expires_on": "9999-12-31"},
            headers=world.admin,
        )
        problem_naming(renewed, "licence_expires_on")

    @pytest.mark.parametrize("field", ["duration_minutes", "buffer_minutes"])
    @pytest.mark.parametrize("value", [10**17, 2**31, -1])
    async def test_an_out_of_range_duration_is_422_naming_the_field(
        self, stage: Stage, field: str, value: int
    ) -> None:
        world = await make_world(stage, patient=False)
        response = await world.post(
            "/v1/treatment-types",
            {"name": "Long", "kind": "consultation", "indication": "hair_loss", field: value},
        )
        problem_naming(response, field)

    async def test_a_duration_outside_the_kinds_bounds_names_the_field_sent(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage, patient=False)
        response = await world.post(
            "/v1/treatment-types",
            {
                "name": "Short",
                "kind": "treatment",
                "indication": "hair_loss",
                "areas": ["scalp"],
                "duration_minutes": 15,
            },
        )
        problem_naming(response, "duration_minutes")

    @pytest.mark.parametrize("amount", [10**20, 2**63])
    async def test_an_enormous_price_is_422_naming_amount_minor(
        self, stage: Stage, amount: int
    ) -> None:
        world = await make_world(stage, patient=False)
        response = await world.post(
            "/v1/prices",
            {
                "clinic_id": world.clinic["id"],
                "treatment_type_id": world.treatment["id"],
                "amount_minor": amount,
                "currency": "EUR",
            },
        )
        problem_naming(response, "amount_minor")

    @pytest.mark.parametrize(
        "timezone",
        [
            "localtime",
            "Factory",
            "EST5EDT",
            "CST6CDT",
            "EST",
            "HST",
            "posix/Europe/Paris",
            "right/Europe/Paris",
            "Etc/GMT+5",
            "US/Eastern",
        ],
    )
    async def test_a_timezone_that_is_not_a_canonical_place_is_422(
        self, stage: Stage, timezone: str
    ) -> None:
        world = await make_world(stage, patient=False)
        problem_naming(await world.post("/v1/clinics", clinic_body(timezone=timezone)), "timezone")

    @pytest.mark.parametrize("timezone", ["UTC", "America/Argentina/Buenos_Aires", "Asia/Kolkata"])
    async def test_canonical_timezones_are_accepted(self, stage: Stage, timezone: str) -> None:
        world = await make_world(stage, patient=False)
        response = await world.post("/v1/clinics", clinic_body(timezone=timezone))
        assert response.status_code == 201, response.text
        assert response.json()["timezone"] == timezone

    @pytest.mark.parametrize("blank", ["   ", "\t\n", "\u00a0", "\u200b", "\u3000 "])
    async def test_names_made_only_of_whitespace_are_422(self, stage: Stage, blank: str) -> None:
        world = await make_world(stage, patient=False)
        attempts = [
            (stage.client.post, "/v1/clinics", clinic_body(name=blank), "name"),
            (stage.client.post, f"/v1/clinics/{world.clinic['id']}/rooms", {"name": blank}, "name"),
            (
                stage.client.post,
                "/v1/treatment-types",
                {"name": blank, "kind": "consultation", "indication": "hair_loss"},
                "name",
            ),
            (stage.client.patch, f"/v1/clinics/{world.clinic['id']}", {"name": blank}, "name"),
            (
                stage.client.patch,
                f"/v1/practitioners/{world.practitioner['id']}",
                {"name": blank},
                "name",
            ),
            (
                stage.client.patch,
                f"/v1/practitioners/{world.practitioner['id']}",
                {"licence_number": blank},
                "licence_number",
            ),
        ]
        for send, path, body, field in attempts:
            problem_naming(await send(path, json=body, headers=world.admin), field)

    async def test_names_are_kept_without_the_spaces_around_them(self, stage: Stage) -> None:
        world = await make_world(stage, patient=False)
        created = await world.post("/v1/clinics", clinic_body(name="  Clinique Nord "))
        assert created.status_code == 201, created.text
        assert created.json()["name"] == "Clinique Nord"
