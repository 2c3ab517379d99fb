"""Apps served by a real uvicorn server on a free port, inside the test session's event loop
(so an app whose pool lives on that loop can be served as it is)."""

from __future__ import annotations

import asyncio
import base64
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import httpx
import uvicorn

from devstack.ports import free_port
from tests.support import RunningService, bearer


@asynccontextmanager
async def served(app: Any, *, lifespan: str = "off") -> AsyncIterator[str]:
    """`app` behind uvicorn on 127.0.0.1; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            lifespan=lifespan,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=2,
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises why it could not start
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def from_address(gateway: RunningService, address: str | None = None) -> httpx.AsyncClient:
    """A client of the in-process gateway calling from its own address (the sign-in throttle
    counts per account and address: a random one by default, so tests never share one)."""
    address = (
        address or f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    )
    transport = httpx.ASGITransport(app=gateway.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway")


async def create_staff(
    gateway: RunningService,
    network: UUID,
    email: str,
    *,
    roles: tuple[str, ...] = ("receptionist",),
    password: str = "a-long-enough-password",
    clinic_ids: tuple[UUID, ...] = (),
    display_name: str = "Sam Staff",
) -> dict[str, Any]:
    response = await gateway.client.post(
        "/v1/staff",
        json={
            "email": email,
            "display_name": display_name,
            "password": password,
            "roles": list(roles),
            "clinic_ids": [str(c) for c in clinic_ids],
        },
        headers=bearer(gateway.settings.platform, network, "network_admin"),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def password_grant(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
    )


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}
