"""The dispatcher: takes due messages, decides each, sends, records the attempt.

One round:
1. In one transaction, lock due rows with `FOR UPDATE SKIP LOCKED` (replicas of this service
   may run side by side) and decide each: hold it (quiet hours, recipient not known yet),
   close it (skipped with the reason, withdrawn, failed to render), or render it and mark it
   `sending` with a new attempt row. Commit.
2. Send the `sending` ones outside any transaction, a few at a time.
3. Record each result: `sent`; or back to `scheduled` at the backoff time; or `failed` with why.

A message is marked `sending` (committed) before the SMTP/HTTP call, and only a message in
`scheduled` is ever taken: so a crash mid-send can never cause a second send. A message left in
`sending` past the lease is recorded as failed with an unknown outcome (at most once beats twice
for a patient; the log shows it for staff to follow up).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
from opentelemetry.trace import SpanKind, Status, StatusCode

from services.notifications import composing, repository
from services.notifications.channels import Delivered, Email, Outgoing, SendFailed, Sms
from services.notifications.domain import (
    Audience,
    Channel,
    FailureKind,
    GiveUp,
    MessageKind,
    Skip,
    after_failure,
    choose_channel,
    kind_spec,
    release_time,
)
from services.notifications.handlers import (
    APPOINTMENT_NOTICES,
    DUE_CHANNEL,
    Runtime,
    quiet_hours,
    zone,
)
from services.notifications.rendering import Renderer, RenderFailed, default_renderer
from shared import telemetry
from shared.events.base import EVENT_TYPES, Event
from shared.events.booking import AppointmentEvent, SessionCompleted

log = logging.getLogger("mesocare.notifications.worker")

RECHECK_UNKNOWN_RECIPIENT = timedelta(seconds=30)

APPOINTMENT_OVER = {
    "cancelled": "appointment cancelled",
    "no_show": "appointment missed (no-show)",
    "completed": "session completed",
}
"""Appointment statuses after which its notices no longer apply, with the reason recorded."""
BOOKING_REMINDERS = (MessageKind.NEXT_SESSION_DUE, MessageKind.MAINTENANCE_REMINDER)
SKIN_TYPE_KINDS = (MessageKind.AFTERCARE, MessageKind.SIDE_EFFECT_CHECKIN)
"""Kinds whose wording depends on the patient's skin type (the side effects they name)."""


@dataclass(frozen=True, slots=True)
class Hold:
    until: datetime


@dataclass(frozen=True, slots=True)
class Close:
    status: str  # skipped | withdrawn | failed
    reason: str
    channel: str = "none"


@dataclass(frozen=True, slots=True)
class Send:
    channel: Channel
    out: Outgoing
    locale: str


Decision = Hold | Close | Send


@dataclass(frozen=True, slots=True)
class _Contact:
    name: str
    email: str | None
    phone: str | None
    preferred: str | None
    opt_outs: list[str]
    marketing_consent: bool
    locale: str
    tz: Any
    quiet: Any


@dataclass(frozen=True, slots=True)
class _Attempt:
    """A message marked `sending` (committed) with its attempt number: what one send carries."""

    row: Any
    number: int
    send: Send


Result = Delivered | SendFailed


class Dispatcher:
    """Runs rounds until stopped: on NOTIFY from a handler's commit, or every poll interval.

    A round only claims and decides; the sends it starts run on their own (at most
    `worker_concurrency` at once) and a recorder writes their results in batches, so the next
    round can take what fell due meanwhile. At most `max_in_flight` messages are between
    `sending` and their recorded result, which keeps each well inside the sending lease.
    """

    def __init__(self, pool: asyncpg.Pool, rt: Runtime, renderer: Renderer | None = None) -> None:
        self.pool, self.rt = pool, rt
        self.settings = rt.settings
        self.renderer = renderer or default_renderer()
        self._http = httpx.AsyncClient(timeout=self.settings.sms_timeout_seconds)
        self.email = Email(self.settings, keep_open=self.settings.worker_concurrency)
        self.sms = Sms(self.settings, self._http)
        self._wake = asyncio.Event()
        self._stopping = False
        self._listener: asyncpg.Connection | None = None
        self._on_notify = lambda *_: self._wake.set()
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._limit = asyncio.Semaphore(self.settings.worker_concurrency)
        self.max_in_flight = max(self.settings.worker_batch_size, self.settings.worker_concurrency)
        self._in_flight = 0
        self._full = False  # a round found no room: wake when results free some
        self._expiry_checked_at: datetime | None = None
        self._sends: set[asyncio.Task[None]] = set()
        self._results: asyncio.Queue[tuple[_Attempt, Result] | None] = asyncio.Queue()
        self._outcomes = telemetry.meter().create_counter(
            "notifications_messages",
            description="Messages by channel and outcome (sent, failed, skipped, retried)",
        )

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        await self._listen()
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
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.worker_poll_seconds)
                self._wake.clear()
            # Graceful stop: finish the sends under way and record their results.
            await asyncio.gather(*self._sends, return_exceptions=True)
        finally:
            await self._results.put(None)
            await recorder

    async def _listen(self) -> None:
        try:
            self._listener = await self.pool.acquire()
            self._listener.keep_session_state()  # LISTEN is the session's
            await self._listener.add_listener(DUE_CHANNEL, self._on_notify)
        except Exception:
            log.warning("LISTEN failed; polling only", exc_info=True)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def close(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.remove_listener(DUE_CHANNEL, self._on_notify)
            await self.pool.release(self._listener)
            self._listener = None
        await self._http.aclose()
        await self.email.close()

    async def round(self) -> bool:
        """Claim and decide what is due, start its sends; True if more may be waiting."""
        room = min(self.settings.worker_batch_size, self.max_in_flight - self._in_flight)
        if room <= 0:
            self._full = True  # the recorder wakes the loop when results free some room
            return False
        now = self.rt.clock.now()
        lease = timedelta(seconds=self.settings.sending_lease_seconds)
        self._cache = {}
        async with self.pool.acquire() as conn, conn.transaction():
            # A message stuck past its lease is rare; looking for one every tenth of the lease
            # (rather than every round) keeps a round to what is due.
            if self._expiry_checked_at is None or now - self._expiry_checked_at >= lease / 10:
                await repository.expire_stale_sending(conn, older_than=now - lease, now=now)
                self._expiry_checked_at = now
            rows = await repository.claim_due(conn, now=now, limit=room)
            await self._prefetch(conn, rows)
            decided = []
            for row in rows:
                decided.append((row, await self._decide_one(conn, row, now)))
                # Rendering is CPU work: let the consumer and the sends run between messages.
                await asyncio.sleep(0)
            for row, decision in decided:
                if isinstance(decision, Hold):
                    await repository.hold(conn, row["id"], until=decision.until, now=now)
                elif isinstance(decision, Close):
                    await repository.close_without_sending(
                        conn, row["id"], status=decision.status, reason=decision.reason, now=now
                    )
                    self._outcomes.add(1, {"channel": decision.channel, "outcome": decision.status})
            sends = [(row, d) for row, d in decided if isinstance(d, Send)]
            numbers = await repository.start_sending_many(
                conn,
                [
                    repository.Sending(
                        message_id=row["id"],
                        channel=str(send.channel),
                        address=send.out.address,
                        locale=send.locale,
                        subject=send.out.subject,
                        body=send.out.body,
                        sms=send.out.sms,
                    )
                    for row, send in sends
                ],
                now=now,
            )
        # Committed: each of these is `sending` and will never be taken again.
        for row, send in sends:
            self._start(_Attempt(row, numbers[row["id"]], send))
        return len(rows) == room

    async def _decide_one(self, conn: asyncpg.Connection, row: Any, now: datetime) -> Decision:
        try:
            return await self._decide(conn, row, now)
        except asyncpg.PostgresError:
            raise  # the round's transaction is gone: the whole round is tried again
        except Exception as exc:  # one bad row stops nothing else
            log.exception("could not decide message %s", row["id"])
            return Close("failed", f"internal_error: {type(exc).__name__}: {exc}")

    async def _prefetch(self, conn: asyncpg.Connection, rows: list[Any]) -> None:
        """Load the patients, clinics and appointments of the claimed rows in three queries, and
        the skin types of the patients about to get aftercare or a check-in in a fourth."""
        skin = [r for r in rows if r["kind"] in SKIN_TYPE_KINDS]
        for lookup, column, of in (
            (repository.get_patient, "patient_id", rows),
            (repository.get_clinic, "clinic_id", rows),
            (repository.get_appointment, "appointment_id", rows),
            (repository.get_skin_type, "patient_id", skin),
        ):
            keys = {(r["network_id"], r[column]) for r in of if r[column] is not None}
            if not keys:
                continue
            found = await repository.REPLICA_BATCH[lookup](conn, list(keys))
            for key in keys:
                self._cache[(lookup.__name__, *key)] = found.get(key)

    async def _get(self, conn: asyncpg.Connection, lookup: Any, *args: Any) -> Any:
        """A replica or template lookup, remembered for the rest of the round."""
        key = (lookup.__name__, *args)
        if key not in self._cache:
            self._cache[key] = await lookup(conn, *args)
        return self._cache[key]

    # --- sending and recording -------------------------------------------------------------------

    def _start(self, attempt: _Attempt) -> None:
        self._in_flight += 1
        task = asyncio.create_task(self._deliver(attempt))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    async def _deliver(self, attempt: _Attempt) -> None:
        result = await self._send(attempt)
        await self._results.put((attempt, result))

    async def _send(self, attempt: _Attempt) -> Result:
        """One attempt, in a span under the trace of the handler that scheduled the message."""
        row, send = attempt.row, attempt.send
        adapter = self.email if send.channel is Channel.EMAIL else self.sms
        async with self._limit:
            with telemetry.span_from(
                row["traceparent"],
                f"send {send.channel}",
                SpanKind.CLIENT,
                **{
                    "mesocare.message.id": str(row["id"]),
                    "mesocare.message.kind": row["kind"],
                    "mesocare.message.channel": str(send.channel),
                    "mesocare.message.attempt": attempt.number,
                },
            ) as span:
                result = await self._call(adapter, send.out)
                outcome = "sent" if isinstance(result, Delivered) else f"{result.kind}_failure"
                span.set_attribute("mesocare.message.outcome", outcome)
                if not isinstance(result, Delivered):
                    # The detail may quote the address: the span says only what kind of failure.
                    span.set_status(Status(StatusCode.ERROR, outcome))
                return result

    async def _call(self, adapter: Email | Sms, out: Outgoing) -> Result:
        try:
            return await adapter.send(out)
        except SendFailed as exc:
            return exc
        except Exception as exc:  # an adapter bug must not leave the row in `sending`
            log.exception("channel adapter failed")
            return SendFailed(FailureKind.TEMPORARY, f"{type(exc).__name__}: {exc}")

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

    async def _record_batch(self, done: list[tuple[_Attempt, Result]]) -> None:
        for attempt in range(1, 4):
            try:
                now = self.rt.clock.now()
                finished = [self._finished(a, result, now) for a, result in done]
                async with self.pool.acquire() as conn, conn.transaction():
                    await repository.finish_attempts(conn, finished, now=now)
                for (a, _), f in zip(done, finished, strict=True):
                    self._outcomes.add(1, {"channel": str(a.send.channel), "outcome": f.counted})
                return
            except Exception:
                # Left in `sending`, these expire after the lease as "outcome unknown".
                log.exception("could not record %d send results (try %d)", len(done), attempt)
                await asyncio.sleep(0.2 * attempt)

    def _finished(self, a: _Attempt, result: Result, now: datetime) -> repository.Finished:
        """What the attempt's result makes of the message: sent, retried later, or failed."""
        if isinstance(result, Delivered):
            return repository.Finished(
                a.row["id"], a.number, "sent", result.detail, "sent", None, None, "sent"
            )
        outcome = f"{result.kind}_failure"
        next_step = after_failure(
            a.number,
            result.kind,
            now,
            detail=result.detail,
            max_attempts=self.settings.max_attempts,
        )
        if isinstance(next_step, GiveUp):
            return repository.Finished(
                a.row["id"],
                a.number,
                outcome,
                result.detail,
                "failed",
                next_step.reason,
                None,
                "failed",
            )
        return repository.Finished(
            a.row["id"],
            a.number,
            outcome,
            result.detail,
            "scheduled",
            f"attempt {a.number} failed: {result.detail}; retrying",
            next_step.at,
            "retried",
        )

    # --- deciding one message --------------------------------------------------------------------

    async def _decide(self, conn: asyncpg.Connection, row: Any, now: datetime) -> Decision:
        kind = MessageKind(row["kind"])
        event: Event = EVENT_TYPES[row["event_type"]].model_validate(row["facts"])
        network = row["network_id"]

        withdrawn = await self._withdrawn(conn, row, kind, event)
        if withdrawn:
            return Close("withdrawn", withdrawn)

        contact = await self._contact(conn, row, kind)
        if contact is None:
            grace = timedelta(seconds=self.settings.unknown_recipient_grace_seconds)
            if now < row["created_at"] + grace:
                return Hold(min(row["created_at"] + grace, now + RECHECK_UNKNOWN_RECIPIENT))
            return Close(
                "skipped",
                f"no_contact_details: the {row['recipient_type']} {row['recipient_id']} is not "
                "known to notifications (no contact data received)",
            )
        if isinstance(contact, Close):
            return contact

        release = release_time(kind, now, contact.tz, contact.quiet)
        if release > now:
            return Hold(release)

        channel = self._channel(kind, contact)
        if isinstance(channel, Skip):
            return Close("skipped", f"{channel.reason}: {channel.detail}")

        scene = await self._scene(conn, row, event, contact)
        try:
            overrides = await self._get(conn, repository.template_overrides, network, str(kind))
            rendered = self.renderer.render(
                kind,
                contact.locale,
                composing.context(kind, event, scene),
                overrides=overrides,  # type: ignore[arg-type]
            )
        except RenderFailed as exc:
            return Close("failed", f"render_failed: {exc.detail}", str(channel))
        address = contact.email if channel is Channel.EMAIL else contact.phone
        assert address
        return Send(
            channel,
            Outgoing(row["id"], address.strip(), rendered.subject, rendered.text, rendered.sms),
            rendered.locale,
        )

    async def _withdrawn(
        self, conn: asyncpg.Connection, row: Any, kind: MessageKind, event: Event
    ) -> str | None:
        """Why a message no longer applies, if it doesn't: its appointment is over or has
        moved, or the next session it asks the patient to book is booked."""
        if kind in APPOINTMENT_NOTICES:
            return await self._notice_withdrawn(conn, row, kind, event)
        if kind in BOOKING_REMINDERS:
            return await self._next_session_booked(conn, row, event)
        return None

    async def _notice_withdrawn(
        self, conn: asyncpg.Connection, row: Any, kind: MessageKind, event: Event
    ) -> str | None:
        assert isinstance(event, AppointmentEvent)
        appt = await self._get(
            conn, repository.get_appointment, row["network_id"], event.appointment_id
        )
        if appt is None:
            return None
        if appt["status"] in APPOINTMENT_OVER:
            return APPOINTMENT_OVER[appt["status"]]
        if kind is MessageKind.APPOINTMENT_REMINDER and appt["starts_at"] != event.starts_at:
            return "appointment moved; a new reminder was scheduled"
        return None

    async def _next_session_booked(
        self, conn: asyncpg.Connection, row: Any, event: Event
    ) -> str | None:
        """Decided when the reminder is due, not when the booking is made: a booking cancelled
        in between lets the reminder go out after all."""
        assert isinstance(event, SessionCompleted)
        plan = event.treatment_plan
        booked = await self._get(
            conn,
            repository.next_session_booked,
            row["network_id"],
            event.patient_id,
            plan.treatment_type_id if plan else event.treatment_type_id,
            event.starts_at,
            event.appointment_id,
        )
        if booked is None:
            return None
        return (
            f"next_session_booked: appointment {booked['appointment_id']} on "
            f"{booked['starts_at'].date().isoformat()} is {booked['status']}"
        )

    async def _contact(
        self, conn: asyncpg.Connection, row: Any, kind: MessageKind
    ) -> _Contact | Close | None:
        network, rid, rtype = row["network_id"], row["recipient_id"], row["recipient_type"]
        if rtype == "patient":
            p = await self._get(conn, repository.get_patient, network, rid)
            if p is None:
                return None
            return _Contact(
                name=p["given_name"],
                email=p["email"],
                phone=p["phone"],
                preferred=p["preferred_channel"],
                opt_outs=list(p["channel_opt_outs"]),
                marketing_consent=p["marketing_consent"],
                locale=p["locale"],
                tz=zone(p["timezone"]),
                quiet=quiet_hours(p),
            )
        if rtype == "practitioner":
            s = await self._get(conn, repository.get_practitioner, network, rid)
            name = s["name"] if s else None
        else:
            s = await self._get(conn, repository.get_clinic, network, rid)
            name = f"{s['name']} team" if s else None
        if s is None:
            return None
        # Staff alerts: email first, SMS as the fallback; staff have no opt-outs or quiet hours.
        assert kind_spec(kind).audience is Audience.STAFF
        return _Contact(name, s["email"], s["phone"], "email", [], False, "en", zone("UTC"), None)

    def _channel(self, kind: MessageKind, c: _Contact) -> Channel | Skip:
        refused = list(c.opt_outs)
        if not self.sms.configured:
            refused.append(str(Channel.SMS))
        choice = choose_channel(
            c.preferred, c.email, c.phone, refused, kind, marketing_consent=c.marketing_consent
        )
        if isinstance(choice, Skip) and not self.sms.configured and c.phone:
            # Say what really stood in the way rather than an opt-out the patient never made.
            detail = choice.detail.replace("sms: opted out", "sms: no SMS provider configured")
            return Skip(choice.reason, detail)
        return choice

    async def _scene(
        self, conn: asyncpg.Connection, row: Any, event: Event, contact: _Contact
    ) -> composing.Scene:
        network = row["network_id"]
        clinic = (
            await self._get(conn, repository.get_clinic, network, row["clinic_id"])
            if row["clinic_id"]
            else None
        )
        clinic_name, clinic_tz, clinic_phone = "your clinic", "UTC", ""
        if clinic is not None:
            clinic_name, clinic_tz = clinic["name"], clinic["timezone"]
            clinic_phone = clinic["phone"] or ""
        elif isinstance(event, AppointmentEvent):
            clinic_name, clinic_tz = event.clinic.name, event.clinic.timezone
            clinic_phone = event.clinic.phone or ""
        brand = await self._get(conn, repository.get_branding, network)
        patient_name, appointment_at = "", None
        if row["patient_id"] is not None:
            p = await self._get(conn, repository.get_patient, network, row["patient_id"])
            patient_name = (
                f"{p['given_name']} {p['family_name']}" if p else f"patient {row['patient_id']}"
            )
        if row["appointment_id"] is not None:
            a = await self._get(conn, repository.get_appointment, network, row["appointment_id"])
            appointment_at = a["starts_at"] if a else None
        skin_type = None
        if row["kind"] in SKIN_TYPE_KINDS and row["patient_id"] is not None:
            skin_type = await self._get(conn, repository.get_skin_type, network, row["patient_id"])
        return composing.Scene(
            recipient_name=contact.name,
            locale=contact.locale,
            patient_tz=contact.tz,
            clinic_tz=zone(clinic_tz),
            clinic_name=clinic_name,
            clinic_phone=clinic_phone or "the clinic",
            network_name=brand["network_name"] if brand else self.settings.default_network_name,
            signature=brand["signature"] if brand else None,
            patient_name=patient_name,
            appointment_starts_at=appointment_at,
            skin_type=skin_type,
        )
