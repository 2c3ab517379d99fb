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
from services.notifications.handlers import DUE_CHANNEL, Runtime, quiet_hours, zone
from services.notifications.rendering import Renderer, RenderFailed, default_renderer
from shared import telemetry
from shared.events.base import EVENT_TYPES, Event
from shared.events.booking import AppointmentEvent

log = logging.getLogger("mesocare.notifications.worker")

RECHECK_UNKNOWN_RECIPIENT = timedelta(seconds=30)


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


class Dispatcher:
    """Runs rounds until stopped: on NOTIFY from a handler's commit, or every poll interval."""

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
        self._outcomes = telemetry.meter().create_counter(
            "notifications_messages",
            description="Messages by channel and outcome (sent, failed, skipped, retried)",
        )

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        await self._listen()
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

    async def _listen(self) -> None:
        try:
            self._listener = await self.pool.acquire()
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

    async def round(self) -> int:
        """One round; returns how many messages it took (0: nothing was due)."""
        now = self.rt.clock.now()
        lease = timedelta(seconds=self.settings.sending_lease_seconds)
        sends: list[tuple[Any, int, Send]] = []
        self._cache: dict[tuple[Any, ...], Any] = {}
        async with self.pool.acquire() as conn, conn.transaction():
            await repository.expire_stale_sending(conn, older_than=now - lease, now=now)
            rows = await repository.claim_due(conn, now=now, limit=self.settings.worker_batch_size)
            for row in rows:
                try:
                    async with conn.transaction():  # a savepoint: one bad row stops nothing else
                        decision = await self._decide(conn, row, now)
                except Exception as exc:
                    log.exception("could not decide message %s", row["id"])
                    decision = Close("failed", f"internal_error: {type(exc).__name__}: {exc}")
                if isinstance(decision, Hold):
                    await repository.hold(conn, row["id"], until=decision.until, now=now)
                elif isinstance(decision, Close):
                    await repository.close_without_sending(
                        conn, row["id"], status=decision.status, reason=decision.reason, now=now
                    )
                    self._outcomes.add(1, {"channel": decision.channel, "outcome": decision.status})
                else:
                    number = await repository.start_sending(
                        conn,
                        row["id"],
                        channel=str(decision.channel),
                        address=decision.out.address,
                        locale=decision.locale,
                        subject=decision.out.subject,
                        body=decision.out.body,
                        sms=decision.out.sms,
                        now=now,
                    )
                    sends.append((row, number, decision))
        if sends:
            results = await asyncio.gather(*(self._send(s) for _, _, s in sends))
            done = self.rt.clock.now()
            async with self.pool.acquire() as conn, conn.transaction():
                for (row, number, send), result in zip(sends, results, strict=True):
                    await self._record(conn, row, number, send, result, done)
        return len(rows)

    async def _get(self, conn: asyncpg.Connection, lookup: Any, *args: Any) -> Any:
        """A replica or template lookup, remembered for the rest of the round."""
        key = (lookup.__name__, *args)
        if key not in self._cache:
            self._cache[key] = await lookup(conn, *args)
        return self._cache[key]

    async def _send(self, send: Send) -> Delivered | SendFailed:
        adapter = self.email if send.channel is Channel.EMAIL else self.sms
        async with self._limit:
            try:
                return await adapter.send(send.out)
            except SendFailed as exc:
                return exc
            except Exception as exc:  # an adapter bug must not leave the row in `sending`
                log.exception("channel adapter failed")
                return SendFailed(FailureKind.TEMPORARY, f"{type(exc).__name__}: {exc}")

    async def _record(
        self,
        conn: asyncpg.Connection,
        row: Any,
        number: int,
        send: Send,
        result: Delivered | SendFailed,
        now: datetime,
    ) -> None:
        channel = str(send.channel)
        if isinstance(result, Delivered):
            await repository.finish_attempt(
                conn,
                row["id"],
                number,
                outcome="sent",
                detail=result.detail,
                status="sent",
                status_reason=None,
                send_at=None,
                now=now,
            )
            self._outcomes.add(1, {"channel": channel, "outcome": "sent"})
            return
        next_step = after_failure(
            number,
            result.kind,
            now,
            detail=result.detail,
            max_attempts=self.settings.max_attempts,
        )
        outcome = f"{result.kind}_failure"
        if isinstance(next_step, GiveUp):
            await repository.finish_attempt(
                conn,
                row["id"],
                number,
                outcome=outcome,
                detail=result.detail,
                status="failed",
                status_reason=next_step.reason,
                send_at=None,
                now=now,
            )
            self._outcomes.add(1, {"channel": channel, "outcome": "failed"})
        else:
            await repository.finish_attempt(
                conn,
                row["id"],
                number,
                outcome=outcome,
                detail=result.detail,
                status="scheduled",
                status_reason=f"attempt {number} failed: {result.detail}; retrying",
                send_at=next_step.at,
                now=now,
            )
            self._outcomes.add(1, {"channel": channel, "outcome": "retried"})

    # --- deciding one message --------------------------------------------------------------------

    async def _decide(
        self, conn: asyncpg.Connection, row: Any, now: datetime
    ) -> Hold | Close | Send:
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
        """Why an appointment notice no longer applies (cancelled or moved since), if it doesn't."""
        if kind not in (
            MessageKind.APPOINTMENT_CONFIRMATION,
            MessageKind.APPOINTMENT_REMINDER,
            MessageKind.APPOINTMENT_RESCHEDULED,
        ):
            return None
        assert isinstance(event, AppointmentEvent)
        appt = await self._get(
            conn, repository.get_appointment, row["network_id"], event.appointment_id
        )
        if appt is None:
            return None
        if appt["status"] == "cancelled":
            return "appointment cancelled"
        if kind is MessageKind.APPOINTMENT_REMINDER and appt["starts_at"] != event.starts_at:
            return "appointment moved; a new reminder was scheduled"
        return None

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
        )
