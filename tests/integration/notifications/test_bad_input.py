"""Bad input to the notifications API is a 422 naming the field, never a 500 or a dropped
connection (issue 14, item 3): NUL characters, blank names, timezones that are not places."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.integration.notifications.helpers import Stage, new_patient


def refused_naming(response: Any, field: str) -> None:
    assert response.status_code == 422, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field], response.text


class TestBranding:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"network_name": "Lumina\x00"}, "network_name"),
            ({"network_name": "Lumina", "signature": "With care\x00"}, "signature"),
            ({"network_name": "   "}, "network_name"),
            ({"network_name": "\u200b\u00a0"}, "network_name"),
        ],
    )
    async def test_a_nul_character_or_a_blank_name_is_422(
        self, stage: Stage, body: dict[str, Any], field: str
    ) -> None:
        response = await stage.client.put(
            "/v1/branding", json=body, headers=stage.auth(uuid4(), "network_admin")
        )
        refused_naming(response, field)

    async def test_the_name_is_kept_without_the_spaces_around_it(self, stage: Stage) -> None:
        response = await stage.client.put(
            "/v1/branding",
            json={"network_name": "  Lumina Clinics "},
            headers=stage.auth(uuid4(), "network_admin"),
        )
        assert response.status_code == 200, response.text
        assert response.json()["network_name"] == "Lumina Clinics"


class TestTemplates:
    @pytest.mark.parametrize("part", ["subject", "text", "sms"])
    async def test_a_nul_character_in_a_template_is_422(self, stage: Stage, part: str) -> None:
        response = await stage.client.put(
            "/v1/templates/aftercare/en",
            json={part: "Hello\x00"},
            headers=stage.auth(uuid4(), "network_admin"),
        )
        refused_naming(response, part)


class TestPreferences:
    @pytest.mark.parametrize(
        "timezone",
        ["localtime", "Factory", "EST5EDT", "HST", "posix/Europe/Madrid", "right/Europe/Madrid"],
    )
    async def test_a_timezone_that_is_not_a_canonical_place_is_422(
        self, stage: Stage, timezone: str
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))
        response = await stage.client.put(
            f"/v1/patients/{patient.patient_id}/preferences",
            json={"timezone": timezone},
            headers=stage.auth(patient.network_id),
        )
        refused_naming(response, "timezone")

    async def test_a_nul_character_in_the_locale_is_422(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4()))
        response = await stage.client.put(
            f"/v1/patients/{patient.patient_id}/preferences",
            json={"locale": "es\x00"},
            headers=stage.auth(patient.network_id),
        )
        refused_naming(response, "locale")
