"""The session lifecycle: each transition, its event on the broker, illegal moves, roles, and
the start gate failing closed when formulary does not answer."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.booking.helpers import MONDAY, Stage, at, events_of, make_world

PREFIX = "mesocare.booking."


class TestTransitions:
    async def test_check_in_start_and_complete_a_consultation_emit_their_events(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        appt = await world.book(at(MONDAY, "09:00", world.tz))

        checked = await world.act(appt["id"], "check-in")
        assert checked.status_code == 200 and checked.json()["status"] == "checked_in"
        assert checked.json()["checked_in_at"] is not None
        started = await world.act(appt["id"], "start", {})
        assert started.status_code == 200, started.text
        assert started.json()["status"] == "in_progress"
        assert started.json()["started_by"] == "dr.leroy@example.test"
        done = await world.act(appt["id"], "complete", {"notes": "Goals discussed; plan of 4."})
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "completed"
        assert done.json()["allowed_actions"] == []

        events = await events_of(stage, appt["id"], count=3)
        assert [t for t, _ in events] == [
            PREFIX + "AppointmentBooked.v1",
            PREFIX + "SessionStarted.v1",
            PREFIX + "SessionCompleted.v1",
        ]
        started_event, completed_event = events[1][1], events[2][1]
        assert started_event["cross_check_verdict"] == "ok"
        assert started_event["started_by"] == "dr.leroy@example.test"
        assert completed_event["notes"] == "Goals discussed; plan of 4."
        assert completed_event["preparation"] == {
            "disinfection": "not_applicable",
            "numbing_cream": False,
            "numbing_product": None,
        }

    async def test_cancel_with_a_reason_frees_the_slot_and_is_announced(self, stage: Stage) -> None:
        world = await make_world(stage)
        start = at(MONDAY, "14:00", world.tz)
        appt = await world.book(start)
        cancelled = await world.act(appt["id"], "cancel", {"reason": "Patient has a cold"})
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        assert cancelled.json()["cancel_reason"] == "Patient has a cold"
        await world.book(start)  # the slot is free again

        events = await events_of(stage, appt["id"], count=2)
        kind, payload = events[1]
        assert kind == PREFIX + "AppointmentCancelled.v1"
        assert payload["reason"] == "Patient has a cold"
        assert payload["cancelled_by"] == "tester@example.test"

    async def test_cancel_without_a_reason_is_422_naming_reason(self, stage: Stage) -> None:
        world = await make_world(stage)
        appt = await world.book(at(MONDAY, "14:00", world.tz))
        response = await world.act(appt["id"], "cancel", {})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"].endswith("reason")

    async def test_no_show_frees_the_slot_and_is_announced(self, stage: Stage) -> None:
        world = await make_world(stage)
        start = at(MONDAY, "15:00", world.tz)
        appt = await world.book(start)
        response = await world.act(appt["id"], "no-show")
        assert response.status_code == 200 and response.json()["status"] == "no_show"
        await world.book(start)
        events = await events_of(stage, appt["id"], count=2)
        assert events[1][0] == PREFIX + "AppointmentNoShow.v1"

    async def test_reschedule_moves_the_appointment_and_tells_where_it_was(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        appt = await world.book(at(MONDAY, "10:00", world.tz))
        moved = await world.act(
            appt["id"], "reschedule", {"start": at(MONDAY, "10:15", world.tz).isoformat()}
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["start"] == "2027-06-07T08:15:00Z"
        events = await events_of(stage, appt["id"], count=2)
        kind, payload = events[1]
        assert kind == PREFIX + "AppointmentRescheduled.v1"
        assert payload["previous_starts_at"] == "2027-06-07T08:00:00Z"
        assert payload["starts_at"] == "2027-06-07T08:15:00Z"

    async def test_reschedule_onto_another_appointment_is_409(self, stage: Stage) -> None:
        world = await make_world(stage)
        first = await world.book(at(MONDAY, "10:00", world.tz))
        await world.book(at(MONDAY, "11:00", world.tz))
        moved = await world.act(
            first["id"], "reschedule", {"start": at(MONDAY, "11:15", world.tz).isoformat()}
        )
        assert moved.status_code == 409
        assert moved.json()["type"].endswith("/practitioner-taken")
        still = await world.get(f"/v1/appointments/{first['id']}")
        assert still.json()["start"] == "2027-06-07T08:00:00Z"

    async def test_reschedule_outside_working_hours_is_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        appt = await world.book(at(MONDAY, "10:00", world.tz))
        moved = await world.act(
            appt["id"], "reschedule", {"start": at(MONDAY, "19:00", world.tz).isoformat()}
        )
        assert moved.status_code == 422
        assert moved.json()["type"].endswith("/outside-working-hours")


class TestIllegalTransitions:
    async def test_starting_a_booked_appointment_is_409_naming_allowed_actions(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        appt = await world.book(at(MONDAY, "09:00", world.tz))
        response = await world.act(appt["id"], "start", {})
        assert response.status_code == 409
        problem = response.json()
        assert problem["type"].endswith("/illegal-transition")
        assert problem["allowed_actions"] == ["check-in", "reschedule", "cancel", "no-show"]

    async def test_a_cancelled_appointment_cannot_be_checked_in(self, stage: Stage) -> None:
        world = await make_world(stage)
        appt = await world.book(at(MONDAY, "09:00", world.tz))
        await world.act(appt["id"], "cancel", {"reason": "moved away"})
        response = await world.act(appt["id"], "check-in")
        assert response.status_code == 409
        assert response.json()["current_status"] == "cancelled"

    async def test_completing_a_checked_in_appointment_is_409(self, stage: Stage) -> None:
        world = await make_world(stage)
        appt = await world.book(at(MONDAY, "09:00", world.tz))
        await world.act(appt["id"], "check-in")
        response = await world.act(appt["id"], "complete", {})
        assert response.status_code == 409

    async def test_a_checked_in_appointment_cannot_be_rescheduled(self, stage: Stage) -> None:
        world = await make_world(stage)
        appt = await world.book(at(MONDAY, "09:00", world.tz))
        await world.act(appt["id"], "check-in")
        response = await world.act(
            appt["id"], "reschedule", {"start": at(MONDAY, "12:00", world.tz).isoformat()}
        )
        assert response.status_code == 409


class TestRoles:
    async def test_a_receptionist_may_not_start_or_complete(self, stage: Stage) -> None:
        world = await make_world(stage)
        appt = await world.book(at(MONDAY, "09:00", world.tz))
        await world.act(appt["id"], "check-in")
        for action in ("start", "complete"):
            response = await world.act(appt["id"], action, {}, headers=world.reception)
            assert response.status_code == 403, action
        unchanged = await world.get(f"/v1/appointments/{appt['id']}")
        assert unchanged.json()["status"] == "checked_in"

    async def test_an_integration_may_book_but_not_check_in(self, stage: Stage) -> None:
        world = await make_world(stage)
        integration = stage.auth(world.network, "integration")
        booked = await world.post(
            "/v1/appointments", world.booking_body(at(MONDAY, "09:00", world.tz)), integration
        )
        assert booked.status_code == 201
        response = await world.act(booked.json()["id"], "check-in", headers=integration)
        assert response.status_code == 403

    async def test_a_token_scoped_to_another_clinic_may_not_book_here(self, stage: Stage) -> None:
        from uuid import uuid4

        world = await make_world(stage)
        scoped = stage.auth(world.network, "receptionist", clinic_ids=(uuid4(),))
        response = await world.post(
            "/v1/appointments", world.booking_body(at(MONDAY, "09:00", world.tz)), scoped
        )
        assert response.status_code == 403


class TestStartGateFailsClosed:
    async def test_a_treatment_does_not_start_when_formulary_is_unreachable(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        await world.consulted(at(MONDAY, "09:00", world.tz))
        appt = await world.book(
            at(MONDAY, "10:00", world.tz), treatment_type_id=world.treatment["id"]
        )
        await world.act(appt["id"], "check-in")
        response = await world.act(
            appt["id"], "start", {"ingredient_codes": ["hyaluronic_acid"], "areas": ["face"]}
        )
        assert response.status_code == 503
        assert response.json()["type"].endswith("/dependency-unavailable")
        assert response.json()["service"] == "formulary"
        after = await world.get(f"/v1/appointments/{appt['id']}")
        assert after.json()["status"] == "checked_in"
        assert after.json()["started_at"] is None

    async def test_a_treatment_start_without_a_planned_blend_is_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        await world.consulted(at(MONDAY, "09:00", world.tz))
        appt = await world.book(
            at(MONDAY, "10:00", world.tz), treatment_type_id=world.treatment["id"]
        )
        await world.act(appt["id"], "check-in")
        response = await world.act(appt["id"], "start", {})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "blend_id"


class TestTreatmentBooking:
    async def test_a_treatment_without_a_consultation_is_422_and_eligibility_says_so(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        asked = await world.get(
            "/v1/eligibility",
            world.reception,
            patient_id=str(world.patient),
            treatment_type_id=world.treatment["id"],
        )
        assert asked.status_code == 200, asked.text
        assert asked.json()["eligible"] is False
        assert asked.json()["startable"] is False
        assert asked.json()["problem"]["type"].endswith("/consultation-required")
        assert asked.json()["problem"]["indication"] == world.treatment["indication"]
        refused = await world.book(
            at(MONDAY, "10:00", world.tz), expect=422, treatment_type_id=world.treatment["id"]
        )
        assert refused["type"].endswith("/consultation-required")

    async def test_a_treatment_is_booked_after_a_booked_consultation_and_starts_once_it_is_done(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        consultation = await world.book(at(MONDAY, "10:00", world.tz))
        treatment = world.treatment["id"]
        asked = await world.get(
            "/v1/eligibility",
            world.reception,
            patient_id=str(world.patient),
            treatment_type_id=treatment,
        )
        assert asked.json()["eligible"] is True and asked.json()["problem"] is None
        assert asked.json()["consultation"]["id"] == consultation["id"]
        assert asked.json()["bookable_after"] == consultation["start"]
        assert asked.json()["startable"] is False
        # Not before the consultation, at booking or on a move.
        before = await world.book(
            at(MONDAY, "09:00", world.tz), expect=422, treatment_type_id=treatment
        )
        assert before["type"].endswith("/consultation-required")
        appt = await world.book(at(MONDAY, "11:00", world.tz), treatment_type_id=treatment)
        moved = await world.act(
            appt["id"], "reschedule", {"start": at(MONDAY, "09:00", world.tz).isoformat()}
        )
        assert moved.status_code == 422, moved.text
        assert moved.json()["type"].endswith("/consultation-required")

        # The start waits for the consultation, and says which.
        await world.act(appt["id"], "check-in")
        plan = {"ingredient_codes": ["hyaluronic_acid"], "areas": ["face"]}
        refused = await world.act(appt["id"], "start", plan)
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"].endswith("/consultation-not-completed")
        assert refused.json()["consultation_id"] == consultation["id"]
        after = await world.get(f"/v1/appointments/{appt['id']}")
        assert after.json()["status"] == "checked_in"

        for action in ("check-in", "start", "complete"):
            done = await world.act(consultation["id"], action, {} if action != "check-in" else None)
            assert done.status_code == 200, done.text
        asked = await world.get(
            "/v1/eligibility",
            world.reception,
            patient_id=str(world.patient),
            treatment_type_id=treatment,
        )
        assert asked.json()["startable"] is True
        assert asked.json()["bookable_after"] is None  # held: any time to come will do
        # Past the consultation gate, on to formulary (unreachable here: fail closed).
        gated = await world.act(appt["id"], "start", plan)
        assert gated.status_code == 503, gated.text

    async def test_a_cancelled_consultation_does_not_count(self, stage: Stage) -> None:
        world = await make_world(stage)
        consultation = await world.book(at(MONDAY, "09:00", world.tz))
        cancelled = await world.act(consultation["id"], "cancel", {"reason": "Patient ill"})
        assert cancelled.status_code == 200, cancelled.text
        refused = await world.book(
            at(MONDAY, "10:00", world.tz), expect=422, treatment_type_id=world.treatment["id"]
        )
        assert refused["type"].endswith("/consultation-required")

    async def test_after_the_consultation_a_treatment_is_booked_at_its_price(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        await world.post(
            "/v1/prices",
            {
                "clinic_id": world.clinic["id"],
                "treatment_type_id": world.treatment["id"],
                "amount_minor": 35000,
                "currency": "EUR",
            },
        )
        await world.post(
            "/v1/prices",
            {
                "clinic_id": world.clinic["id"],
                "treatment_type_id": world.treatment["id"],
                "tier": "senior",
                "amount_minor": 42000,
                "currency": "EUR",
            },
        )
        await world.consulted(at(MONDAY, "09:00", world.tz))
        appt = await world.book(
            at(MONDAY, "10:00", world.tz), treatment_type_id=world.treatment["id"]
        )
        assert appt["kind"] == "treatment"
        assert appt["price"] == {"amount_minor": 42000, "currency": "EUR"}
        assert appt["end"] == "2027-06-07T08:45:00Z"  # face: 45 min
        later = at(MONDAY, "10:45", world.tz) + timedelta(minutes=15)  # after cleaning
        await world.book(later)
