"""The webhook side of notifications: a consumer group of its own that queues every event for
the endpoints subscribed to it, and the sender that POSTs what falls due.

Both are apart from the patient messages: the fan-out is consumer group
`<service>-webhooks` (its lag never holds back `<service>`'s), and the sender has its own loop,
connections and budget. A slow or dead receiver holds at most `webhook_endpoint_concurrency`
sends at once, each bounded by the timeout, so it delays neither other endpoints nor messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID

from fastapi import FastAPI

from services.notifications.clients.webhooks import Poster, Receivers
from services.notifications.clock import Clock
from services.notifications.domain import webhooks as rules
from services.notifications.repository import webhooks as repo
from services.notifications.settings import Settings
from services.notifications.usecases import webhooks
from shared import telemetry
from shared.consumer import Consumer, Delivery, Registry
from shared.db import Wakeup
from shared.events import EVENT_TYPES, Event
from shared.service import finish
from shared.uow import Database, UnitOfWork

log = logging.getLogger("mesocare.notifications.webhooks")


def fan_out_registry(clock: Clock) -> Registry:
    """Every event of the AsyncAPI document, to the fan-out."""

    async def queue(uow: UnitOfWork, event: Event, delivery: Delivery) -> None:
        await webhooks.fan_out(uow, delivery.envelope, event.network_id, now=clock.now())

    return {model: queue for model in EVENT_TYPES.values()}


def receivers_of(settings: Settings) -> Receivers:
    """Loopback receivers are for development and tests only."""
    return Receivers(allow_loopback=settings.platform.env != "production")


class Sender:
    """Takes due deliveries and POSTs them, at most `concurrency` at once and at most
    `per_endpoint` to one endpoint; wakes on NOTIFY from a commit that queued some, or every
    poll interval (retries fall due without one)."""

    def __init__(
        self, database: Database, settings: Settings, clock: Clock, receivers: Receivers
    ) -> None:
        self.database, self.clock = database, clock
        self.poster = Poster(receivers, timeout=settings.webhook_timeout_seconds)
        self.concurrency = settings.webhook_concurrency
        self.per_endpoint = settings.webhook_endpoint_concurrency
        self.poll_seconds = settings.webhook_poll_seconds
        self.lease = timedelta(seconds=settings.webhook_timeout_seconds + 60)
        self._in_flight: Counter[UUID] = Counter()
        self._sends: set[asyncio.Task[None]] = set()
        self._wake = Wakeup(database.pool, repo.WEBHOOKS_CHANNEL)
        self._stopping = False
        self._outcomes = telemetry.meter().create_counter(
            "notifications_webhook_attempts",
            description="Webhook delivery attempts by outcome (delivered, failed)",
        )

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        await self._wake.listen()
        while not self._stopping:
            try:
                while await self.round() and not self._stopping:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook round failed; trying again")
            await self._wake.wait(self.poll_seconds)
        await asyncio.gather(*self._sends, return_exceptions=True)

    async def round(self) -> bool:
        """Take what is due and start sending it; True if more may be waiting."""
        room = self.concurrency - sum(self._in_flight.values())
        if room <= 0:
            return False
        now = self.clock.now()
        async with self.database.unit(None) as uow:
            taken = await repo.take_due(
                uow.tx,
                now=now,
                lease_until=now + self.lease,
                room=room,
                per_endpoint=self.per_endpoint,
                in_flight=dict(self._in_flight),
            )
        for delivery in taken:
            self._in_flight[delivery.endpoint_id] += 1
            task = asyncio.create_task(self._send(delivery))
            self._sends.add(task)
            task.add_done_callback(self._sends.discard)
        return len(taken) == room

    async def _send(self, taken: repo.Taken) -> None:
        try:
            attempted_at = self.clock.now()
            body = taken.body.encode()
            headers = rules.signed_headers(
                rules.secrets_in_use(
                    taken.secret,
                    taken.previous_secret,
                    taken.previous_secret_until,
                    now=attempted_at,
                ),
                webhook_id=str(taken.event_id),
                timestamp=int(time.time()),  # the receiver checks it against its own clock
                body=body,
            )
            answer = await self.poster.post(taken.url, body, headers)
            self._outcomes.add(1, {"outcome": "delivered" if answer.delivered else "failed"})
            await self._record(taken, answer, attempted_at)
        except Exception:
            # Left leased, it is sent again once the lease ends (at least once).
            log.exception("could not send or record webhook delivery %s", taken.id)
        finally:
            self._in_flight[taken.endpoint_id] -= 1
            if self._in_flight[taken.endpoint_id] <= 0:
                del self._in_flight[taken.endpoint_id]
            self._wake.set()

    async def _record(self, taken: repo.Taken, answer: Any, attempted_at: Any) -> None:
        async with self.database.unit(taken.network_id) as uow:
            now = self.clock.now()
            disabled = await webhooks.record(uow, taken, answer, attempted_at=attempted_at, now=now)
            if disabled is not None:
                await webhooks.tell_admins(uow, disabled, now=now)
        if disabled is not None:
            log.warning(
                "webhook endpoint disabled",
                extra={"endpoint_id": str(disabled.endpoint_id), "reason": disabled.reason},
            )

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def close(self) -> None:
        await self._wake.close()
        await self.poster.close()


@contextlib.asynccontextmanager
async def delivering(app: FastAPI, settings: Settings, clock: Clock) -> AsyncIterator[None]:
    """The fan-out consumer and the sender, for the service's lifetime."""
    database: Database = app.state.database
    receivers = receivers_of(settings)
    app.state.webhook_receivers = receivers
    consumer = Consumer(
        pool=app.state.pool,
        platform=settings.platform,
        group=f"{settings.service}-webhooks",
        handlers=fan_out_registry(clock),
        source=f"mesocare/{settings.service}",
        max_attempts=settings.consumer_max_attempts,
    )
    sender = Sender(database, settings, clock, receivers)
    app.state.webhook_sender = sender
    tasks = [asyncio.create_task(consumer.run(), name="notifications-webhook-fan-out")]
    if settings.worker_enabled:
        tasks.append(asyncio.create_task(sender.run(), name="notifications-webhook-sender"))
    try:
        yield
    finally:
        await consumer.stop()
        await sender.stop()
        await finish(tasks, grace=15)
        await sender.close()
