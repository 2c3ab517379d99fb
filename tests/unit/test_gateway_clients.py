"""The gateway's client for the services (services/gateway/clients.py): which requests are sent
once more when their connection was dropped before an answer, and a keep-alive shorter than
the services' own."""

from __future__ import annotations

import inspect

import httpx
import pytest

from services.gateway.settings import Settings
from shared.http import (
    CLIENT_KEEP_ALIVE_SECONDS,
    KEEP_ALIVE_SECONDS,
    REPLAYABLE,
    RetryDroppedConnection,
    replayable,
)
from shared.service import serve


class DropsTheFirst(httpx.AsyncBaseTransport):
    """Fails the first request with `error`, answers 200 after; counts what it was sent."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.sent = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        if self.sent == 1:
            raise self.error
        return httpx.Response(200, request=request)


def request(method: str, **headers: str) -> httpx.Request:
    return httpx.Request(method, "http://booking:8001/v1/clinics", headers=headers, content=b"{}")


DISCONNECTED = httpx.RemoteProtocolError("Server disconnected without sending a response.")


@pytest.mark.parametrize(
    ("method", "headers", "again"),
    [
        ("GET", {}, True),
        ("HEAD", {}, True),
        ("OPTIONS", {}, True),
        ("PUT", {}, True),
        ("DELETE", {}, True),
        ("POST", {"Idempotency-Key": "k-1"}, True),
        ("POST", {}, False),
        ("PATCH", {}, False),
        ("PATCH", {"Idempotency-Key": "k-1"}, False),
    ],
)
def test_what_may_be_sent_again(method: str, headers: dict[str, str], again: bool) -> None:
    assert replayable(request(method, **headers)) is again


def test_a_streamed_body_is_never_sent_again() -> None:
    async def body():  # type: ignore[no-untyped-def]
        yield b"{}"

    streamed = httpx.Request("PUT", "http://booking:8001/v1/x", content=body())

    assert replayable(streamed) is False


@pytest.mark.parametrize(
    "error",
    [DISCONNECTED, httpx.ReadError("Connection reset by peer"), httpx.WriteError("Broken pipe")],
    ids=["closed", "reset-reading", "reset-writing"],
)
async def test_a_dropped_get_is_sent_once_more(error: Exception) -> None:
    inner = DropsTheFirst(error)

    response = await RetryDroppedConnection(inner).handle_async_request(request("GET"))

    assert response.status_code == 200
    assert inner.sent == 2


async def test_a_dropped_plain_post_is_not_sent_again() -> None:
    inner = DropsTheFirst(DISCONNECTED)

    with pytest.raises(httpx.RemoteProtocolError):
        await RetryDroppedConnection(inner).handle_async_request(request("POST"))
    assert inner.sent == 1


async def test_a_request_dropped_twice_fails_after_the_one_retry() -> None:
    class AlwaysDrops(httpx.AsyncBaseTransport):
        sent = 0

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            self.sent += 1
            raise DISCONNECTED

    inner = AlwaysDrops()

    with pytest.raises(httpx.RemoteProtocolError):
        await RetryDroppedConnection(inner).handle_async_request(request("GET"))
    assert inner.sent == 2


@pytest.mark.parametrize(
    "error",
    [httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), httpx.PoolTimeout("full")],
    ids=["read-timeout", "connect-error", "pool-timeout"],
)
async def test_a_timeout_or_a_refused_connection_is_not_retried(error: Exception) -> None:
    inner = DropsTheFirst(error)

    with pytest.raises(type(error)):
        await RetryDroppedConnection(inner).handle_async_request(request("GET"))
    assert inner.sent == 1


def test_idle_connections_are_dropped_before_the_services_close_them() -> None:
    # serve() gives uvicorn KEEP_ALIVE_SECONDS; every client keeps idle connections less.
    assert Settings().proxy_keepalive_seconds < KEEP_ALIVE_SECONDS - 1
    assert CLIENT_KEEP_ALIVE_SECONDS < KEEP_ALIVE_SECONDS - 1
    served = inspect.getsource(serve)
    assert "timeout_keep_alive=KEEP_ALIVE_SECONDS" in served


def test_a_request_its_caller_marks_replayable_is_sent_again() -> None:
    marked = httpx.Request("POST", "http://formulary/v1/cross-checks", content=b"{}")
    marked.extensions[REPLAYABLE] = True
    assert replayable(marked)
