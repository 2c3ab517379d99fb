"""What the chaos run looks at: the services' databases (as the superuser), the broker (through
the proxy, like every client) and the services' /readyz and /metrics.

Every probe opens what it needs and tolerates the faults: a probe that cannot answer now says so
(None, or an exception the caller retries), it never hangs the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from devstack.stack import SERVICES, LocalStack
from shared.asyncapi import CONSUMERS
from shared.events import EVENT_TYPES
from shared.settings import database_on_server
from shared.topics import TOPICS

TOPIC_NAMES = [t.name for t in TOPICS]
DLQ_NAMES = [t.dlq for t in TOPICS]
GROUPS = [name for name in SERVICES if name != "gateway"]


def subscriptions() -> dict[str, set[str]]:
    """Each consumer group's topics: those of the events it consumes (shared/asyncapi.py)."""
    topics: dict[str, set[str]] = {group: set() for group in GROUPS}
    for model in EVENT_TYPES.values():
        for group in CONSUMERS.get(model.__name__, ()):
            topics.setdefault(group, set()).add(model.topic)
    return topics


@dataclass
class ConsumerFigures:
    """One consumer group's `consumer_events_total` by outcome, summed over its processes."""

    by_outcome: Counter[str] = field(default_factory=Counter)


class Observer:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.bootstrap = stack.kafka_bootstrap
        self.subscriptions = subscriptions()
        self._http = httpx.AsyncClient(timeout=5.0)
        self._watcher: AIOKafkaConsumer | None = None
        self._group_readers: dict[str, AIOKafkaConsumer] = {}
        # Latest counters seen per (service, pid): a killed process keeps what it last showed.
        self._seen: dict[tuple[str, int], dict[tuple[str, str], float]] = {}
        self._scraper: asyncio.Task[None] | None = None

    async def close(self) -> None:
        if self._scraper is not None:
            self._scraper.cancel()
            with contextlib.suppress(BaseException):
                await self._scraper
        await self._drop_kafka()
        await self._http.aclose()

    # -- databases -------------------------------------------------------------------------

    def database(self, service: str) -> str:
        name = f"mesocare_{service}"
        return database_on_server(self.stack.database_url, name)

    async def query(self, service: str, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncio.wait_for(asyncpg.connect(self.database(service)), 5)
        try:
            return list(await asyncio.wait_for(conn.fetch(sql, *args), 30))
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)

    async def outbox(self, created_before: datetime | None = None) -> dict[str, tuple[int, int]]:
        """Per service: (rows, of which unsent); with `created_before`, only rows created
        before it count as unsent."""
        found = {}
        for service in SERVICES:
            row = (
                await self.query(
                    service,
                    """SELECT count(*) AS rows,
                              count(*) FILTER (WHERE sent_at IS NULL
                                  AND ($1::timestamptz IS NULL OR created_at <= $1)) AS unsent
                       FROM outbox""",
                    created_before,
                )
            )[0]
            found[service] = (int(row["rows"]), int(row["unsent"]))
        return found

    async def inbox_count(self, conn: asyncpg.Connection, group: str) -> int:
        return int(await conn.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1", group))

    # -- the services ----------------------------------------------------------------------

    async def all_ready(self) -> bool:
        for service in SERVICES:
            try:
                answer = await self._http.get(f"{self.stack.url(service)}/readyz")
            except httpx.HTTPError:
                return False
            if answer.status_code != 200:
                return False
        return True

    async def scrape(self, service: str) -> None:
        """Read one service's /metrics and keep its consumer counters under its process id."""
        proc = self.stack.processes.get(service)
        if proc is None or proc.poll() is not None:
            return
        try:
            answer = await self._http.get(f"{self.stack.url(service)}/metrics")
        except httpx.HTTPError:
            return
        if answer.status_code != 200:
            return
        counters: dict[tuple[str, str], float] = {}
        for family in text_string_to_metric_families(answer.text):
            for sample in family.samples:
                if sample.name == "consumer_events_total":
                    key = (sample.labels.get("group", service), sample.labels.get("outcome", "?"))
                    counters[key] = counters.get(key, 0.0) + sample.value
                elif sample.name == "outbox_published_total":
                    key = ("relay", service)
                    counters[key] = counters.get(key, 0.0) + sample.value
                elif sample.name == "consumer_lag":
                    key = ("lag", sample.labels.get("group", service))
                    counters[key] = counters.get(key, 0.0) + sample.value
        self._seen[(service, proc.pid)] = counters

    def start_scraping(self, every: float = 1.0) -> None:
        async def loop() -> None:
            while True:
                for service in SERVICES:
                    await self.scrape(service)
                await asyncio.sleep(every)

        self._scraper = asyncio.create_task(loop())

    def consumer_figures(self) -> dict[str, Counter[str]]:
        """consumer_events_total by group and outcome, over every process the run started."""
        totals: dict[str, Counter[str]] = {}
        for counters in self._seen.values():
            for (group, outcome), value in counters.items():
                if group in ("relay", "lag"):
                    continue
                totals.setdefault(group, Counter())[outcome] += int(value)
        return totals

    def reported_lag(self) -> dict[str, int]:
        """consumer_lag of each group as its live process last reported it."""
        lag: dict[str, int] = {}
        for (service, pid), counters in self._seen.items():
            proc = self.stack.processes.get(service)
            if proc is None or proc.pid != pid:
                continue
            for (kind, group), value in counters.items():
                if kind == "lag":
                    lag[group] = lag.get(group, 0) + int(value)
        return lag

    def processes_started(self, service: str) -> int:
        return len({pid for s, pid in self._seen if s == service})

    # -- the broker ------------------------------------------------------------------------

    async def _drop_kafka(self) -> None:
        clients = [self._watcher, *self._group_readers.values()]
        self._watcher = None
        self._group_readers = {}
        for client in clients:
            if client is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.stop(), 5)

    async def _kafka(self, group: str | None = None) -> AIOKafkaConsumer:
        existing = self._watcher if group is None else self._group_readers.get(group)
        if existing is not None:
            return existing
        client = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=group,
            client_id=f"chaos-observer-{group or 'watcher'}",
            enable_auto_commit=False,
            request_timeout_ms=5000,
        )
        try:
            await asyncio.wait_for(client.start(), 10)
        except BaseException:
            with contextlib.suppress(Exception):
                await client.stop()
            raise
        if group is None:
            self._watcher = client
        else:
            self._group_readers[group] = client
        return client

    async def _partitions(self, topics: Iterable[str]) -> list[TopicPartition]:
        client = await self._kafka()
        wanted = list(topics)
        if any(client.partitions_for_topic(topic) is None for topic in wanted):
            await asyncio.wait_for(client.topics(), 10)  # asks the broker for fresh metadata
        return [
            TopicPartition(topic, p)
            for topic in wanted
            for p in sorted(client.partitions_for_topic(topic) or ())
        ]

    async def end_offsets(self, topics: Iterable[str]) -> dict[TopicPartition, int]:
        try:
            client = await self._kafka()
            parts = await self._partitions(topics)
            return dict(await asyncio.wait_for(client.end_offsets(parts), 10))
        except Exception:
            await self._drop_kafka()
            raise

    async def committed(self, group: str, parts: list[TopicPartition]) -> dict[TopicPartition, int]:
        try:
            client = await self._kafka(group)
            offsets = await asyncio.wait_for(
                asyncio.gather(*(client.committed(tp) for tp in parts)), 10
            )
            return {tp: off or 0 for tp, off in zip(parts, offsets, strict=True)}
        except Exception:
            await self._drop_kafka()
            raise

    async def lag(self, ends: dict[TopicPartition, int]) -> dict[str, int]:
        """Per group: messages between its committed offsets and `ends` on its topics."""
        lags = {}
        for group, topics in self.subscriptions.items():
            parts = [tp for tp in ends if tp.topic in topics]
            done = await self.committed(group, parts)
            lags[group] = sum(max(0, ends[tp] - done[tp]) for tp in parts)
        return lags

    async def census(self, topics: Iterable[str]) -> dict[str, Counter[str]]:
        """Every message of `topics`, read from the beginning: occurrences of each `ce_id`."""
        ends = await self.end_offsets(topics)
        found: dict[str, Counter[str]] = {tp.topic: Counter() for tp in ends}
        for record in await self._read_to_end(ends, "chaos-observer-census", within=120):
            found[record.topic][dict(record.headers or []).get("ce_id", b"?").decode()] += 1
        return found

    async def dead_letters(self) -> list[str]:
        """What the DLQ topics hold: one line per message (topic, consumer, error)."""
        lines: list[str] = []
        ends = await self.end_offsets(DLQ_NAMES)
        for record in await self._read_to_end(ends, "chaos-observer-dlq", within=30):
            headers = {k: v.decode(errors="replace") for k, v in record.headers or []}
            lines.append(
                f"{record.topic} [{headers.get('dlq_consumer', '?')}] "
                f"{headers.get('ce_type', '?')} {headers.get('ce_id', '?')}: "
                f"{headers.get('dlq_error', '?')[:300]}"
            )
        return lines

    async def _read_to_end(
        self, ends: dict[TopicPartition, int], client_id: str, *, within: float
    ) -> list[ConsumerRecord]:
        """Every message of the partitions in `ends`, from the beginning up to those ends."""
        pending = {tp for tp, end in ends.items() if end > 0}
        read: list[ConsumerRecord] = []
        if not pending:
            return read
        reader = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            client_id=client_id,
            enable_auto_commit=False,
            fetch_max_wait_ms=50,
        )
        await reader.start()
        try:
            reader.assign(list(pending))
            await reader.seek_to_beginning(*pending)
            deadline = time.monotonic() + within
            while pending and time.monotonic() < deadline:
                batches = await reader.getmany(timeout_ms=500, max_records=2000)
                for tp, records in batches.items():
                    read.extend(records)
                    if records and records[-1].offset + 1 >= ends[tp]:
                        pending.discard(tp)
        finally:
            await reader.stop()
        if pending:
            raise TimeoutError(f"could not read {sorted(str(tp) for tp in pending)} to the end")
        return read

    # -- waiting for the system to be whole ------------------------------------------------

    async def caught_up(self, created_before: datetime | None = None) -> bool:
        """One look: every service ready; every outbox row (created before `created_before`,
        if given) published; every group's committed offsets at the ends read after that.

        Without `created_before` it is strict: the outboxes are empty and the ends unchanged
        after the offsets were read, so nothing is in flight anywhere."""
        try:
            if not await self.all_ready():
                return False
            if any(unsent for _, unsent in (await self.outbox(created_before)).values()):
                return False
            ends = await self.end_offsets(TOPIC_NAMES)
            if any((await self.lag(ends)).values()):
                return False
            if created_before is None:
                if any(unsent for _, unsent in (await self.outbox()).values()):
                    return False
                if await self.end_offsets(TOPIC_NAMES) != ends:
                    return False
            return True
        except Exception:  # a part is still away: not caught up yet
            return False

    async def wait_caught_up(
        self, *, within: float, created_before: datetime | None = None, every: float = 0.25
    ) -> float | None:
        """Seconds until `caught_up` held (polling), or None if it did not within `within`."""
        started = time.monotonic()
        while time.monotonic() - started < within:
            if await self.caught_up(created_before):
                return time.monotonic() - started
            await asyncio.sleep(every)
        return None
