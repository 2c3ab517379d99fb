"""FHIR R4 read and search of the chart (issue 16): every resource a test receives, Bundles and
OperationOutcomes included, is validated by `fhir.resources`' models (tests/fhir_validation.py).

One patient journey is set up for the module: a registered patient with consents, a safety
profile, two completed sessions and two adverse events, namesakes to page through, and a patient
of another network.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import httpx
import pytest

from shared.fhir import FHIR_JSON, IDENTIFIER_SYSTEM_BASE
from tests.fhir_validation import validated
from tests.integration.records.support import auth, deliver, register, session_completed
from tests.support import Parts, RunningService, eventually

PROFILE: dict[str, Any] = {
    "allergies": [
        {"code": "compositae", "reaction": "hives", "severity": "moderate"},
        {"code": "lidocaine", "severity": "anaphylaxis", "noted_on": "2025-03-02"},
    ],
    "conditions": [{"code": "blood_coagulation_disorder", "note": "von Willebrand"}],
    "medications": [
        {"name": "Apixaban", "classes": ["anticoagulant"], "dose": "5 mg bid"},
        {"name": "Ginkgo", "classes": ["herbal_supplement"]},
    ],
}
CLINICAL = (
    "AllergyIntolerance",
    "Condition",
    "MedicationStatement",
    "AdverseEvent",
    "Procedure",
    "MedicationAdministration",
)


@dataclass(frozen=True)
class Journey:
    network: UUID
    patient: str
    namesake: str
    other_network: UUID
    stranger: str
    sessions: tuple[Any, Any]
    """The first and the second completed session (SessionCompleted)."""
    events: tuple[str, str]
    """The adverse events: the first names the first session, the second none."""


@pytest.fixture(scope="module")
async def journey(parts: Parts, records: RunningService) -> Journey:
    network, other_network = uuid4(), uuid4()
    patient = await register(
        records,
        network,
        family_name="Fhirdurand",
        given_name="Amélie",
        date_of_birth="1988-04-12",
        consents=[
            {"kind": "treatment", "granted": True, "wording_version": "2026-01"},
            {"kind": "marketing", "granted": True, "wording_version": "m-3"},
        ],
    )
    namesake = await register(
        records, network, family_name="Fhirdurand", given_name="Zoé", date_of_birth="1975-01-02"
    )
    stranger = await register(records, other_network, family_name="Fhirdurand")
    pid = patient["id"]
    withdrawn = await records.client.post(
        f"/v1/patients/{pid}/consents",
        json={"kind": "marketing", "granted": False, "wording_version": "m-3"},
        headers=auth(records, network, "receptionist"),
    )
    assert withdrawn.status_code == 201, withdrawn.text
    headers = auth(records, network, "practitioner") | {"If-Match": '"1"'}
    profile = await records.client.put(
        f"/v1/patients/{pid}/safety-profile", json=PROFILE, headers=headers
    )
    assert profile.status_code == 200, profile.text
    now = datetime.now(UTC).replace(microsecond=0)
    first = session_completed(
        network,
        UUID(pid),
        areas=["face"],
        starts_at=now - timedelta(days=20, hours=1),
        completed_at=now - timedelta(days=20),
    )
    second = session_completed(
        network,
        UUID(pid),
        starts_at=now - timedelta(hours=3),
        completed_at=now - timedelta(hours=2),
    )
    for session in (first, second):
        await deliver(parts.kafka_bootstrap, session)

    async def both_recorded() -> bool:
        count = await records.pool.fetchval(
            "SELECT count(*) FROM treatments WHERE network_id = $1", network
        )
        return bool(count == 2)

    await eventually(both_recorded)
    events = []
    for body in (
        {
            "kind": "bruising",
            "severity": "mild",
            "onset_at": (now - timedelta(days=19)).isoformat(),
            "description": "Small bruise at two injection points.",
            "appointment_id": str(first.appointment_id),
        },
        {
            "kind": "swelling",
            "severity": "moderate",
            "onset_at": (now - timedelta(hours=1)).isoformat(),
            "description": "Swollen cheek.",
        },
    ):
        reported = await records.client.post(
            f"/v1/patients/{pid}/adverse-events",
            json=body,
            headers=auth(records, network, "practitioner"),
        )
        assert reported.status_code == 201, reported.text
        events.append(reported.json()["id"])
    return Journey(
        network,
        pid,
        namesake["id"],
        other_network,
        stranger["id"],
        (first, second),
        (events[0], events[1]),
    )


async def get(
    records: RunningService,
    network: UUID,
    path: str,
    *,
    role: str = "practitioner",
    headers: dict[str, str] | None = None,
    **params: Any,
) -> httpx.Response:
    """GET a FHIR path; the answer is fhir+json and a valid resource, whatever its status."""
    response = await records.client.get(
        f"/fhir/R4/{path}",
        params=params,
        headers=auth(records, network, role) | (headers or {}),
    )
    assert response.headers["content-type"].startswith(FHIR_JSON), response.text
    validated(response.json())
    return response


async def bundle(records: RunningService, network: UUID, path: str, **params: Any) -> Any:
    response = await get(records, network, path, **params)
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["type"] == "searchset"
    return found


def ids(found: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in found.get("entry", [])]


def next_link(found: dict[str, Any]) -> str | None:
    """The next page's path and query, as the server gave them (absolute) made relative."""
    for link in found["link"]:
        if link["relation"] == "next":
            url = urlsplit(link["url"])
            return f"{url.path}?{url.query}"
    return None


async def every_page(records: RunningService, network: UUID, path: str, **params: Any) -> Any:
    """The ids of every page of a search, following its next links; and the first page."""
    first = await bundle(records, network, path, **params)
    seen, page = ids(first), first
    while (following := next_link(page)) is not None:
        response = await records.client.get(
            following, headers=auth(records, network, "practitioner")
        )
        assert response.status_code == 200, response.text
        page = validated(response.json())
        assert page["total"] == first["total"]
        seen += ids(page)
    return seen, first


def outcome(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    issue: dict[str, Any] = body["issue"][0]
    return issue


class TestPatient:
    async def test_a_read_is_the_patient_with_contact_and_identifier(
        self, records: RunningService, journey: Journey
    ) -> None:
        response = await get(records, journey.network, f"Patient/{journey.patient}")

        assert response.status_code == 200, response.text
        patient = response.json()
        assert patient["name"] == [{"use": "official", "family": "Fhirdurand", "given": ["Amélie"]}]
        assert patient["birthDate"] == "1988-04-12"
        assert {t["system"] for t in patient["telecom"]} == {"email", "phone"}
        assert patient["identifier"] == [
            {"system": IDENTIFIER_SYSTEM_BASE + "patient", "value": journey.patient}
        ]

    async def test_another_networks_patient_and_a_malformed_id_are_404(
        self, records: RunningService, journey: Journey
    ) -> None:
        for path in (f"Patient/{journey.stranger}", "Patient/not-an-id", "Patient/x%20y"):
            response = await get(records, journey.network, path)
            assert outcome(response, 404)["code"] == "not-found"

    async def test_search_by_each_parameter(
        self, records: RunningService, journey: Journey
    ) -> None:
        email = (await get(records, journey.network, f"Patient/{journey.patient}")).json()
        [phone] = [t["value"] for t in email["telecom"] if t["system"] == "phone"]
        [address] = [t["value"] for t in email["telecom"] if t["system"] == "email"]
        network, me, namesake = journey.network, journey.patient, journey.namesake

        assert ids(await bundle(records, network, "Patient", name="fhirdur")) == [me, namesake]
        assert ids(await bundle(records, network, "Patient", name="amélie fhir")) == [me]
        assert ids(await bundle(records, network, "Patient", birthdate="1988-04-12")) == [me]
        assert ids(
            await bundle(records, network, "Patient", name="fhirdur", birthdate="lt1980")
        ) == [namesake]
        assert ids(await bundle(records, network, "Patient", email=address.upper())) == [me]
        assert ids(await bundle(records, network, "Patient", phone=phone)) == [me]
        system = IDENTIFIER_SYSTEM_BASE + "patient"
        assert ids(await bundle(records, network, "Patient", identifier=f"{system}|{me}")) == [me]
        assert ids(await bundle(records, network, "Patient", identifier=f"urn:x|{me}")) == []
        assert ids(await bundle(records, network, "Patient", _id=f"{me},{uuid4()}")) == [me]

    async def test_pages_follow_the_next_link_and_total_counts_every_match(
        self, records: RunningService, journey: Journey
    ) -> None:
        seen, first = await every_page(
            records, journey.network, "Patient", name="fhirdurand", _count=1
        )

        assert seen == [journey.patient, journey.namesake]
        assert first["total"] == 2
        assert len(first["entry"]) == 1

    async def test_an_unknown_parameter_is_400_unless_lenient(
        self, records: RunningService, journey: Journey
    ) -> None:
        refused = await get(records, journey.network, "Patient", name="fhirdur", gender="female")
        lenient = await get(
            records,
            journey.network,
            "Patient",
            headers={"Prefer": "handling=lenient"},
            name="fhirdur",
            gender="female",
        )

        assert outcome(refused, 400)["expression"] == ["gender"]
        assert lenient.status_code == 200
        assert lenient.json()["total"] == 2

    async def test_malformed_dates_counts_and_cursors_are_400_naming_them(
        self, records: RunningService, journey: Journey
    ) -> None:
        for name, value in (
            ("birthdate", "12/04/1988"),
            ("_count", "0"),
            ("_cursor", "forged"),
            ("name", " "),
        ):
            response = await get(records, journey.network, "Patient", **{name: value})
            assert outcome(response, 400)["expression"] == [name]

    async def test_no_token_is_401_as_an_operation_outcome(
        self, records: RunningService, journey: Journey
    ) -> None:
        response = await records.client.get(f"/fhir/R4/Patient/{journey.patient}")

        validated(response.json())
        assert outcome(response, 401)["code"] == "login"

    async def test_the_request_log_names_the_route_template_not_the_id(
        self, records: RunningService, journey: Journey, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="mesocare.service"):
            await get(records, journey.network, f"Patient/{journey.patient}")

        [line] = [r for r in caplog.records if r.getMessage() == "request"]
        assert getattr(line, "route", None) == "/fhir/R4/Patient/{id}"
        assert journey.patient not in str(line.__dict__)


class TestSafetyProfileResources:
    @pytest.mark.parametrize(
        ("resource_type", "expected"),
        [
            ("AllergyIntolerance", ["compositae", "lidocaine"]),
            ("Condition", ["blood_coagulation_disorder"]),
            ("MedicationStatement", ["Apixaban", "Ginkgo"]),
        ],
    )
    async def test_search_by_patient_and_read_each_by_its_id(
        self, records: RunningService, journey: Journey, resource_type: str, expected: list[str]
    ) -> None:
        found = await bundle(
            records, journey.network, resource_type, patient=f"Patient/{journey.patient}"
        )
        resources = [e["resource"] for e in found["entry"]]

        assert [_named(r) for r in resources] == expected
        assert found["total"] == len(expected)
        for resource in resources:
            read = await get(records, journey.network, f"{resource_type}/{resource['id']}")
            assert read.status_code == 200, read.text
            assert read.json() == resource
            assert resource["id"].startswith(journey.patient)

    async def test_an_allergy_names_its_code_reaction_and_criticality(
        self, records: RunningService, journey: Journey
    ) -> None:
        found = await bundle(
            records, journey.network, "AllergyIntolerance", patient=journey.patient
        )
        hives, anaphylaxis = (e["resource"] for e in found["entry"])

        assert hives["code"]["coding"][0]["system"].endswith("/CodeSystem/allergen")
        assert hives["reaction"][0]["manifestation"][0]["text"] == "hives"
        assert anaphylaxis["criticality"] == "high"
        assert anaphylaxis["reaction"][0]["manifestation"][0]["coding"][0]["code"] == "39579001"
        assert anaphylaxis["recordedDate"] == "2025-03-02"

    async def test_paging_across_the_network_and_the_read_is_audited(
        self, records: RunningService, journey: Journey
    ) -> None:
        seen, first = await every_page(records, journey.network, "MedicationStatement", _count=1)
        audit = await records.client.get(
            f"/v1/patients/{journey.patient}/audit",
            headers=auth(records, journey.network, "clinic_manager"),
        )

        assert len(seen) == first["total"] == 2
        actions = [e["action"] for e in audit.json()["items"]]
        assert "fhir.MedicationStatement.search" in actions
        assert "fhir.AllergyIntolerance.read" in actions

    @pytest.mark.parametrize("resource_type", CLINICAL)
    async def test_roles_that_may_not_read_the_safety_profile_get_403(
        self, records: RunningService, journey: Journey, resource_type: str
    ) -> None:
        patient = "subject" if resource_type == "AdverseEvent" else "patient"
        for role in ("receptionist", "integration"):
            response = await get(
                records, journey.network, resource_type, role=role, **{patient: journey.patient}
            )
            assert outcome(response, 403)["code"] == "forbidden"

    async def test_another_networks_entries_are_404_and_match_no_search(
        self, records: RunningService, journey: Journey
    ) -> None:
        found = await bundle(
            records, journey.network, "AllergyIntolerance", patient=journey.patient
        )
        allergy = found["entry"][0]["resource"]["id"]

        theirs = await get(records, journey.other_network, f"AllergyIntolerance/{allergy}")
        malformed = await get(records, journey.network, "Condition/abc")
        search = await bundle(
            records, journey.other_network, "AllergyIntolerance", patient=journey.patient
        )

        assert outcome(theirs, 404)["code"] == "not-found"
        assert outcome(malformed, 404)["code"] == "not-found"
        assert search["total"] == 0

    async def test_a_malformed_reference_is_400_naming_it(
        self, records: RunningService, journey: Journey
    ) -> None:
        for value in ("Practitioner/" + journey.patient, "Patient/42"):
            response = await get(records, journey.network, "Condition", patient=value)
            assert outcome(response, 400)["expression"] == ["patient"]


def _named(resource: dict[str, Any]) -> str:
    if resource["resourceType"] == "MedicationStatement":
        return str(resource["medicationCodeableConcept"]["text"])
    return str(resource["code"]["coding"][0]["code"])


class TestConsent:
    async def test_every_entry_is_a_consent_the_latest_of_each_kind_active(
        self, records: RunningService, journey: Journey
    ) -> None:
        found = await get(
            records, journey.network, "Consent", role="receptionist", patient=journey.patient
        )
        consents = [e["resource"] for e in found.json()["entry"]]

        summary = sorted(
            (c["category"][1]["coding"][0]["code"], c["status"], c["provision"]["type"])
            for c in consents
        )
        assert summary == [
            ("marketing", "active", "deny"),
            ("marketing", "inactive", "permit"),
            ("treatment", "active", "permit"),
        ]
        read = await get(records, journey.network, f"Consent/{consents[0]['id']}")
        assert read.json() == consents[0]


class TestTreatments:
    async def test_a_procedure_is_a_completed_session(
        self, records: RunningService, journey: Journey
    ) -> None:
        first, second = journey.sessions
        found = await bundle(records, journey.network, "Procedure", patient=journey.patient)

        latest, earliest = (e["resource"] for e in found["entry"])
        assert [c["coding"][0]["code"] for c in latest["bodySite"]] == ["face", "neck"]
        assert latest["performer"][0]["actor"] == {
            "reference": f"Practitioner/{second.practitioner.practitioner_id}",
            "display": "Dr Martin",
        }
        assert latest["location"]["reference"] == f"Location/{second.clinic.clinic_id}"
        assert {"url": "https://mesocare.dev/fhir/StructureDefinition/technique",
                "valueString": "nappage"} in latest["extension"]  # fmt: skip
        assert earliest["identifier"][0]["value"] == str(first.appointment_id)
        read = await get(records, journey.network, f"Procedure/{latest['id']}")
        assert read.json() == latest

    async def test_procedures_and_administrations_by_date(
        self, records: RunningService, journey: Journey
    ) -> None:
        since = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
        until = (datetime.now(UTC) - timedelta(days=10)).date().isoformat()
        network, patient = journey.network, journey.patient

        recent = await bundle(records, network, "Procedure", patient=patient, date=f"ge{since}")
        older = await bundle(records, network, "Procedure", date=f"le{until}", patient=patient)
        given = await bundle(
            records, network, "MedicationAdministration", patient=patient, date=f"ge{since}"
        )

        assert recent["total"] == older["total"] == 1
        assert recent["entry"][0]["resource"]["id"] != older["entry"][0]["resource"]["id"]
        assert given["total"] == 2

    async def test_each_ingredient_given_is_an_administration_with_its_lot(
        self, records: RunningService, journey: Journey
    ) -> None:
        seen, first = await every_page(
            records, journey.network, "MedicationAdministration", patient=journey.patient, _count=3
        )

        assert first["total"] == len(seen) == 4
        given = first["entry"][0]["resource"]
        medication = given["contained"][0]
        assert (medication["code"]["coding"][0]["code"], medication["batch"]["lotNumber"]) == (
            "hyaluronic_acid",
            "HA-2026-07",
        )
        assert given["dosage"]["dose"] == {
            "value": 10.0, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"
        }  # fmt: skip
        assert given["dosage"]["route"]["coding"][0]["code"] == "372464004"
        assert given["partOf"][0]["reference"].startswith("Procedure/")
        read = await get(records, journey.network, f"MedicationAdministration/{given['id']}")
        assert read.json() == given
        theirs = await get(
            records, journey.other_network, f"MedicationAdministration/{given['id']}"
        )
        assert outcome(theirs, 404)["code"] == "not-found"


class TestAdverseEvent:
    async def test_by_subject_and_date_linked_to_the_session(
        self, records: RunningService, journey: Journey
    ) -> None:
        linked, unlinked = journey.events
        network, patient = journey.network, journey.patient
        since = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()

        found = await bundle(records, network, "AdverseEvent", subject=f"Patient/{patient}")
        recent = await bundle(records, network, "AdverseEvent", subject=patient, date=f"ge{since}")
        read = await get(records, network, f"AdverseEvent/{linked}")
        theirs = await get(records, journey.other_network, f"AdverseEvent/{linked}")

        assert ids(found) == [unlinked, linked]
        assert ids(recent) == [unlinked]
        event = read.json()
        assert event["severity"]["coding"][0]["code"] == "mild"
        assert event["suspectEntity"][0]["instance"]["reference"].startswith("Procedure/")
        assert outcome(theirs, 404)["code"] == "not-found"
        response = await get(records, network, "AdverseEvent", date="yesterday")
        assert outcome(response, 400)["expression"] == ["date"]


class TestTenancy:
    async def test_every_resource_of_the_journey_is_404_to_another_network(
        self, records: RunningService, journey: Journey
    ) -> None:
        for resource_type in ("Patient", "Consent", *CLINICAL):
            parameter = {"Patient": "_id", "AdverseEvent": "subject"}.get(resource_type, "patient")
            found = await bundle(
                records, journey.network, resource_type, **{parameter: journey.patient}
            )
            assert found["total"] > 0, resource_type
            for resource_id in ids(found):
                theirs = await get(records, journey.other_network, f"{resource_type}/{resource_id}")
                assert outcome(theirs, 404)["code"] == "not-found"
