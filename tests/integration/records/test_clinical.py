"""Safety profile and medical history: versions, optimistic concurrency, vocabulary, roles."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID, uuid4

import pytest

from tests.integration.records.support import auth, error_fields, register
from tests.support import RunningService

PROFILE: dict[str, Any] = {
    "fitzpatrick_skin_type": 5,
    "allergies": [
        {"code": "compositae", "reaction": "hives", "severity": "moderate"},
        {"code": "lidocaine", "reaction": "swelling", "severity": "severe", "status": "resolved"},
    ],
    "conditions": [{"code": "blood_coagulation_disorder", "note": "von Willebrand"}],
    "medications": [{"name": "Apixaban", "classes": ["anticoagulant"], "dose": "5 mg bid"}],
}


async def put_profile(
    records: RunningService,
    network: UUID,
    patient: str,
    body: dict[str, Any],
    *,
    version: str | None = '"1"',
    role: str = "practitioner",
) -> Any:
    headers = auth(records, network, role, sub="dr.blanc@clinic.test")
    if version is not None:
        headers["If-Match"] = version
    return await records.client.put(
        f"/v1/patients/{patient}/safety-profile", json=body, headers=headers
    )


class TestSafetyProfile:
    async def test_a_new_patient_has_an_empty_profile_at_version_1(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await records.client.get(
            f"/v1/patients/{patient['id']}/safety-profile",
            headers=auth(records, network, "practitioner"),
        )

        assert response.status_code == 200
        assert response.headers["etag"] == '"1"'
        profile = response.json()
        assert (profile["version"], profile["allergies"], profile["conditions"]) == (1, [], [])

    async def test_a_practitioner_replaces_the_profile_and_the_version_moves_on(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await put_profile(records, network, patient["id"], PROFILE)

        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"2"'
        profile = response.json()
        assert profile["version"] == 2
        assert profile["fitzpatrick_skin_type"] == 5
        assert [(a["code"], a["kind"]) for a in profile["allergies"]] == [
            ("compositae", "allergen_class"),
            ("lidocaine", "ingredient"),
        ]
        assert profile["conditions"][0]["label"] == "Blood coagulation disorder"
        assert profile["medications"][0]["classes"] == ["anticoagulant"]
        assert profile["updated_by"] == "dr.blanc@clinic.test"
        patient_now = await records.client.get(
            f"/v1/patients/{patient['id']}", headers=auth(records, network, "receptionist")
        )
        assert patient_now.json()["fitzpatrick_skin_type"] == 5

    async def test_a_write_from_a_stale_version_is_409(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)
        await put_profile(records, network, patient["id"], PROFILE)

        response = await put_profile(records, network, patient["id"], {"allergies": []})

        assert response.status_code == 409
        assert response.json()["current_version"] == 2

    async def test_two_practitioners_writing_at_once_cannot_both_win(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        bodies = [
            {"allergies": [{"code": "b_vitamins"}]},
            {"allergies": [{"code": "amino_acids"}]},
            {"conditions": [{"code": "pregnancy"}]},
        ]

        responses = await asyncio.gather(
            *(put_profile(records, network, patient["id"], b) for b in bodies)
        )

        assert sorted(r.status_code for r in responses) == [200, 409, 409]
        versions = await records.pool.fetch(
            "SELECT version FROM safety_profile_versions WHERE patient_id = $1 ORDER BY version",
            UUID(patient["id"]),
        )
        assert [v["version"] for v in versions] == [1, 2]

    async def test_a_write_without_if_match_is_428(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await put_profile(records, network, patient["id"], PROFILE, version=None)

        assert response.status_code == 428
        assert error_fields(response) == ["If-Match"]

    async def test_expected_version_in_the_body_works_like_if_match(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await put_profile(
            records, network, patient["id"], {**PROFILE, "expected_version": 1}, version=None
        )

        assert response.status_code == 200
        assert response.json()["version"] == 2

    async def test_a_write_that_changes_nothing_keeps_the_version(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        await put_profile(records, network, patient["id"], PROFILE)

        response = await put_profile(records, network, patient["id"], PROFILE, version='"2"')

        assert response.status_code == 200
        assert response.json()["version"] == 2

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"allergies": [{"code": "peanut_butter"}]}, "allergies.0.code"),
            ({"allergies": [{"code": "b_vitamins"}, {"code": "nuts"}]}, "allergies.1.code"),
            ({"allergies": [{"code": "b_vitamins"}, {"code": "b_vitamins"}]}, "allergies"),
            ({"allergies": [{"code": "b_vitamins", "severity": "fatal"}]}, "allergies.0.severity"),
            ({"conditions": [{"code": "feeling_blue"}]}, "conditions.0.code"),
            ({"medications": [{"name": "X", "classes": ["magic"]}]}, "medications.0.classes.0"),
            ({"fitzpatrick_skin_type": 0}, "fitzpatrick_skin_type"),
        ],
    )
    async def test_unknown_codes_are_422_naming_the_field(
        self, records: RunningService, body: dict[str, Any], field: str
    ) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await put_profile(records, network, patient["id"], body)

        assert response.status_code == 422, response.text
        assert error_fields(response) == [field]

    async def test_a_receptionist_may_not_write_it(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await put_profile(records, network, patient["id"], PROFILE, role="receptionist")

        assert response.status_code == 403

    @pytest.mark.parametrize("role", ["receptionist", "integration"])
    async def test_front_desk_and_machine_credentials_do_not_read_it(
        self, records: RunningService, role: str
    ) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await records.client.get(
            f"/v1/patients/{patient['id']}/safety-profile", headers=auth(records, network, role)
        )

        assert response.status_code == 403

    async def test_every_version_is_kept(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)
        await put_profile(records, network, patient["id"], PROFILE)
        await put_profile(records, network, patient["id"], {"allergies": []}, version='"2"')

        rows = await records.pool.fetch(
            "SELECT version, allergies FROM safety_profile_versions WHERE patient_id = $1 "
            "ORDER BY version",
            UUID(patient["id"]),
        )

        assert [(r["version"], len(r["allergies"])) for r in rows] == [(1, 0), (2, 2), (3, 0)]


class TestMedicalHistory:
    async def test_a_practitioner_writes_history_and_goals_from_the_consultation(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        url = f"/v1/patients/{patient['id']}/medical-history"
        headers = auth(records, network, "practitioner")
        empty = await records.client.get(url, headers=headers)

        response = await records.client.put(
            url,
            json={
                "medical_history": "No surgery. Mild eczema in childhood.",
                "treatment_goals": "Reduce fine lines around the eyes.",
                "indications": ["skin_rejuvenation"],
                "areas": ["face"],
            },
            headers={**headers, "If-Match": empty.headers["etag"]},
        )

        assert empty.json()["version"] == 0
        assert response.status_code == 200, response.text
        assert response.json()["version"] == 1
        assert response.json()["indications"] == ["skin_rejuvenation"]

    async def test_an_unknown_indication_is_422(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await records.client.put(
            f"/v1/patients/{patient['id']}/medical-history",
            json={"indications": ["weight_loss"], "areas": ["face"]},
            headers={**auth(records, network, "practitioner"), "If-Match": '"0"'},
        )

        assert response.status_code == 422
        assert error_fields(response) == ["indications.0"]

    async def test_a_second_first_write_is_409(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)
        url = f"/v1/patients/{patient['id']}/medical-history"
        headers = {**auth(records, network, "practitioner"), "If-Match": '"0"'}
        await records.client.put(url, json={"medical_history": "a"}, headers=headers)

        response = await records.client.put(url, json={"medical_history": "b"}, headers=headers)

        assert response.status_code == 409

    async def test_a_receptionist_may_not_write_it(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await records.client.put(
            f"/v1/patients/{patient['id']}/medical-history",
            json={"medical_history": "x"},
            headers={**auth(records, network, "receptionist"), "If-Match": '"0"'},
        )

        assert response.status_code == 403
