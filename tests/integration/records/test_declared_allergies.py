"""Allergies the patient declares at registration: any role that registers records them in
safety profile version 1; changing the profile afterwards stays with practitioners."""

from __future__ import annotations

from uuid import uuid4

from shared.events.records import PATIENTS_TOPIC
from tests.integration.records.support import auth, error_fields, events_for, patient_body
from tests.support import Parts, RunningService

PROFILE_CHANGED = "mesocare.records.PatientSafetyProfileChanged.v1"
COMPOSITAE = {"code": "compositae", "reaction": "hives", "severity": "severe"}


class TestDeclaredAllergies:
    async def test_a_receptionist_registers_a_declared_allergy_into_profile_version_1(
        self, parts: Parts, records: RunningService
    ) -> None:
        network = uuid4()
        created = await records.client.post(
            "/v1/patients",
            json=patient_body(declared_allergies=[COMPOSITAE]),
            headers=auth(records, network, "receptionist"),
        )
        assert created.status_code == 201, created.text
        patient = created.json()["id"]

        profile = await records.client.get(
            f"/v1/patients/{patient}/safety-profile",
            headers=auth(records, network, "practitioner"),
        )

        assert profile.status_code == 200
        assert profile.headers["etag"] == '"1"'
        body = profile.json()
        assert body["version"] == 1
        assert [
            (a["code"], a["label"], a["reaction"], a["severity"], a["status"])
            for a in body["allergies"]
        ] == [("compositae", "Asteraceae (Compositae) plant family", "hives", "severe", "active")]
        events = await events_for(
            parts.kafka_bootstrap, PATIENTS_TOPIC, patient, types={PROFILE_CHANGED}
        )
        first = dict(events)[PROFILE_CHANGED]
        assert first["version"] == 1
        assert [(a["code"], a["severity"]) for a in first["allergies"]] == [
            ("compositae", "severe")
        ]

    async def test_an_unknown_allergen_code_is_a_422_naming_the_field(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        response = await records.client.post(
            "/v1/patients",
            json=patient_body(
                declared_allergies=[COMPOSITAE, {"code": "compositea", "severity": "mild"}]
            ),
            headers=auth(records, network, "receptionist"),
        )

        assert response.status_code == 422
        assert error_fields(response) == ["declared_allergies.1.code"]
        search = await records.client.get(
            "/v1/patients", params={"q": "Durand"}, headers=auth(records, network, "receptionist")
        )
        assert search.json()["items"] == []

    async def test_the_same_allergen_declared_twice_is_a_422(self, records: RunningService) -> None:
        response = await records.client.post(
            "/v1/patients",
            json=patient_body(declared_allergies=[COMPOSITAE, {**COMPOSITAE, "reaction": None}]),
            headers=auth(records, uuid4(), "receptionist"),
        )

        assert response.status_code == 422
        assert error_fields(response) == ["declared_allergies"]

    async def test_a_receptionist_still_may_not_change_the_safety_profile(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        created = await records.client.post(
            "/v1/patients",
            json=patient_body(declared_allergies=[COMPOSITAE]),
            headers=auth(records, network, "receptionist"),
        )
        patient = created.json()["id"]

        response = await records.client.put(
            f"/v1/patients/{patient}/safety-profile",
            json={"allergies": []},
            headers={**auth(records, network, "receptionist"), "If-Match": '"1"'},
        )

        assert response.status_code == 403
        profile = await records.client.get(
            f"/v1/patients/{patient}/safety-profile",
            headers=auth(records, network, "practitioner"),
        )
        assert [a["code"] for a in profile.json()["allergies"]] == ["compositae"]
        assert profile.json()["version"] == 1
