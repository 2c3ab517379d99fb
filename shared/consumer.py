"""Kafka consumer group per service with an inbox: effects exactly once, offsets after commit.

Each message is handled in one database transaction that also inserts the inbox row
(`consumer`, `event_id`); a redelivered event finds its row and is skipped. A handler that keeps
failing (or a message that cannot be read) goes to `<topic>.dlq` with the error, and the consumer
moves on. A failure that is not the event's — the database away (refused, reset, restarting) — is
no attempt: the consumer waits for it to come back and handles the event then, so a PostgreSQL
restart never dead-letters (`make chaos` found one that did). Offsets are committed only after
the transaction (or the DLQ write) is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from opentelemetry.trace import SpanKind, Status, StatusCode

from shared import telemetry
from shared.events.base import Envelope, Event, MalformedMessage, parse_event, read_envelope
from shared.kafka import new_producer
from shared.settings import PlatformSettings
from shared.uow import UnitOfWork, enter_tenant

log = logging.getLogger("mesocare.consumer")


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a handler gets besides the event: its envelope (id, time, source, trace)."""

    envelope: Envelope
    partition: int
    offset: int


Handler = Callable[[UnitOfWork, Any, Delivery], Awaitable[None]]
"""An event handler: the unit of work it runs in (with the inbox row, in the event's network),
the event, and its delivery. What it `emit`s is written to the outbox with its effects."""
Registry = Mapping[type[Event], Handler]

UNAVAILABLE: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, aborted, broken pipe
    TimeoutError,
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08
    asyncpg.exceptions.ConnectionDoesNotExistError,  # closed in the middle of a query
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)
"""Failures of the platform under a handler, not of the event: retried until it comes back."""


def unavailable(exc: BaseException) -> bool:
    """Whether `exc` is, or was raised while handling, the database going away (a connection
    PostgreSQL ended surfaces as asyncpg's InterfaceError from the transaction's exit)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, UNAVAILABLE):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class ConsumerStalled(Exception):
    """The consumer fetches nothing while its partitions have messages: it is made anew."""


class Consumer:
    """Consumes the topics of the events in `handlers` as consumer group `group`."""

    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        platform: PlatformSettings,
        group: str,
        handlers: Registry,
        source: str = "mesocare/consumer",
        max_attempts: int = 3,
        retry_backoff: float = 0.2,
        unavailable_backoff: float = 5.0,
        stall_seconds: float = 30.0,
    ) -> None:
        self.pool = pool
        self.platform = platform
        self.group = group
        self.source = source
        self.handlers = {event_type.type: h for event_type, h in handlers.items()}
        self.topics = sorted({event_type.topic for event_type in handlers})
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self.unavailable_backoff = unavailable_backoff
        """The longest wait between two tries while the database is away."""
        self.stall_seconds = stall_seconds
        """How long assigned partitions may stay behind their end with nothing fetched before
        the consumer is taken for stuck and made anew."""
        self._consumer: AIOKafkaConsumer | None = None
        self._stopping = False
        self.handled = 0
        self.dead_lettered = 0
        self.assigned = False
        m = telemetry.meter()
        self._duration = m.create_histogram(
            "consumer_handler_duration_seconds", unit="s", description="Event handler duration"
        )
        self._outcomes = m.create_counter(
            "consumer_events", description="Events consumed, by outcome"
        )
        self._lag: dict[TopicPartition, int] = {}
        m.create_observable_gauge(
            "consumer_lag",
            callbacks=[self._observe_lag],
            description="Messages behind the end of each partition",
        )

    def _observe_lag(self, _options: Any) -> list[Any]:
        from opentelemetry.metrics import Observation

        return [
            Observation(lag, {"group": self.group, "topic": tp.topic, "partition": tp.partition})
            for tp, lag in self._lag.items()
        ]

    async def run(self) -> None:
        """Consume until `stop()`; reconnects with backoff when the broker goes away."""
        if not self.topics:
            return
        backoff = 0.5
        while not self._stopping:
            try:
                await self._consume()
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("consumer failed; reconnecting", exc_info=True)
                await self._close()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _consume(self) -> None:
        consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=self.platform.kafka_bootstrap_servers,
            group_id=self.group,
            client_id=f"{self.group}-consumer",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self.platform.kafka_session_timeout_ms,
            heartbeat_interval_ms=self.platform.kafka_heartbeat_interval_ms,
            max_poll_records=500,
            fetch_max_wait_ms=self.platform.kafka_fetch_max_wait_ms,
        )
        self._consumer = consumer
        await consumer.start()
        self._dlq = new_producer(self.platform, client_id=f"{self.group}-dlq")
        await self._dlq.start()
        fetched_at = checked_at = time.monotonic()
        try:
            while not self._stopping:
                batches = await consumer.getmany(timeout_ms=500, max_records=500)
                self.assigned = bool(consumer.assignment())
                now = time.monotonic()
                if not batches:
                    if now - max(fetched_at, checked_at) >= self.stall_seconds:
                        checked_at = now
                        await self._fail_if_stalled(consumer)
                    continue
                fetched_at = now
                # Partitions are independent (one aggregate's events share a partition), so
                # they are handled side by side, each in order; offsets are committed once per
                # batch after the transactions. A crash redelivers the uncommitted rest, which
                # the inbox then skips.
                done = await asyncio.gather(
                    *(self._handle_partition(records) for records in batches.values())
                )
                offsets = {tp: pos for tp, pos in zip(batches, done, strict=True) if pos}
                if offsets:
                    await consumer.commit(offsets)
                for tp, pos in offsets.items():
                    self._update_lag(consumer, tp, pos)
        finally:
            await self._close()

    async def _fail_if_stalled(self, consumer: AIOKafkaConsumer) -> None:
        """Raise ConsumerStalled (the consumer is then made anew) when an assigned partition has
        messages past this consumer's position although nothing came for `stall_seconds`, or
        when the broker cannot say where the partitions end. After a broker outage aiokafka has
        been seen to keep such a consumer quiet for good, with no error (`make chaos`)."""
        assigned = list(consumer.assignment())
        if not assigned:
            return  # an idle member of its group (more members than partitions) is not stuck
        try:
            async with asyncio.timeout(10):
                ends = await consumer.end_offsets(assigned)
                behind = [tp for tp in assigned if ends.get(tp, 0) > await consumer.position(tp)]
        except Exception as exc:
            raise ConsumerStalled(
                f"the broker did not say where {self.group}'s partitions end"
            ) from exc
        if behind:
            raise ConsumerStalled(
                f"{self.group}: {len(behind)} partitions behind and nothing fetched for "
                f"{self.stall_seconds:g} s"
            )

    def _update_lag(self, consumer: AIOKafkaConsumer, tp: TopicPartition, position: int) -> None:
        end = consumer.highwater(tp)
        if end is not None:
            self._lag[tp] = max(0, end - position)

    async def _handle_partition(self, records: list[ConsumerRecord]) -> int | None:
        """Handle one partition's records in order; the offset to commit, if any were handled."""
        position = None
        for record in records:
            if self._stopping or not await self._handle_record(record):
                break
            position = record.offset + 1
        return position

    async def _handle_record(self, record: ConsumerRecord) -> bool:
        """Handle one record (or dead-letter it); False if stopped before it was done."""
        started = time.perf_counter()
        try:
            envelope = read_envelope(
                topic=record.topic, key=record.key, value=record.value, headers=record.headers
            )
        except MalformedMessage as exc:
            await self._dead_letter(record, f"malformed message: {exc}")
            return True
        handler = self.handlers.get(envelope.type)
        if handler is None:
            self._outcomes.add(1, {"group": self.group, "outcome": "ignored"})
            return True  # another consumer's event on a shared topic
        delivery = Delivery(envelope=envelope, partition=record.partition, offset=record.offset)
        with telemetry.span_from(
            envelope.traceparent,
            f"{record.topic} process",
            SpanKind.CONSUMER,
            **{
                "messaging.system": "kafka",
                "messaging.destination.name": record.topic,
                "messaging.consumer.group.name": self.group,
                "messaging.message.id": str(envelope.id),
                "cloudevents.event_type": envelope.type,
            },
        ) as span:
            try:
                event = parse_event(envelope)
            except MalformedMessage as exc:
                span.set_status(Status(StatusCode.ERROR, str(exc)))
                await self._dead_letter(record, f"malformed message: {exc}")
                return True
            error: Exception | None = None
            attempt, waited = 1, 0.0
            while attempt <= self.max_attempts:
                try:
                    outcome = await self._handle_once(handler, event, delivery)
                    self._outcomes.add(1, {"group": self.group, "outcome": outcome})
                    self._duration.record(
                        time.perf_counter() - started,
                        {"group": self.group, "topic": record.topic, "type": envelope.type},
                    )
                    return True
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    if not unavailable(exc):
                        error = exc
                        log.warning(
                            "handler failed",
                            extra={
                                "event_type": envelope.type,
                                "event_id": str(envelope.id),
                                "attempt": attempt,
                                "error": repr(exc),
                            },
                        )
                        if attempt < self.max_attempts:
                            await asyncio.sleep(self.retry_backoff * 2 ** (attempt - 1))
                        attempt += 1
                        continue
                    if self._stopping:
                        return False  # not committed: handled after the restart
                    waited = min(max(waited * 2, self.retry_backoff), self.unavailable_backoff)
                    log.warning(
                        "database unavailable; the event waits for it",
                        extra={
                            "event_type": envelope.type,
                            "event_id": str(envelope.id),
                            "error": repr(exc),
                            "retry_in_s": waited,
                        },
                    )
                    await asyncio.sleep(waited)
            span.set_status(Status(StatusCode.ERROR, repr(error)))
            await self._dead_letter(record, f"handler failed {self.max_attempts} times: {error!r}")
            return True

    async def _handle_once(self, handler: Handler, event: Event, delivery: Delivery) -> str:
        async with self.pool.acquire() as conn, conn.transaction():
            first = await conn.fetchval(
                """INSERT INTO inbox (consumer, event_id, topic, type) VALUES ($1, $2, $3, $4)
                   ON CONFLICT DO NOTHING RETURNING true""",
                self.group,
                delivery.envelope.id,
                delivery.envelope.topic,
                delivery.envelope.type,
            )
            if not first:
                return "duplicate"
            await enter_tenant(conn, event.network_id)
            uow = UnitOfWork(conn, network_id=event.network_id, source=self.source)
            await handler(uow, event, delivery)
            await uow.flush()
        self.handled += 1
        return "handled"

    async def _dead_letter(self, record: ConsumerRecord, error: str) -> None:
        headers = [
            *(record.headers or []),
            ("dlq_error", error[:2000].encode()),
            ("dlq_consumer", self.group.encode()),
            ("dlq_original_partition", str(record.partition).encode()),
            ("dlq_original_offset", str(record.offset).encode()),
        ]
        await self._dlq.send_and_wait(
            f"{record.topic}.dlq", value=record.value, key=record.key, headers=headers
        )
        self.dead_lettered += 1
        self._outcomes.add(1, {"group": self.group, "outcome": "dead_lettered"})
        log.error(
            "event sent to dead-letter topic",
            extra={"topic": record.topic, "offset": record.offset, "error": error[:500]},
        )

    async def stop(self) -> None:
        self._stopping = True

    async def _close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            with contextlib.suppress(Exception):
                await consumer.stop()
        dlq = getattr(self, "_dlq", None)
        if dlq is not None:
            self._dlq = None
            with contextlib.suppress(Exception):
                await dlq.stop()
