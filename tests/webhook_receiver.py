"""A webhook receiver for the tests: an HTTP app on loopback that keeps every request it gets
(body bytes and headers, as they arrived) and answers as a test tells it to, path by path.

It knows nothing of signatures: the tests verify what it kept with the `standardwebhooks`
package, as a chain's own receiver would.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support import eventually, served


@dataclass(frozen=True)
class Received:
    path: str
    body: bytes
    headers: dict[str, str]

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """What arrived, by path, and how each path answers: a queue of statuses to answer first
    (then 204), and paths that hang until released."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    answers: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    held: dict[str, asyncio.Event] = field(default_factory=dict)

    def at(self, path: str) -> str:
        return f"{self.url}{path}"

    def answer(self, path: str, *statuses: int) -> None:
        """Answer the next requests to `path` with these statuses, in order."""
        self.answers[path].extend(statuses)

    def hang(self, path: str) -> asyncio.Event:
        """Requests to `path` get no answer until the returned event is set."""
        self.held[path] = asyncio.Event()
        return self.held[path]

    def to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def wait_for(self, path: str, count: int = 1, *, within: float = 20.0) -> list[Received]:
        async def arrived() -> list[Received] | None:
            got = self.to(path)
            return got if len(got) >= count else None

        return await eventually(arrived, within=within)

    async def _handle(self, request: Request) -> Response:
        path = request.url.path
        self.received.append(Received(path, await request.body(), dict(request.headers)))
        if path in self.held:
            await self.held[path].wait()
        queued = self.answers.get(path)
        status = queued.pop(0) if queued else 204
        return Response(status_code=status)


@asynccontextmanager
async def receiving() -> AsyncIterator[Receiver]:
    """A receiver served on a free loopback port."""
    receiver = Receiver()
    app = Starlette(routes=[Route("/{rest:path}", receiver._handle, methods=["POST"])])
    async with served(app) as url:
        receiver.url = url
        yield receiver
