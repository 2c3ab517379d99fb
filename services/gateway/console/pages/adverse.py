"""Report an adverse event: from the chart, or from a completed session, whose clinic,
practitioner and lots go with the report (the page shows the lots that will be recorded).

records accepts reports from practitioners only (`policies.ADVERSE_EVENT_REPORTERS`): the
console offers the form to them alone and shows the others its refusal. The onset is typed as
a local date and time in the zone the form names (the session's clinic's, else the staff
member's clinics'), and sent with that zone's offset."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urlencode
from uuid import UUID, uuid4

from services.gateway import policies
from services.gateway.console import clock
from services.gateway.console.clients import booking, records
from services.gateway.console.clients.booking import Appointment
from services.gateway.console.clients.calls import Caller
from services.gateway.console.clients.records import NewAdverseEvent, Patient
from services.gateway.console.forms import Form
from services.gateway.console.forms import adverse as forms
from services.gateway.console.forms.adverse import KINDS, SEVERITIES, AdverseForm
from services.gateway.console.pages.appointment import appointment as read_appointment
from services.gateway.console.pages.clinics import reader_zone
from services.gateway.console.pages.outcomes import Done, notice, refused_status
from services.gateway.console.pages.patients import patient
from services.gateway.console.rendering import Refusal, View, refusal
from services.gateway.console.sessions import StaffSession


@dataclass(frozen=True, slots=True)
class Session:
    """The completed session the event follows: what the report names of it."""

    appointment_id: str
    clinic_id: str
    practitioner_id: str
    treatment_name: str
    clinic_name: str
    completed_at: str
    lot_numbers: list[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class AdversePage(View):
    template = "adverse_event.html"
    patient: Patient
    session: Session | None
    tz: str
    zone_now: str
    """The zone's abbreviation now (CET), to name next to its name."""
    form: AdverseForm
    action: str
    kinds: list[tuple[str, str]] = field(default_factory=lambda: list(KINDS))
    severities: list[tuple[str, str]] = field(default_factory=lambda: list(SEVERITIES))


async def report_form(
    calls: Caller, staff: StaffSession, patient_id: str, appointment_id: str
) -> AdversePage | Refusal:
    """An empty report, with the session's lots when it follows one."""
    found = await _reportable(calls, staff, patient_id, appointment_id)
    if isinstance(found, Refusal):
        return found
    chart, session, tz = found
    typed = AdverseForm(idempotency_key=str(uuid4()))
    return _page(chart, session, tz, typed)


async def report(
    calls: Caller, staff: StaffSession, patient_id: str, appointment_id: str, form: Form
) -> AdversePage | Refusal | Done:
    """Report the event once (the form's idempotency key), then back to the chart."""
    found = await _reportable(calls, staff, patient_id, appointment_id)
    if isinstance(found, Refusal):
        return found
    chart, session, tz = found
    typed = forms.adverse_form(form)
    typed = replace(typed, idempotency_key=_key(typed.idempotency_key))
    errors: dict[str, str] = {}
    forms.checked(typed, errors)
    onset = forms.onset_at(typed.onset, tz, errors)
    if errors:
        return _page(chart, session, tz, typed, errors=errors, status_code=422)
    event = NewAdverseEvent(
        kind=typed.kind,
        severity=typed.severity,
        onset_at=onset,
        description=typed.description,
        appointment_id=session.appointment_id if session else None,
        clinic_id=session.clinic_id if session else None,
        practitioner_id=session.practitioner_id if session else None,
        lot_numbers=session.lot_numbers if session else [],
    )
    answer = await records.report_adverse_event(
        calls, chart.id, event, idempotency_key=typed.idempotency_key
    )
    if answer.ok:
        return Done(f"/console/patients/{chart.id}?saved=adverse#h-adverse")
    errors = forms.field_errors(answer.errors)
    # A message about what the form does not ask (the session's lots) is told at the top.
    others = [m for name, m in errors.items() if name not in forms.FORM_FIELDS]
    return _page(
        chart,
        session,
        tz,
        typed,
        errors=errors,
        problem=notice(answer.problem, *others) if others or not errors else None,
        status_code=refused_status(answer),
    )


def report_link(patient_id: str, appointment_id: str | None = None) -> str:
    """The form's address, from the chart or from a session."""
    query = f"?{urlencode({'appointment_id': appointment_id})}" if appointment_id else ""
    return f"/console/patients/{patient_id}/adverse-events/new{query}"


async def _reportable(
    calls: Caller, staff: StaffSession, patient_id: str, appointment_id: str
) -> tuple[Patient, Session | None, str] | Refusal:
    """The patient, the session (when the address names one) and the form's zone."""
    if not staff.has_any(policies.ADVERSE_EVENT_REPORTERS):
        return refusal(
            403,
            "For practitioners",
            "Only practitioners report adverse events. Tell the practitioner who treated the "
            "patient.",
            back=f"/console/patients/{patient_id}",
            back_label="Back to the chart",
        )
    found, listed = await asyncio.gather(patient(calls, patient_id), booking.clinics(calls))
    if isinstance(found, Refusal):
        return found
    if not appointment_id:
        return found, None, reader_zone(staff, listed.value.items)
    session = await _session(calls, found, appointment_id)
    if isinstance(session, Refusal):
        return session
    zone = next((c.timezone for c in listed.value.items if c.id == session.clinic_id), None)
    return found, session, zone or reader_zone(staff, listed.value.items)


async def _session(calls: Caller, found: Patient, appointment_id: str) -> Session | Refusal:
    answer = await read_appointment(calls, appointment_id)
    back = {"back": f"/console/patients/{found.id}", "back_label": "Back to the chart"}
    visit = answer.value
    if visit is None and answer.status != 404:
        return refusal(
            refused_status(answer), "The session cannot be shown", answer.problem, **back
        )
    if visit is None or visit.patient_id != found.id or visit.completed_at is None:
        return refusal(
            404,
            "No such session",
            "This patient has no completed session at this address. Report the event from "
            "the chart instead.",
            **back,
        )
    clinic, treatment = await asyncio.gather(
        booking.clinic(calls, visit.clinic_id),
        booking.treatment_type(calls, visit.treatment_type_id),
    )
    return Session(
        appointment_id=visit.id,
        clinic_id=visit.clinic_id,
        practitioner_id=visit.practitioner_id,
        treatment_name=treatment.value.name if treatment.value else "Treatment",
        clinic_name=clinic.value.name if clinic.value else "Clinic unavailable",
        completed_at=visit.completed_at,
        lot_numbers=_lots(visit),
    )


def _lots(visit: Appointment) -> list[str]:
    """The lots given in the session, each once, in the order given."""
    given = visit.completion.ingredients if visit.completion else None
    return list(dict.fromkeys(i.lot_number for i in given or []))


def _page(
    chart: Patient,
    session: Session | None,
    tz: str,
    typed: AdverseForm,
    *,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> AdversePage:
    return AdversePage(
        title=f"Report an adverse event: {chart.name}",
        status_code=status_code,
        patient=chart,
        session=session,
        tz=tz,
        zone_now=clock.zone_label(datetime.now(UTC).astimezone(clock.zone(tz))),
        form=typed,
        action=report_link(chart.id, session.appointment_id if session else None),
        errors=errors or {},
        problem=problem,
    )


def _key(text: str) -> str:
    """The form's idempotency key, or a fresh one when the posted one is not a uuid."""
    try:
        return str(UUID(text))
    except ValueError:
        return str(uuid4())
