"""Patients: registration, reading, updates, search, consents, duplicates, validation."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from tests.integration.records.support import (
    a_phone,
    an_email,
    auth,
    error_fields,
    patient_body,
    register,
)
from tests.support import RunningService


class TestRegistration:
    async def test_a_receptionist_registers_a_patient_with_contact_and_consents(
        self, records: RunningService
    ) -> None:
        network, clinic = uuid4(), uuid4()
        body = patient_body(
            phone="+33 6 12 34 56 78",
            clinic_id=str(clinic),
            quiet_hours_start="21:00:00",
            quiet_hours_end="08:00:00",
            consents=[
                {"kind": "treatment", "granted": True, "wording_version": "2026-01"},
                {"kind": "marketing", "granted": True, "wording_version": "m-3"},
            ],
        )

        response = await records.client.post(
            "/v1/patients",
            json=body,
            headers=auth(records, network, "receptionist", sub="desk@clinic.test"),
        )

        assert response.status_code == 201, response.text
        patient = response.json()
        assert response.headers["location"] == f"/v1/patients/{patient['id']}"
        assert response.headers["etag"] == '"1"'
        assert patient["phone"] == "+33612345678"
        assert patient["preferred_channel"] == "email"
        assert patient["clinics_visited"] == [str(clinic)]
        assert patient["consents"]["treatment"]["granted"] is True
        assert patient["consents"]["treatment"]["recorded_by"] == "desk@clinic.test"
        assert patient["marketing_consent"] is True
        assert patient["fitzpatrick_skin_type"] is None
        assert patient["version"] == 1

    async def test_the_patient_reads_back_as_registered(self, records: RunningService) -> None:
        network = uuid4()
        created = await register(records, network)

        response = await records.client.get(
            f"/v1/patients/{created['id']}", headers=auth(records, network, "practitioner")
        )

        assert response.status_code == 200
        assert response.json() == created

    async def test_a_practitioner_may_set_the_skin_type_as_a_roman_numeral(
        self, records: RunningService
    ) -> None:
        patient = await register(records, uuid4(), "practitioner", fitzpatrick_skin_type="IV")

        assert patient["fitzpatrick_skin_type"] == 4

    async def test_a_receptionist_may_not_set_the_skin_type(self, records: RunningService) -> None:
        response = await records.client.post(
            "/v1/patients",
            json=patient_body(fitzpatrick_skin_type=3),
            headers=auth(records, uuid4(), "receptionist"),
        )

        assert response.status_code == 403

    async def test_a_patient_with_only_a_phone_prefers_sms(self, records: RunningService) -> None:
        patient = await register(records, uuid4(), email=None)

        assert patient["preferred_channel"] == "sms"

    async def test_a_repeat_with_the_same_idempotency_key_returns_the_first_patient(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        body = patient_body()
        headers = {**auth(records, network, "integration"), "Idempotency-Key": "crm-42"}

        first = await records.client.post("/v1/patients", json=body, headers=headers)
        again = await records.client.post("/v1/patients", json=body, headers=headers)

        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"]
        assert again.headers["idempotent-replayed"] == "true"

    async def test_a_token_for_other_clinics_may_not_register_at_this_clinic(
        self, records: RunningService
    ) -> None:
        response = await records.client.post(
            "/v1/patients",
            json=patient_body(clinic_id=str(uuid4())),
            headers=auth(records, uuid4(), "receptionist", clinic_ids=(uuid4(),)),
        )

        assert response.status_code == 403


class TestInvalidPatientsAreRefusedNamingTheField:
    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("email", "not-an-email"),
            ("phone", "0612345678"),
            ("phone", "+33 1"),
            ("timezone", "Mars/Olympus_Mons"),
            ("fitzpatrick_skin_type", 7),
            ("fitzpatrick_skin_type", "VII"),
            ("date_of_birth", (date.today() + timedelta(days=3)).isoformat()),
            ("locale", "french"),
            ("given_name", "   "),
            ("preferred_channel", "pigeon"),
        ],
    )
    async def test_a_bad_value(self, records: RunningService, field: str, value: object) -> None:
        response = await records.client.post(
            "/v1/patients",
            json=patient_body(**{field: value}),
            headers=auth(records, uuid4(), "practitioner"),
        )

        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in error_fields(response)

    async def test_sms_preferred_without_a_phone(self, records: RunningService) -> None:
        response = await records.client.post(
            "/v1/patients",
            json=patient_body(phone=None, preferred_channel="sms"),
            headers=auth(records, uuid4(), "receptionist"),
        )

        assert response.status_code == 422
        assert error_fields(response) == ["preferred_channel"]

    async def test_quiet_hours_with_only_a_start(self, records: RunningService) -> None:
        response = await records.client.post(
            "/v1/patients",
            json=patient_body(quiet_hours_start="22:00:00"),
            headers=auth(records, uuid4(), "receptionist"),
        )

        assert response.status_code == 422
        assert error_fields(response) == ["quiet_hours_end"]

    async def test_an_unknown_field(self, records: RunningService) -> None:
        response = await records.client.post(
            "/v1/patients",
            json=patient_body(network_id=str(uuid4())),
            headers=auth(records, uuid4(), "receptionist"),
        )

        assert response.status_code == 422
        assert error_fields(response) == ["network_id"]


class TestDuplicates:
    async def test_the_same_email_in_another_case_is_409_pointing_to_the_patient(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        first = await register(records, network, email="Jeanne.Roux@Example.test")

        response = await records.client.post(
            "/v1/patients",
            json=patient_body(email="jeanne.roux@example.TEST"),
            headers=auth(records, network, "receptionist"),
        )

        assert response.status_code == 409
        assert response.json()["existing_patient_id"] == first["id"]
        assert error_fields(response) == ["email"]

    async def test_the_same_phone_is_409_pointing_to_the_patient(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        phone = a_phone()
        first = await register(records, network, phone=phone)

        response = await records.client.post(
            "/v1/patients",
            json=patient_body(phone=phone),
            headers=auth(records, network, "receptionist"),
        )

        assert response.status_code == 409
        assert response.json()["existing_patient_id"] == first["id"]
        assert error_fields(response) == ["phone"]

    async def test_the_same_email_in_another_network_is_another_patient(
        self, records: RunningService
    ) -> None:
        email = an_email()
        await register(records, uuid4(), email=email)

        await register(records, uuid4(), email=email)

    async def test_concurrent_registrations_of_one_person_let_exactly_one_win(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        body = patient_body()
        headers = auth(records, network, "receptionist")

        responses = await asyncio.gather(
            *(records.client.post("/v1/patients", json=body, headers=headers) for _ in range(6))
        )

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409, 409, 409, 409, 409]
        [winner] = [r.json() for r in responses if r.status_code == 201]
        assert {r.json()["existing_patient_id"] for r in responses if r.status_code == 409} == {
            winner["id"]
        }
        count = await records.pool.fetchval(
            "SELECT count(*) FROM patients WHERE network_id = $1", network
        )
        assert count == 1

    async def test_changing_to_another_patients_phone_is_409(self, records: RunningService) -> None:
        network = uuid4()
        phone = a_phone()
        first = await register(records, network, phone=phone)
        second = await register(records, network)

        response = await records.client.patch(
            f"/v1/patients/{second['id']}",
            json={"phone": phone},
            headers=auth(records, network, "receptionist"),
        )

        assert response.status_code == 409
        assert response.json()["existing_patient_id"] == first["id"]


class TestUpdates:
    async def test_changing_contact_bumps_the_version(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)
        email = an_email()

        response = await records.client.patch(
            f"/v1/patients/{patient['id']}",
            json={"email": email.upper(), "channel_opt_outs": ["sms"], "locale": "en"},
            headers=auth(records, network, "receptionist", sub="desk2@clinic.test"),
        )

        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated["email"] == email.split("@")[0].upper() + "@" + email.split("@")[1]
        assert updated["channel_opt_outs"] == ["sms"]
        assert updated["version"] == 2
        assert updated["updated_by"] == "desk2@clinic.test"
        assert response.headers["etag"] == '"2"'

    async def test_a_stale_if_match_is_409(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)
        headers = auth(records, network, "receptionist")
        url = f"/v1/patients/{patient['id']}"
        await records.client.patch(url, json={"locale": "en"}, headers=headers)

        response = await records.client.patch(
            url, json={"locale": "de"}, headers={**headers, "If-Match": '"1"'}
        )

        assert response.status_code == 409
        assert response.json()["current_version"] == 2

    async def test_a_name_may_not_be_cleared(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await records.client.patch(
            f"/v1/patients/{patient['id']}",
            json={"family_name": None},
            headers=auth(records, network, "receptionist"),
        )

        assert response.status_code == 422
        assert error_fields(response) == ["family_name"]

    async def test_the_skin_type_is_not_a_contact_field(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await records.client.patch(
            f"/v1/patients/{patient['id']}",
            json={"fitzpatrick_skin_type": 2},
            headers=auth(records, network, "practitioner"),
        )

        assert response.status_code == 422
        assert error_fields(response) == ["fitzpatrick_skin_type"]


class TestSearch:
    async def test_by_partial_name_in_any_case(self, records: RunningService) -> None:
        network = uuid4()
        match = await register(records, network, given_name="Éloïse", family_name="Lefèbvre")
        await register(records, network, given_name="Paul", family_name="Martin")

        response = await records.client.get(
            "/v1/patients", params={"name": "LEFÈB"}, headers=auth(records, network, "receptionist")
        )

        assert response.status_code == 200
        assert [p["id"] for p in response.json()["items"]] == [match["id"]]

    async def test_by_partial_email_and_phone(self, records: RunningService) -> None:
        network = uuid4()
        match = await register(
            records, network, email="sophie.bernard@mail.test", phone="+33698765432"
        )
        await register(records, network)
        headers = auth(records, network, "integration")

        by_email = await records.client.get(
            "/v1/patients", params={"email": "BERNARD@"}, headers=headers
        )
        by_phone = await records.client.get(
            "/v1/patients", params={"phone": "98 76 54"}, headers=headers
        )
        by_q = await records.client.get("/v1/patients", params={"q": "sophie"}, headers=headers)

        for response in (by_email, by_phone, by_q):
            assert [p["id"] for p in response.json()["items"]] == [match["id"]]

    async def test_q_searches_phones_only_when_typed_as_a_phone_number(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        garnier = await register(records, network, family_name="Garnier23bb")
        by_phone = await register(records, network, phone="+33612345678")
        headers = auth(records, network, "receptionist")

        by_name = await records.client.get(
            "/v1/patients", params={"q": "Garnier23bb"}, headers=headers
        )
        typed_as_phone = await records.client.get(
            "/v1/patients", params={"q": "+33 6 12 34"}, headers=headers
        )

        assert [p["id"] for p in by_name.json()["items"]] == [garnier["id"]]
        assert [p["id"] for p in typed_as_phone.json()["items"]] == [by_phone["id"]]

    async def test_another_networks_patients_are_not_found(self, records: RunningService) -> None:
        await register(records, uuid4(), family_name="Zylberstein")

        response = await records.client.get(
            "/v1/patients",
            params={"name": "zylberstein"},
            headers=auth(records, uuid4(), "network_admin"),
        )

        assert response.json()["items"] == []

    async def test_results_come_in_pages(self, records: RunningService) -> None:
        network = uuid4()
        ids = {(await register(records, network, family_name=f"Moreau{n}"))["id"] for n in range(5)}
        headers = auth(records, network, "receptionist")

        seen: list[str] = []
        cursor = None
        while True:
            params = {"name": "moreau", "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await records.client.get("/v1/patients", params=params, headers=headers)).json()
            seen += [p["id"] for p in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break

        assert len(seen) == 5
        assert set(seen) == ids

    async def test_a_search_without_criteria_is_422(self, records: RunningService) -> None:
        response = await records.client.get(
            "/v1/patients", headers=auth(records, uuid4(), "receptionist")
        )

        assert response.status_code == 422
        assert error_fields(response) == ["q"]

    async def test_like_wildcards_are_taken_literally(self, records: RunningService) -> None:
        network = uuid4()
        await register(records, network, family_name="Dupont")

        response = await records.client.get(
            "/v1/patients", params={"name": "%%"}, headers=auth(records, network, "receptionist")
        )

        assert response.json()["items"] == []


class TestConsents:
    async def test_a_withdrawal_is_recorded_and_the_grant_kept(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(
            records,
            network,
            consents=[{"kind": "photos", "granted": True, "wording_version": "p-1"}],
        )
        url = f"/v1/patients/{patient['id']}/consents"
        headers = auth(records, network, "receptionist", sub="desk@clinic.test")

        response = await records.client.post(
            url,
            json={"kind": "photos", "granted": False, "wording_version": "p-1"},
            headers=headers,
        )
        listing = (await records.client.get(url, headers=headers)).json()

        assert response.status_code == 201, response.text
        assert listing["current"]["photos"]["granted"] is False
        assert [c["granted"] for c in listing["history"]] == [True, False]

    async def test_consent_rows_cannot_be_deleted(self, records: RunningService) -> None:
        import asyncpg

        network = uuid4()
        await register(
            records,
            network,
            consents=[{"kind": "treatment", "granted": True, "wording_version": "t-1"}],
        )

        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await records.pool.execute("DELETE FROM consents WHERE network_id = $1", network)

    async def test_a_consent_recorded_in_the_future_is_422(self, records: RunningService) -> None:
        network = uuid4()
        patient = await register(records, network)
        later = (datetime.now(UTC) + timedelta(days=1)).isoformat()

        response = await records.client.post(
            f"/v1/patients/{patient['id']}/consents",
            json={
                "kind": "marketing",
                "granted": True,
                "wording_version": "m",
                "recorded_at": later,
            },
            headers=auth(records, network, "receptionist"),
        )

        assert response.status_code == 422
        assert error_fields(response) == ["recorded_at"]
