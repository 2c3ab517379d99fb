"""One-shot job: create every Kafka topic of shared/topics.py, dead-letter topics included.

Run by the `kafka-topics` job of docker-compose.yml and the `mesocare-topics` Job in deploy/k8s/,
inside the MesoCare image. The topic list is not repeated here: creation is `shared.kafka.
ensure_topics`, the same code the local stack and the tests use, and success means every name of
`shared.topics.all_topic_names()` exists on the broker afterwards.

Idempotent: existing topics are left alone. A topic with fewer partitions than declared is
reported, not altered, because adding partitions moves keys to other partitions and so breaks the
per-aggregate ordering consumers rely on until the old ones drain; that is an operator's decision.

    python deploy/create_topics.py [--bootstrap-servers HOST:PORT] [--replication-factor N]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from aiokafka.admin import AIOKafkaAdminClient

from shared.kafka import ensure_topics
from shared.topics import TOPICS, all_topic_names

log = logging.getLogger("mesocare.create_topics")


async def partitions_on_broker(bootstrap_servers: str) -> dict[str, int]:
    """Every topic the broker has, with its partition count."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=10_000)
    await admin.start()
    try:
        return {t["topic"]: len(t["partitions"]) for t in await admin.describe_topics()}
    finally:
        await admin.close()


def declared_partitions() -> dict[str, int]:
    """Partitions declared in shared/topics.py; a dead-letter topic has its topic's count."""
    return {name: t.partitions for t in TOPICS for name in (t.name, t.dlq)}


async def create_topics(
    bootstrap_servers: str, *, replication_factor: int, attempts: int, retry_seconds: float
) -> bool:
    """Create what is missing, retrying while the broker comes up; True once every topic exists."""
    for attempt in range(1, attempts + 1):
        try:
            created = await ensure_topics(bootstrap_servers, replication_factor=replication_factor)
            on_broker = await partitions_on_broker(bootstrap_servers)
        except Exception as exc:  # the broker not reachable yet, a controller moving, …
            log.warning("attempt %d/%d: %s: %s", attempt, attempts, type(exc).__name__, exc)
        else:
            missing = [name for name in all_topic_names() if name not in on_broker]
            if not missing:
                for name in created:
                    log.info("created %s", name)
                for name, wanted in declared_partitions().items():
                    if on_broker[name] < wanted:
                        log.warning(
                            "%s has %d partitions, %d declared: left as is",
                            name,
                            on_broker[name],
                            wanted,
                        )
                log.info("all %d topics present on %s", len(on_broker), bootstrap_servers)
                return True
            log.warning("attempt %d/%d: still missing %s", attempt, attempts, ", ".join(missing))
        await asyncio.sleep(retry_seconds)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--bootstrap-servers",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        help="default: $KAFKA_BOOTSTRAP_SERVERS",
    )
    parser.add_argument(
        "--replication-factor",
        type=int,
        default=1,
        help="1 for a single broker; 3 for a production cluster",
    )
    parser.add_argument("--attempts", type=int, default=30)
    parser.add_argument("--retry-seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("MESOCARE_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    ok = asyncio.run(
        create_topics(
            args.bootstrap_servers,
            replication_factor=args.replication_factor,
            attempts=args.attempts,
            retry_seconds=args.retry_seconds,
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
