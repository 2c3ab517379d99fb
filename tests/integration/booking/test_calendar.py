"""Availability, the clinic-day view and other listings, treatment plans, and SessionCompleted's
plan dates."""

from __future__ import annotations

from datetime import date, timedelta

from tests.integration.booking.helpers import MONDAY, Stage, at, events_of, make_world


class TestAvailability:
    async def test_free_slots_skip_booked_time_and_its_buffer(self, stage: Stage) -> None:
        world = await make_world(stage)
        await world.book(at(MONDAY, "10:00", world.tz))
        response = await world.get(
            "/v1/availability",
            world.reception,
            clinic_id=world.clinic["id"],
            treatment_type_id=world.consultation["id"],
            **{"from": MONDAY.isoformat()},
        )
        assert response.status_code == 200, response.text
        starts = [s["start"] for s in response.json()["slots"]]
        assert starts[0] == "2027-06-07T07:00:00Z"  # 09:00 in Paris
        # 10:00 is taken until 10:35: 09:30 (ends 10:05 with cleaning) and 10:00-10:30 are not
        # free; 10:45 is.
        assert "2027-06-07T07:15:00Z" in starts
        assert "2027-06-07T07:30:00Z" not in starts
        assert "2027-06-07T08:30:00Z" not in starts
        assert "2027-06-07T08:45:00Z" in starts
        assert starts[-1] == "2027-06-07T15:15:00Z"  # 17:15 + 30 + 5 fits before 18:00
        slot = response.json()["slots"][0]
        assert slot["practitioner_id"] == world.practitioner["id"]
        assert slot["room_id"] == world.rooms[0]["id"]

    async def test_time_booked_at_another_clinic_or_in_the_only_room_is_not_offered(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        fields = ("address", "timezone", "currency", "slot_grid_minutes")
        other = (
            await world.post(
                "/v1/clinics", {"name": "Clinique Nord", **{f: world.clinic[f] for f in fields}}
            )
        ).json()
        other_room = (await world.post(f"/v1/clinics/{other['id']}/rooms", {"name": "A"})).json()
        dr = world.practitioner["id"]
        both = [world.clinic["id"], other["id"]]
        patched = await world.stage.client.patch(
            f"/v1/practitioners/{dr}", json={"clinic_ids": both}, headers=world.admin
        )
        assert patched.status_code == 200, patched.text
        hours = await world.stage.client.put(
            f"/v1/practitioners/{dr}/clinics/{other['id']}/working-hours",
            json={"hours": [{"weekday": 0, "start": "09:00", "end": "18:00"}]},
            headers=world.admin,
        )
        assert hours.status_code == 200, hours.text
        # Dr Leroy is at the other clinic at 10:00; a colleague holds the only room here at 14:00.
        await world.book(
            at(MONDAY, "10:00", world.tz), clinic_id=other["id"], room_id=other_room["id"]
        )
        colleague = (
            await world.post(
                "/v1/practitioners",
                {
                    "name": "Dr Martin",
                    "licence_number": "RPPS-10002",
                    "licence_expires_on": "2030-12-31",
                    "clinic_ids": [world.clinic["id"]],
                    "indications": ["skin_rejuvenation"],
                    "experience_tier": "senior",
                },
            )
        ).json()
        await world.stage.client.put(
            f"/v1/practitioners/{colleague['id']}/clinics/{world.clinic['id']}/working-hours",
            json={"hours": [{"weekday": 0, "start": "09:00", "end": "18:00"}]},
            headers=world.admin,
        )
        await world.book(at(MONDAY, "14:00", world.tz), practitioner_id=colleague["id"])
        response = await world.get(
            "/v1/availability",
            clinic_id=world.clinic["id"],
            treatment_type_id=world.consultation["id"],
            practitioner_id=dr,
            **{"from": MONDAY.isoformat()},
        )
        assert response.status_code == 200, response.text
        starts = {s["start"] for s in response.json()["slots"]}
        assert "2027-06-07T07:15:00Z" in starts  # 09:15 Paris
        assert "2027-06-07T08:00:00Z" not in starts  # 10:00: Dr Leroy is at the other clinic
        assert "2027-06-07T12:00:00Z" not in starts  # 14:00: the only room here is taken
        assert "2027-06-07T12:45:00Z" in starts  # 14:45: both free again

    async def test_every_offered_slot_can_be_booked(self, stage: Stage) -> None:
        world = await make_world(stage, hours=[{"weekday": 0, "start": "09:00", "end": "10:30"}])
        response = await world.get(
            "/v1/availability",
            clinic_id=world.clinic["id"],
            treatment_type_id=world.consultation["id"],
            practitioner_id=world.practitioner["id"],
            **{"from": MONDAY.isoformat(), "to": (MONDAY + timedelta(days=6)).isoformat()},
        )
        slots = response.json()["slots"]
        assert [s["start"] for s in slots] == [
            "2027-06-07T07:00:00Z",
            "2027-06-07T07:15:00Z",
            "2027-06-07T07:30:00Z",
            "2027-06-07T07:45:00Z",  # 09:45 + 30 + 5 min cleaning ends at 10:20
        ]
        from datetime import datetime

        booked = await world.book(datetime.fromisoformat(slots[2]["start"]))
        assert booked["start"] == slots[2]["start"]

    async def test_a_window_over_31_days_or_reversed_is_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        for window in (
            {"from": "2027-06-01", "to": "2027-08-01"},
            {"from": "2027-06-10", "to": "2027-06-01"},
        ):
            response = await world.get(
                "/v1/availability",
                clinic_id=world.clinic["id"],
                treatment_type_id=world.consultation["id"],
                **window,
            )
            assert response.status_code == 422, window
            assert response.json()["errors"][0]["field"] == "to"


class TestListings:
    async def test_the_clinic_day_view_is_ordered_by_time_and_paginated(self, stage: Stage) -> None:
        world = await make_world(stage, rooms=1)
        for clock in ("15:00", "09:00", "12:00"):
            await world.book(at(MONDAY, clock, world.tz))
        await world.book(at(MONDAY + timedelta(days=1), "09:00", world.tz))
        first = await world.get(
            "/v1/appointments",
            world.reception,
            clinic_id=world.clinic["id"],
            date=MONDAY.isoformat(),
            limit=2,
        )
        assert first.status_code == 200, first.text
        page = first.json()
        assert [a["start"][11:16] for a in page["items"]] == ["07:00", "10:00"]
        rest = await world.get(
            "/v1/appointments",
            clinic_id=world.clinic["id"],
            date=MONDAY.isoformat(),
            limit=2,
            cursor=page["next_cursor"],
        )
        assert [a["start"][11:16] for a in rest.json()["items"]] == ["13:00"]
        assert rest.json()["next_cursor"] is None

    async def test_by_practitioner_and_by_patient(self, stage: Stage) -> None:
        world = await make_world(stage)
        await world.book(at(MONDAY, "09:00", world.tz))
        await world.book(at(MONDAY + timedelta(days=2), "09:00", world.tz))
        by_practitioner = await world.get(
            "/v1/appointments", practitioner_id=world.practitioner["id"]
        )
        by_patient = await world.get("/v1/appointments", patient_id=str(world.patient))
        assert len(by_practitioner.json()["items"]) == len(by_patient.json()["items"]) == 2

    async def test_a_date_without_a_clinic_is_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        response = await world.get("/v1/appointments", date="2027-06-07")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "date"


class TestTreatmentPlans:
    async def test_a_plan_shows_progress_cost_and_next_due_date(self, stage: Stage) -> None:
        world = await make_world(stage)
        await world.post(
            "/v1/prices",
            {
                "clinic_id": world.clinic["id"],
                "treatment_type_id": world.treatment["id"],
                "amount_minor": 30000,
                "currency": "EUR",
            },
        )
        response = await world.post(
            "/v1/treatment-plans",
            {
                "patient_id": str(world.patient),
                "treatment_type_id": world.treatment["id"],
                "clinic_id": world.clinic["id"],
                "sessions_planned": 4,
                "interval_days": 14,
                "maintenance_interval_days": 90,
            },
            world.reception,
        )
        assert response.status_code == 201, response.text
        plan = response.json()
        assert plan["indication"] == "skin_rejuvenation"
        assert plan["progress"] == {
            "completed": 0,
            "planned": 4,
            "remaining": 4,
            "maintenance_completed": 0,
            "course_complete": False,
        }
        assert plan["next_session_due"] is None
        assert plan["cost_estimate"]["course_total"] == {"amount_minor": 120000, "currency": "EUR"}

        await world.consulted(at(MONDAY, "09:00", world.tz))
        appt = await world.book(
            at(MONDAY, "10:00", world.tz), treatment_type_id=world.treatment["id"]
        )
        assert appt["treatment_plan_id"] == plan["id"]
        listed = await world.get("/v1/treatment-plans", patient_id=str(world.patient))
        assert [p["id"] for p in listed.json()] == [plan["id"]]

    async def test_a_plan_for_an_unknown_treatment_type_is_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        response = await world.post(
            "/v1/treatment-plans",
            {
                "patient_id": str(world.patient),
                "treatment_type_id": world.clinic["id"],
                "sessions_planned": 4,
                "interval_days": 14,
            },
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "treatment_type_id"

    async def test_completing_a_planned_session_carries_the_next_due_date(
        self, stage: Stage
    ) -> None:
        """A consultation course (a plan may track any kind): the due date travels in
        SessionCompleted; the treatment path through the start gate is in
        test_start_gate_with_formulary.py."""
        world = await make_world(stage)
        plan = (
            await world.post(
                "/v1/treatment-plans",
                {
                    "patient_id": str(world.patient),
                    "treatment_type_id": world.consultation["id"],
                    "sessions_planned": 2,
                    "interval_days": 21,
                    "maintenance_interval_days": 180,
                },
            )
        ).json()
        first = await world.book(at(MONDAY, "09:00", world.tz), treatment_plan_id=plan["id"])
        for action, body in (("check-in", None), ("start", {}), ("complete", {})):
            assert (await world.act(first["id"], action, body)).status_code == 200
        events = await events_of(stage, first["id"], count=3)
        completed = events[2][1]
        assert completed["treatment_plan_id"] == plan["id"]
        assert completed["next_session_due"] == (MONDAY + timedelta(days=21)).isoformat()
        assert completed["maintenance_due"] is None

        second_day = date(2027, 6, 28)
        second = await world.book(at(second_day, "09:00", world.tz), treatment_plan_id=plan["id"])
        for action, body in (("check-in", None), ("start", {}), ("complete", {})):
            assert (await world.act(second["id"], action, body)).status_code == 200
        events = await events_of(stage, second["id"], count=3)
        completed = events[2][1]
        assert completed["next_session_due"] is None
        assert completed["maintenance_due"] == (second_day + timedelta(days=180)).isoformat()
        progress = (await world.get(f"/v1/treatment-plans/{plan['id']}")).json()["progress"]
        assert progress["course_complete"] is True
