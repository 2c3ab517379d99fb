"""Idempotency-Key on creating POSTs: repeats replay the first response, never a second effect.

Shown on booking's `POST /v1/clinics`, which takes the key as every creating POST does."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID, uuid4

from tests.support import RunningService, bearer

PATH = "/v1/clinics"


def clinic_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Clinique Opéra",
        "address": "12 rue de la Paix, 75002 Paris",
        "timezone": "Europe/Paris",
        "currency": "EUR",
    }
    body.update(overrides)
    return body


async def post(booking: RunningService, network: UUID, body: dict, key: str) -> Any:
    return await booking.client.post(
        PATH,
        json=body,
        headers={
            **bearer(booking.settings.platform, network, "network_admin"),
            "Idempotency-Key": key,
        },
    )


async def clinics_of(booking: RunningService, network: UUID) -> int:
    return await booking.pool.fetchval(
        "SELECT count(*) FROM clinics WHERE network_id = $1", network
    )


async def test_a_repeat_with_the_same_key_and_body_returns_the_first_response(
    booking: RunningService,
) -> None:
    network, body, key = uuid4(), clinic_body(), str(uuid4())

    first = await post(booking, network, body, key)
    again = await post(booking, network, body, key)

    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await clinics_of(booking, network) == 1


async def test_the_same_key_with_another_body_is_409(booking: RunningService) -> None:
    network, key = uuid4(), str(uuid4())
    first = await post(booking, network, clinic_body(), key)
    assert first.status_code == 201, first.text

    response = await post(booking, network, clinic_body(name="Clinique Bastille"), key)

    assert response.status_code == 409
    assert response.json()["type"].endswith("/idempotency-key-reused")
    assert await clinics_of(booking, network) == 1


async def test_concurrent_repeats_create_once(booking: RunningService) -> None:
    network, body, key = uuid4(), clinic_body(), str(uuid4())

    responses = await asyncio.gather(*(post(booking, network, body, key) for _ in range(5)))

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert await clinics_of(booking, network) == 1


async def test_keys_are_per_network(booking: RunningService) -> None:
    key, body = str(uuid4()), clinic_body()
    a, b = uuid4(), uuid4()

    first = await post(booking, a, body, key)
    second = await post(booking, b, body, key)

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert await clinics_of(booking, a) == await clinics_of(booking, b) == 1
