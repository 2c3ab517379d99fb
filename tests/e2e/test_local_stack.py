"""The local stack as `make run` starts it: five service processes on real parts.

Starts the services as separate processes (not in-process apps), waits for every /readyz, carries
a real treatment through booking (cross-checked by formulary) and finds its aftercare in
notifications, then stops everything and checks that no process is left behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import psutil
import pytest
from standardwebhooks import Webhook

from devstack.stack import SERVICES, LocalStack
from shared.demo import DEMO_NETWORK_ID, DEMO_PASSWORD
from shared.fhir import IDENTIFIER_SYSTEM_BASE
from shared.settings import PlatformSettings
from tests.e2e.stacks import local_stack
from tests.fhir_validation import validated
from tests.integration.formulary.helpers import demo_lot
from tests.support import Parts, bearer, eventually
from tests.webhook_receiver import receiving

PLATFORM = PlatformSettings(env="test")
SESSION_COMPLETED = "mesocare.booking.SessionCompleted.v1"

# The first test also waits for the five services to start and the demo network to load.
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def stack(parts: Parts, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with local_stack(parts, tmp_path_factory.mktemp("stack"), databases="stack") as running:
        yield running


def test_every_service_is_ready_with_its_openapi(stack: LocalStack) -> None:
    # The first /openapi.json builds the schema: seconds on a busy machine.
    with httpx.Client(timeout=30) as client:
        for name in SERVICES:
            assert client.get(f"{stack.url(name)}/readyz").json()["status"] == "ready"
            spec = client.get(f"{stack.url(name)}/openapi.json").json()
            assert spec["info"]["title"].lower() == f"mesocare {name}"


@dataclass
class Desk:
    """The demo network's Paris clinic, driven over the running services' HTTP APIs."""

    client: httpx.AsyncClient
    stack: LocalStack

    async def call(
        self, method: str, service: str, path: str, role: str, **kw: Any
    ) -> httpx.Response:
        headers = {**bearer(PLATFORM, DEMO_NETWORK_ID, role), **kw.pop("headers", {})}
        return await self.client.request(
            method, f"{self.stack.url(service)}/v1{path}", headers=headers, **kw
        )

    async def ok(
        self, method: str, service: str, path: str, role: str, expect: int = 200, **kw: Any
    ) -> dict[str, Any]:
        response = await self.call(method, service, path, role, **kw)
        assert response.status_code == expect, f"{method} {path}: {response.text}"
        return response.json()

    async def named(self, path: str, name: str, **params: Any) -> dict[str, Any]:
        items = (await self.ok("GET", "booking", path, "network_admin", params=params))["items"]
        return next(item for item in items if item["name"] == name)

    async def book(
        self, patient_id: str, type_name: str, *, after: datetime | None = None
    ) -> dict[str, Any]:
        """The Paris doctor's first free slot for the type (from `after` on), booked."""
        paris = await self.named("/clinics", "MesoCare Demo Paris")
        doctor = await self.named("/practitioners", "Dr Claire Moreau", clinic_id=paris["id"])
        kind = await self.named("/treatment-types", type_name)
        first_day = date.today() + timedelta(days=7)
        availability = await self.ok(
            "GET",
            "booking",
            "/availability",
            "receptionist",
            params={
                "clinic_id": paris["id"],
                "treatment_type_id": kind["id"],
                "practitioner_id": doctor["id"],
                "from": first_day.isoformat(),
                "to": (first_day + timedelta(days=14)).isoformat(),
            },
        )
        slot = next(
            s
            for s in availability["slots"]
            if after is None or datetime.fromisoformat(s["start"]) >= after
        )
        return await self.ok(
            "POST",
            "booking",
            "/appointments",
            "receptionist",
            expect=201,
            json={
                "clinic_id": paris["id"],
                "room_id": slot["room_id"],
                "practitioner_id": doctor["id"],
                "patient_id": patient_id,
                "treatment_type_id": kind["id"],
                "start": slot["start"],
            },
        )

    async def act(self, appointment_id: str, action: str, role: str, **kw: Any) -> httpx.Response:
        return await self.call(
            "POST", "booking", f"/appointments/{appointment_id}/{action}", role, **kw
        )


async def test_a_completed_treatment_crosses_process_boundaries(stack: LocalStack) -> None:
    """Registered in records, consulted, treated (formulary cross-checks the plan and what was
    given) and completed in booking: notifications schedules the aftercare and the check-in,
    under the trace of the completing request. A side effect is reported, and the whole story
    reads back through the gateway's FHIR base as resources that reference each other."""
    trace_id, tag = uuid4().hex, uuid4().hex[:8]
    async with httpx.AsyncClient(timeout=15) as client:
        desk = Desk(client, stack)
        patient = await desk.ok(
            "POST",
            "records",
            "/patients",
            "practitioner",  # the skin type is clinical
            expect=201,
            json={
                # Not a demo patient's name: the demo test below searches those.
                "given_name": "Inès",
                "family_name": f"Marchetti{tag}",
                "email": f"ines.marchetti.{tag}@example.test",
                "timezone": "Europe/Paris",
                "fitzpatrick_skin_type": 2,
                "declared_allergies": [{"code": "lidocaine", "severity": "moderate"}],
                "consents": [{"kind": "treatment", "granted": True, "wording_version": "demo-1"}],
            },
        )

        consultation = await desk.book(patient["id"], "Consultation: skin rejuvenation")
        for action, role, body in (
            ("check-in", "receptionist", None),
            ("start", "practitioner", {}),
            ("complete", "practitioner", {}),
        ):
            response = await desk.act(consultation["id"], action, role, json=body)
            assert response.status_code == 200, f"{action}: {response.text}"

        over = datetime.fromisoformat(consultation["occupied_until"])
        treatment = await desk.book(patient["id"], "Face and neck revitalisation", after=over)
        checked_in = await desk.act(treatment["id"], "check-in", "receptionist")
        assert checked_in.status_code == 200, checked_in.text

        async def started() -> bool:
            response = await desk.act(
                treatment["id"],
                "start",
                "practitioner",
                json={"ingredient_codes": ["hyaluronic_acid", "ascorbic_acid"]},
            )
            if response.status_code == 409 and response.json()["type"].endswith(
                "/cross-check-unknown-patient"
            ):
                return False  # the safety profile is still on its way to formulary
            if response.status_code == 503:
                return False  # formulary slow on a loaded machine: the start fails closed
            assert response.status_code == 200, response.text
            assert response.json()["cross_check"]["verdict"] == "ok"
            return True

        await eventually(started, within=60, interval=0.5)
        completed = await desk.act(
            treatment["id"],
            "complete",
            "practitioner",
            json={
                "preparation": {"disinfection": "chlorhexidine", "numbing_cream": False},
                "ingredients": [
                    {
                        "ingredient_code": "hyaluronic_acid",
                        "ingredient_name": "Hyaluronic acid",
                        "lot_number": demo_lot("hyaluronic_acid"),
                        "amount": "10",
                        "unit": "mg",
                    }
                ],
            },
            headers={"traceparent": f"00-{trace_id}-{uuid4().hex[:16]}-01"},
        )
        assert completed.status_code == 200, completed.text
        assert completed.json()["status"] == "completed"

        async def scheduled() -> list[dict[str, Any]]:
            log = await desk.ok(
                "GET",
                "notifications",
                "/messages",
                "receptionist",
                params={"appointment_id": treatment["id"]},
            )
            found = [m for m in log["items"] if m["event_type"] == SESSION_COMPLETED]
            return found if len(found) >= 2 else []

        messages = await eventually(scheduled, within=30)
        assert sorted(m["kind"] for m in messages) == ["aftercare", "side_effect_checkin"]
        assert {m["trace_id"] for m in messages} == {trace_id}

        reported = await desk.ok(
            "POST",
            "records",
            f"/patients/{patient['id']}/adverse-events",
            "practitioner",
            expect=201,
            json={
                "kind": "bruising",
                "severity": "mild",
                "onset_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
                "description": "A small bruise at one injection point.",
                "appointment_id": treatment["id"],
            },
        )
        await the_story_reads_back_as_fhir(client, stack, patient, treatment, reported)


async def the_story_reads_back_as_fhir(
    client: httpx.AsyncClient,
    stack: LocalStack,
    patient: dict[str, Any],
    treatment: dict[str, Any],
    reported: dict[str, Any],
) -> None:
    """Patient, AllergyIntolerance, Appointment, Procedure, MedicationAdministration and
    AdverseEvent through the gateway, each valid for `fhir.resources`, pointing at each other."""
    gateway = f"{stack.url('gateway')}/fhir/R4"
    as_practitioner = bearer(PLATFORM, DEMO_NETWORK_ID, "practitioner")
    me = f"Patient/{patient['id']}"

    async def search(
        resource_type: str, wanted: Callable[[dict[str, Any]], bool] = bool, **params: str
    ) -> list[dict[str, Any]]:
        """The `wanted` resources of a search, once there are some: records hears of the
        session by event, later than booking answers."""

        async def found() -> list[dict[str, Any]] | None:
            answer = await client.get(
                f"{gateway}/{resource_type}", params=params, headers=as_practitioner
            )
            assert answer.status_code == 200, answer.text
            bundle = validated(answer.json())
            return [e["resource"] for e in bundle.get("entry", []) if wanted(e["resource"])]

        # Generous: in the whole suite records' new consumer group first reads every event the
        # session's broker holds; it answers as soon as the session's own has arrived.
        return await eventually(found, within=120)

    read = await client.get(f"{gateway}/Patient/{patient['id']}", headers=as_practitioner)
    assert read.status_code == 200, read.text
    assert validated(read.json())["name"][0]["family"] == patient["family_name"]
    [allergy] = await search("AllergyIntolerance", patient=me)
    assert allergy["patient"]["reference"] == me
    [appointment] = await search("Appointment", lambda a: a["id"] == treatment["id"], patient=me)
    assert appointment["status"] == "fulfilled"
    assert me in [p["actor"]["reference"] for p in appointment["participant"]]
    of_the_session = {"system": IDENTIFIER_SYSTEM_BASE + "appointment", "value": treatment["id"]}
    [procedure] = await search("Procedure", lambda p: of_the_session in p["identifier"], patient=me)
    assert procedure["subject"]["reference"] == me
    [given] = await search("MedicationAdministration", patient=me)
    assert given["subject"]["reference"] == me
    assert given["partOf"] == [{"reference": f"Procedure/{procedure['id']}"}]
    assert given["contained"][0]["batch"]["lotNumber"] == demo_lot("hyaluronic_acid")
    [event] = await search("AdverseEvent", subject=me)
    assert event["id"] == reported["id"]
    assert {"instance": {"reference": f"Procedure/{procedure['id']}"}} in event["suspectEntity"]


async def test_a_chain_s_receiver_gets_one_session_s_events_in_order_signed(
    stack: LocalStack,
) -> None:
    """An integration client registers a webhook endpoint through the gateway; a consultation
    booked, started and completed reaches the chain's receiver as AppointmentBooked,
    SessionStarted and SessionCompleted, in that order, each signed as Standard Webhooks says
    (checked with the `standardwebhooks` package)."""
    tag = uuid4().hex[:8]
    wanted = [f"mesocare.booking.{name}.v1" for name in ("AppointmentBooked", "SessionStarted")]
    wanted.append(SESSION_COMPLETED)
    async with receiving() as receiver, httpx.AsyncClient(timeout=15) as client:
        registered = await client.post(
            f"{stack.url('gateway')}/api/notifications/v1/webhook-endpoints",
            json={"url": receiver.at("/chain"), "event_types": wanted, "description": "CRM"},
            headers=bearer(PLATFORM, DEMO_NETWORK_ID, "integration"),
        )
        assert registered.status_code == 201, registered.text
        secret = registered.json()["secret"]
        desk = Desk(client, stack)
        patient = await desk.ok(
            "POST",
            "records",
            "/patients",
            "receptionist",
            expect=201,
            json={
                "given_name": "Noé",
                "family_name": f"Lefebvre{tag}",
                "email": f"noe.lefebvre.{tag}@example.test",
                "timezone": "Europe/Paris",
            },
        )
        consultation = await desk.book(patient["id"], "Consultation: skin rejuvenation")
        for action, role, body in (
            ("check-in", "receptionist", None),
            ("start", "practitioner", {}),
            ("complete", "practitioner", {}),
        ):
            response = await desk.act(consultation["id"], action, role, json=body)
            assert response.status_code == 200, f"{action}: {response.text}"

        async def all_three() -> list[dict[str, Any]] | None:
            mine = [
                Webhook(secret).verify(r.body, r.headers)
                for r in receiver.to("/chain")
                if r.event["subject"] == consultation["id"]
            ]
            return mine if len(mine) >= 3 else None

        events = await eventually(all_three, within=60)
    assert [e["type"] for e in events] == wanted
    assert all(e["data"]["appointment_id"] == consultation["id"] for e in events)
    assert len({e["id"] for e in events}) == 3


def test_the_demo_network_is_seeded_once_and_its_logins_work(stack: LocalStack) -> None:
    from devstack.seed import DEMO_PATIENTS, Seeder

    again = Seeder(
        urls={name: stack.url(name) for name in SERVICES},
        platform=PlatformSettings(env="test"),
        say=lambda _line: None,
    ).run()
    assert again == {"clinics": 0, "patients": 0}  # everything was there from the start

    with httpx.Client(timeout=10) as client:
        token = client.post(
            f"{stack.url('gateway')}/auth/token",
            data={
                "grant_type": "password",
                "username": "reception@demo.mesocare.test",
                "password": DEMO_PASSWORD,
            },
        )
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        found = client.get(
            f"{stack.url('gateway')}/api/records/v1/patients",
            params={"name": "Durand"},
            headers=headers,
        )
        ingredients = client.get(
            f"{stack.url('gateway')}/api/formulary/v1/ingredients", headers=headers
        )
        clinics = client.get(f"{stack.url('gateway')}/api/booking/v1/clinics", headers=headers)
        # Formulary knows the demo clinics from booking's ClinicOpened, through the broker.
        approved = {
            c["name"]: approved_list_of(client, stack, c["id"], headers)
            for c in clinics.json()["items"]
        }
    assert found.status_code == 200, found.text
    assert [p["family_name"] for p in found.json()["items"]] == ["Durand"]
    assert len(DEMO_PATIENTS) >= 4
    assert ingredients.status_code == 200
    assert len(ingredients.json()["items"]) > 10
    assert sorted(c["timezone"] for c in clinics.json()["items"]) == [
        "America/New_York",
        "Europe/Paris",
    ]
    assert all(codes for codes in approved.values()), approved


def approved_list_of(
    client: httpx.Client, stack: LocalStack, clinic_id: str, headers: dict[str, str]
) -> list[str]:
    """A clinic's effective approved codes, once formulary has heard of the clinic (404 until
    booking's ClinicOpened has arrived)."""
    url = f"{stack.url('gateway')}/api/formulary/v1/clinics/{clinic_id}/approved-list"
    deadline = time.monotonic() + 60
    while True:
        response = client.get(url, headers=headers)
        if response.status_code != 404 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert response.status_code == 200, response.text
    codes: list[str] = response.json()["effective_codes"]
    return codes


def test_stopping_leaves_no_process_behind(stack: LocalStack) -> None:
    """Runs last in this module: stops the stack the tests above used."""
    pids = [p.pid for p in stack.processes.values()]
    assert len(pids) == len(SERVICES) + 2  # the services, the SMTP sink and the SMS sink

    stack.stop()

    time.sleep(0.2)
    alive = [
        pid
        for pid in pids
        if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    ]
    assert alive == []
