"""The dispatcher's loop: the entry point that sends what falls due, as handlers.py is the one
for events. Each step is a use case of `usecases.dispatching` (take what is due, send, record);
this module only runs them: when to look, how many at once, and what happens on a stop.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from services.notifications.clients.sms import Sms
from services.notifications.clients.smtp import Email
from services.notifications.clock import Clock
from services.notifications.domain.rendering import Renderer, default_renderer
from services.notifications.repository import DUE_CHANNEL
from services.notifications.settings import Settings
from services.notifications.usecases import dispatching
from services.notifications.usecases.dispatching import Attempt, Result
from shared import telemetry
from shared.db import Wakeup
from shared.uow import Database

log = logging.getLogger("mesocare.notifications.worker")


class Dispatcher:
    """Runs rounds until stopped: on NOTIFY from a handler's commit, or every poll interval.

    A round only claims and decides; the sends it starts run on their own (at most
    `worker_concurrency` at once) and a recorder writes their results in batches, so the next
    round can take what fell due meanwhile. At most `max_in_flight` messages are between
    `sending` and their recorded result, which keeps each well inside the sending lease.
    """

    def __init__(
        self,
        database: Database,
        settings: Settings,
        clock: Clock,
        renderer: Renderer | None = None,
    ) -> None:
        self.database, self.settings, self.clock = database, settings, clock
        self.channels = dispatching.Channels(
            email=Email(settings, keep_open=settings.worker_concurrency), sms=Sms(settings)
        )
        self.rules = dispatching.Rules(
            renderer=renderer or default_renderer(),
            sms_configured=self.channels.sms.configured,
            unknown_recipient_grace=timedelta(seconds=settings.unknown_recipient_grace_seconds),
            default_network_name=settings.default_network_name,
            max_attempts=settings.max_attempts,
        )
        self.lease = timedelta(seconds=settings.sending_lease_seconds)
        self._wake = Wakeup(database.pool, DUE_CHANNEL)
        self._stopping = False
        self._limit = asyncio.Semaphore(settings.worker_concurrency)
        self.max_in_flight = max(settings.worker_batch_size, settings.worker_concurrency)
        self._in_flight = 0
        self._full = False  # a round found no room: wake when results free some
        self._expiry_checked_at: datetime | None = None
        self._sends: set[asyncio.Task[None]] = set()
        self._results: asyncio.Queue[tuple[Attempt, Result] | None] = asyncio.Queue()
        self._outcomes = telemetry.meter().create_counter(
            "notifications_messages",
            description="Messages by channel and outcome (sent, failed, skipped, retried)",
        )

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        await self._wake.listen()
        recorder = asyncio.create_task(self._record_results(), name="notifications-recorder")
        try:
            while not self._stopping:
                try:
                    while await self.round() and not self._stopping:
                        pass
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("dispatch round failed; trying again")
                await self._wake.wait(self.settings.worker_poll_seconds)
            # Graceful stop: finish the sends under way and record their results.
            await asyncio.gather(*self._sends, return_exceptions=True)
        finally:
            await self._results.put(None)
            await recorder

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def close(self) -> None:
        await self._wake.close()
        await self.channels.sms.close()
        await self.channels.email.close()

    async def round(self) -> bool:
        """Take what is due and start its sends; True if more may be waiting."""
        room = min(self.settings.worker_batch_size, self.max_in_flight - self._in_flight)
        if room <= 0:
            self._full = True  # the recorder wakes the loop when results free some room
            return False
        now = self.clock.now()
        # A message stuck past its lease is rare; looking for one every tenth of the lease
        # (rather than every round) keeps a round to what is due.
        expire = self._expiry_checked_at is None or now - self._expiry_checked_at >= self.lease / 10
        async with self.database.unit(None) as uow:
            taken = await dispatching.take_due(
                uow,
                self.rules,
                now=now,
                room=room,
                expire_before=now - self.lease if expire else None,
            )
        if expire:
            self._expiry_checked_at = now
        for closed in taken.closed:
            self._outcomes.add(1, {"channel": closed.channel, "outcome": closed.status})
        # Committed: each of these is `sending` and will never be taken again.
        for attempt in taken.attempts:
            self._start(attempt)
        return taken.claimed == room

    # --- sending and recording -------------------------------------------------------------------

    def _start(self, attempt: Attempt) -> None:
        self._in_flight += 1
        task = asyncio.create_task(self._deliver(attempt))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    async def _deliver(self, attempt: Attempt) -> None:
        async with self._limit:
            result = await dispatching.send(attempt, self.channels)
        await self._results.put((attempt, result))

    async def _record_results(self) -> None:
        """Write send results as they come, all that are waiting in one transaction."""
        while True:
            first = await self._results.get()
            batch = [first]
            while not self._results.empty():
                batch.append(self._results.get_nowait())
            done = [item for item in batch if item is not None]
            if done:
                await self._record_batch(done)
                self._in_flight -= len(done)
                if self._full:
                    self._full = False
                    self._wake.set()
            if None in batch:
                return

    async def _record_batch(self, done: list[tuple[Attempt, Result]]) -> None:
        for attempt in range(1, 4):
            try:
                async with self.database.unit(None) as uow:
                    finished = await dispatching.record(uow, self.rules, done, now=self.clock.now())
                for (a, _), f in zip(done, finished, strict=True):
                    self._outcomes.add(1, {"channel": str(a.send.channel), "outcome": f.counted})
                return
            except Exception:
                # Left in `sending`, these expire after the lease as "outcome unknown".
                log.exception("could not record %d send results (try %d)", len(done), attempt)
                await asyncio.sleep(0.2 * attempt)
