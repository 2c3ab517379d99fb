"""Hostile and malformed input gets a 4xx problem naming what was wrong, never a 500."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.integration.records.support import auth, error_fields, patient_body, register
from tests.support import RunningService

NASTY: list[Any] = [
    None,
    "",
    " ",
    "\x00",
    "a\x00b",
    "😀" * 300,
    "' OR 1=1 --",
    "%_\\",
    "²",
    -1,
    2**31,
    2**63,
    1e308,
    True,
    [],
    {},
    ["\x00"],
    "9999-12-31T23:59:59+14:00",
    "0001-01-01",
]


def problems(response: Any) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")


PATIENT_FIELDS = [
    "given_name",
    "family_name",
    "date_of_birth",
    "email",
    "phone",
    "preferred_channel",
    "channel_opt_outs",
    "locale",
    "timezone",
    "quiet_hours_start",
    "fitzpatrick_skin_type",
    "clinic_id",
    "consents",
]


class TestNeverA500:
    @pytest.mark.parametrize("field", PATIENT_FIELDS)
    async def test_registering_with_any_nasty_value(
        self, records: RunningService, field: str
    ) -> None:
        headers = auth(records, uuid4(), "practitioner")
        for value in NASTY:
            response = await records.client.post(
                "/v1/patients", json=patient_body(**{field: value}), headers=headers
            )
            if response.status_code == 201:
                continue  # some values are acceptable for some fields (e.g. null email)
            problems(response)

    async def test_updating_and_writing_clinical_parts_with_nasty_values(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        url = f"/v1/patients/{patient['id']}"
        headers = auth(records, network, "practitioner")
        for value in NASTY:
            for method, path, body in [
                ("PATCH", "", {"email": value}),
                ("PATCH", "", {"expected_version": value}),
                ("PUT", "/safety-profile", {"allergies": [{"code": value}]}),
                ("PUT", "/safety-profile", {"medications": [{"name": value}]}),
                ("PUT", "/safety-profile", {"expected_version": value}),
                ("PUT", "/medical-history", {"medical_history": value}),
                ("POST", "/consents", {"kind": "photos", "granted": value}),
                ("POST", "/adverse-events", {"kind": "nodule", "onset_at": value}),
                ("POST", "/adverse-events", {"kind": "nodule", "lot_numbers": [value]}),
            ]:
                response = await records.client.request(
                    method, url + path, json=body, headers=headers
                )
                if response.status_code in (200, 201):
                    continue
                problems(response)

    @pytest.mark.parametrize(
        "if_match", ['"²"', '"99999999999999999999"', "*", '""', 'W/"', '"-1"', "\t"]
    )
    async def test_odd_if_match_headers(self, records: RunningService, if_match: str) -> None:
        # Sent as raw bytes: a client may put anything in a header, UTF-8 included.
        network = uuid4()
        patient = await register(records, network)

        response = await records.client.put(
            f"/v1/patients/{patient['id']}/safety-profile",
            json={"allergies": []},
            headers={**auth(records, network, "practitioner"), "If-Match": if_match.encode()},
        )

        problems(response)

    @pytest.mark.parametrize(
        "params",
        [
            {"q": "\x00\x00"},
            {"name": "a"},
            {"phone": "+ -"},
            {"name": "ab", "cursor": "not-a-cursor"},
            {"name": "ab", "cursor": "WyJcdTAwMDAiLCJ4IiwieSJd"},  # ["\u0000","x","y"]
            {"name": "ab", "limit": 0},
            {"name": "ab", "limit": 10_000},
        ],
    )
    async def test_odd_searches(self, records: RunningService, params: dict[str, Any]) -> None:
        response = await records.client.get(
            "/v1/patients", params=params, headers=auth(records, uuid4(), "receptionist")
        )

        problems(response)

    @pytest.mark.parametrize("cursor", ["WyI5OTk5OTk5OTk5OTk5OTk5OTk5OTkiXQ", "WyLCsiJd", "e30"])
    async def test_odd_audit_cursors(self, records: RunningService, cursor: str) -> None:
        network = uuid4()
        patient = await register(records, network)

        response = await records.client.get(
            f"/v1/patients/{patient['id']}/audit",
            params={"cursor": cursor},
            headers=auth(records, network, "network_admin"),
        )

        problems(response)

    async def test_malformed_json_is_400(self, records: RunningService) -> None:
        response = await records.client.post(
            "/v1/patients",
            content=b"{not json",
            headers={**auth(records, uuid4(), "receptionist"), "Content-Type": "application/json"},
        )

        assert response.status_code == 400

    async def test_no_token_is_401_and_a_bad_patient_id_is_422(
        self, records: RunningService
    ) -> None:
        anonymous = await records.client.get(f"/v1/patients/{uuid4()}")
        bad_id = await records.client.get(
            "/v1/patients/not-a-uuid", headers=auth(records, uuid4(), "receptionist")
        )

        assert anonymous.status_code == 401
        assert bad_id.status_code == 422


def refused_naming(response: Any, field: str) -> None:
    assert response.status_code == 422, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert error_fields(response) == [field], response.text


class TestTheSharedInputRules:
    """Issue 14, item 3: the rules every service applies (shared/inputs.py), here in records."""

    @pytest.mark.parametrize(
        "timezone",
        [
            "localtime",
            "Factory",
            "EST5EDT",
            "posix/Europe/Paris",
            "right/Europe/Paris",
            "US/Eastern",
        ],
    )
    async def test_a_timezone_that_is_not_a_canonical_place_is_422(
        self, records: RunningService, timezone: str
    ) -> None:
        network = uuid4()
        headers = auth(records, network, "receptionist")
        response = await records.client.post(
            "/v1/patients", json=patient_body(timezone=timezone), headers=headers
        )
        refused_naming(response, "timezone")
        patient = await register(records, network)
        changed = await records.client.patch(
            f"/v1/patients/{patient['id']}", json={"timezone": timezone}, headers=headers
        )
        refused_naming(changed, "timezone")

    @pytest.mark.parametrize("blank", ["\u200b", "\ufeff", "\u200b \u2060"])
    async def test_a_name_of_invisible_characters_is_422(
        self, records: RunningService, blank: str
    ) -> None:
        network = uuid4()
        response = await records.client.post(
            "/v1/patients",
            json=patient_body(given_name=blank),
            headers=auth(records, network, "receptionist"),
        )
        refused_naming(response, "given_name")
        patient = await register(records, network)
        profile = await records.client.put(
            f"/v1/patients/{patient['id']}/safety-profile",
            json={"medications": [{"name": blank}], "expected_version": 1},
            headers=auth(records, network, "practitioner"),
        )
        refused_naming(profile, "medications.0.name")

    @pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
    async def test_a_date_outside_1900_to_2999_is_422(
        self, records: RunningService, day: str
    ) -> None:
        network = uuid4()
        response = await records.client.post(
            "/v1/patients",
            json=patient_body(declared_allergies=[{"code": "latex", "noted_on": day}]),
            headers=auth(records, network, "receptionist"),
        )
        refused_naming(response, "declared_allergies.0.noted_on")
