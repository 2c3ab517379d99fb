"""Booking a free Slot through FHIR (issue 16): `POST /fhir/R4/Appointment` books with the rules
of `POST /v1/appointments`; every resource received is checked with `fhir.resources`' models
(`validated`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.booking.domain.fhir import schedule_id
from shared.fhir import CODE_SYSTEM_BASE
from tests.fhir_validation import validated
from tests.integration.booking.helpers import (
    MONDAY,
    Stage,
    World,
    events_of,
    make_world,
    register_patient,
)
from tests.integration.booking.test_fhir import FHIR, TUESDAY, fhir_get, refused


@dataclass
class Scene:
    world: World
    other: World

    @property
    def schedule(self) -> str:
        world = self.world
        return str(schedule_id(UUID(world.practitioner["id"]), UUID(world.clinic["id"])))


@pytest.fixture(scope="module")
async def scene(stage: Stage) -> Scene:
    return Scene(await make_world(stage), await make_world(stage, patient=False))


async def free_slots(scene: Scene, treatment: dict[str, Any]) -> list[dict[str, Any]]:
    found = await fhir_get(
        scene.world,
        "Slot",
        schedule=f"Schedule/{scene.schedule}",
        start=[f"ge{MONDAY}", f"le{TUESDAY}"],
        _count=100,
        **{"service-type": f"{CODE_SYSTEM_BASE}treatment-type|{treatment['id']}"},
    )
    return [e["resource"] for e in found["entry"]]


def appointment(slot: str, patient: Any, **more: Any) -> dict[str, Any]:
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "slot": [{"reference": f"Slot/{slot}"}],
        "participant": [{"actor": {"reference": f"Patient/{patient}"}, "status": "accepted"}],
    } | more


async def fhir_post(
    world: World, body: Any, expect: int, headers: Any = None, **kw: Any
) -> tuple[dict[str, Any], Any]:
    """POST an Appointment; the resource answered, checked, and the response."""
    response = await world.stage.client.post(
        f"{FHIR}/Appointment",
        headers={"content-type": "application/fhir+json"} | (headers or world.reception),
        **({"json": body} if not isinstance(body, bytes) else {"content": body}),
        **kw,
    )
    assert response.status_code == expect, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    return validated(response.json()), response


class TestBookingASlot:
    async def test_a_free_slot_is_booked_read_back_and_no_longer_offered(
        self, scene: Scene
    ) -> None:
        world = scene.world
        slot = (await free_slots(scene, world.consultation))[0]
        booked, response = await fhir_post(
            world, appointment(slot["id"], world.patient, comment="First visit"), 201
        )
        assert response.headers["location"] == f"{FHIR}/Appointment/{booked['id']}"
        assert await fhir_get(world, f"Appointment/{booked['id']}") == booked
        assert booked["status"] == "booked"
        assert (booked["start"], booked["end"]) == (slot["start"], slot["end"])
        assert booked["serviceType"] == slot["serviceType"]
        actors = [p["actor"]["reference"] for p in booked["participant"]]
        assert actors == [
            f"Patient/{world.patient}",
            f"Practitioner/{world.practitioner['id']}",
            f"Location/{world.clinic['id']}",
        ]
        rest = (await world.get(f"/v1/appointments/{booked['id']}")).json()
        assert (rest["room_id"], rest["notes"]) == (world.rooms[0]["id"], "First visit")
        assert slot["id"] not in [s["id"] for s in await free_slots(scene, world.consultation)]
        [(kind, _)] = await events_of(world.stage, booked["id"], count=1)
        assert kind == "mesocare.booking.AppointmentBooked.v1"

        again, _ = await fhir_post(world, appointment(slot["id"], world.patient), 409)
        refused(again, "conflict")

    async def test_an_integration_client_books_and_its_key_is_honoured(self, scene: Scene) -> None:
        world = scene.world
        slot = (await free_slots(scene, world.consultation))[-1]
        integration = world.stage.auth(world.network, "integration")
        headers = integration | {"Idempotency-Key": str(uuid4())}
        body = appointment(slot["id"], world.patient, status="proposed")
        first, _ = await fhir_post(world, body, 201, headers)
        repeat, response = await fhir_post(world, body, 201, headers)
        assert repeat == first and response.headers["idempotent-replayed"] == "true"

    async def test_a_treatment_before_its_consultation_is_the_rest_apis_422(
        self, scene: Scene
    ) -> None:
        world = scene.world
        # A patient of its own: the scene's has consultations booked by the tests before.
        newcomer = await register_patient(world.stage, world.network)
        slot = (await free_slots(scene, world.treatment))[0]
        outcome, _ = await fhir_post(world, appointment(slot["id"], newcomer), 422)
        refused(outcome, "processing")
        assert "consultation" in outcome["issue"][0]["diagnostics"].lower()

    async def test_without_a_token_it_is_401(self, scene: Scene) -> None:
        world = scene.world
        slot = (await free_slots(scene, world.consultation))[1]
        anonymous = {"accept": "application/fhir+json"}
        outcome, _ = await fhir_post(world, appointment(slot["id"], world.patient), 401, anonymous)
        refused(outcome, "login")


class TestWhatCannotBeBooked:
    async def test_an_unknown_or_another_networks_slot_is_404(self, scene: Scene) -> None:
        world = scene.world
        slot = (await free_slots(scene, world.consultation))[2]
        for made_up in ("nonsense", f"{'0' * 32}-202706070700"):
            outcome, _ = await fhir_post(world, appointment(made_up, world.patient), 404)
            refused(outcome, "not-found")
        other = scene.other
        outcome, _ = await fhir_post(other, appointment(slot["id"], other.patient), 404)
        refused(outcome, "not-found")

    async def test_a_patient_records_does_not_confirm_is_as_the_rest_api_answers(
        self, scene: Scene
    ) -> None:
        world = scene.world
        slot = (await free_slots(scene, world.consultation))[3]
        stranger = scene.other.patient
        rest = await world.post(
            "/v1/appointments",
            {
                "clinic_id": world.clinic["id"],
                "room_id": world.rooms[0]["id"],
                "practitioner_id": world.practitioner["id"],
                "patient_id": str(stranger),
                "treatment_type_id": world.consultation["id"],
                "start": slot["start"],
            },
            world.reception,
        )
        assert rest.status_code >= 400
        outcome, _ = await fhir_post(world, appointment(slot["id"], stranger), rest.status_code)
        assert outcome["issue"][0]["diagnostics"] == rest.json()["detail"]

    @pytest.mark.parametrize(
        ("change", "expression"),
        [
            ({"resourceType": "Patient"}, "Appointment.resourceType"),
            ({"status": "cancelled"}, "Appointment.status"),
            ({"status": None}, "Appointment.status"),
            ({"status": ["booked"]}, "Appointment.status"),
            ({"status": {"code": "booked"}}, "Appointment.status"),
            ({"slot": None}, "Appointment.slot"),
            ({"slot": []}, "Appointment.slot"),
            ({"slot": "Slot/x"}, "Appointment.slot"),
            ({"slot": [{"reference": "Schedule/x"}]}, "Appointment.slot"),
            ({"slot": [{"reference": 7}]}, "Appointment.slot"),
            ({"participant": None}, "Appointment.participant"),
            ({"participant": {"actor": 1}}, "Appointment.participant"),
            ({"participant": [7]}, "Appointment.participant.actor"),
            (
                {"participant": [{"actor": {"reference": ["Patient/x"]}}]},
                "Appointment.participant.actor",
            ),
            (
                {"participant": [{"actor": {"reference": "Practitioner/x"}}]},
                "Appointment.participant.actor",
            ),
            (
                {"participant": [{"actor": {"reference": f"Practitioner/{uuid4()}"}}]},
                "Appointment.participant",
            ),
            ({"comment": ["a"]}, "Appointment.comment"),
            ({"comment": {"text": "a"}}, "Appointment.comment"),
            ({"comment": "a\u0000b"}, "Appointment.comment"),
            ({"description": "x" * 2001}, "Appointment.description"),
        ],
    )
    async def test_a_malformed_appointment_is_400_naming_the_element(
        self, scene: Scene, change: dict[str, Any], expression: str
    ) -> None:
        world = scene.world
        body = appointment("nonsense", world.patient) | change
        outcome, _ = await fhir_post(world, body, 400)
        refused(outcome, "invalid", expression)

    @pytest.mark.parametrize("body", [b"[1, 2]", b"null", b'"Appointment"', b"{", b"\xff"])
    async def test_a_body_that_is_no_resource_is_400(self, scene: Scene, body: bytes) -> None:
        outcome, _ = await fhir_post(scene.world, body, 400)
        refused(outcome, "invalid")

    async def test_a_participant_that_is_not_the_slots_is_400(self, scene: Scene) -> None:
        world = scene.world
        slot = (await free_slots(scene, world.consultation))[4]
        elsewhere = {"actor": {"reference": f"Location/{scene.other.clinic['id']}"}}
        body = appointment(slot["id"], world.patient)
        body["participant"].append(elsewhere)
        outcome, _ = await fhir_post(world, body, 400)
        refused(outcome, "invalid", "Appointment.participant")

    async def test_a_body_that_is_not_json_is_415(self, scene: Scene) -> None:
        world = scene.world
        body = appointment("nonsense", world.patient)
        headers = world.reception | {"content-type": "text/plain"}
        outcome, _ = await fhir_post(world, body, 415, headers)
        refused(outcome, "not-supported")
