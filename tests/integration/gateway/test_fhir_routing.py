"""`/fhir/R4/` at the gateway: the CapabilityStatement, and each resource type forwarded to the
service that owns it. Every FHIR resource received is validated with the `fhir.resources` models
from PyPI (R4B: the resources served are the same in R4)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

from shared import fhir
from tests.integration.gateway.serving import served
from tests.integration.gateway.test_proxy import echo
from tests.support import Parts, RunningService, bearer, running_service, service_settings


@pytest.fixture(scope="module")
async def gateway(parts: Parts) -> AsyncIterator[RunningService]:
    """A gateway whose booking and records are echo services (they answer what they got)."""
    async with served(echo) as echo_url:
        settings = service_settings(
            "gateway",
            parts.platform(),
            booking_url=echo_url,
            records_url=echo_url,
            formulary_url=echo_url,
            notifications_url=echo_url,
        )
        async with running_service(settings) as running:
            yield running


def auth(gateway: RunningService) -> dict[str, str]:
    return bearer(gateway.settings.platform, uuid4(), "integration")


def outcome(body: dict[str, Any]) -> OperationOutcome:
    return OperationOutcome.model_validate(body)


async def test_the_capability_statement_lists_every_resource_and_search(
    gateway: RunningService,
) -> None:
    response = await gateway.client.get("/fhir/R4/metadata")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    statement = CapabilityStatement.model_validate(response.json())
    assert statement.fhirVersion == "4.0.1"
    [rest] = response.json()["rest"]
    served_types = {r["type"]: {p["name"] for p in r["searchParam"]} for r in rest["resource"]}
    assert set(served_types) == set(fhir.RESOURCES)
    assert served_types["Appointment"] >= {"patient", "practitioner", "location", "date", "status"}
    assert served_types["Patient"] >= {"name", "birthdate", "email", "phone", "identifier"}


@pytest.mark.parametrize(
    ("path", "service_path"),
    [
        ("/fhir/R4/Patient?name=dur&_count=5", "/fhir/R4/Patient"),
        ("/fhir/R4/AdverseEvent?subject=Patient/x", "/fhir/R4/AdverseEvent"),
        ("/fhir/R4/Appointment?date=ge2026-12-01", "/fhir/R4/Appointment"),
        ("/fhir/R4/Slot/abc", "/fhir/R4/Slot/abc"),
    ],
)
async def test_each_type_goes_to_its_service_as_asked(
    gateway: RunningService, path: str, service_path: str
) -> None:
    response = await gateway.client.get(path, headers=auth(gateway))

    assert response.status_code == 200, response.text
    got = response.json()
    assert got["path"] == service_path
    assert got["query"] == path.partition("?")[2]
    assert got["headers"]["authorization"].startswith("Bearer ")


async def test_a_type_no_service_serves_is_a_404_operation_outcome(
    gateway: RunningService,
) -> None:
    response = await gateway.client.get("/fhir/R4/Observation?code=x", headers=auth(gateway))

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/fhir+json")
    said = outcome(response.json())
    assert said.issue[0].code == "not-found"
    assert "Observation" in (said.issue[0].diagnostics or "")


async def test_booking_a_slot_is_forwarded_with_its_body(gateway: RunningService) -> None:
    body = {"resourceType": "Appointment", "status": "booked"}
    response = await gateway.client.post(
        "/fhir/R4/Appointment",
        json=body,
        headers=auth(gateway) | {"Idempotency-Key": "k-1"},
    )

    assert response.status_code == 200, response.text
    got = response.json()
    assert (got["method"], got["path"]) == ("POST", "/fhir/R4/Appointment")
    assert json.loads(got["body"]) == body
    assert got["headers"]["idempotency-key"] == "k-1"


async def test_creating_any_other_type_is_not_served(gateway: RunningService) -> None:
    response = await gateway.client.post(
        "/fhir/R4/Patient", json={"resourceType": "Patient"}, headers=auth(gateway)
    )

    assert response.status_code == 405
    assert outcome(response.json()).issue[0].code == "not-supported"
    assert response.headers["allow"] == "GET"


async def test_the_capability_statement_says_only_appointments_are_created(
    gateway: RunningService,
) -> None:
    [rest] = (await gateway.client.get("/fhir/R4/metadata")).json()["rest"]
    creatable = {r["type"] for r in rest["resource"] if {"code": "create"} in r["interaction"]}
    assert creatable == {"Appointment"}
