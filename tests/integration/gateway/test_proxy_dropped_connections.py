"""A service that closes an idle kept-alive connection just as the gateway sends a request on it
(uvicorn's keep-alive timer firing as the request arrives), reproduced deterministically: each
service here answers the first request of a connection and keeps it open, then drops the
connection when the next request arrives on it, without answering — closed, or reset.

Through the proxy: a request that is safe to repeat is sent once more, on a new connection, and
answered; a plain POST is not repeated (the service may have acted on it) and is a 503."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from uuid import uuid4

import pytest

from tests.support import Parts, RunningService, running_service, service_settings


@dataclass
class DropsIdleConnections:
    """An HTTP/1.1 service on a free port that drops each connection at its second request."""

    reset: bool = False
    """Drop with a TCP reset (unread data, SO_LINGER 0) rather than a close."""
    connections: int = 0
    received: list[tuple[str, str]] = field(default_factory=list)
    """(method, path) of every request that arrived, answered or not."""
    server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._connection, "127.0.0.1", 0)

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        connection = self.connections
        try:
            for n in range(1, 3):
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = dict(line.lower().split(": ", 1) for line in lines[1:] if line)
                await reader.readexactly(int(headers.get("content-length", "0")))
                self.received.append((method, path))
                if n == 2:
                    break  # the keep-alive timer fired: no answer
                body = json.dumps({"connection": connection}).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        if self.reset:
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.close()


@dataclass
class Behind:
    gateway: RunningService
    services: dict[str, DropsIdleConnections]


@pytest.fixture(scope="module")
async def behind(parts: Parts) -> AsyncIterator[Behind]:
    """A gateway whose four services each drop connections so; each test uses one of them, so
    the gateway's pool holds no connection of another test."""
    services = {
        "booking": DropsIdleConnections(),
        "records": DropsIdleConnections(reset=True),
        "formulary": DropsIdleConnections(),
        "notifications": DropsIdleConnections(),
    }
    for service in services.values():
        await service.start()
    settings = service_settings(
        "gateway", parts.platform(), **{f"{name}_url": s.url for name, s in services.items()}
    )
    try:
        async with running_service(settings) as gateway:
            yield Behind(gateway, services)
    finally:
        for service in services.values():
            await service.stop()


class TestARequestSafeToRepeat:
    async def test_a_get_on_a_connection_the_service_closed_is_answered_on_a_new_one(
        self, behind: Behind
    ) -> None:
        booking, proxy = behind.services["booking"], behind.gateway.client

        first = await proxy.get("/api/booking/v1/clinics")
        second = await proxy.get("/api/booking/v1/clinics?page=2")

        assert (first.status_code, first.json()) == (200, {"connection": 1})
        assert (second.status_code, second.json()) == (200, {"connection": 2})
        assert booking.received == [
            ("GET", "/v1/clinics"),
            ("GET", "/v1/clinics?page=2"),  # dropped on connection 1
            ("GET", "/v1/clinics?page=2"),  # sent once more, answered on connection 2
        ]

    async def test_a_put_on_a_connection_the_service_reset_is_answered_on_a_new_one(
        self, behind: Behind
    ) -> None:
        records, proxy = behind.services["records"], behind.gateway.client

        await proxy.get("/api/records/v1/patients")
        put = await proxy.put("/api/records/v1/patients/p-1/consents", json={"given": True})

        assert (put.status_code, put.json()) == (200, {"connection": 2})
        assert [r for r in records.received if r[0] == "PUT"] == [
            ("PUT", "/v1/patients/p-1/consents")
        ] * 2

    async def test_a_post_with_an_idempotency_key_is_sent_once_more(self, behind: Behind) -> None:
        formulary, proxy = behind.services["formulary"], behind.gateway.client

        await proxy.get("/api/formulary/v1/lots")
        created = await proxy.post(
            "/api/formulary/v1/lots", json={}, headers={"Idempotency-Key": str(uuid4())}
        )

        assert (created.status_code, created.json()) == (200, {"connection": 2})
        assert formulary.received.count(("POST", "/v1/lots")) == 2


class TestARequestNotSafeToRepeat:
    async def test_a_plain_post_is_not_sent_again_and_is_a_503(self, behind: Behind) -> None:
        notifications, proxy = behind.services["notifications"], behind.gateway.client

        await proxy.get("/api/notifications/v1/messages")
        posted = await proxy.post("/api/notifications/v1/messages", json={})

        assert posted.status_code == 503
        assert posted.headers["content-type"] == "application/problem+json"
        assert notifications.received.count(("POST", "/v1/messages")) == 1
        assert notifications.connections == 1
