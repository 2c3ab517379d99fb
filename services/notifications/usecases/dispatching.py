"""Sending what is due: take the due messages, decide each, send, record the attempt; called by
the worker's loop (worker.py), which runs these side by side.

1. `take_due`, in one unit: lock due rows with `FOR UPDATE SKIP LOCKED` (replicas of this
   service may run side by side) and decide each: hold it (quiet hours, recipient not known
   yet), close it (skipped with the reason, withdrawn, failed to render), or render it and mark
   it `sending` with a new attempt row. The unit commits.
2. `send` each `sending` one outside any transaction.
3. `record`: `sent`; or back to `scheduled` at the backoff time; or `failed` with why.

A message is marked `sending` (committed) before the SMTP/HTTP call, and only a message in
`scheduled` is ever taken: so a crash mid-send can never cause a second send. A message left in
`sending` past the lease is recorded as failed with an unknown outcome (at most once beats twice
for a patient; the log shows it for staff to follow up).

The replicas a round needs are read for all its messages at once (`Known`): the aftercare path
is held to a few milliseconds (DESIGN §10), so a message adds no round trip of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
from opentelemetry.trace import SpanKind, Status, StatusCode

from services.notifications import repository
from services.notifications.clients import Delivered, Outgoing, SendFailed
from services.notifications.clients.sms import Sms
from services.notifications.clients.smtp import Email
from services.notifications.domain import (
    ADMIN_ALERTS,
    APPOINTMENT_NOTICES,
    BOOKING_REMINDERS,
    SKIN_TYPE_KINDS,
    AdminAlert,
    Audience,
    Channel,
    FailureKind,
    GiveUp,
    MessageKind,
    QuietHours,
    Skip,
    after_failure,
    choose_channel,
    kept_quiet_hours,
    kind_spec,
    next_session_booked,
    notice_withdrawn,
    release_time,
    zone_or_utc,
)
from services.notifications.domain.composing import Scene, context
from services.notifications.domain.rendering import Renderer, RenderFailed
from shared import telemetry
from shared.db import Transaction
from shared.events.base import EVENT_TYPES, Event
from shared.events.booking import AppointmentEvent, SessionCompleted
from shared.uow import UnitOfWork

log = logging.getLogger("mesocare.notifications.worker")

RECHECK_UNKNOWN_RECIPIENT = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Rules:
    """What deciding and recording a message depend on besides the message and the replicas."""

    renderer: Renderer
    sms_configured: bool
    unknown_recipient_grace: timedelta
    """How long a message waits for its recipient's contact data before it is skipped."""
    default_network_name: str
    max_attempts: int


@dataclass(frozen=True, slots=True)
class Channels:
    """The providers a message goes out through."""

    email: Email
    sms: Sms


# --- decisions -----------------------------------------------------------------------------------


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
class Attempt:
    """A message marked `sending` (committed) with its attempt number: what one send carries."""

    message: repository.Message
    number: int
    send: Send


Result = Delivered | SendFailed


@dataclass(frozen=True, slots=True)
class Taken:
    """What one round took: how many were due, the sends it started, what it closed unsent."""

    claimed: int
    attempts: list[Attempt]
    closed: list[Close]


# --- what a round knows --------------------------------------------------------------------------

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
NextSessionKey = tuple[UUID, UUID, UUID, datetime, UUID]


@dataclass(slots=True)
class Known:
    """The replicas, branding and templates one round reads, each looked up once.

    `load` reads the patients, clinics and appointments of all the claimed messages in three
    queries, and the skin types of the patients about to get aftercare or a check-in in a
    fourth; anything else a message needs is looked up on first use and kept for the round.
    """

    tx: Transaction
    patients: dict[repository.Key, repository.Patient | None] = field(default_factory=dict)
    clinics: dict[repository.Key, repository.Clinic | None] = field(default_factory=dict)
    appointments: dict[repository.Key, repository.Appointment | None] = field(default_factory=dict)
    skin_types: dict[repository.Key, int | None] = field(default_factory=dict)
    practitioners: dict[repository.Key, repository.Practitioner | None] = field(
        default_factory=dict
    )
    staff: dict[repository.Key, repository.StaffMember | None] = field(default_factory=dict)
    brandings: dict[UUID, repository.NetworkBranding | None] = field(default_factory=dict)
    wordings: dict[tuple[UUID, str], dict[tuple[str, str], str]] = field(default_factory=dict)
    next_sessions: dict[NextSessionKey, repository.BookedSession | None] = field(
        default_factory=dict
    )

    async def load(self, messages: Sequence[repository.Message]) -> None:
        skin = [m for m in messages if m.kind in SKIN_TYPE_KINDS]
        await self._load(
            self.patients, _keys(messages, lambda m: m.patient_id), repository.get_patients
        )
        await self._load(
            self.clinics, _keys(messages, lambda m: m.clinic_id), repository.get_clinics
        )
        await self._load(
            self.appointments,
            _keys(messages, lambda m: m.appointment_id),
            repository.get_appointments,
        )
        await self._load(
            self.skin_types, _keys(skin, lambda m: m.patient_id), repository.get_skin_types
        )

    async def _load(
        self,
        memo: dict[repository.Key, V | None],
        keys: list[repository.Key],
        many: Callable[
            [Transaction, Sequence[repository.Key]], Awaitable[Mapping[repository.Key, V | None]]
        ],
    ) -> None:
        if keys:
            found = await many(self.tx, keys)
            for key in keys:
                memo[key] = found.get(key)

    async def patient(self, network_id: UUID, id: UUID) -> repository.Patient | None:
        return await _once(
            self.patients, (network_id, id), lambda: repository.get_patient(self.tx, network_id, id)
        )

    async def clinic(self, network_id: UUID, id: UUID) -> repository.Clinic | None:
        return await _once(
            self.clinics, (network_id, id), lambda: repository.get_clinic(self.tx, network_id, id)
        )

    async def appointment(self, network_id: UUID, id: UUID) -> repository.Appointment | None:
        return await _once(
            self.appointments,
            (network_id, id),
            lambda: repository.get_appointment(self.tx, network_id, id),
        )

    async def skin_type(self, network_id: UUID, patient_id: UUID) -> int | None:
        return await _once(
            self.skin_types,
            (network_id, patient_id),
            lambda: repository.get_skin_type(self.tx, network_id, patient_id),
        )

    async def practitioner(self, network_id: UUID, id: UUID) -> repository.Practitioner | None:
        return await _once(
            self.practitioners,
            (network_id, id),
            lambda: repository.get_practitioner(self.tx, network_id, id),
        )

    async def staff_member(self, network_id: UUID, id: UUID) -> repository.StaffMember | None:
        return await _once(
            self.staff,
            (network_id, id),
            lambda: repository.get_staff_member(self.tx, network_id, id),
        )

    async def branding(self, network_id: UUID) -> repository.NetworkBranding | None:
        return await _once(
            self.brandings, network_id, lambda: repository.get_branding(self.tx, network_id)
        )

    async def wording(self, network_id: UUID, kind: str) -> dict[tuple[str, str], str]:
        """The network's own templates of `kind`."""
        return await _once(
            self.wordings,
            (network_id, kind),
            lambda: repository.template_overrides(self.tx, network_id, kind),
        )

    async def next_session(
        self, network_id: UUID, event: SessionCompleted
    ) -> repository.BookedSession | None:
        """The patient's next session of the treatment (the plan's, else this session's)."""
        plan = event.treatment_plan
        key = (
            network_id,
            event.patient_id,
            plan.treatment_type_id if plan else event.treatment_type_id,
            event.starts_at,
            event.appointment_id,
        )
        return await _once(
            self.next_sessions, key, lambda: repository.next_session_booked(self.tx, *key)
        )


def _keys(
    messages: Sequence[repository.Message], id_of: Callable[[repository.Message], UUID | None]
) -> list[repository.Key]:
    return list({(m.network_id, id) for m in messages if (id := id_of(m)) is not None})


async def _once(memo: dict[K, V], key: K, look_up: Callable[[], Awaitable[V]]) -> V:
    if key not in memo:
        memo[key] = await look_up()
    return memo[key]


# --- 1. take what is due -------------------------------------------------------------------------


async def take_due(
    uow: UnitOfWork, rules: Rules, *, now: datetime, room: int, expire_before: datetime | None
) -> Taken:
    """Claim up to `room` due messages, decide each and start the sends; a message left
    `sending` since before `expire_before` (if given) is recorded as failed first."""
    if expire_before is not None:
        await repository.expire_stale_sending(uow.tx, older_than=expire_before, now=now)
    claimed = await repository.claim_due(uow.tx, now=now, limit=room)
    known = Known(uow.tx)
    await known.load(claimed)
    decided: list[tuple[repository.Message, Decision]] = []
    for message in claimed:
        decided.append((message, await _decide_one(known, rules, message, now)))
        # Rendering is CPU work: let the consumer and the sends run between messages.
        await asyncio.sleep(0)
    closed: list[Close] = []
    for message, decision in decided:
        if isinstance(decision, Hold):
            await repository.hold(uow.tx, message.id, until=decision.until, now=now)
        elif isinstance(decision, Close):
            await repository.close_without_sending(
                uow.tx, message.id, status=decision.status, reason=decision.reason, now=now
            )
            closed.append(decision)
    sends = [(message, d) for message, d in decided if isinstance(d, Send)]
    numbers = await repository.start_sending_many(
        uow.tx, [_sending(message.id, send) for message, send in sends], now=now
    )
    attempts = [Attempt(message, numbers[message.id], send) for message, send in sends]
    return Taken(len(claimed), attempts, closed)


def _sending(message_id: UUID, send: Send) -> repository.Sending:
    return repository.Sending(
        message_id=message_id,
        channel=str(send.channel),
        address=send.out.address,
        locale=send.locale,
        subject=send.out.subject,
        body=send.out.body,
        sms=send.out.sms,
    )


async def _decide_one(
    known: Known, rules: Rules, message: repository.Message, now: datetime
) -> Decision:
    try:
        return await _decide(known, rules, message, now)
    except asyncpg.PostgresError:
        raise  # the round's transaction is gone: the whole round is tried again
    except Exception as exc:  # one bad message stops nothing else
        log.exception("could not decide message %s", message.id)
        return Close("failed", f"internal_error: {type(exc).__name__}: {exc}")


async def _decide(
    known: Known, rules: Rules, message: repository.Message, now: datetime
) -> Decision:
    kind = MessageKind(message.kind)
    event = _facts(message)

    withdrawn = await _withdrawn(known, message, kind, event)
    if withdrawn:
        return Close("withdrawn", withdrawn)

    contact = await _contact(known, message, kind)
    if contact is None:
        return _recipient_unknown(message, now, rules.unknown_recipient_grace)

    release = release_time(kind, now, contact.tz, contact.quiet)
    if release > now:
        return Hold(release)

    channel = _channel(kind, contact, sms_configured=rules.sms_configured)
    if isinstance(channel, Skip):
        return Close("skipped", f"{channel.reason}: {channel.detail}")

    scene = await _scene(known, message, event, contact, rules.default_network_name)
    try:
        rendered = rules.renderer.render(
            kind,
            contact.locale,
            context(kind, event, scene),
            overrides=await known.wording(message.network_id, str(kind)),
        )
    except RenderFailed as exc:
        return Close("failed", f"render_failed: {exc.detail}", str(channel))
    address = contact.email if channel is Channel.EMAIL else contact.phone
    assert address
    return Send(
        channel,
        Outgoing(message.id, address.strip(), rendered.subject, rendered.text, rendered.sms),
        rendered.locale,
    )


def _facts(message: repository.Message) -> Event | AdminAlert:
    """What the message tells of: the event that caused it, or the alert to the admins."""
    if message.event_type == AdminAlert.type:
        return AdminAlert.model_validate(message.facts)
    return EVENT_TYPES[message.event_type].model_validate(message.facts)


def _recipient_unknown(message: repository.Message, now: datetime, grace: timedelta) -> Decision:
    """Wait a while for contact data that may still be on its way, then skip, saying why."""
    if now < message.created_at + grace:
        return Hold(min(message.created_at + grace, now + RECHECK_UNKNOWN_RECIPIENT))
    return Close(
        "skipped",
        f"no_contact_details: the {message.recipient_type} {message.recipient_id} is not "
        "known to notifications (no contact data received)",
    )


async def _withdrawn(
    known: Known, message: repository.Message, kind: MessageKind, event: Event | AdminAlert
) -> str | None:
    """Why a message no longer applies, if it doesn't: its appointment is over or has moved, or
    the next session it asks the patient to book is booked. Decided when the message is due,
    not when the booking is made: a booking cancelled in between lets the reminder go after all.
    A message to a staff account deactivated since it was scheduled no longer applies either.
    """
    if message.recipient_type == "staff":
        member = await known.staff_member(message.network_id, message.recipient_id)
        if member is not None and not member.active:
            return f"staff account {message.recipient_id} deactivated"
    if kind in APPOINTMENT_NOTICES:
        assert isinstance(event, AppointmentEvent)
        appointment = await known.appointment(message.network_id, event.appointment_id)
        if appointment is None:
            return None
        return notice_withdrawn(kind, appointment.status, appointment.starts_at, event.starts_at)
    if kind in BOOKING_REMINDERS:
        assert isinstance(event, SessionCompleted)
        booked = await known.next_session(message.network_id, event)
        if booked is None:
            return None
        return next_session_booked(booked.appointment_id, booked.starts_at.date(), booked.status)
    return None


@dataclass(frozen=True, slots=True)
class _Contact:
    """How the recipient is reached, be it a patient or staff."""

    name: str
    email: str | None
    phone: str | None
    preferred: str | None
    opt_outs: list[str]
    marketing_consent: bool
    locale: str
    tz: ZoneInfo
    quiet: QuietHours | None


async def _contact(known: Known, message: repository.Message, kind: MessageKind) -> _Contact | None:
    network, recipient = message.network_id, message.recipient_id
    if message.recipient_type == "patient":
        p = await known.patient(network, recipient)
        if p is None:
            return None
        return _Contact(
            name=p.given_name,
            email=p.email,
            phone=p.phone,
            preferred=p.preferred_channel,
            opt_outs=list(p.channel_opt_outs),
            marketing_consent=p.marketing_consent,
            locale=p.locale,
            tz=zone_or_utc(p.timezone),
            quiet=kept_quiet_hours(p.quiet_hours_start, p.quiet_hours_end),
        )
    # Staff alerts: email first, SMS as the fallback; staff have no opt-outs or quiet hours.
    assert kind_spec(kind).audience is Audience.STAFF
    if message.recipient_type == "staff":
        member = await known.staff_member(network, recipient)
        if member is None:
            return None
        utc = zone_or_utc("UTC")
        return _Contact(
            member.display_name, member.email, None, "email", [], False, "en", utc, None
        )
    staff: repository.Practitioner | repository.Clinic | None
    if message.recipient_type == "practitioner":
        staff = await known.practitioner(network, recipient)
        name = staff.name if staff else ""
    else:
        staff = await known.clinic(network, recipient)
        name = f"{staff.name} team" if staff else ""
    if staff is None:
        return None
    return _Contact(
        name, staff.email, staff.phone, "email", [], False, "en", zone_or_utc("UTC"), None
    )


def _channel(kind: MessageKind, c: _Contact, *, sms_configured: bool) -> Channel | Skip:
    refused = list(c.opt_outs)
    if not sms_configured:
        refused.append(str(Channel.SMS))
    choice = choose_channel(
        c.preferred, c.email, c.phone, refused, kind, marketing_consent=c.marketing_consent
    )
    if isinstance(choice, Skip) and not sms_configured and c.phone:
        # Say what really stood in the way rather than an opt-out the patient never made.
        detail = choice.detail.replace("sms: opted out", "sms: no SMS provider configured")
        return Skip(choice.reason, detail)
    return choice


async def _scene(
    known: Known,
    message: repository.Message,
    event: Event | AdminAlert,
    contact: _Contact,
    default_network_name: str,
) -> Scene:
    network = message.network_id
    clinic = await known.clinic(network, message.clinic_id) if message.clinic_id else None
    clinic_name, clinic_tz, clinic_phone = "your clinic", "UTC", ""
    if clinic is not None:
        clinic_name, clinic_tz, clinic_phone = clinic.name, clinic.timezone, clinic.phone or ""
    elif isinstance(event, AppointmentEvent):
        clinic_name, clinic_tz = event.clinic.name, event.clinic.timezone
        clinic_phone = event.clinic.phone or ""
    brand = await known.branding(network)
    if MessageKind(message.kind) in ADMIN_ALERTS:
        # About the network, not one of its clinics: it signs as the network.
        clinic_name = brand.network_name if brand else default_network_name
    patient_name, appointment_at, skin_type = "", None, None
    if message.patient_id is not None:
        p = await known.patient(network, message.patient_id)
        patient_name = f"{p.given_name} {p.family_name}" if p else f"patient {message.patient_id}"
        if message.kind in SKIN_TYPE_KINDS:
            skin_type = await known.skin_type(network, message.patient_id)
    if message.appointment_id is not None:
        a = await known.appointment(network, message.appointment_id)
        appointment_at = a.starts_at if a else None
    return Scene(
        recipient_name=contact.name,
        locale=contact.locale,
        patient_tz=contact.tz,
        clinic_tz=zone_or_utc(clinic_tz),
        clinic_name=clinic_name,
        clinic_phone=clinic_phone or "the clinic",
        network_name=brand.network_name if brand else default_network_name,
        signature=brand.signature if brand else None,
        patient_name=patient_name,
        appointment_starts_at=appointment_at,
        skin_type=skin_type,
    )


# --- 2. send -------------------------------------------------------------------------------------


async def send(attempt: Attempt, channels: Channels) -> Result:
    """One attempt, in a span under the trace of the handler that scheduled the message."""
    message, out = attempt.message, attempt.send
    provider = channels.email if out.channel is Channel.EMAIL else channels.sms
    with telemetry.span_from(
        message.traceparent,
        f"send {out.channel}",
        SpanKind.CLIENT,
        **{
            "mesocare.message.id": str(message.id),
            "mesocare.message.kind": message.kind,
            "mesocare.message.channel": str(out.channel),
            "mesocare.message.attempt": attempt.number,
        },
    ) as span:
        result = await _call(provider, out.out)
        outcome = "sent" if isinstance(result, Delivered) else f"{result.kind}_failure"
        span.set_attribute("mesocare.message.outcome", outcome)
        if not isinstance(result, Delivered):
            # The detail may quote the address: the span says only what kind of failure.
            span.set_status(Status(StatusCode.ERROR, outcome))
        return result


async def _call(provider: Email | Sms, out: Outgoing) -> Result:
    try:
        return await provider.send(out)
    except SendFailed as exc:
        return exc
    except Exception as exc:  # a provider bug must not leave the message in `sending`
        log.exception("channel adapter failed")
        return SendFailed(FailureKind.TEMPORARY, f"{type(exc).__name__}: {exc}")


# --- 3. record -----------------------------------------------------------------------------------


async def record(
    uow: UnitOfWork, rules: Rules, done: Sequence[tuple[Attempt, Result]], *, now: datetime
) -> list[repository.Finished]:
    """Close the attempts and move their messages to sent, scheduled (a retry) or failed."""
    finished = [_finished(a, result, now, rules.max_attempts) for a, result in done]
    await repository.finish_attempts(uow.tx, finished, now=now)
    return finished


def _finished(a: Attempt, result: Result, now: datetime, max_attempts: int) -> repository.Finished:
    """What the attempt's result makes of the message: sent, retried later, or failed."""
    message_id = a.message.id
    if isinstance(result, Delivered):
        return repository.Finished(
            message_id, a.number, "sent", result.detail, "sent", None, None, "sent"
        )
    outcome = f"{result.kind}_failure"
    next_step = after_failure(
        a.number, result.kind, now, detail=result.detail, max_attempts=max_attempts
    )
    if isinstance(next_step, GiveUp):
        return repository.Finished(
            message_id, a.number, outcome, result.detail, "failed", next_step.reason, None, "failed"
        )
    return repository.Finished(
        message_id,
        a.number,
        outcome,
        result.detail,
        "scheduled",
        f"attempt {a.number} failed: {result.detail}; retrying",
        next_step.at,
        "retried",
    )
