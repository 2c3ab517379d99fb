"""The unit of work: one transaction, the events it causes and its idempotency key, together.

A use case gets a unit (`uow`), reads and writes through `uow.tx` (its repositories), and
`emit`s events; when the unit ends without an error the events are written to the outbox and
the transaction commits, so a change and its events are never separated. An error rolls
everything back, events included. Nothing else commits.

Three ways a unit is opened, one rule for each:

- **A request**: route handlers of a `UnitOfWorkRoute` get the caller's unit through the `UoW`
  (or, for creating POSTs, `IdempotentUoW`) dependency. The route class commits it after the
  endpoint has built its response and before the response is sent — a failed commit is a 500,
  never a 2xx already on the wire — and stores that response for the request's
  `Idempotency-Key`, so a repeat replays it (`Idempotent-Replayed: true`).
- **A use case that must call another service between reading and writing** (the cross-check
  before a session starts) opens short units itself (`Database.unit`), so no row lock is held
  across HTTP.
- **An event**: the consumer opens the transaction with its inbox row and hands the handler a
  unit inside it (`Database.within`).

`uow.network_id` is the tenant of the unit — the caller's network, or the event's — which the
transaction carries for row-level security (`mesocare.network_id`): every table with a
`network_id` shows a unit only its network's rows, whatever a query forgets to filter. A unit
opened with `network_id=None` is a system unit that works across networks, and says so: the
notifications dispatcher, the gateway's sign-in (an email names an account in any network) and
booking's calendar feeds (a feed's secret names a feed in any network; the rest of the read is a
unit of that feed's network) are the only ones.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from shared import fhir, idempotency, outbox
from shared.auth import CurrentPrincipal
from shared.db import Transaction
from shared.errors import ProblemError
from shared.events.base import Event
from shared.idempotency import IdempotencyKey

TENANT_SETTING = "mesocare.network_id"
ALL_NETWORKS = "*"
"""The tenant of a system unit: every network's rows (see shared.db.enforce_row_security)."""


async def enter_tenant(tx: Transaction, network_id: UUID | None) -> None:
    """Tell row-level security whose rows this transaction sees (None: all, a system unit)."""
    await tx.execute(
        "SELECT set_config($1, $2, true)",
        TENANT_SETTING,
        str(network_id) if network_id is not None else ALL_NETWORKS,
    )


@dataclass(frozen=True, slots=True)
class IdempotentRequest:
    """A creating request that may be repeated: its key and what makes two repeats the same."""

    key: str
    method: str
    path: str
    body: Any


@dataclass(slots=True)
class UnitOfWork:
    """The open transaction of one request or one event, and what commits with it."""

    tx: Transaction
    network_id: UUID | None
    source: str
    events: list[Event] = field(default_factory=list)
    commit_on_refusal: bool = False
    """Set by a use case that recorded why it refused (an audit row): the refusal's problem
    still goes to the client, and what the unit holds then commits."""
    _claimed: IdempotentRequest | None = None

    @property
    def claimed(self) -> bool:
        """Whether this unit holds a request's Idempotency-Key (its answer will be stored)."""
        return self._claimed is not None

    def emit(self, event: Event) -> None:
        """Publish `event` if, and only if, this unit commits."""
        self.events.append(event)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A part that may fail alone: on error its writes and its events are undone."""
        emitted = len(self.events)
        try:
            async with self.tx.transaction():
                yield
        except BaseException:
            del self.events[emitted:]
            raise

    async def replay_or_claim(self, request: IdempotentRequest) -> Any | None:
        """The stored answer to an identical earlier request, or None once the key is ours."""
        if self.network_id is None:
            return None
        prior = await idempotency.replay_or_claim(
            self.tx,
            network_id=self.network_id,
            key=request.key,
            method=request.method,
            path=request.path,
            body=request.body,
        )
        if prior is None:
            self._claimed = request
        return prior

    async def remember(self, status_code: int, response: Any) -> None:
        """Store the answer for the claimed key, to be replayed to a repeat."""
        if self._claimed is not None and self.network_id is not None:
            await idempotency.remember(
                self.tx,
                network_id=self.network_id,
                key=self._claimed.key,
                status_code=status_code,
                response=response,
            )

    async def release(self) -> None:
        """Free the claimed key: the unit commits without an answer to replay (a refusal that
        recorded its reason), so a corrected repeat with the same key is a new attempt."""
        if self._claimed is not None and self.network_id is not None:
            await idempotency.release(self.tx, network_id=self.network_id, key=self._claimed.key)
            self._claimed = None

    async def flush(self) -> None:
        """Write the events emitted so far to the outbox (done at commit)."""
        for event in self.events:
            await outbox.add(self.tx, event, source=self.source)
        self.events.clear()


class Database:
    """Opens units of work on the service's pool; events are stamped with `source`."""

    def __init__(self, pool: asyncpg.Pool, *, source: str) -> None:
        self.pool = pool
        self.source = source

    @asynccontextmanager
    async def unit(self, network_id: UUID | None) -> AsyncIterator[UnitOfWork]:
        """One transaction: commits the block's writes and events, or rolls back on error."""
        async with self.pool.acquire() as conn, conn.transaction():
            await enter_tenant(conn, network_id)
            uow = UnitOfWork(conn, network_id=network_id, source=self.source)
            yield uow
            await uow.flush()

    @asynccontextmanager
    async def within(self, tx: Transaction, network_id: UUID | None) -> AsyncIterator[UnitOfWork]:
        """A unit inside a transaction someone else owns (a consumer's, with its inbox row)."""
        uow = UnitOfWork(tx, network_id=network_id, source=self.source)
        yield uow
        await uow.flush()


def _database(request: Request) -> Database:
    db: Database = request.app.state.database
    return db


async def database(request: Request) -> Database:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a hop per request.
    return _database(request)


Db = Annotated[Database, Depends(database)]
"""The service's database, for use cases that open their own units of work."""


# -- the request's unit --------------------------------------------------------------------------


@dataclass(slots=True)
class _Open:
    uow: UnitOfWork
    transaction: Any
    resources: AsyncExitStack


class Replayed(Exception):
    """An identical request with this Idempotency-Key was answered before: send that answer."""

    def __init__(self, answer: JSONResponse) -> None:
        super().__init__("idempotent replay")
        self.answer = answer


async def _open(request: Request, network_id: UUID) -> UnitOfWork:
    resources = AsyncExitStack()
    db = _database(request)
    conn = await resources.enter_async_context(db.pool.acquire())
    transaction = conn.transaction()
    await transaction.start()
    uow = UnitOfWork(conn, network_id=network_id, source=db.source)
    request.state.unit = _Open(uow, transaction, resources)  # closed by the route class
    await enter_tenant(conn, network_id)
    return uow


async def unit_of_work(request: Request, who: CurrentPrincipal) -> UnitOfWork:
    """The request's unit of work, in the caller's network (committed by the route class)."""
    return await _open(request, who.network_id)


async def idempotent_unit_of_work(
    request: Request, who: CurrentPrincipal, idempotency_key: IdempotencyKey = None
) -> UnitOfWork:
    """The request's unit, having claimed its Idempotency-Key (or replayed the first answer)."""
    uow = await _open(request, who.network_id)
    if idempotency_key is not None:
        raw = await request.body()
        # The caller is part of what makes two requests the same: another member of the
        # network holding the key gets a 409, never the first caller's stored answer (whatever
        # order the endpoint's dependencies run in, before or after its role check).
        body = {"by": who.sub, "body": _parsed(raw)}
        prior = await uow.replay_or_claim(
            IdempotentRequest(idempotency_key, request.method, request.url.path, body)
        )
        if prior is not None:
            raise Replayed(prior)
    return uow


def _parsed(raw: bytes) -> Any:
    """The JSON body, or its text when it is not JSON (FastAPI answers that with a 400)."""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")


UoW = Annotated[UnitOfWork, Depends(unit_of_work)]
"""The caller's unit of work (routes of a `UnitOfWorkRoute` only)."""

IdempotentUoW = Annotated[UnitOfWork, Depends(idempotent_unit_of_work)]
"""The caller's unit of work for a creating POST that accepts `Idempotency-Key`."""


async def _finish(request: Request, response: Response | None, error: BaseException | None) -> None:
    """Commit the request's unit (with its events and idempotent answer), or roll it back."""
    opened: _Open | None = getattr(request.state, "unit", None)
    if opened is None:
        return
    request.state.unit = None
    async with opened.resources:
        keep = error is None or (isinstance(error, ProblemError) and opened.uow.commit_on_refusal)
        if not keep:
            await opened.transaction.rollback()
            return
        try:
            if opened.uow.claimed:
                if response is not None and 200 <= response.status_code < 300:
                    body = bytes(response.body) if response.body else b"null"
                    await opened.uow.remember(response.status_code, json.loads(body))
                else:
                    await opened.uow.release()
            await opened.uow.flush()
        except BaseException:
            await opened.transaction.rollback()
            raise
        await opened.transaction.commit()


class UnitOfWorkRoute(APIRoute):
    """A route whose request's unit of work commits once the response is built, before it is
    sent; an error rolls it back (a refusal that recorded its reason commits that alone)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                response = await handler(request)
            except Replayed as replay:
                await _finish(request, None, replay)
                if fhir.is_fhir_path(request.url.path):
                    # Only the body is stored: a FHIR answer replays as the FHIR JSON it was.
                    replay.answer.headers["content-type"] = fhir.FHIR_JSON
                return replay.answer
            except BaseException as error:
                await _finish(request, None, error)
                raise
            await _finish(request, response, None)
            return response

        return run
