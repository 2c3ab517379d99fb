"""Kafka clients built from settings, and topic creation from the one shared topic list."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.settings import PlatformSettings
from shared.topics import TOPICS

log = logging.getLogger("mesocare.kafka")


def new_producer(platform: PlatformSettings, *, client_id: str) -> AIOKafkaProducer:
    """A producer that waits for all in-sync replicas; idempotent where the broker supports it."""
    return AIOKafkaProducer(
        bootstrap_servers=platform.kafka_bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=platform.kafka_idempotence,
        linger_ms=2,
        request_timeout_ms=10_000,
        retry_backoff_ms=200,
    )


async def ensure_topics(bootstrap_servers: str, *, replication_factor: int = 1) -> list[str]:
    """Create every topic of shared/topics.py (and its DLQ) that does not exist; returns created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name, num_partitions=t.partitions, replication_factor=replication_factor)
            for t in TOPICS
            for name in (t.name, t.dlq)
            if name not in existing
        ]
        if wanted:
            try:
                await admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass  # created concurrently by another service starting up
        return [t.name for t in wanted]
    finally:
        await admin.close()


async def broker_reachable(bootstrap_servers: str, wait: float = 2.0) -> bool:
    """True when a broker answers a metadata request within `wait` seconds."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=int(wait * 1000)
    )
    try:
        await asyncio.wait_for(admin.start(), wait)
        await asyncio.wait_for(admin.list_topics(), wait)
        return True
    except Exception:
        return False
    finally:
        try:
            await admin.close()
        except Exception:
            log.debug("admin close failed", exc_info=True)
