"""The local stack as `make run` starts it: five service processes on real parts.

Starts the services as separate processes (not in-process apps), waits for every /readyz, sends a
completed session through booking and finds it in notifications, then stops everything and
checks that no process is left behind.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from uuid import uuid4

import asyncpg
import httpx
import psutil
import pytest

from devstack.stack import SERVICES, LocalStack
from shared.demo import DEMO_PASSWORD
from shared.settings import PlatformSettings, database_on_server
from tests.e2e.stacks import local_stack
from tests.support import Parts, bearer, eventually

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


async def test_a_completed_session_crosses_process_boundaries(
    stack: LocalStack, parts: Parts
) -> None:
    platform = PlatformSettings(env="test")
    network = uuid4()
    trace_id = uuid4().hex
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{stack.url('booking')}/v1/skeleton/completed-sessions",
            json={
                "patient_id": str(uuid4()),
                "clinic_id": str(uuid4()),
                "practitioner_id": str(uuid4()),
                "areas": ["abdomen"],
            },
            headers={
                **bearer(platform, network, "practitioner"),
                "traceparent": f"00-{trace_id}-{uuid4().hex[:16]}-01",
            },
        )
    assert response.status_code == 201, response.text
    session_id = response.json()["id"]

    conn = await asyncpg.connect(database_on_server(parts.database_url, "stack_notifications"))
    try:

        async def arrived() -> list:
            return await conn.fetch(
                "SELECT trace_id FROM messages WHERE appointment_id = $1 AND kind = 'aftercare'",
                session_id,
            )

        rows = await eventually(arrived, within=30)
    finally:
        await conn.close()
    assert [r["trace_id"] for r in rows] == [trace_id]


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
    assert found.status_code == 200, found.text
    assert [p["family_name"] for p in found.json()["items"]] == ["Durand"]
    assert len(DEMO_PATIENTS) >= 4
    assert ingredients.status_code == 200
    assert len(ingredients.json()["items"]) > 10
    assert sorted(c["timezone"] for c in clinics.json()["items"]) == [
        "America/New_York",
        "Europe/Paris",
    ]


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
