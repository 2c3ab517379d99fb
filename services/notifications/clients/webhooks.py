"""The webhook receivers' side of the wire: resolving a receiver's host and checking every
address it resolves to (server-side request forgery), and POSTing one signed delivery.

The request goes to the address that was checked, not to the name again: connecting by name
would resolve it a second time, and a name can answer a public address to the check and a
private one to the connection (DNS rebinding). The name still rides in the Host header and, for
https, in TLS's server name, so the receiver's certificate is verified against it.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import httpx

from services.notifications.domain import webhooks
from services.notifications.domain.webhooks import ForbiddenWebhookUrl, Receiver

Resolve = Callable[[str, int], Awaitable[list[str]]]
"""A host and port → the addresses it resolves to."""

ANSWER_KEPT = 300
"""How much of a receiver's answer is kept in the attempt's error (the rest is not read)."""


async def resolve(host: str, port: int) -> list[str]:
    """The system resolver's addresses for `host`, without repeats."""
    literal = webhooks.literal_address(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=5
        )
    except (OSError, TimeoutError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True, slots=True)
class Receivers:
    """Which URLs may receive here: loopback too in development and tests, never in production."""

    allow_loopback: bool
    resolve: Resolve = resolve

    async def check(self, url: str) -> tuple[Receiver, str]:
        """The URL's parts and the address to connect to; ForbiddenWebhookUrl naming why not."""
        receiver = webhooks.parse_url(url, allow_loopback=self.allow_loopback)
        addresses = await self.resolve(receiver.host, receiver.port)
        address = webhooks.check_addresses(
            receiver.host, addresses, allow_loopback=self.allow_loopback
        )
        return receiver, address


@dataclass(frozen=True, slots=True)
class Answer:
    """What became of one attempt: the receiver's status, if it answered, or the error."""

    status_code: int | None
    duration_ms: int
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        """410: the receiver says the endpoint is no more."""
        return self.status_code == 410


class Poster:
    """POSTs deliveries, each bounded by the timeout; redirects are not followed (a redirect
    could point anywhere, past the address check)."""

    def __init__(self, receivers: Receivers, *, timeout: float = webhooks.TIMEOUT_SECONDS) -> None:
        self.receivers = receivers
        self.timeout = timeout
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            headers={"user-agent": "MesoCare-Webhooks/1"},
        )

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        started = time.perf_counter()

        def answer(status: int | None, error: str | None) -> Answer:
            return Answer(status, round((time.perf_counter() - started) * 1000), error)

        try:
            receiver, address = await self.receivers.check(url)
        except ForbiddenWebhookUrl as exc:
            return answer(None, f"not sent: {exc.detail}")
        target = httpx.URL(url).copy_with(host=address)
        host_header = (
            receiver.host if _default_port(receiver) else f"{receiver.host}:{receiver.port}"
        )
        extensions = {"sni_hostname": receiver.host} if receiver.scheme == "https" else {}
        try:
            async with asyncio.timeout(self.timeout):
                request = self._client.build_request(
                    "POST",
                    target,
                    content=body,
                    headers={**headers, "host": host_header},
                    extensions=extensions,
                )
                response = await self._client.send(request, stream=True)
                try:
                    if 200 <= response.status_code < 300:
                        return answer(response.status_code, None)
                    said = await _read_some(response)
                finally:
                    await response.aclose()
        except TimeoutError:
            return answer(None, f"no answer within {self.timeout:g} s")
        except httpx.HTTPError as exc:
            return answer(None, f"{type(exc).__name__}: {exc}"[:ANSWER_KEPT] or type(exc).__name__)
        detail = f"HTTP {response.status_code}"
        return answer(response.status_code, f"{detail}: {said}" if said else detail)

    async def close(self) -> None:
        await self._client.aclose()


def _default_port(receiver: Receiver) -> bool:
    return receiver.port == (443 if receiver.scheme == "https" else 80)


async def _read_some(response: httpx.Response) -> str:
    kept = b""
    async for chunk in response.aiter_bytes():
        kept += chunk
        if len(kept) >= ANSWER_KEPT:
            break
    return kept[:ANSWER_KEPT].decode(errors="replace").strip()
