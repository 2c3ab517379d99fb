"""The shared consumer and relay against the real broker: DLQ, malformed messages, broker outage."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from devstack.broker import Tansu
from devstack.ports import free_port
from shared.consumer import Consumer, Delivery
from shared.db import create_pool, ensure_database, migrate
from shared.events.base import Envelope
from shared.events.booking import TOPIC as APPOINTMENTS
from shared.events.booking import ClinicOpened, SessionCompleted
from shared.kafka import ensure_topics
from shared.settings import database_on_server
from tests.integration.booking.helpers import Stage
from tests.integration.lifecycle import complete, completed_treatment, treatment_in_session
from tests.integration.test_event_pipeline import AFTER_A_SESSION, completions
from tests.support import (
    Parts,
    RunningService,
    eventually,
    header,
    produce,
    read_topic,
    running_service,
    served,
    service_settings,
)


@pytest.fixture(scope="module")
async def inbox_pool(parts: Parts, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    """A database with only the platform tables, for consumers built by the tests."""
    dsn = database_on_server(parts.database_url, "mesocare_consumer_tests")
    await ensure_database(dsn)
    pool = await create_pool(dsn)
    await migrate(pool, tmp_path_factory.mktemp("no-service-migrations"), service="tests")
    yield pool
    await pool.close()


@contextlib.asynccontextmanager
async def consuming(consumer: Consumer) -> AsyncIterator[Consumer]:
    task = asyncio.create_task(consumer.run())
    try:
        yield consumer
    finally:
        await consumer.stop()
        await asyncio.wait_for(task, 15)


class TestAHandlerThatKeepsFailing:
    async def test_sends_the_event_to_the_dlq_and_later_events_still_flow(
        self, parts: Parts, inbox_pool: Any, treating: Stage, formulary: RunningService
    ) -> None:
        network, poisoned = uuid4(), uuid4()
        handled: list[UUID] = []

        async def fragile(tx: Any, event: SessionCompleted, d: Delivery) -> None:
            if event.network_id == poisoned:
                raise RuntimeError("this network's sessions always fail")
            if event.network_id == network:
                handled.append(event.appointment_id)

        consumer = Consumer(
            pool=inbox_pool,
            platform=parts.platform(),
            group=f"fragile-{uuid4()}",
            handlers={SessionCompleted: fragile},
            max_attempts=2,
            retry_backoff=0.05,
        )
        async with consuming(consumer):
            bad = await completed_treatment(treating, formulary, network=poisoned)
            good = await completed_treatment(treating, formulary, network=network)
            await eventually(lambda: _async(good.appointment_id in handled))
            # Read the DLQ while the consumer runs: the two sessions may sit on different
            # partitions, so the bad one may still be in its retries.
            dlq = await read_topic(
                parts.kafka_bootstrap,
                f"{APPOINTMENTS}.dlq",
                until=lambda recs: any(header(r, "ce_id") == str(bad.event_id) for r in recs),
                within=30,
            )
        [dead] = [r for r in dlq if header(r, "ce_id") == str(bad.event_id)]
        assert "this network's sessions always fail" in header(dead, "dlq_error")
        assert header(dead, "dlq_consumer") == consumer.group
        assert bad.appointment_id not in handled
        # The failed attempts left no inbox row: a replay from the DLQ would be handled.
        assert not await inbox_pool.fetchval(
            "SELECT count(*) FROM inbox WHERE event_id = $1", bad.event_id
        )


class TestAConsumerThatGoesQuiet:
    async def test_is_made_anew_and_catches_up(self, parts: Parts, inbox_pool: Any) -> None:
        """A consumer that fetches nothing, says nothing, while its partitions fill (as aiokafka
        was seen to do after a broker outage in `make chaos`) is replaced and catches up. Here
        its partitions are paused behind its back: aiokafka itself never resumes them."""
        network, handled = uuid4(), []

        async def note(uow: Any, event: ClinicOpened, d: Delivery) -> None:
            if event.network_id == network:
                handled.append(event.clinic_id)

        consumer = Consumer(
            pool=inbox_pool,
            platform=parts.platform(),
            group=f"quiet-{uuid4()}",
            handlers={ClinicOpened: note},
            stall_seconds=1.0,
        )
        async with consuming(consumer):
            first = await opened(parts, network)
            await eventually(lambda: _async(first in handled), within=30)
            quiet = consumer._consumer
            assert quiet is not None
            quiet.pause(*quiet.assignment())
            second = await opened(parts, network)

            await eventually(lambda: _async(second in handled), within=30)
            assert consumer._consumer is not quiet
        assert handled == [first, second]


async def opened(parts: Parts, network: UUID) -> UUID:
    """Put a ClinicOpened of `network` on the broker, as booking's relay would; its clinic id."""
    event = ClinicOpened(
        network_id=network,
        clinic_id=uuid4(),
        name="Clinique du Parc",
        timezone="Europe/Paris",
        currency="EUR",
        changed_at=datetime.now(UTC),
    )
    envelope = Envelope.wrap(event, source="mesocare/booking")
    await produce(
        parts.kafka_bootstrap,
        envelope.topic,
        value=envelope.value(),
        key=envelope.key.encode(),
        headers=envelope.headers(),
    )
    return event.clinic_id


class TestTheDatabaseGoingAway:
    async def test_is_waited_out_and_the_event_handled_once_never_dead_lettered(
        self, parts: Parts, inbox_pool: Any, treating: Stage, formulary: RunningService
    ) -> None:
        """PostgreSQL ends the handler's connection (as a restart does) more times than a
        failing handler gets attempts: not the event's fault, so it is handled when the
        database answers again (make chaos found a confirmation lost to a DLQ this way)."""
        network = uuid4()
        cut, handled = 0, []

        async def on_a_flaky_database(uow: Any, event: SessionCompleted, d: Delivery) -> None:
            nonlocal cut
            if event.network_id != network:
                return
            if cut < 4:
                cut += 1
                await uow.tx.execute("SELECT pg_terminate_backend(pg_backend_pid())")
            handled.append(event.appointment_id)

        consumer = Consumer(
            pool=inbox_pool,
            platform=parts.platform(),
            group=f"flaky-db-{uuid4()}",
            handlers={SessionCompleted: on_a_flaky_database},
            max_attempts=2,
            retry_backoff=0.05,
            unavailable_backoff=0.2,
        )
        async with consuming(consumer):
            session = await completed_treatment(treating, formulary, network=network)
            await eventually(lambda: _async(session.appointment_id in handled))
        assert cut == 4
        # The consultation before the treatment completed too: each handled once.
        assert handled.count(session.appointment_id) == 1
        assert len(handled) == len(set(handled))
        assert consumer.dead_lettered == 0
        assert (
            await inbox_pool.fetchval(
                "SELECT count(*) FROM inbox WHERE event_id = $1", session.event_id
            )
            == 1
        )


class TestAMalformedMessage:
    async def test_goes_to_the_dlq_and_the_consumer_keeps_going(
        self, parts: Parts, inbox_pool: Any, treating: Stage, formulary: RunningService
    ) -> None:
        network = uuid4()
        seen: list[UUID] = []

        async def record(tx: Any, event: SessionCompleted, d: Delivery) -> None:
            if event.network_id == network:
                seen.append(event.appointment_id)

        marker = str(uuid4())
        consumer = Consumer(
            pool=inbox_pool,
            platform=parts.platform(),
            group=f"tolerant-{uuid4()}",
            handlers={SessionCompleted: record},
        )
        async with consuming(consumer):
            await produce(
                parts.kafka_bootstrap,
                APPOINTMENTS,
                value=b"{not json",
                key=marker.encode(),
                headers=[
                    ("ce_id", marker.encode()),
                    ("ce_type", b"x"),
                    ("ce_source", b"test"),
                    ("ce_specversion", b"1.0"),
                ],
            )
            wrong_shape = Envelope(
                id=uuid4(),
                type=SessionCompleted.type,
                source="test",
                time=_now(),
                topic=APPOINTMENTS,
                key=marker,
                payload={"network_id": str(network)},
            )
            await produce(
                parts.kafka_bootstrap,
                APPOINTMENTS,
                value=wrong_shape.value(),
                key=marker.encode(),
                headers=wrong_shape.headers(),
            )
            good = await completed_treatment(treating, formulary, network=network)
            await eventually(lambda: _async(good.appointment_id in seen))
            # The marker's partition may be read after the good event's: wait for both letters.
            await eventually(lambda: _async(consumer.dead_lettered >= 2))

        # Every consumer group of this topic dead-letters the same two messages: keep ours.
        def ours(r: Any) -> bool:
            return r.key == marker.encode() and header(r, "dlq_consumer") == consumer.group

        dlq = await read_topic(
            parts.kafka_bootstrap,
            f"{APPOINTMENTS}.dlq",
            until=lambda recs: sum(ours(r) for r in recs) >= 2,
        )
        errors = sorted(header(r, "dlq_error") for r in dlq if ours(r))
        assert errors[0].startswith("malformed message: payload does not match")
        assert errors[1].startswith("malformed message: value is not JSON")


class TestWhenTheBrokerIsDown:
    async def test_writes_succeed_and_the_event_arrives_after_it_returns(
        self, parts: Parts, formulary: RunningService, tmp_path: Path
    ) -> None:
        port = free_port()
        broker = Tansu(port=port, log_path=tmp_path / "tansu.log")
        broker.start()
        await ensure_topics(broker.bootstrap)
        platform = parts.platform(kafka_bootstrap_servers=broker.bootstrap)
        suffix = uuid4().hex[:8]
        try:
            async with (
                served(formulary.app) as formulary_url,
                running_service(
                    service_settings(
                        "booking",
                        platform,
                        database_url=database_on_server(parts.database_url, f"outage_b_{suffix}"),
                        records_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
                        formulary_url=formulary_url,
                        formulary_timeout_seconds=5.0,
                    )
                ) as booking,
                running_service(
                    service_settings(
                        "notifications",
                        platform,
                        database_url=database_on_server(parts.database_url, f"outage_n_{suffix}"),
                    )
                ) as notifications,
            ):
                # Booking's patients arrive on this test's broker; formulary is on the session's.
                stage = Stage(booking, replace(parts, kafka_bootstrap=broker.bootstrap))
                session = await treatment_in_session(stage, formulary)
                broker.stop()

                done = await complete(session)

                assert await booking.pool.fetchval(
                    "SELECT sent_at IS NULL FROM outbox WHERE event_id = $1", done.event_id
                )

                async def not_ready() -> Any:
                    response = await booking.client.get("/readyz")
                    return response if response.status_code == 503 else None

                ready = await eventually(not_ready)
                assert ready.json()["checks"] == {"database": True, "broker": False}
                # A load balancer asking only for the database keeps sending traffic.
                assert (await booking.client.get("/readyz?checks=database")).status_code == 200

                broker.start()  # same port; memory storage, so topics come back empty
                await ensure_topics(broker.bootstrap)
                rows = await eventually(
                    lambda: completions(notifications, done.appointment_id), within=60
                )
                assert [r["kind"] for r in rows] == AFTER_A_SESSION
                assert {r["event_id"] for r in rows} == {done.event_id}
        finally:
            broker.stop()


async def _async(value: Any) -> Any:
    return value


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)
