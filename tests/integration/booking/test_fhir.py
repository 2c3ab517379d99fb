"""Booking's FHIR R4 resources (issue 16): Organization, Location, Practitioner, Appointment,
Schedule and Slot, read and searched at `/fhir/R4/`; every resource received is checked with
`fhir.resources`' models (`validated`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4, uuid5

import pytest

from services.booking.domain.fhir import SCHEDULE_NAMESPACE, slot_id
from shared.fhir import CODE_SYSTEM_BASE
from tests.fhir_validation import validated
from tests.integration.booking.helpers import MONDAY, Stage, World, at, make_world, ok

FHIR = "/fhir/R4"
TUESDAY = MONDAY + timedelta(days=1)


@dataclass
class Scene:
    """One network with two practitioners at its clinic and three appointments of one patient
    (booked, checked in, cancelled), and another network."""

    world: World
    other: World
    martin: dict[str, Any]
    lyon: dict[str, Any]
    booked: dict[str, Any]
    arrived: dict[str, Any]
    cancelled: dict[str, Any]

    @property
    def leroy(self) -> str:
        return str(self.world.practitioner["id"])

    @property
    def clinic(self) -> str:
        return str(self.world.clinic["id"])

    def schedule(self, practitioner: str) -> str:
        return str(uuid5(SCHEDULE_NAMESPACE, f"{practitioner}/{self.clinic}"))


@pytest.fixture(scope="module")
async def scene(stage: Stage) -> Scene:
    world = await make_world(stage)
    other = await make_world(stage, patient=False)
    martin = await ok(
        await world.post(
            "/v1/practitioners",
            {
                "name": "Dr Anne Martin",
                "licence_number": "RPPS-20002",
                "licence_expires_on": "2031-06-30",
                "clinic_ids": [world.clinic["id"]],
                "indications": ["skin_rejuvenation"],
                "experience_tier": "junior",
            },
        )
    )
    lyon = await ok(
        await world.post(
            "/v1/clinics",
            {
                "name": "Clinique Lyon",
                "address": "3 quai Saint-Antoine",
                "timezone": "Europe/Paris",
                "currency": "EUR",
            },
        )
    )
    booked = await world.book(at(MONDAY, "10:00", world.tz))
    arrived = await world.book(at(MONDAY, "11:00", world.tz))
    assert (await world.act(arrived["id"], "check-in")).status_code == 200
    cancelled = await world.book(at(TUESDAY, "10:00", world.tz))
    response = await world.act(cancelled["id"], "cancel", {"reason": "Patient moved away"})
    assert response.status_code == 200, response.text
    return Scene(world, other, martin, lyon, booked, arrived, cancelled)


async def fhir_get(
    world: World, path: str, expect: int = 200, headers: Any = None, **params: Any
) -> dict[str, Any]:
    """GET a FHIR path (or a link the server gave); the resource, checked, after its status."""
    if path.startswith("http"):
        parts = urlsplit(path)
        path, params = f"{parts.path}?{parts.query}", {}
    response = await world.stage.client.get(
        path if path.startswith("/") else f"{FHIR}/{path}",
        params=params or None,
        headers=headers or world.reception,
    )
    assert response.status_code == expect, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    return validated(response.json())


def ids(bundle: dict[str, Any]) -> list[str]:
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def next_link(bundle: dict[str, Any]) -> str | None:
    return next((x["url"] for x in bundle["link"] if x["relation"] == "next"), None)


def refused(outcome: dict[str, Any], code: str, expression: str | None = None) -> None:
    assert outcome["resourceType"] == "OperationOutcome"
    issue = outcome["issue"][0]
    assert issue["code"] == code
    if expression is not None:
        assert issue["expression"] == [expression]


SEARCHES = {
    "Organization": {},
    "Location": {},
    "Practitioner": {},
    "Appointment": {},
    "Schedule": {},
    "Slot": {"start": [f"ge{MONDAY}", f"lt{TUESDAY}"]},
}


class TestEverySearch:
    @pytest.mark.parametrize("resource_type", SEARCHES)
    async def test_an_unknown_parameter_is_400_unless_lenient(
        self, scene: Scene, resource_type: str
    ) -> None:
        world = scene.world
        query = SEARCHES[resource_type] | {"colour": "blue"}
        if resource_type == "Slot":
            query["schedule"] = f"Schedule/{scene.schedule(scene.leroy)}"
        outcome = await fhir_get(world, resource_type, 400, **query)
        refused(outcome, "invalid", "colour")
        lenient = world.reception | {"Prefer": "handling=lenient"}
        found = await fhir_get(world, resource_type, headers=lenient, **query)
        assert found["total"] >= 1
        assert "colour" in next(x["url"] for x in found["link"] if x["relation"] == "self")


class TestOrganization:
    async def test_the_network_is_read_and_found_by_name(self, scene: Scene) -> None:
        world = scene.world
        network = await fhir_get(world, f"Organization/{world.network}")
        assert network["id"] == str(world.network) and network["name"].startswith("MesoCare")
        found = await fhir_get(world, "Organization", name="mesocare")
        assert ids(found) == [str(world.network)] and found["total"] == 1
        assert ids(await fhir_get(world, "Organization", name="nowhere")) == []

    async def test_another_network_or_a_malformed_id_is_404(self, scene: Scene) -> None:
        world = scene.world
        refused(await fhir_get(world, f"Organization/{scene.other.network}", 404), "not-found")
        refused(await fhir_get(world, "Organization/not-an-id", 404), "not-found")


class TestLocation:
    async def test_a_clinic_reads_as_a_location(self, scene: Scene) -> None:
        place = await fhir_get(scene.world, f"Location/{scene.clinic}")
        assert place["name"] == "Clinique Europe/Paris"
        assert place["address"] == {"text": "12 rue de la Paix"}
        assert {"system": "phone", "value": "+33140000000", "use": "work"} in place["telecom"]
        assert place["managingOrganization"]["reference"] == f"Organization/{scene.world.network}"
        assert place["extension"][0]["valueCode"] == "Europe/Paris"

    async def test_search_by_a_word_of_the_name_and_by_id(self, scene: Scene) -> None:
        world = scene.world
        assert ids(await fhir_get(world, "Location", name="CLINIQ")) == [
            scene.clinic,
            scene.lyon["id"],
        ]
        assert ids(await fhir_get(world, "Location", name="europe")) == [scene.clinic]
        assert ids(await fhir_get(world, "Location", name="paix")) == []
        assert ids(await fhir_get(world, "Location", _id=scene.clinic)) == [scene.clinic]
        both = f"{scene.lyon['id']},{scene.clinic}"
        assert ids(await fhir_get(world, "Location", _id=both)) == [scene.clinic, scene.lyon["id"]]

    async def test_pages_follow_the_next_link(self, scene: Scene) -> None:
        world = scene.world
        page = await fhir_get(world, "Location", _count=1)
        assert page["total"] == 2 and ids(page) == [scene.clinic]
        link = next_link(page)
        assert link is not None
        rest = await fhir_get(world, link)
        assert ids(rest) == [scene.lyon["id"]] and next_link(rest) is None

    async def test_another_networks_clinic_is_404(self, scene: Scene) -> None:
        other = scene.other.clinic["id"]
        refused(await fhir_get(scene.world, f"Location/{other}", 404), "not-found")
        assert ids(await fhir_get(scene.world, "Location", _id=other)) == []


class TestPractitioner:
    async def test_a_practitioner_with_their_licence(self, scene: Scene) -> None:
        doctor = await fhir_get(scene.world, f"Practitioner/{scene.leroy}")
        assert doctor["name"] == [{"text": "Dr Leroy"}]
        licence = doctor["qualification"][0]
        assert licence["identifier"][0]["value"] == "RPPS-10001"
        assert licence["code"]["coding"][0]["system"] == CODE_SYSTEM_BASE + "qualification"
        assert licence["period"] == {"end": "2030-12-31"}
        assert {"system": "email", "value": "dr.leroy@example.test", "use": "work"} in doctor[
            "telecom"
        ]

    async def test_search_by_name_pages_with_count_and_the_next_link(self, scene: Scene) -> None:
        world = scene.world
        assert ids(await fhir_get(world, "Practitioner", name="leroy")) == [scene.leroy]
        assert ids(await fhir_get(world, "Practitioner", name="anne")) == [scene.martin["id"]]
        first = await fhir_get(world, "Practitioner", name="dr", _count=1)
        assert first["total"] == 2 and ids(first) == [scene.martin["id"]]
        link = next_link(first)
        assert link is not None and link.startswith("http://127.0.0.1:8080/fhir/R4/Practitioner?")
        second = await fhir_get(world, link)
        assert ids(second) == [scene.leroy] and next_link(second) is None

    async def test_another_networks_practitioner_is_404(self, scene: Scene) -> None:
        other = scene.other.practitioner["id"]
        refused(await fhir_get(scene.world, f"Practitioner/{other}", 404), "not-found")


class TestAppointment:
    async def test_an_appointment_with_its_participants_and_codes(self, scene: Scene) -> None:
        world = scene.world
        appt = await fhir_get(world, f"Appointment/{scene.booked['id']}")
        assert appt["status"] == "booked"
        assert appt["start"] == "2027-06-07T08:00:00Z" and appt["end"] == "2027-06-07T08:30:00Z"
        actors = [p["actor"]["reference"] for p in appt["participant"]]
        assert actors == [
            f"Patient/{world.patient}",
            f"Practitioner/{scene.leroy}",
            f"Location/{scene.clinic}",
        ]
        assert appt["serviceType"][0]["coding"][0] == {
            "system": CODE_SYSTEM_BASE + "treatment-type",
            "code": world.consultation["id"],
            "display": "Consultation",
        }
        assert appt["appointmentType"]["coding"][0]["code"] == "consultation"
        assert (await fhir_get(world, f"Appointment/{scene.arrived['id']}"))["status"] == "arrived"
        gone = await fhir_get(world, f"Appointment/{scene.cancelled['id']}")
        assert gone["status"] == "cancelled"
        assert gone["cancelationReason"] == {"text": "Patient moved away"}

    async def test_search_by_each_parameter(self, scene: Scene) -> None:
        world = scene.world
        every = [scene.booked["id"], scene.arrived["id"], scene.cancelled["id"]]
        patient = f"Patient/{world.patient}"
        assert ids(await fhir_get(world, "Appointment", patient=patient)) == every
        assert ids(await fhir_get(world, "Appointment", patient=str(world.patient))) == every
        assert (
            ids(await fhir_get(world, "Appointment", practitioner=f"Practitioner/{scene.leroy}"))
            == every
        )
        martin = f"Practitioner/{scene.martin['id']}"
        assert ids(await fhir_get(world, "Appointment", practitioner=martin)) == []
        assert (
            ids(await fhir_get(world, "Appointment", location=f"Location/{scene.clinic}")) == every
        )
        monday = await fhir_get(
            world, "Appointment", patient=patient, date=[f"ge{MONDAY}", f"le{MONDAY}"]
        )
        assert ids(monday) == every[:2] and monday["total"] == 2
        later = await fhir_get(world, "Appointment", patient=patient, date="ge2027-06-07T08:30:00Z")
        assert ids(later) == every[1:]
        assert ids(await fhir_get(world, "Appointment", patient=patient, status="cancelled")) == [
            scene.cancelled["id"]
        ]
        either = await fhir_get(world, "Appointment", patient=patient, status="booked,arrived")
        assert ids(either) == every[:2]
        assert ids(await fhir_get(world, "Appointment", patient=patient, status="fulfilled")) == []
        assert ids(await fhir_get(world, "Appointment", _id=scene.arrived["id"])) == [
            scene.arrived["id"]
        ]

    async def test_pages_follow_the_next_link(self, scene: Scene) -> None:
        world = scene.world
        page = await fhir_get(world, "Appointment", patient=str(world.patient), _count=2)
        assert page["total"] == 3 and len(ids(page)) == 2
        link = next_link(page)
        assert link is not None
        rest = await fhir_get(world, link)
        assert ids(rest) == [scene.cancelled["id"]] and rest["total"] == 3
        assert next_link(rest) is None

    async def test_another_network_sees_none_of_them(self, scene: Scene) -> None:
        other = scene.other
        refused(await fhir_get(other, f"Appointment/{scene.booked['id']}", 404), "not-found")
        found = await fhir_get(other, "Appointment", patient=f"Patient/{scene.world.patient}")
        assert found["total"] == 0 and ids(found) == []

    async def test_unknown_parameters_and_malformed_values_are_400(self, scene: Scene) -> None:
        world = scene.world
        refused(await fhir_get(world, "Appointment", 400, colour="blue"), "invalid", "colour")
        refused(await fhir_get(world, "Appointment", 400, date="ge2027-13-45"), "invalid", "date")
        refused(
            await fhir_get(world, "Appointment", 400, patient="Patient/7"), "invalid", "patient"
        )
        wrong_type = f"Practitioner/{world.patient}"
        refused(await fhir_get(world, "Appointment", 400, patient=wrong_type), "invalid", "patient")
        refused(await fhir_get(world, "Appointment", 400, status="late"), "invalid", "status")
        refused(await fhir_get(world, "Appointment", 400, _count=0), "invalid", "_count")
        refused(await fhir_get(world, "Appointment", 400, _cursor="forged"), "invalid", "_cursor")
        refused(await fhir_get(world, "Appointment/42", 404), "not-found")

    async def test_a_lenient_request_ignores_unknown_parameters(self, scene: Scene) -> None:
        world = scene.world
        headers = world.reception | {"Prefer": "handling=lenient"}
        found = await fhir_get(
            world, "Appointment", headers=headers, colour="blue", _id=scene.booked["id"]
        )
        assert ids(found) == [scene.booked["id"]]

    async def test_without_a_token_it_is_401(self, scene: Scene) -> None:
        response = await scene.world.stage.client.get(f"{FHIR}/Appointment")
        assert response.status_code == 401
        refused(validated(response.json()), "login")


class TestSchedule:
    async def test_one_schedule_per_practitioner_and_clinic(self, scene: Scene) -> None:
        world = scene.world
        leroy = scene.schedule(scene.leroy)
        found = await fhir_get(world, "Schedule", actor=f"Practitioner/{scene.leroy}")
        assert ids(found) == [leroy]
        schedule = await fhir_get(world, f"Schedule/{leroy}")
        assert [a["reference"] for a in schedule["actor"]] == [
            f"Practitioner/{scene.leroy}",
            f"Location/{scene.clinic}",
        ]
        at_clinic = await fhir_get(world, "Schedule", actor=f"Location/{scene.clinic}")
        assert ids(at_clinic) == [scene.schedule(scene.martin["id"]), leroy]
        page = await fhir_get(world, "Schedule", _count=1)
        assert page["total"] == 2 and ids(page) == [scene.schedule(scene.martin["id"])]
        link = next_link(page)
        assert link is not None and ids(await fhir_get(world, link)) == [leroy]

    async def test_unknown_or_another_networks_schedule_is_404(self, scene: Scene) -> None:
        refused(
            await fhir_get(scene.other, f"Schedule/{scene.schedule(scene.leroy)}", 404), "not-found"
        )
        refused(await fhir_get(scene.world, f"Schedule/{uuid4()}", 404), "not-found")
        refused(await fhir_get(scene.world, "Schedule", 400, actor="Patient/1"), "invalid", "actor")


class TestSlot:
    def query(self, scene: Scene, **more: Any) -> dict[str, Any]:
        return {
            "schedule": f"Schedule/{scene.schedule(scene.leroy)}",
            "start": [f"ge{MONDAY}", f"lt{TUESDAY}"],
            "service-type": f"{CODE_SYSTEM_BASE}treatment-type|{scene.world.consultation['id']}",
        } | more

    async def test_free_slots_leave_out_booked_time_and_are_read_by_id(self, scene: Scene) -> None:
        world = scene.world
        found = await fhir_get(world, "Slot", **self.query(scene, _count=100))
        starts = [e["resource"]["start"] for e in found["entry"]]
        assert starts[0] == "2027-06-07T07:00:00Z"  # 09:00 in Paris
        assert "2027-06-07T08:00:00Z" not in starts  # booked at 10:00
        assert "2027-06-07T08:45:00Z" not in starts  # checked in at 11:00, still occupies
        assert found["total"] == len(starts)
        first = found["entry"][0]["resource"]
        assert first["status"] == "free" and first["end"] == "2027-06-07T07:30:00Z"
        assert first["schedule"]["reference"] == f"Schedule/{scene.schedule(scene.leroy)}"
        assert first["serviceType"][0]["coding"][0]["code"] == world.consultation["id"]
        assert await fhir_get(world, f"Slot/{first['id']}") == first

    async def test_pages_of_slots(self, scene: Scene) -> None:
        world = scene.world
        page = await fhir_get(world, "Slot", **self.query(scene, _count=5))
        assert len(ids(page)) == 5 and page["total"] > 5
        link = next_link(page)
        assert link is not None
        following = await fhir_get(world, link)
        assert set(ids(following)).isdisjoint(ids(page)) and len(ids(following)) == 5

    async def test_every_treatment_type_without_service_type(self, scene: Scene) -> None:
        query = self.query(scene, _count=100)
        del query["service-type"]
        found = await fhir_get(scene.world, "Slot", **query)
        codes = {e["resource"]["serviceType"][0]["coding"][0]["code"] for e in found["entry"]}
        assert codes == {scene.world.consultation["id"], scene.world.treatment["id"]}

    async def test_a_booked_time_or_a_made_up_id_is_no_slot(self, scene: Scene) -> None:
        world = scene.world
        booked = slot_id(
            UUID(scene.schedule(scene.leroy)),
            UUID(world.consultation["id"]),
            at(MONDAY, "10:00", world.tz),
        )
        refused(await fhir_get(world, f"Slot/{booked}", 404), "not-found")
        refused(await fhir_get(world, "Slot/nonsense", 404), "not-found")
        refused(await fhir_get(scene.other, f"Slot/{booked}", 404), "not-found")

    async def test_schedule_and_a_bounded_start_are_required(self, scene: Scene) -> None:
        world = scene.world
        no_schedule = self.query(scene)
        del no_schedule["schedule"]
        refused(await fhir_get(world, "Slot", 400, **no_schedule), "invalid", "schedule")
        open_ended = self.query(scene, start=f"ge{MONDAY}")
        refused(await fhir_get(world, "Slot", 400, **open_ended), "invalid", "start")
        too_long = self.query(scene, start=[f"ge{MONDAY}", f"le{MONDAY + timedelta(days=40)}"])
        refused(await fhir_get(world, "Slot", 400, **too_long), "invalid", "start")
        refused(
            await fhir_get(world, "Slot", 400, **self.query(scene, start="ge2027-06-07T10:00")),
            "invalid",
            "start",
        )
