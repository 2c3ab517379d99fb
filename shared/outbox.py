"""Transactional outbox: events are rows written in the business transaction, then published.

`add(tx, event)` stores the event with the `traceparent` of the request that caused it. The relay
(one active per database, elected with an advisory lock) wakes on LISTEN/NOTIFY or every poll
interval, publishes unsent rows in id order in batches with acks=all, and marks them sent. When
the broker is down the rows simply wait: writes keep succeeding and the relay catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from opentelemetry.trace import SpanKind

from shared import telemetry
from shared.db import Transaction
from shared.events.base import Envelope, Event, cloudevent_headers
from shared.kafka import new_producer
from shared.settings import PlatformSettings

log = logging.getLogger("mesocare.outbox")

RELAY_LOCK_ID = 0x72656C61  # "rela"
BACKLOG_REFRESH_SECONDS = 1.0
"""The backlog gauges are read at most this often while rows flow (a scrape is every 15 s or so),
rather than once per published batch."""


async def add(tx: Transaction, event: Event, *, source: str) -> Envelope:
    """Write `event` to the outbox inside the caller's transaction."""
    envelope = Envelope.wrap(event, source=source, traceparent=telemetry.current_traceparent())
    await tx.execute(
        """INSERT INTO outbox
               (event_id, topic, key, type, source, occurred_at, payload, traceparent)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        envelope.id,
        envelope.topic,
        envelope.key,
        envelope.type,
        envelope.source,
        envelope.time,
        envelope.payload,
        envelope.traceparent,
    )
    return envelope


class Relay:
    """Publishes the outbox of one service database to Kafka, in order, at least once."""

    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        platform: PlatformSettings,
        service: str,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
    ) -> None:
        self.pool = pool
        self.platform = platform
        self.service = service
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._producer: AIOKafkaProducer | None = None
        self.backlog = 0
        self.oldest_unsent_age = 0.0
        self._backlog_checked_at = 0.0
        self.broker_ok = False
        self.published = 0
        m = telemetry.meter()
        self._published_counter = m.create_counter(
            "outbox_published", description="Outbox rows published to Kafka"
        )
        m.create_observable_gauge(
            "outbox_backlog",
            callbacks=[lambda _o: [_observation(self.backlog, self.service)]],
            description="Unsent outbox rows",
        )
        m.create_observable_gauge(
            "outbox_oldest_unsent_age_seconds",
            callbacks=[lambda _o: [_observation(self.oldest_unsent_age, self.service)]],
            description="Age of the oldest unsent outbox row",
        )

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Run until `stop()`; only the replica holding the relay lock publishes."""
        backoff = 0.2
        while not self._stopping:
            try:
                await self._lead()
                backoff = 0.2
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("relay loop failed; retrying", exc_info=True)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _lead(self) -> None:
        conn: asyncpg.Connection = await self.pool.acquire()
        conn.keep_session_state()  # the relay lock and LISTEN are the session's
        try:
            while not self._stopping:
                if await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_ID):
                    break
                await self._sleep(self.poll_seconds)  # another replica is relaying
            else:
                return
            await conn.add_listener("outbox", self._on_notify)
            try:
                await self._publish_until_stopped(conn)
            finally:
                with contextlib.suppress(Exception):
                    await conn.remove_listener("outbox", self._on_notify)
                    await conn.execute("SELECT pg_advisory_unlock($1)", RELAY_LOCK_ID)
        finally:
            await self.pool.release(conn)

    def _on_notify(self, *_args: Any) -> None:
        self._wake.set()

    async def _publish_until_stopped(self, conn: asyncpg.Connection) -> None:
        backoff = 0.2
        while not self._stopping:
            self._wake.clear()
            try:
                sent = await self.publish_batch(conn)
                backoff = 0.2
            except (asyncio.CancelledError, asyncpg.PostgresError, asyncpg.InterfaceError):
                raise  # the database side failed: lead again on a fresh connection
            except Exception as exc:
                self.broker_ok = False
                log.warning("relay could not publish; rows wait", extra={"error": repr(exc)})
                await self._close_producer()
                await self._refresh_backlog()
                await self._sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if sent < self.batch_size:
                if time.monotonic() - self._backlog_checked_at >= BACKLOG_REFRESH_SECONDS:
                    await self._refresh_backlog()
                await self._sleep(self.poll_seconds)
        # Graceful stop: one last pass so what was committed before shutdown goes out.
        with contextlib.suppress(Exception):
            while await self.publish_batch(conn) == self.batch_size:
                pass

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _producer_started(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = new_producer(self.platform, client_id=f"{self.service}-relay")
            try:
                await producer.start()
            except Exception:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _close_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), 5)

    async def publish_batch(self, conn: asyncpg.Connection) -> int:
        """Publish up to `batch_size` unsent rows in order; returns how many were sent.

        Runs on the leader's own connection, outside a transaction: only the lock holder
        publishes, so there is nothing to lock against, and a crash between the send and the
        UPDATE only means those rows go out again (at least once; the inbox makes it harmless).
        """
        # The payload goes out as the database spells it: no decoding and encoding again.
        rows = await conn.fetch(
            """SELECT id, event_id, topic, key, type, source, occurred_at,
                      payload::text AS payload, traceparent
               FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1""",
            self.batch_size,
        )
        if not rows:
            return 0
        producer = await self._producer_started()
        pending = []
        for row in rows:
            with telemetry.span_from(
                row["traceparent"],
                f"{row['topic']} publish",
                SpanKind.PRODUCER,
                **{
                    "messaging.system": "kafka",
                    "messaging.destination.name": row["topic"],
                    "messaging.message.id": str(row["event_id"]),
                },
            ):
                # Send the publish span's context: same trace, one hop further.
                headers = cloudevent_headers(
                    id=row["event_id"],
                    type=row["type"],
                    source=row["source"],
                    time=row["occurred_at"],
                    traceparent=telemetry.current_traceparent() or row["traceparent"],
                )
                pending.append(
                    await producer.send(
                        row["topic"],
                        value=row["payload"].encode(),
                        key=row["key"].encode(),
                        headers=headers,
                    )
                )
        await asyncio.gather(*pending)
        await conn.execute(
            "UPDATE outbox SET sent_at = $2 WHERE id = ANY($1::bigint[])",
            [r["id"] for r in rows],
            datetime.now(UTC),
        )
        self.broker_ok = True
        self.published += len(rows)
        self._published_counter.add(len(rows), {"service": self.service})
        return len(rows)

    async def _refresh_backlog(self) -> None:
        self._backlog_checked_at = time.monotonic()
        with contextlib.suppress(Exception):
            row = await self.pool.fetchrow(
                "SELECT count(*) AS n, extract(epoch FROM now() - min(created_at)) AS age "
                "FROM outbox WHERE sent_at IS NULL"
            )
            self.backlog = int(row["n"])
            self.oldest_unsent_age = float(row["age"] or 0.0)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def close(self) -> None:
        await self._close_producer()


def _observation(value: float, service: str) -> Any:
    from opentelemetry.metrics import Observation

    return Observation(value, {"service": service})
