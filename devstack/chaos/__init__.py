"""`make chaos`: the whole stack under faults while a clinic workload runs, then checked.

    python -m devstack.chaos [--broker-down 60] [--broker-pause 30] [--postgres-down 3] …

Starts a stack of its own (embedded PostgreSQL, tansu behind a TCP proxy of this process, the
sinks and the five services, on free ports, under `.devstack/chaos`), sets up a network of its
own through the APIs and runs the workload (devstack/chaos/workload.py). Meanwhile, in order:

1. **broker down**: the proxy closes every broker connection and refuses new ones (tansu keeps
   topics in memory only, so it is not restarted); writes go on into the outboxes;
2. **a consumer SIGKILLed in the middle of a batch**: the consumer (notifications) is cut off at
   the proxy until a batch waits for it, let back in with its offset commits held, and killed
   once it has handled a few events of the batch: they come again, and its inbox must absorb
   them;
3. **broker paused**: tansu SIGSTOPped, then SIGCONTed;
4. **the relay SIGKILLed between publishing and marking rows sent**: booking's relay is cut off
   until a burst waits in its outbox, then its produce request reaches the broker and the proxy
   withholds the broker's answer; booking is SIGKILLed at that moment, so the rows are on the
   broker but not marked sent, and go out again when it restarts;
5. **PostgreSQL restarted**: stopped and started on the same data directory; pools must recover.

After each fault the run waits until the system has recovered (every service ready, the fault's
backlog published and consumed). At the end the workload stops, the system must become quiet
(outboxes empty, every group at the end of its topics), and `verify` checks that every effect
happened exactly once, prints the figures and says which check failed, if any.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from devstack.chaos.observe import TOPIC_NAMES, Observer
from devstack.chaos.report import Check, FaultResult, Report
from devstack.chaos.verify import verify
from devstack.chaos.workload import Workload
from devstack.kafka_proxy import OFFSET_COMMIT, PRODUCE, KafkaProxy
from devstack.ports import free_port
from devstack.postgres import stop_stale_server
from devstack.stack import SERVICES, LocalStack, StackConfig, stop_leftovers
from shared.settings import PlatformSettings

log = logging.getLogger("devstack.chaos")


@dataclass
class ChaosOptions:
    root: Path
    broker_down: float = 60.0
    broker_pause: float = 30.0
    postgres_down: float = 3.0
    """Seconds between PostgreSQL's stop and its start."""
    warmup: float = 10.0
    """Seconds of workload before the first fault."""
    calm: float = 5.0
    """Seconds of workload after a recovery, before the next fault."""
    lanes: int = 3
    lot_every: int = 5
    """Completions per lot: then a new lot is received and the old one recalled."""
    pace: float = 0.2
    """Seconds each lane waits between two visits (0: as fast as the stack answers)."""
    consumer: str = "notifications"
    relay: str = "booking"
    recover_within: float = 240.0
    patience: float = 240.0
    """How long the workload asks again for one write before it gives up."""
    durable: bool = True
    """fsync on: PostgreSQL as deployed. Off for the trimmed test."""


BATCH = 20
"""Messages that wait for the consumer, rows for the relay, before either is let back in to be
killed with a batch in hand."""
KILL_AFTER = 3
"""The consumer is killed once it has handled this many events of its batch."""


class Chaos:
    def __init__(self, options: ChaosOptions, say: Callable[[str], None] = print) -> None:
        self.options = options
        self._say = say
        self._t0 = time.monotonic()
        self.proxy = KafkaProxy(port=free_port(), upstream_port=free_port())
        self.stack = LocalStack(
            StackConfig(
                root=options.root,
                ports={name: free_port() for name in SERVICES},
                pg_port=free_port(),
                kafka_port=self.proxy.upstream_port,
                kafka_advertised_port=self.proxy.port,
                smtp_port=free_port(),
                sms_port=free_port(),
                durable=options.durable,
                seed_demo=False,
            )
        )
        self.report = Report()

    def say(self, line: str) -> None:
        self._say(f"[{time.monotonic() - self._t0:6.1f}s] {line}")

    async def run(self) -> Report:
        root = self.options.root
        stop_leftovers(root)
        stop_stale_server(root / "pgdata")
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        await self.proxy.start()
        try:
            self.say(f"starting a stack in {root} (the broker behind {self.proxy.bootstrap})")
            await asyncio.to_thread(self.stack.start, lambda line: self.say(f"  {line}"))
            observer = Observer(self.stack)
            try:
                await self._exercise(observer)
            finally:
                await observer.close()
        finally:
            self.say("stopping the stack")
            await asyncio.to_thread(self.stack.stop)
            await self.proxy.stop()
        return self.report

    async def _exercise(self, observer: Observer) -> None:
        options = self.options
        workload = Workload(
            {name: self.stack.url(name) for name in SERVICES},
            PlatformSettings(),
            lanes=options.lanes,
            lot_every=options.lot_every,
            patience=options.patience,
            pace=options.pace,
            say=self.say,
        )
        self.workload = workload
        try:
            observer.start_scraping()
            self.say(f"workload: network {workload.network}, {options.lanes} lanes; setting up")
            await workload.setup()
            workload.start()
            started = time.monotonic()
            while workload.completions < 1 or time.monotonic() - started < options.warmup:
                if workload.failures:
                    break
                await asyncio.sleep(0.2)
            self.say(f"workload running ({workload.completions} treatments so far)")
            for fault in (
                self.broker_down,
                self.consumer_kill,
                self.broker_pause,
                self.relay_kill,
                self.postgres_restart,
            ):
                if fault is not self.broker_down:
                    await asyncio.sleep(options.calm)
                await self._recover(observer, await fault(observer))
            self.say("stopping the workload (each lane finishes its visit)")
            await workload.stop()
            self.say("waiting until nothing is in flight: outboxes empty, every group at the end")
            self.report.quiet_in = await observer.wait_caught_up(within=options.recover_within)
            self.say("checking")
            await verify(self.report, observer, workload)
        except Exception as exc:
            self.say(f"the run broke off: {exc!r}")
            log.exception("the chaos run broke off")
            self.report.checks.append(Check("the run went to its end", False, repr(exc)))
        finally:
            await workload.close()

    async def _recover(self, observer: Observer, fault: FaultResult) -> None:
        """Wait until the services are ready, every outbox row written up to the end of the
        fault is published, and every group is past what was on the broker then."""
        self.report.faults.append(fault)
        deadline = time.monotonic() + self.options.recover_within
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if await observer.all_ready():
                    backlog = await observer.outbox(created_before=fault.ended_at)
                    if not any(unsent for _, unsent in backlog.values()):
                        break
            await asyncio.sleep(0.25)
        ends = None
        while time.monotonic() < deadline:
            try:
                ends = ends or await observer.end_offsets(TOPIC_NAMES)
                if not any((await observer.lag(ends)).values()):
                    fault.recovered_in = time.monotonic() - fault.ended
                    self.say(f"recovered from {fault.name} after {fault.recovered_in:.1f} s")
                    return
            except Exception:
                ends = None
            await asyncio.sleep(0.25)
        self.say(f"NOT recovered from {fault.name} within {self.options.recover_within:.0f} s")

    def _ended(self, name: str, detail: str, started: float, exercised: bool = True) -> FaultResult:
        now = time.monotonic()
        self.say(f"{name}: {detail}")
        return FaultResult(
            name=name,
            detail=detail,
            seconds=now - started,
            ended_at=datetime.now(UTC),
            ended=now,
            exercised=exercised,
        )

    # -- the faults ------------------------------------------------------------------------

    async def broker_down(self, observer: Observer) -> FaultResult:
        seconds = self.options.broker_down
        self.say(f"FAULT broker down for {seconds:.0f} s (proxy closes and refuses connections)")
        before = self.workload.ledger.requests
        started = time.monotonic()
        closed = await self.proxy.down()
        await asyncio.sleep(seconds)
        backlog = await self._backlog(observer)
        await self.proxy.up()
        return self._ended(
            "broker down",
            f"{closed} connections closed, new ones refused; the workload sent "
            f"{self.workload.ledger.requests - before} requests meanwhile and {backlog} events "
            "waited in the outboxes",
            started,
        )

    async def consumer_kill(self, observer: Observer) -> FaultResult:
        """SIGKILL the consumer in the middle of a batch.

        For a batch worth the name, the consumer is first cut off from the broker at the proxy
        until `BATCH` messages have come on its topics (counted at the ends of the partitions:
        no question to the group coordinator while a member is away). From the moment it is let
        back in, the proxy holds its offset commits, so nothing it handles is committed; it is
        SIGKILLed once it has handled `KILL_AFTER` events of that batch, and restarted."""
        name = self.options.consumer
        client = f"{name}-consumer"
        topics = sorted(observer.subscriptions[name])
        self.say(f"FAULT {name} SIGKILLed in the middle of a batch")
        started = time.monotonic()
        deadline = started + self.options.recover_within
        self.proxy.block(client)
        cut_at = sum((await observer.end_offsets(topics)).values())
        waiting = 0
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                waiting = sum((await observer.end_offsets(topics)).values()) - cut_at
                if waiting >= BATCH:
                    break
            await asyncio.sleep(0.1)
        conn = await asyncpg.connect(observer.database(name))
        try:
            await observer.scrape(name)
            base = await observer.inbox_count(conn, name)
            trap = self.proxy.trap(client, OFFSET_COMMIT, hold="request")
            self.proxy.unblock(client)
            handled = 0
            while time.monotonic() < deadline:
                handled = await observer.inbox_count(conn, name) - base
                if handled >= KILL_AFTER or (handled and trap.sprung.is_set()):
                    break
                await asyncio.sleep(0.005)
            self.stack.processes[name].send_signal(signal.SIGKILL)
            await asyncio.to_thread(self.stack.kill, name)
            handled = await observer.inbox_count(conn, name) - base
        finally:
            await conn.close()
        trap.disarm()
        arrived = sum((await observer.end_offsets(topics)).values()) - cut_at
        killed_at = time.monotonic()
        await asyncio.to_thread(self.stack.restart, name)
        return self._ended(
            f"{name} SIGKILLed mid-batch",
            f"cut off until {waiting} messages waited for it, let back in: SIGKILLed having "
            f"handled {handled} of the {arrived} come since it was cut off, none committed"
            + (" (its commit held at the proxy)" if trap.sprung.is_set() else "")
            + f"; restarted, ready in {time.monotonic() - killed_at:.1f} s",
            started,
            exercised=0 < handled < arrived,
        )

    async def broker_pause(self, observer: Observer) -> FaultResult:
        seconds = self.options.broker_pause
        broker = self.stack.broker
        assert broker is not None
        self.say(f"FAULT broker paused for {seconds:.0f} s (SIGSTOP tansu)")
        started = time.monotonic()
        broker.pause()
        await asyncio.sleep(seconds)
        backlog = await self._backlog(observer)
        broker.resume()
        return self._ended(
            "broker paused",
            f"tansu SIGSTOPped, then SIGCONTed; {backlog} events waited in the outboxes",
            started,
        )

    async def relay_kill(self, observer: Observer) -> FaultResult:
        """SIGKILL the service whose relay has published a batch the broker acknowledged,
        before the relay hears the acknowledgement and marks the rows sent.

        For a burst, the relay is first cut off from the broker at the proxy until `BATCH` rows
        wait in its outbox; it is let back in with the trap set: the answer to its first produce
        request is delayed, so the second carries the rest of the burst; the broker stores it
        and answers, the proxy withholds the answer, and the service is SIGKILLed."""
        name = self.options.relay
        client = f"{name}-relay"
        self.say(f"FAULT {name}'s relay SIGKILLed between publishing and marking rows sent")
        started = time.monotonic()
        deadline = started + self.options.recover_within
        self.proxy.block(client)
        waiting = 0
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                waiting = (await observer.outbox())[name][1]
                if waiting >= BATCH:
                    break
            await asyncio.sleep(0.1)
        await observer.scrape(name)
        trap = self.proxy.trap(client, PRODUCE, hold="response", delay_first=0.5)
        self.proxy.unblock(client)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(trap.sprung.wait(), max(1.0, deadline - time.monotonic()))
        self.stack.processes[name].send_signal(signal.SIGKILL)
        trap.disarm()
        await asyncio.to_thread(self.stack.kill, name)
        unmarked = await self._published_not_marked(observer, name)
        killed_at = time.monotonic()
        await asyncio.to_thread(self.stack.restart, name)
        return self._ended(
            f"{name} relay SIGKILLed after publishing",
            f"cut off until {waiting} rows waited in its outbox, let back in: the broker "
            f"stored its produce request and answered; SIGKILLed before the relay heard it, "
            f"with {unmarked} rows on the broker but not marked sent (they go out again); "
            f"restarted, ready in {time.monotonic() - killed_at:.1f} s",
            started,
            exercised=trap.sprung.is_set() and unmarked > 0,
        )

    async def postgres_restart(self, observer: Observer) -> FaultResult:
        postgres = self.stack.postgres
        assert postgres is not None
        self.say(f"FAULT PostgreSQL restarted ({self.options.postgres_down:.0f} s down)")
        started = time.monotonic()
        await asyncio.to_thread(postgres.stop)
        await asyncio.sleep(self.options.postgres_down)
        await asyncio.to_thread(postgres.start)
        return self._ended(
            "PostgreSQL restarted",
            f"stopped (fast shutdown) and started again on the same data directory after "
            f"{time.monotonic() - started:.1f} s",
            started,
        )

    # -- helpers ---------------------------------------------------------------------------

    async def _backlog(self, observer: Observer) -> int:
        with contextlib.suppress(Exception):
            return sum(unsent for _, unsent in (await observer.outbox()).values())
        return -1

    async def _published_not_marked(self, observer: Observer, service: str) -> int:
        rows = await observer.query(
            service, "SELECT topic, event_id::text AS id FROM outbox WHERE sent_at IS NULL"
        )
        if not rows:
            return 0
        census = await observer.census({r["topic"] for r in rows})
        return sum(1 for r in rows if census[r["topic"]][r["id"]] > 0)


def run(options: ChaosOptions, say: Callable[[str], None] = print) -> Report:
    """The whole chaos run (blocking): start, exercise, check, stop."""
    return asyncio.run(Chaos(options, say).run())
