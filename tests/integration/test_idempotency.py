"""Idempotency-Key on creating POSTs: repeats replay the first response, never a second effect."""

from __future__ import annotations

import asyncio
from uuid import uuid4

from tests.integration.test_walking_skeleton import session_body
from tests.support import RunningService, bearer

PATH = "/v1/skeleton/completed-sessions"


async def post(booking: RunningService, network, body: dict, key: str):  # type: ignore[no-untyped-def]
    return await booking.client.post(
        PATH,
        json=body,
        headers={
            **bearer(booking.settings.platform, network, "practitioner"),
            "Idempotency-Key": key,
        },
    )


async def sessions_of(booking: RunningService, network) -> int:  # type: ignore[no-untyped-def]
    return await booking.pool.fetchval(
        "SELECT count(*) FROM skeleton_sessions WHERE network_id = $1", network
    )


async def test_a_repeat_with_the_same_key_and_body_returns_the_first_response(
    booking: RunningService,
) -> None:
    network, body, key = uuid4(), session_body(), str(uuid4())

    first = await post(booking, network, body, key)
    again = await post(booking, network, body, key)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await sessions_of(booking, network) == 1


async def test_the_same_key_with_another_body_is_409(booking: RunningService) -> None:
    network, key = uuid4(), str(uuid4())
    await post(booking, network, session_body(), key)

    response = await post(booking, network, session_body(areas=["scalp"]), key)

    assert response.status_code == 409
    assert response.json()["type"].endswith("/idempotency-key-reused")
    assert await sessions_of(booking, network) == 1


async def test_concurrent_repeats_create_once(booking: RunningService) -> None:
    network, body, key = uuid4(), session_body(), str(uuid4())

    responses = await asyncio.gather(*(post(booking, network, body, key) for _ in range(5)))

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert await sessions_of(booking, network) == 1


async def test_keys_are_per_network(booking: RunningService) -> None:
    key, body = str(uuid4()), session_body()
    a, b = uuid4(), uuid4()

    first = await post(booking, a, body, key)
    second = await post(booking, b, body, key)

    assert first.json()["id"] != second.json()["id"]
