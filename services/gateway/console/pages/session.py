"""The appointment's actions, posted from its page: check in, no-show, cancel, and the session
behind the safety check — start, have a changed plan re-checked, complete with what was given.
A refusal shows the page again with the form as typed and why; nothing is ever guessed."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from uuid import UUID

from services.gateway.console.clients import booking
from services.gateway.console.clients.booking import Appointment, SessionCompletion
from services.gateway.console.clients.calls import Answer, Caller
from services.gateway.console.clients.safety import Deviation, Finding
from services.gateway.console.forms import Form
from services.gateway.console.forms.session import (
    carried,
    completion_body,
    completion_field_errors,
    deviation_acknowledgement,
    ingredient_rows,
    plan_body,
)
from services.gateway.console.pages import injectables
from services.gateway.console.pages.appointment import (
    PLAN,
    AppointmentPage,
    PlanRefusal,
    Shown,
    appointment_page,
    areas_offered,
    missing,
)
from services.gateway.console.pages.outcomes import Done, refused_status, unavailable
from services.gateway.console.rendering import Refusal
from services.gateway.console.sessions import StaffSession
from services.gateway.console.words import label
from shared import vocabulary

Page = AppointmentPage | Refusal | Done

ACTIONS = ("check-in", "no-show", "cancel", "start", "cross-check", "complete")

PLAN_UNAVAILABLE = {
    "start": "The safety check could not run, so the session was not started. Nothing was "
    "changed, and your choices are still below: try again in a moment.",
    "cross-check": "The safety check could not run, so the changed plan was not checked: do "
    "not inject it. Nothing was changed (what may be injected is still the plan that last "
    "passed), and your choices are still below: try again in a moment.",
}
PLAN_UNKNOWN_PATIENT = (
    "The safety check has no safety profile for this patient, so {what}. Record the patient's "
    "allergies, conditions and medications in the patient chart, then try again."
)
CONSULTATION_FIRST = (
    "The session was not started: the patient's consultation for {indication} must be "
    "completed first (nothing is injected before the medical history is taken). Complete the "
    "consultation, then start this treatment."
)
PLAN_FIELDS = {
    "blend_id": "blend_id",
    "areas": "areas",
    "lot_numbers": "lots",
    "ingredient_codes": "ingredients",
}
NOT_COMPLETED = "The session was not completed: correct the fields marked below."
COMPLETION_UNAVAILABLE = (
    "The safety check of what was given could not run, so the session was not completed and "
    "nothing was recorded. Everything you typed is still below: try again in a moment."
)


async def act(
    calls: Caller, staff: StaffSession, appointment_id: str, action: str, form: Form
) -> Page:
    """Carry out `action` on the appointment; back to its page, saying what was done."""
    if action not in ACTIONS:
        shown = Shown(status_code=404, problem="No such action.")
        return await appointment_page(calls, staff, appointment_id, shown)
    try:
        target = UUID(appointment_id)
    except ValueError:
        return missing(Answer(None, "No such appointment.", status=404))
    if action in ("start", "cross-check"):
        return await _plan(calls, staff, appointment_id, target, form, action)
    if action == "complete":
        return await _complete(calls, staff, appointment_id, target, form)
    return await _front_desk(calls, staff, appointment_id, target, action, form)


def _done(appointment_id: str, action: str) -> Done:
    return Done(f"/console/appointments/{appointment_id}?done={action}")


async def _front_desk(
    calls: Caller,
    staff: StaffSession,
    appointment_id: str,
    target: UUID,
    action: str,
    form: Form,
) -> Page:
    """Check in, mark a no-show, or cancel (with its reason)."""
    body = None
    if action == "cancel":
        reason = form.get("reason", "").strip()
        if not reason or len(reason) > 500:
            message = "Give the reason for cancelling." if not reason else "Keep it under 500."
            shown = Shown(status_code=422, errors={"reason": message})
            return await appointment_page(calls, staff, appointment_id, shown)
        body = booking.Cancellation(reason=reason)
    answer = await booking.act(calls, target, action, body)
    if answer.ok:
        return _done(appointment_id, action)
    shown = Shown(
        status_code=refused_status(answer),
        problem=answer.problem,
        errors={"reason": answer.errors["reason"]} if "reason" in answer.errors else {},
        form=form,
        posted=action,
    )
    return await appointment_page(calls, staff, appointment_id, shown)


# -- before injecting: start, and a changed plan ------------------------------------------------


async def _plan(
    calls: Caller,
    staff: StaffSession,
    appointment_id: str,
    target: UUID,
    form: Form,
    action: str,
) -> Page:
    """Start, or re-check a changed plan, behind the safety check: blocked, caution
    (acknowledge) or passed (the check of record)."""
    current = await booking.appointment(calls, target)
    if current.value is None:
        return await appointment_page(calls, staff, appointment_id)
    prefix = "" if action == "start" else PLAN
    plan, errors, ack_errors = await _plan_read(calls, current.value, form, action)
    findings = carried(form, f"{prefix}findings", Finding)
    if errors:
        shown = Shown(
            status_code=422,
            errors=errors,
            form=form,
            posted=action,
            refusal=PlanRefusal.caution(action, findings) if findings else None,
        )
        return await appointment_page(calls, staff, appointment_id, shown)
    answer = await booking.act(calls, target, action, plan)
    if answer.ok:
        return _done(appointment_id, action)
    shown = _plan_refused(answer, action, form, findings, ack_errors)
    return await appointment_page(calls, staff, appointment_id, shown)


async def _plan_read(
    calls: Caller, current: Appointment, form: Form, action: str
) -> tuple[booking.SessionPlan, dict[str, str], dict[str, str]]:
    """The plan the start form or the change form posted (the areas each offered)."""
    if action == "start":
        needs_blend = current.kind == "treatment"
        offered = await _treatment_areas(calls, current) if needs_blend else []
        return plan_body(form, needs_blend=needs_blend, offered_areas=offered)
    choice = [
        k.removeprefix(f"{PLAN}ingredient_") for k in form if k.startswith(f"{PLAN}ingredient_")
    ]
    return plan_body(
        form,
        needs_blend=True,
        offered_areas=list(vocabulary.TREATMENT_AREAS),
        prefix=PLAN,
        ingredient_choice=choice,
    )


def _plan_refused(
    answer: Answer[None],
    action: str,
    form: Form,
    findings: list[Finding],
    ack_errors: dict[str, str],
) -> Shown:
    """The page after the safety check (or booking) refused a plan."""
    kind = answer.refusal.kind if answer.refusal else ""
    # An acknowledgement being answered stays on the page, as typed.
    shown = Shown(
        status_code=refused_status(answer),
        form=form,
        posted=action,
        refusal=PlanRefusal.caution(action, findings) if findings else None,
    )
    if kind in ("contraindicated", "caution-not-acknowledged"):
        found = answer.refusal.findings if answer.refusal else []
        if kind == "contraindicated":
            return replace(shown, refusal=PlanRefusal(action, "contraindicated", found))
        return replace(shown, refusal=PlanRefusal.caution(action, found), errors=ack_errors)
    if kind in ("consultation-not-completed", "consultation-required"):
        indication = label((answer.refusal.indication if answer.refusal else None) or "")
        return replace(
            shown,
            refusal=None,
            problem=CONSULTATION_FIRST.format(indication=(indication or "this indication").lower()),
        )
    if kind == "cross-check-unknown-patient":
        what = (
            "the session cannot start"
            if action == "start"
            else "the changed plan cannot be checked: do not inject it"
        )
        return replace(shown, refusal=None, problem=PLAN_UNKNOWN_PATIENT.format(what=what))
    if unavailable(answer):
        return replace(shown, problem=_plan_unavailable(answer, action))
    return replace(shown, problem=answer.problem, errors=_plan_field_errors(answer, action))


def _plan_unavailable(answer: Answer[None], action: str) -> str:
    if answer.refusal and answer.refusal.service == "formulary":
        return PLAN_UNAVAILABLE[action]
    return f"{answer.problem or 'Booking could not answer.'} Your choices are still below."


def _plan_field_errors(answer: Answer[None], action: str) -> dict[str, str]:
    """A field booking or the safety check named (e.g. a blend formulary no longer has), at
    the form's field."""
    prefix = "" if action == "start" else PLAN
    errors: dict[str, str] = {}
    for item in answer.refusal.errors if answer.refusal else []:
        head = re.split(r"[.\[]", item.field, maxsplit=1)[0]
        if head in PLAN_FIELDS and (prefix or head in ("blend_id", "areas")):
            errors.setdefault(f"{prefix}{PLAN_FIELDS[head]}", item.message)
    return errors


async def _treatment_areas(calls: Caller, appointment: Appointment) -> list[str]:
    """The areas the appointment's treatment type treats (none when booking cannot say)."""
    answer = await booking.treatment_type(calls, appointment.treatment_type_id)
    return list(answer.value.areas) if answer.value else []


# -- after injecting: what was given ------------------------------------------------------------


async def _complete(
    calls: Caller, staff: StaffSession, appointment_id: str, target: UUID, form: Form
) -> Page:
    """Record what was administered, each ingredient with its lot, amount and unit, and close
    the session. Anything the check of record did not cover is a deviation: shown, with the
    form as typed, until the practitioner corrects the record or acknowledges it."""
    current = await booking.appointment(calls, target)
    if current.value is None:
        return await appointment_page(calls, staff, appointment_id)
    shown = Shown(form=form, posted="complete", deviations=carried(form, "deviations", Deviation))
    if form.get("more_rows"):
        # Another row for an ingredient not in the plan: nothing is sent.
        return await appointment_page(calls, staff, appointment_id, shown)
    record, errors = await _record(calls, current.value, form)
    if errors:
        shown = replace(shown, status_code=422, errors=errors, problem=NOT_COMPLETED)
        return await appointment_page(calls, staff, appointment_id, shown)
    answer = await booking.act(calls, target, "complete", record)
    if answer.ok:
        return _done(appointment_id, "complete")
    return await appointment_page(
        calls, staff, appointment_id, _completion_refused(answer, form, shown)
    )


async def _record(
    calls: Caller, current: Appointment, form: Form
) -> tuple[SessionCompletion, dict[str, str]]:
    """What the completion form recorded, against the plan of record and the stock."""
    rows, stock, blend, offered = [], injectables.Stock({}), None, []
    if current.kind == "treatment":
        catalog, stock = await asyncio.gather(injectables.catalog(calls), injectables.stock(calls))
        planned = await injectables.planned(calls, current, catalog)
        blend = planned.blend
        rows = ingredient_rows(form, planned.components, catalog.ingredients, as_posted=True)
        checked = current.cross_check.areas if current.cross_check else []
        offered = areas_offered(checked or await _treatment_areas(calls, current))
    record, errors = completion_body(
        form,
        is_treatment=current.kind == "treatment",
        rows=rows,
        stock=stock.lots,
        offered_areas=offered,
        blend=blend,
    )
    acknowledgement, _, _ = deviation_acknowledgement(form)
    if acknowledgement:
        record = record.model_copy(update={"acknowledgement": acknowledgement})
    return record, errors


def _completion_refused(answer: Answer[None], form: Form, shown: Shown) -> Shown:
    """The page after booking refused a completion: deviations to acknowledge, fields to
    correct, or why nothing was recorded."""
    shown = replace(shown, status_code=refused_status(answer))
    kind = answer.refusal.kind if answer.refusal else ""
    if kind == "unchecked-administration" and answer.refusal:
        deviations = answer.refusal.deviations
        return replace(shown, deviations=deviations, errors=_unacknowledged(form, deviations))
    if answer.status == 422:
        errors, problem = _completion_fields(answer, form)
        return replace(shown, errors=errors, problem=problem)
    if unavailable(answer) and answer.refusal and answer.refusal.service == "formulary":
        return replace(shown, problem=COMPLETION_UNAVAILABLE)
    if unavailable(answer):
        return replace(
            shown,
            problem=f"{answer.problem or 'Booking could not answer.'} The session was not "
            "completed. Everything you typed is still below.",
        )
    details = [f"{f.replace('_', ' ')}: {m}" for f, m in answer.errors.items()]
    return replace(
        shown, problem=" ".join([answer.problem or "The session was not completed.", *details])
    )


def _unacknowledged(form: Form, deviations: list[Deviation]) -> dict[str, str]:
    """Asked again after the warning was shown: what the acknowledgement lacks, and each
    finding new since."""
    shown = [c for c in form.get("deviation_codes", "").split(",") if c]
    if not shown:
        return {}
    _, _, errors = deviation_acknowledgement(form)
    for deviation in deviations:
        for finding in deviation.findings:
            if finding.code not in shown:
                errors[f"code:{finding.code}"] = (
                    "New since the warning was shown: tick to acknowledge it too, or correct "
                    "the record."
                )
    return errors


def _completion_fields(answer: Answer[None], form: Form) -> tuple[dict[str, str], str]:
    """booking's 422: each message next to its field, the rest in the notice."""
    problem_errors = answer.refusal.errors if answer.refusal else []
    errors = completion_field_errors(problem_errors, set(form))
    unplaced = [
        f"{e.field.replace('_', ' ')}: {e.message}"
        for e in problem_errors
        if not completion_field_errors([e], set(form))
    ]
    problem = NOT_COMPLETED
    if unplaced or not errors:
        problem = " ".join([answer.problem or problem, *unplaced])
    return errors, problem
