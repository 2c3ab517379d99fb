"""The Messages pages: the delivery log of what patients and staff were sent, filtered by
patient, status and kind, and each message as it went out, with every attempt to send it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode
from uuid import UUID

from services.gateway.console.clients import booking, notifications, records
from services.gateway.console.clients.calls import Answer, Caller, Items
from services.gateway.console.clients.notifications import Attempt, Message, MessageSummary
from services.gateway.console.clients.records import PatientSummary
from services.gateway.console.pages.clinics import clinic_zone, reader_zone
from services.gateway.console.pages.formulary import not_found
from services.gateway.console.rendering import Refusal, View
from services.gateway.console.sessions import StaffSession

MESSAGE_STATUSES = ["scheduled", "sending", "sent", "failed", "skipped", "withdrawn"]
MESSAGE_KINDS = {
    "appointment_confirmation": "Appointment confirmation",
    "appointment_reminder": "Appointment reminder",
    "appointment_rescheduled": "Appointment rescheduled",
    "appointment_cancelled": "Appointment cancelled",
    "aftercare": "Aftercare",
    "side_effect_checkin": "Side-effect check-in",
    "consultation_summary": "Consultation summary",
    "next_session_due": "Next session due",
    "maintenance_reminder": "Maintenance reminder",
    "adverse_event_alert": "Adverse event alert (to staff)",
    "unchecked_administration_alert": "Unchecked administration alert (to staff)",
    "recall_notice_patient": "Recall notice to the patient",
    "recall_notice_practitioner": "Recall notice to the practitioner",
    "webhook_endpoint_disabled": "Webhook endpoint disabled (to admins)",
}
"""notifications' message kinds (services/notifications/domain/kinds.py), as the Messages
page's kind filter names them."""
MESSAGES_PER_PAGE = 50
MATCHES = 20
MAX_SEARCH = 200


@dataclass(frozen=True, slots=True)
class Logged:
    """A message of the log with its patient's name, its clinic, and the zone of its times:
    its clinic's, else the reader's."""

    id: str
    kind: str
    status: str
    status_reason: str | None
    recipient_type: str
    patient_id: str | None
    patient: str | None
    clinic: str | None
    channel: str | None
    address: str | None
    created_at: str
    send_at: str
    sent_at: str | None
    tz: str


@dataclass(frozen=True, slots=True)
class Written(Logged):
    """A message as it went out, and every attempt to send it."""

    locale: str | None = None
    subject: str | None = None
    body: str | None = None
    sms: str | None = None
    attempts_log: list[Attempt] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PatientFilter:
    """The patient a filter names: one chosen, or several to choose from."""

    chosen: str | None = None
    choices: list[PatientSummary] = field(default_factory=list)
    found: Answer[Items[PatientSummary]] = field(default_factory=lambda: Answer(Items()))


@dataclass(frozen=True, slots=True, kw_only=True)
class LogPage(View):
    template = "messages.html"
    title: str = "Messages"
    statuses: list[tuple[str, str]] = field(
        default_factory=lambda: [(s, s.capitalize()) for s in MESSAGE_STATUSES]
    )
    kinds: list[tuple[str, str]] = field(default_factory=lambda: list(MESSAGE_KINDS.items()))
    form: dict[str, str]
    choices: list[PatientSummary]
    more_choices: bool
    messages: list[Logged]
    listed: bool
    """Whether the log was read (else there are choices to make, or a filter to correct)."""
    older: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePage(View):
    template = "message.html"
    title: str = "Message"
    message: Written | None


async def log(
    calls: Caller, staff: StaffSession, *, patient: str, status: str, kind: str, cursor: str
) -> LogPage:
    """The delivery log, newest first: by patient, status and kind."""
    errors = _choice_errors(status, kind)
    who = PatientFilter()
    if patient:
        who = await _find_patient(calls, patient, errors)
    listed = None
    if not errors and not who.choices and who.found.ok:
        listed = await notifications.messages(
            calls,
            patient_id=who.chosen,
            status=status,
            kind=kind,
            cursor=cursor,
            limit=MESSAGES_PER_PAGE,
        )
        errors.update(
            {("patient" if k == "patient_id" else k): v for k, v in listed.errors.items()}
        )
    next_cursor = listed.value.next_cursor if listed and listed.ok else None
    filters = {"patient": patient, "status": status, "kind": kind}
    return LogPage(
        form=filters,
        choices=who.choices,
        more_choices=bool(who.choices) and bool(who.found.value.next_cursor),
        messages=await _logged(calls, staff, listed.value.items if listed else []),
        listed=listed is not None and listed.ok,
        older=("/console/messages?" + urlencode({**filters, "cursor": next_cursor}))
        if next_cursor
        else None,
        errors=errors,
        problem=who.found.problem or (listed.problem if listed else None),
    )


def _choice_errors(status: str, kind: str) -> dict[str, str]:
    errors = {}
    if status and status not in MESSAGE_STATUSES:
        errors["status"] = "Choose a status from the list."
    if kind and kind not in MESSAGE_KINDS:
        errors["kind"] = "Choose a kind of message from the list."
    return errors


async def _find_patient(calls: Caller, text: str, errors: dict[str, str]) -> PatientFilter:
    """The patient meant by a name (or part of one) or an id; several matches are a choice."""
    try:
        return PatientFilter(chosen=str(UUID(text)))
    except ValueError:
        pass
    if len(text) > MAX_SEARCH:
        errors["patient"] = f"Search with at most {MAX_SEARCH} characters."
        return PatientFilter()
    found = await records.search(calls, text, limit=MATCHES)
    if found.errors:
        errors["patient"] = next(iter(found.errors.values()))
        return PatientFilter()
    patients = found.value.items
    if found.ok and not patients:
        errors["patient"] = f"No patient matches “{text}”."
    if len(patients) == 1:
        return PatientFilter(chosen=patients[0].id, found=found)
    # The search is fuzzy; a name typed in full that only one of the matches has is that one.
    exact = [p for p in patients if text.casefold() in _names_of(p)]
    if len(exact) == 1:
        return PatientFilter(chosen=exact[0].id, found=found)
    return PatientFilter(choices=patients, found=found)


def _names_of(patient: PatientSummary) -> set[str]:
    given, family = patient.given_name or "", patient.family_name or ""
    return {n.casefold() for n in (family, f"{given} {family}", f"{family} {given}") if family}


@dataclass(frozen=True, slots=True)
class Where:
    """What a message's line names besides itself: its patient, its clinic, its zone."""

    patients: dict[str, str]
    clinics: list[booking.Clinic]
    fallback: str
    """The reader's zone, for a message of no clinic."""

    def line(self, m: MessageSummary) -> Logged:
        names = {c.id: c.name for c in self.clinics}
        return Logged(
            id=m.id,
            kind=m.kind,
            status=m.status,
            status_reason=m.status_reason,
            recipient_type=m.recipient_type,
            patient_id=m.patient_id,
            patient=self.patients.get(m.patient_id) if m.patient_id else None,
            clinic=names.get(m.clinic_id) if m.clinic_id else None,
            channel=m.channel,
            address=m.address,
            created_at=m.created_at,
            send_at=m.send_at,
            sent_at=m.sent_at,
            tz=clinic_zone(m.clinic_id, self.clinics, self.fallback),
        )


async def _where(calls: Caller, staff: StaffSession, messages: Sequence[MessageSummary]) -> Where:
    listed, patients = await asyncio.gather(
        booking.clinics(calls),
        records.names(calls, {m.patient_id for m in messages if m.patient_id}),
    )
    clinics = listed.value.items
    return Where(patients, clinics, reader_zone(staff, clinics))


async def _logged(
    calls: Caller, staff: StaffSession, messages: Sequence[MessageSummary]
) -> list[Logged]:
    if not messages:
        return []
    where = await _where(calls, staff, messages)
    return [where.line(m) for m in messages]


async def _written(calls: Caller, staff: StaffSession, found: Message) -> Written:
    line = (await _where(calls, staff, [found])).line(found)
    return Written(
        **asdict(line),
        locale=found.locale,
        subject=found.subject,
        body=found.body,
        sms=found.sms,
        attempts_log=found.attempts_log,
    )


async def message(calls: Caller, staff: StaffSession, message_id: str) -> MessagePage | Refusal:
    """One message as it went out (its text, escaped), and every attempt to send it."""
    try:
        chosen = UUID(message_id)
    except ValueError:
        return not_found("Message", "/console/messages", "Back to messages")
    found = await notifications.message(calls, chosen)
    if found.status == 404:
        return not_found("Message", "/console/messages", "Back to messages")
    written = None
    if found.value is not None:
        written = await _written(calls, staff, found.value)
    return MessagePage(
        status_code=200 if found.ok else found.status or 503,
        message=written,
        problem=found.problem,
    )
