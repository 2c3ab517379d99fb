"""Helpers the tests share: settings for the real parts, running services in process, tokens."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

import httpx
from fastapi import FastAPI

from devstack.parts import Parts as Parts  # re-exported: the tests import it from here
from devstack.parts import server_dir as server_dir
from shared.auth import mint_token
from shared.settings import PlatformSettings, ServiceSettings

T = TypeVar("T")
S = TypeVar("S", bound=ServiceSettings)


def service_settings(name: str, platform: PlatformSettings, **overrides: Any) -> ServiceSettings:
    import importlib

    module = importlib.import_module(f"services.{name}.settings")
    return module.Settings(platform=platform, relay_poll_seconds=0.5, **overrides)


@dataclass
class RunningService:
    app: FastAPI
    client: httpx.AsyncClient
    settings: ServiceSettings
    observer: Any = None
    """A superuser pool on the service's database, for what a test reads or sets up directly:
    the service itself runs as its runtime login, held to row-level security."""

    @property
    def pool(self) -> Any:
        return self.observer if self.observer is not None else self.app.state.pool


async def with_own_logins(settings: S) -> S:
    """The settings with the service's own database logins, provisioned on the test server as
    deployments are (shared.provision): the service migrates as the owner and runs as the
    runtime login — not a superuser, held to row-level security."""
    if settings.database_url:
        return settings
    from secrets import token_urlsafe

    from shared.provision import provision

    logins = await provision(
        settings.platform.database_url,
        settings.service,
        owner_password=token_urlsafe(18),
        runtime_password=token_urlsafe(18),
    )
    return settings.model_copy(
        update={"database_url": logins.runtime, "migration_database_url": logins.owner}
    )


async def observer_pool(settings: ServiceSettings) -> Any:
    """A superuser pool on the service's database (the test server's URL, its database)."""
    from urllib.parse import urlsplit

    from shared.db import create_pool
    from shared.settings import database_on_server

    database = urlsplit(settings.dsn()).path.lstrip("/")
    return await create_pool(
        database_on_server(settings.platform.database_url, database), max_size=4
    )


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    """Serve an already started app (its lifespan runs elsewhere) over HTTP on a free port."""
    import uvicorn

    from devstack.ports import free_port

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None)
    )
    task = asyncio.create_task(server.serve())

    async def up() -> bool:
        if task.done():
            task.result()  # raises why it could not start
        return server.started

    await eventually(up, within=10, interval=0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def running_service(settings: ServiceSettings) -> AsyncIterator[RunningService]:
    """The service's real app (pool, migrations, relay, consumer) served in this process,
    running as its own runtime login."""
    import importlib

    settings = await with_own_logins(settings)
    module = importlib.import_module(f"services.{settings.service}.app")
    app = module.create_app(settings)
    async with app.router.lifespan_context(app):
        observer = await observer_pool(settings)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        try:
            async with httpx.AsyncClient(
                transport=transport, base_url=f"http://{settings.service}"
            ) as client:
                yield RunningService(app, client, settings, observer)
        finally:
            await observer.close()


def bearer(
    platform: PlatformSettings,
    network_id: UUID,
    *roles: str,
    sub: str = "tester@example.test",
    clinic_ids: tuple[UUID, ...] = (),
) -> dict[str, str]:
    token = mint_token(
        platform, sub=sub, network_id=network_id, roles=list(roles), clinic_ids=clinic_ids
    )
    return {"Authorization": f"Bearer {token}"}


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, within: float = 20.0, interval: float = 0.1
) -> T:
    """Poll `probe` until it returns something truthy; fail with a clear message on timeout."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(interval)


async def produce(
    bootstrap: str, topic: str, *, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]]
) -> Any:
    """Put one raw record on a topic, as any Kafka client could; its RecordMetadata (partition,
    offset)."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        return await producer.send_and_wait(topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()


async def read_topic(
    bootstrap: str, topic: str, *, within: float = 15.0, until: Callable[[list[Any]], bool] = bool
) -> list[Any]:
    """Read a topic from the beginning (fresh consumer group) until `until(records)` holds."""
    from uuid import uuid4

    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-reader-{uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=2000,
        heartbeat_interval_ms=500,
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline and not until(records):
            batch = await consumer.getmany(timeout_ms=300)
            for recs in batch.values():
                records.extend(recs)
        return records
    finally:
        await consumer.stop()


async def committed_offset(bootstrap: str, group: str, topic: str, partition: int) -> int:
    """The offset consumer group `group` has committed on a partition (-1 if none): every
    record before it has been handled."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.structs import TopicPartition

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        tp = TopicPartition(topic, partition)
        found = await admin.list_consumer_group_offsets(group, partitions=[tp])
    finally:
        await admin.close()
    return found[tp].offset if tp in found else -1


def header(record: Any, name: str) -> str | None:
    for k, v in record.headers or []:
        if k == name:
            return v.decode()
    return None
