"""Patient ids: the replica from PatientRegistered, and the synchronous check against records
when the replica misses."""

from __future__ import annotations

from uuid import uuid4

from tests.integration.booking.helpers import MONDAY, Stage, at, make_world, register_patient
from tests.support import RunningService, bearer


class TestReplica:
    async def test_a_patient_registered_in_records_becomes_bookable(self, stage: Stage) -> None:
        world = await make_world(stage, patient=False)
        patient = await register_patient(stage, world.network)
        appt = await world.book(at(MONDAY, "10:00", world.tz), patient_id=str(patient))
        assert appt["patient_id"] == str(patient)

    async def test_a_patient_of_another_network_is_not_known_here(self, stage: Stage) -> None:
        world = await make_world(stage)
        foreign = await register_patient(stage, uuid4())
        response = await world.post(
            "/v1/appointments",
            world.booking_body(at(MONDAY, "10:00", world.tz), patient_id=str(foreign)),
            world.reception,
        )
        assert response.status_code == 503  # not in the replica; records here is unreachable


class TestRecordsCheck:
    async def test_a_patient_records_does_not_know_is_422_unknown_patient(
        self, with_records: Stage
    ) -> None:
        world = await make_world(with_records, patient=False)
        problem = await world.book(
            at(MONDAY, "10:00", world.tz), expect=422, patient_id=str(uuid4())
        )
        assert problem["type"].endswith("/unknown-patient")
        assert problem["errors"][0]["field"] == "patient_id"

    async def test_a_patient_records_knows_is_booked_and_remembered(
        self, with_records: Stage, records: RunningService
    ) -> None:
        world = await make_world(with_records, patient=False)
        registered = await records.client.post(
            "/v1/patients",
            json={
                "given_name": "Amélie",
                "family_name": "Durand",
                "date_of_birth": "1988-04-12",
                "email": f"p-{uuid4().hex[:8]}@example.test",
                "locale": "fr",
                "timezone": "Europe/Paris",
            },
            headers=bearer(records.settings.platform, world.network, "receptionist"),
        )
        assert registered.status_code == 201, registered.text
        patient = registered.json()["id"]
        appt = await world.book(at(MONDAY, "10:00", world.tz), patient_id=patient)
        assert appt["patient_id"] == patient
        known = await with_records.svc.pool.fetchval(
            "SELECT count(*) FROM patients WHERE network_id = $1 AND patient_id = $2",
            world.network,
            registered.json()["id"],
        )
        assert known == 1
