"""Setup data: clinics, rooms, practitioners, hours, time off, treatment types, prices — who may
edit, who may read, and that a network only sees its own."""

from __future__ import annotations

from uuid import uuid4

from tests.integration.booking.helpers import MONDAY, Stage, at, make_world


class TestSetupData:
    async def test_a_clinic_and_its_rooms_read_back_as_created(self, stage: Stage) -> None:
        world = await make_world(stage, rooms=2)
        clinic = (await world.get(f"/v1/clinics/{world.clinic['id']}")).json()
        assert clinic["timezone"] == "Europe/Paris"
        assert clinic["slot_grid_minutes"] == 15
        rooms = (await world.get(f"/v1/clinics/{world.clinic['id']}/rooms")).json()
        assert [r["name"] for r in rooms] == ["Room 1", "Room 2"]
        listed = (await world.get("/v1/clinics")).json()
        assert [c["id"] for c in listed["items"]] == [world.clinic["id"]]

    async def test_a_clinic_manager_changes_the_slot_grid(self, stage: Stage) -> None:
        world = await make_world(stage)
        manager = stage.auth(world.network, "clinic_manager")
        response = await stage.client.patch(
            f"/v1/clinics/{world.clinic['id']}", json={"slot_grid_minutes": 30}, headers=manager
        )
        assert response.status_code == 200
        assert response.json()["slot_grid_minutes"] == 30

    async def test_an_unknown_timezone_is_422_naming_timezone(self, stage: Stage) -> None:
        network = uuid4()
        response = await stage.client.post(
            "/v1/clinics",
            json={"name": "X", "address": "Y", "timezone": "Mars/Olympus", "currency": "EUR"},
            headers=stage.auth(network, "network_admin"),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"].endswith("timezone")

    async def test_a_duplicate_room_name_is_409(self, stage: Stage) -> None:
        world = await make_world(stage)
        response = await world.post(f"/v1/clinics/{world.clinic['id']}/rooms", {"name": "Room 1"})
        assert response.status_code == 409

    async def test_practitioner_hours_and_time_off_read_back(self, stage: Stage) -> None:
        world = await make_world(stage)
        pid, cid = world.practitioner["id"], world.clinic["id"]
        practitioner = (await world.get(f"/v1/practitioners/{pid}")).json()
        assert practitioner["licence_number"] == "RPPS-10001"
        assert practitioner["clinic_ids"] == [cid]
        assert practitioner["indications"] == ["hair_loss", "skin_rejuvenation"]
        assert practitioner["experience_tier"] == "senior"
        hours = (await world.get(f"/v1/practitioners/{pid}/clinics/{cid}/working-hours")).json()
        assert hours["hours"][0] == {"weekday": 0, "start": "09:00:00", "end": "18:00:00"}
        off = await world.post(
            f"/v1/practitioners/{pid}/time-off",
            {"start": "2027-08-01T00:00:00+02:00", "end": "2027-08-15T00:00:00+02:00"},
        )
        assert off.status_code == 201
        listed = (await world.get(f"/v1/practitioners/{pid}/time-off")).json()
        assert [o["id"] for o in listed] == [off.json()["id"]]
        gone = await stage.client.delete(
            f"/v1/practitioners/{pid}/time-off/{off.json()['id']}", headers=world.admin
        )
        assert gone.status_code == 204

    async def test_overlapping_working_hours_are_422(self, stage: Stage) -> None:
        world = await make_world(stage)
        response = await stage.client.put(
            f"/v1/practitioners/{world.practitioner['id']}/clinics/{world.clinic['id']}"
            "/working-hours",
            json={
                "hours": [
                    {"weekday": 1, "start": "09:00", "end": "13:00"},
                    {"weekday": 1, "start": "12:00", "end": "17:00"},
                ]
            },
            headers=world.admin,
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "hours.1"  # the later row, named

    async def test_a_licence_renewal_is_recorded(self, stage: Stage) -> None:
        world = await make_world(stage)
        response = await stage.client.patch(
            f"/v1/practitioners/{world.practitioner['id']}",
            json={"licence_expires_on": "2035-01-01", "experience_tier": "expert"},
            headers=world.admin,
        )
        assert response.status_code == 200, response.text
        assert response.json()["licence_expires_on"] == "2035-01-01"
        assert response.json()["experience_tier"] == "expert"

    async def test_treatment_types_take_duration_and_buffer_from_the_guide(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage)
        assert world.treatment["duration_minutes"] == 45  # face
        assert world.treatment["buffer_minutes"] == 15
        assert world.consultation["duration_minutes"] == 30
        too_long = await world.post(
            "/v1/treatment-types",
            {
                "name": "Marathon",
                "kind": "treatment",
                "indication": "cellulite",
                "areas": ["thighs"],
                "duration_minutes": 90,
            },
        )
        assert too_long.status_code == 422
        assert too_long.json()["errors"][0]["field"] == "duration_minutes"

    async def test_prices_per_tier_and_a_duplicate_is_409(self, stage: Stage) -> None:
        world = await make_world(stage)
        body = {
            "clinic_id": world.clinic["id"],
            "treatment_type_id": world.treatment["id"],
            "amount_minor": 30000,
            "currency": "EUR",
        }
        assert (await world.post("/v1/prices", body)).status_code == 201
        assert (await world.post("/v1/prices", {**body, "tier": "expert"})).status_code == 201
        assert (await world.post("/v1/prices", body)).status_code == 409
        wrong = await world.post("/v1/prices", {**body, "currency": "USD", "tier": "junior"})
        assert wrong.status_code == 422
        listed = (await world.get("/v1/prices", clinic_id=world.clinic["id"])).json()
        assert [(p["tier"], p["amount_minor"]) for p in listed] == [
            (None, 30000),
            ("expert", 30000),
        ]

    async def test_a_price_is_changed_by_a_manager_of_its_clinic_only(self, stage: Stage) -> None:
        world = await make_world(stage)
        price = await world.post(
            "/v1/prices",
            {
                "clinic_id": world.clinic["id"],
                "treatment_type_id": world.treatment["id"],
                "amount_minor": 30000,
                "currency": "EUR",
            },
        )
        path = f"/v1/prices/{price.json()['id']}"
        elsewhere = stage.auth(world.network, "clinic_manager", clinic_ids=(uuid4(),))
        refused = await stage.client.patch(path, json={"amount_minor": 1}, headers=elsewhere)
        assert refused.status_code == 403
        manager = stage.auth(world.network, "clinic_manager", clinic_ids=(world.clinic["id"],))
        changed = await stage.client.patch(path, json={"amount_minor": 32000}, headers=manager)
        assert changed.status_code == 200, changed.text
        assert (changed.json()["tier"], changed.json()["amount_minor"]) == (None, 32000)
        listed = (await world.get("/v1/prices", clinic_id=world.clinic["id"])).json()
        assert [p["amount_minor"] for p in listed] == [32000]
        zero = await stage.client.patch(path, json={"amount_minor": 0}, headers=manager)
        assert zero.status_code == 422
        unknown = await stage.client.patch(
            f"/v1/prices/{uuid4()}", json={"amount_minor": 1}, headers=manager
        )
        assert unknown.status_code == 404

    async def test_a_room_is_deleted_unless_an_appointment_was_booked_in_it(
        self, stage: Stage
    ) -> None:
        world = await make_world(stage, rooms=2)
        booked_in, empty = world.rooms[0]["id"], world.rooms[1]["id"]
        await world.book(at(MONDAY, "10:00", world.tz), room_id=booked_in)
        rooms = f"/v1/clinics/{world.clinic['id']}/rooms"
        kept = await stage.client.delete(f"{rooms}/{booked_in}", headers=world.admin)
        assert kept.status_code == 409
        assert "has appointments" in kept.json()["detail"]
        gone = await stage.client.delete(f"{rooms}/{empty}", headers=world.admin)
        assert gone.status_code == 204
        assert [r["id"] for r in (await world.get(rooms)).json()] == [booked_in]
        again = await stage.client.delete(f"{rooms}/{empty}", headers=world.admin)
        assert again.status_code == 404
        refused = await stage.client.delete(f"{rooms}/{booked_in}", headers=world.reception)
        assert refused.status_code == 403


class TestRolesAndTenancy:
    async def test_receptionists_read_setup_but_may_not_edit_it(self, stage: Stage) -> None:
        world = await make_world(stage)
        assert (await world.get("/v1/practitioners", world.reception)).status_code == 200
        for path, body in (
            ("/v1/clinics", {"name": "X", "address": "Y", "timezone": "UTC", "currency": "EUR"}),
            (f"/v1/clinics/{world.clinic['id']}/rooms", {"name": "Z"}),
            (
                "/v1/treatment-types",
                {"name": "C", "kind": "consultation", "indication": "hair_loss"},
            ),
        ):
            assert (await world.post(path, body, world.reception)).status_code == 403, path

    async def test_a_manager_of_another_clinic_may_not_add_rooms_here(self, stage: Stage) -> None:
        world = await make_world(stage)
        manager = stage.auth(world.network, "clinic_manager", clinic_ids=(uuid4(),))
        response = await world.post(
            f"/v1/clinics/{world.clinic['id']}/rooms", {"name": "Annex"}, manager
        )
        assert response.status_code == 403

    async def test_another_network_sees_nothing_of_this_one(self, stage: Stage) -> None:
        world = await make_world(stage)
        appt = await world.book(at(MONDAY, "10:00", world.tz))
        stranger = stage.auth(uuid4(), "network_admin")
        for path in (
            f"/v1/clinics/{world.clinic['id']}",
            f"/v1/practitioners/{world.practitioner['id']}",
            f"/v1/treatment-types/{world.treatment['id']}",
            f"/v1/appointments/{appt['id']}",
        ):
            assert (await stage.client.get(path, headers=stranger)).status_code == 404, path
        assert (await stage.client.get("/v1/clinics", headers=stranger)).json()["items"] == []
        listed = await stage.client.get(
            "/v1/appointments", params={"clinic_id": world.clinic["id"]}, headers=stranger
        )
        assert listed.json()["items"] == []
        cancel = await stage.client.post(
            f"/v1/appointments/{appt['id']}/cancel", json={"reason": "x"}, headers=stranger
        )
        assert cancel.status_code == 404
