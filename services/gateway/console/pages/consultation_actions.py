"""What a consultation's forms send, posted from the appointment page: the medical history and
goals, the safety profile, a treatment plan. Done, back to the page saying so; refused, the
page again with the form as typed and why (a stale version: someone else changed it)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.gateway import policies
from services.gateway.console.clients import booking, records
from services.gateway.console.clients.booking import Appointment
from services.gateway.console.clients.calls import Answer, Caller
from services.gateway.console.clients.records import SafetyProfileChange
from services.gateway.console.forms import Form
from services.gateway.console.forms import consultation as forms
from services.gateway.console.forms import patient as profile_forms
from services.gateway.console.forms.patient import ProfileRows
from services.gateway.console.pages.appointment import Shown, appointment_page, missing
from services.gateway.console.pages.consultation import HISTORY, PLAN, PROFILE, Posted, held
from services.gateway.console.pages.outcomes import Done, refused_status
from services.gateway.console.pages.session import Page
from services.gateway.console.sessions import StaffSession

NOT_HELD = (
    "This consultation is not being held (check the patient in first), or it has ended: "
    "nothing was recorded."
)
NOT_YOURS = "Only a practitioner records what a consultation decides: nothing was recorded."


async def record(
    calls: Caller, staff: StaffSession, appointment_id: str, part: str, form: Form
) -> Page:
    """Send one of the consultation's forms (`part`: history, profile or plan)."""
    try:
        target = UUID(appointment_id)
    except ValueError:
        return missing(Answer(None, "No such appointment.", status=404))
    found = await booking.appointment(calls, target)
    if found.value is None:
        return missing(found)
    current = found.value
    posted = Posted(part=part, form=form)
    if part not in (HISTORY, PROFILE, PLAN):
        shown = Shown(status_code=404, problem="No such form.")
    elif not staff.has_any(policies.PROFILE_WRITERS):
        shown = Shown(status_code=403, problem=NOT_YOURS)
    elif not held(current):
        shown = Shown(status_code=409, problem=NOT_HELD)
    elif part == HISTORY:
        return await _history(calls, staff, current, form, posted)
    elif part == PROFILE:
        return await _profile(calls, staff, current, form, posted)
    else:
        return await _plan(calls, staff, current, form, posted)
    return await appointment_page(calls, staff, appointment_id, shown)


def _done(appointment: Appointment, part: str, plan: str = "") -> Done:
    query = f"&plan={plan}" if plan else ""
    return Done(f"/console/appointments/{appointment.id}?done={part}{query}#consultation-{part}")


async def _again(
    calls: Caller,
    staff: StaffSession,
    appointment: Appointment,
    posted: Posted,
    *,
    errors: dict[str, str] | None = None,
    answer: Answer[Any] | None = None,
) -> Page:
    """The page again with the form as typed: its field messages, a stale version told next
    to the form, anything else in the notice."""
    stale = bool(answer and answer.refusal and answer.refusal.kind == "stale-version")
    problem = None
    if answer is not None and not stale and not (answer.status == 422 and errors):
        problem = answer.problem
    shown = Shown(
        status_code=refused_status(answer) if answer is not None else 422,
        problem=problem,
        errors=errors or {},
        consulted=Posted(part=posted.part, form=posted.form, stale=stale),
    )
    return await appointment_page(calls, staff, appointment.id, shown)


async def _history(
    calls: Caller, staff: StaffSession, appointment: Appointment, form: Form, posted: Posted
) -> Page:
    errors: dict[str, str] = {}
    body = forms.history_body(form, appointment.id, errors)
    if errors:
        return await _again(calls, staff, appointment, posted, errors=errors)
    answer = await records.change_medical_history(calls, appointment.patient_id, body)
    if answer.ok:
        return _done(appointment, HISTORY)
    errors = forms.history_field_errors(answer.refusal.errors if answer.refusal else [])
    return await _again(calls, staff, appointment, posted, errors=errors, answer=answer)


async def _profile(
    calls: Caller, staff: StaffSession, appointment: Appointment, form: Form, posted: Posted
) -> Page:
    """The chart's safety profile form, sent the chart's way (the whole profile)."""
    if form.get("more"):
        # One more row to fill in: nothing is sent.
        return await appointment_page(calls, staff, appointment.id, Shown(consulted=posted))
    rows = ProfileRows(
        profile_forms.allergy_rows(form),
        profile_forms.condition_rows(form),
        profile_forms.medication_rows(form),
    )
    errors: dict[str, str] = {}
    allergies, allergy_rows = profile_forms.recorded_allergies(rows.allergy, errors)
    conditions, condition_rows = profile_forms.conditions_body(rows.condition, errors)
    medications, medication_rows = profile_forms.medications_body(rows.medication, errors)
    version = form.get("version", "")
    profile = SafetyProfileChange(
        fitzpatrick_skin_type=profile_forms.skin_type(
            form.get("fitzpatrick_skin_type", ""), errors
        ),
        allergies=allergies,
        conditions=conditions,
        medications=medications,
        expected_version=int(version) if version.isdigit() else None,
    )
    if errors:
        return await _again(calls, staff, appointment, posted, errors=errors)
    answer = await records.change_safety_profile(calls, appointment.patient_id, profile)
    if answer.ok:
        return _done(appointment, PROFILE)
    origins = {
        "allergies": ("allergy", allergy_rows),
        "conditions": ("condition", condition_rows),
        "medications": ("medication", medication_rows),
    }
    errors = profile_forms.field_errors(answer.refusal.errors if answer.refusal else [], origins)
    return await _again(calls, staff, appointment, posted, errors=errors, answer=answer)


async def _plan(
    calls: Caller, staff: StaffSession, appointment: Appointment, form: Form, posted: Posted
) -> Page:
    """A treatment plan priced at this consultation's clinic, created once (the form's
    idempotency key)."""
    types = await booking.treatment_types(calls)
    offered = [t.id for t in types.value.items if t.kind == "treatment"]
    errors: dict[str, str] = {}
    body = forms.plan_body(
        form,
        patient_id=appointment.patient_id,
        clinic_id=appointment.clinic_id,
        offered=offered,
        errors=errors,
    )
    if body is None:
        return await _again(calls, staff, appointment, posted, errors=errors)
    key = form.get("idempotency_key", "")
    answer = await booking.make_treatment_plan(calls, body, idempotency_key=key or None)
    if answer.value is not None:
        return _done(appointment, PLAN, answer.value.id)
    errors = forms.plan_field_errors(answer.refusal.errors if answer.refusal else [])
    return await _again(calls, staff, appointment, posted, errors=errors, answer=answer)
