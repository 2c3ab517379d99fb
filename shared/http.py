"""Calls from one service to another that carry the caller's token, request id and trace.

Used where a fresh answer is needed for safety (booking → formulary cross-check) and must fail
closed: a timeout or an unreachable service raises `Unavailable` (503), never a guess.

Two rules against a connection the other service has already closed (the gateway's proxy and
console follow them too):

- **Keep-alive shorter than the server's.** uvicorn closes a connection idle for
  `KEEP_ALIVE_SECONDS`; a client keeping it as long sends, now and then, a request on it just as
  it is closed, and the request dies without an answer. Clients keep idle connections
  `CLIENT_KEEP_ALIVE_SECONDS`.
- **One retry on a dropped connection, when it is safe.** A request whose connection the peer
  closed or reset before any answer came is sent once more, on another connection, if repeating
  it cannot do a thing twice: GET, HEAD, OPTIONS, PUT, DELETE, a POST carrying an
  `Idempotency-Key`, or a request its caller marks `replayable` (a cross-check: a question, not
  a change). Never a PATCH or a plain POST, and never after a timeout: it may still be running.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from opentelemetry import propagate
from opentelemetry.trace import SpanKind

from shared import telemetry
from shared.errors import Unavailable

log = logging.getLogger("mesocare.http")

KEEP_ALIVE_SECONDS = 5
"""How long the services' HTTP server (uvicorn) keeps an idle connection open."""

CLIENT_KEEP_ALIVE_SECONDS = 2.0
"""How long their clients keep one: well under the server's, so never the connection it closes."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
"""RFC 9110 §9.2.2: sending one of these twice has the effect of sending it once."""

DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
"""The peer closed ("Server disconnected without sending a response") or reset the connection
before an answer: raised by the transport, so before any of the answer was seen."""

REPLAYABLE = "mesocare.replayable"
"""A request extension: the caller knows repeating this request changes nothing."""


def replayable(request: httpx.Request) -> bool:
    """Whether sending `request` again cannot do anything twice (and its body can be resent)."""
    if not isinstance(request.stream, httpx.ByteStream):
        return False  # a streamed body is gone once sent
    if request.method in IDEMPOTENT_METHODS or request.extensions.get(REPLAYABLE):
        return True
    return request.method == "POST" and "idempotency-key" in request.headers


class RetryDroppedConnection(httpx.AsyncBaseTransport):
    """A transport that sends a replayable request once more when its connection was dropped."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._transport = transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._transport.handle_async_request(request)
        except DROPPED as exc:
            if not replayable(request):
                raise
            log.info(
                "connection dropped before an answer; sending once more",
                extra={
                    "method": request.method,
                    "upstream": f"{request.url.host}:{request.url.port}",
                    "error": type(exc).__name__,
                },
            )
            return await self._transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self._transport.aclose()


def retrying_transport(
    *, keepalive_expiry: float = CLIENT_KEEP_ALIVE_SECONDS, max_connections: int = 100
) -> RetryDroppedConnection:
    """A connection pool keeping idle connections less long than the server, retrying once."""
    return RetryDroppedConnection(
        httpx.AsyncHTTPTransport(
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max(10, max_connections // 4),
                keepalive_expiry=keepalive_expiry,
            )
        )
    )


class ServiceClient:
    def __init__(self, base_url: str, *, name: str, timeout: float = 3.0) -> None:
        self.name = name
        self._client = httpx.AsyncClient(
            base_url=base_url, timeout=timeout, transport=retrying_transport()
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        authorization: str | None,
        replayable: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        headers: dict[str, str] = dict(kwargs.pop("headers", {}) or {})
        if authorization:
            headers["Authorization"] = authorization
        request_id = telemetry.request_id_var.get()
        if request_id:
            headers["X-Request-ID"] = request_id
        with telemetry.tracer().start_as_current_span(
            f"{method} {self.name}{path}", kind=SpanKind.CLIENT
        ):
            propagate.inject(headers)
            try:
                extensions = {REPLAYABLE: True} if replayable else None
                return await self._client.request(
                    method, path, headers=headers, extensions=extensions, **kwargs
                )
            except httpx.TimeoutException as exc:
                raise Unavailable(
                    f"{self.name} did not answer in time.", service=self.name
                ) from exc
            except httpx.TransportError as exc:
                raise Unavailable(f"{self.name} is unreachable.", service=self.name) from exc

    async def close(self) -> None:
        await self._client.aclose()
