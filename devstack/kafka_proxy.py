"""A small asyncio TCP proxy in front of the local broker, for `make chaos` (devstack/chaos).

tansu keeps its topics in memory, so the broker cannot be restarted to simulate an outage. Instead
tansu advertises this proxy's address (`Tansu(advertised_port=…)`), every client connects here,
and `down()` closes every proxied connection and refuses new ones (the listening socket is closed:
a connect is refused, as to a broker that is gone) until `up()`.

The proxy reads both directions as Kafka frames (a 4-byte size, then the message), which lets a
fault be aimed at one client by the `client_id` of its request headers:

- `block(client_id)`: that client's connections are closed at its first request, the others
  carry on (one client cut off from the broker) until `unblock(client_id)`;
- `trap(client_id, PRODUCE, hold="response")`: the broker gets the client's next produce request
  and answers it, but the answer (and everything after it on that connection) is withheld — the
  records are on the broker while the client has not heard so (the relay "between publishing and
  marking rows sent"). With `delay_first`, the first answer is only delayed, and the trap holds
  the answer to the request after it: a producer has one request in flight per broker, so the
  second carries everything it queued meanwhile (a burst);
- `trap(client_id, OFFSET_COMMIT, hold="request")`: the client's next offset commit (and
  everything after it on that connection) never reaches the broker — what the consumer handled
  since its last commit will be delivered again.

A trap holds one connection at a time and is meant to be followed by killing the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from dataclasses import dataclass, field
from typing import Literal

log = logging.getLogger("devstack.kafka_proxy")

PRODUCE = 0
FETCH = 1
OFFSET_COMMIT = 8

MAX_FRAME = 256 * 1024 * 1024


@dataclass
class Trap:
    """A fault aimed at one client's request kind; `sprung` is set once it holds a connection."""

    client_id: str
    api_key: int
    hold: Literal["request", "response"]
    delay_first: float = 0.0
    sprung: asyncio.Event = field(default_factory=asyncio.Event)
    delayed: bool = False
    armed: bool = True
    held_frames: int = 0

    def disarm(self) -> None:
        self.armed = False


@dataclass(eq=False)
class _Link:
    """One client connection and its upstream connection to the broker."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    client_id: str = ""
    mute_requests: bool = False
    mute_responses: bool = False
    awaited: dict[int, Trap] = field(default_factory=dict)
    """Correlation ids of trapped requests whose answers are to be withheld."""

    def close(self) -> None:
        for writer in (self.client, self.upstream):
            with contextlib.suppress(Exception):
                writer.transport.abort()


class KafkaProxy:
    def __init__(self, *, port: int, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port
        self.upstream_port = upstream_port
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.traps: list[Trap] = []
        self.blocked: set[str] = set()
        self.connections = 0
        self.refused_while_down = 0

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def is_up(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        await self.up()

    async def up(self) -> None:
        """Listen (again) on the proxy's port."""
        if self._server is None:
            self._server = await asyncio.start_server(
                self._accept, self.host, self.port, reuse_address=True
            )

    async def down(self) -> int:
        """Refuse new connections and close every open one, both sides; returns how many."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        links = list(self._links)
        for link in links:
            link.close()
        self._links.clear()
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)
        return len(links)

    async def stop(self) -> None:
        await self.down()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def block(self, client_id: str) -> None:
        """Cut one client off: its open connections are closed, new ones at their first
        request."""
        self.blocked.add(client_id)
        for link in [link for link in self._links if link.client_id == client_id]:
            self._drop(link)

    def unblock(self, client_id: str) -> None:
        self.blocked.discard(client_id)

    def trap(
        self,
        client_id: str,
        api_key: int,
        *,
        hold: Literal["request", "response"],
        delay_first: float = 0.0,
    ) -> Trap:
        trap = Trap(client_id, api_key, hold, delay_first=delay_first)
        self.traps.append(trap)
        return trap

    # -- plumbing --------------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.upstream_port)
        except OSError:
            writer.transport.abort()
            return
        if self._server is None:  # went down while connecting
            writer.transport.abort()
            up_writer.transport.abort()
            return
        self.connections += 1
        link = _Link(writer, up_writer)
        self._links.add(link)
        for pump in (self._requests(link, reader), self._responses(link, up_reader)):
            task = asyncio.create_task(pump)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _requests(self, link: _Link, reader: asyncio.StreamReader) -> None:
        """Client → broker: note the client id, spring request traps, forward."""
        try:
            while True:
                frame = await _read_frame(reader)
                if frame is None:
                    break
                api_key, correlation_id, client_id = _request_header(frame)
                if client_id is not None:
                    link.client_id = client_id
                if link.client_id in self.blocked:
                    break
                trap = self._armed_trap(link, api_key)
                if trap is not None and trap.hold == "request":
                    link.mute_requests = True
                    trap.sprung.set()
                elif trap is not None:
                    link.awaited[correlation_id] = trap
                if link.mute_requests:
                    if trap is not None:
                        trap.held_frames += 1
                    continue
                link.upstream.write(frame)
                await link.upstream.drain()
        except (OSError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._drop(link)

    async def _responses(self, link: _Link, reader: asyncio.StreamReader) -> None:
        """Broker → client: withhold the answer a response trap waits for, and what follows."""
        try:
            while True:
                frame = await _read_frame(reader)
                if frame is None:
                    break
                if len(frame) >= 8:
                    (correlation_id,) = struct.unpack_from(">i", frame, 4)
                    trap = link.awaited.pop(correlation_id, None)
                    if trap is not None and trap.delay_first and not trap.delayed:
                        trap.delayed = True
                        await asyncio.sleep(trap.delay_first)
                    elif trap is not None:
                        link.mute_responses = True
                        trap.held_frames += 1
                        trap.sprung.set()
                if link.mute_responses:
                    continue
                link.client.write(frame)
                await link.client.drain()
        except (OSError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._drop(link)

    def _armed_trap(self, link: _Link, api_key: int) -> Trap | None:
        for trap in self.traps:
            if (
                trap.armed
                and not trap.sprung.is_set()
                and trap.api_key == api_key
                and trap.client_id == link.client_id
            ):
                if trap.hold == "response" and trap in link.awaited.values():
                    return None
                return trap
        return None

    def _drop(self, link: _Link) -> None:
        link.close()
        self._links.discard(link)


async def _read_frame(reader: asyncio.StreamReader) -> bytes | None:
    """One size-prefixed Kafka frame, with its size; None at a clean end of stream."""
    try:
        head = await reader.readexactly(4)
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None
        raise
    (size,) = struct.unpack(">i", head)
    if size < 0 or size > MAX_FRAME:
        raise ConnectionError(f"not a Kafka frame (size {size})")
    return head + await reader.readexactly(size)


def _request_header(frame: bytes) -> tuple[int, int, str | None]:
    """(api key, correlation id, client id) of a request frame (header v1 or later)."""
    if len(frame) < 12:
        return -1, -1, None
    api_key, _version, correlation_id = struct.unpack_from(">hhi", frame, 4)
    client_id = None
    if len(frame) >= 14:
        (length,) = struct.unpack_from(">h", frame, 12)
        if 0 <= length <= len(frame) - 14:
            client_id = frame[14 : 14 + length].decode("utf-8", "replace")
    return api_key, correlation_id, client_id
