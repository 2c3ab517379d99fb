"""Booking from the console and the session page: book a free slot, check in, start behind
the cross-check, complete with the lots used."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from services.gateway.console import sessions
from services.gateway.console.pages import (
    clinics_of,
    home_clinic,
    local_time,
    page,
    parse_day,
    patient_names,
    refusal,
    router,
    uuid_field,
    zone,
)
from services.gateway.console.services import Answer, ask, send
from services.gateway.console.session_forms import (
    REACTIONS,
    completion_body,
    finding_rows,
    start_body,
)
from services.gateway.console.sessions import CurrentStaff, StaffSession
from shared import vocabulary

FRONT_DESK = ("network_admin", "clinic_manager", "receptionist", "practitioner")
"""Who checks a patient in, marks a no-show, books and cancels."""

DONE = {
    "booked": "Appointment booked.",
    "check-in": "The patient is checked in.",
    "no-show": "Marked as a no-show; the slot is free again.",
    "cancel": "Appointment cancelled; the slot is free again.",
    "start": "Session started.",
    "complete": "Session completed.",
}

ACTIONS = ("check-in", "no-show", "cancel", "start", "complete")


def problem_type(answer: Answer) -> str:
    """The last part of the service's problem `type` (e.g. `practitioner-taken`)."""
    return str(answer.body.get("type") or "").rstrip("/").rsplit("/", 1)[-1]


def refused_status(answer: Answer) -> int:
    """The status a page shows a refusal with: the service's 4xx, else 503 (never a 500)."""
    return answer.status if answer.status and answer.status < 500 else 503


def label(code: str | None) -> str:
    return (vocabulary.label(code) or code.replace("_", " ")) if code else ""


def labels(codes: list[str] | None) -> str:
    return ", ".join(label(c) for c in codes or [])


# -- booking -------------------------------------------------------------------------------------


async def _patient_choice(
    request: Request, staff: StaffSession, search: str, patient_id: str, errors: dict[str, str]
) -> tuple[dict[str, Any] | None, list[dict[str, Any]] | None, str | None]:
    """(the chosen patient, the patients matching the search, a problem)."""
    if patient_id:
        chosen = uuid_field(patient_id, "patient", "patient", errors)
        if chosen is None:
            return None, None, None
        answer = await ask(request, staff, "records", f"/v1/patients/{chosen}")
        if answer.ok:
            return answer.data, None, None
        if answer.status == 404:
            errors["patient"] = "This patient is not in your network's records. Search again."
            return None, None, None
        return None, None, answer.problem
    if not search:
        return None, None, None
    answer = await ask(request, staff, "records", "/v1/patients", {"q": search, "limit": 20})
    if answer.errors.get("q"):
        errors["patient"] = answer.errors["q"]
        return None, None, None
    return None, (answer.data or {}).get("items", []) if answer.ok else None, answer.problem


async def _slot_groups(
    request: Request,
    staff: StaffSession,
    clinic: dict[str, Any],
    treatment_type_id: UUID,
    day: str,
    errors: dict[str, str],
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """The day's free slots grouped by practitioner (by name), each with its own form key."""
    free, staffed = await asyncio.gather(
        ask(
            request,
            staff,
            "booking",
            "/v1/availability",
            {"clinic_id": clinic["id"], "treatment_type_id": str(treatment_type_id), "from": day},
        ),
        ask(request, staff, "booking", "/v1/practitioners", {"clinic_id": clinic["id"]}),
    )
    errors.update({k: v for k, v in free.errors.items() if k in ("date", "treatment_type_id")})
    if not free.ok:
        return None, free.problem
    tz = zone(clinic["timezone"])
    names = {p["id"]: p["name"] for p in (staffed.data or {}).get("items", [])}
    groups: dict[str, dict[str, Any]] = {}
    for slot in (free.data or {}).get("slots", []):
        who = slot["practitioner_id"]
        group = groups.setdefault(
            who, {"practitioner_id": who, "name": names.get(who, "Practitioner"), "slots": []}
        )
        group["slots"].append(
            {
                **slot,
                "label": f"{local_time(slot['start'], tz)} to {local_time(slot['end'], tz)}",
                "key": str(uuid4()),
            }
        )
    return sorted(groups.values(), key=lambda g: g["name"]), None


async def book_page(
    request: Request,
    staff: StaffSession,
    choice: dict[str, str],
    *,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    errors: dict[str, str] = {}
    clinics, clinics_answer = await clinics_of(request, staff)
    types_answer = await ask(request, staff, "booking", "/v1/treatment-types", {"limit": 200})
    types = (types_answer.data or {}).get("items", [])
    notices = [problem, clinics_answer.problem, types_answer.problem]
    patient, matches, patient_problem = await _patient_choice(
        request, staff, choice["patient"].strip(), choice["patient_id"], errors
    )
    notices.append(patient_problem)
    clinic_id = choice["clinic_id"]
    if not clinic_id and clinics:
        clinic_id = home_clinic(staff, clinics)["id"]
    chosen_clinic = uuid_field(clinic_id, "clinic_id", "clinic", errors)
    clinic = next((c for c in clinics if c["id"] == str(chosen_clinic)), None)
    if chosen_clinic is not None and clinic is None and clinics_answer.ok:
        errors["clinic_id"] = "This clinic is not one of your network's clinics."
    chosen_type = uuid_field(
        choice["treatment_type_id"], "treatment_type_id", "treatment type", errors
    )
    treatment = next((t for t in types if t["id"] == str(chosen_type)), None)
    if chosen_type is not None and treatment is None and types_answer.ok:
        errors["treatment_type_id"] = "Choose a treatment type from the list."
    tz = zone(clinic["timezone"] if clinic else None)
    day = parse_day(choice["date"], tz, errors).isoformat()
    groups = None
    if clinic and treatment and not errors.get("date"):
        groups, slots_problem = await _slot_groups(
            request, staff, clinic, UUID(treatment["id"]), day, errors
        )
        notices.append(slots_problem)
    return page(
        request,
        "book.html",
        staff,
        status_code,
        title="Book",
        clinics=[(c["id"], c["name"]) for c in clinics],
        treatment_types=[(t["id"], t["name"]) for t in types],
        form={**choice, "clinic_id": clinic_id, "date": day},
        patient=patient,
        matches=matches,
        clinic=clinic,
        treatment=treatment,
        day_label=datetime.fromisoformat(day).strftime("%A %d %B %Y"),
        groups=groups,
        errors=errors,
        problem=" ".join(p for p in notices if p) or None,
    )


@router.get("/book")
async def book(
    request: Request,
    staff: CurrentStaff,
    patient: str = "",
    patient_id: str = "",
    clinic_id: str = "",
    treatment_type_id: str = "",
    date: str = "",
) -> Response:
    """Choose the patient, clinic, treatment type and day, then book one of the free slots."""
    choice = {
        "patient": patient,
        "patient_id": patient_id,
        "clinic_id": clinic_id,
        "treatment_type_id": treatment_type_id,
        "date": date,
    }
    return await book_page(request, staff, choice)


@router.post("/book")
async def book_slot(request: Request, staff: CurrentStaff) -> Response:
    """Book the slot whose button was pressed; a taken slot or a refusal is told on the page."""
    form = await sessions.checked_form(request, staff)
    choice = {
        "patient": "",
        "patient_id": form.get("patient_id", ""),
        "clinic_id": form.get("clinic_id", ""),
        "treatment_type_id": form.get("treatment_type_id", ""),
        "date": form.get("date", ""),
    }
    fields = ("patient_id", "clinic_id", "treatment_type_id", "practitioner_id", "room_id")
    body: dict[str, Any] = {}
    for name in fields:
        try:
            body[name] = str(UUID(form.get(name, "")))
        except ValueError:
            message = (
                "Choose the patient first, then a free slot."
                if name == "patient_id"
                else "Choose one of the free slots listed below."
            )
            return await book_page(request, staff, choice, problem=message, status_code=422)
    try:
        body["start"] = datetime.fromisoformat(form.get("start", "")).isoformat()
    except ValueError:
        return await book_page(
            request,
            staff,
            choice,
            problem="Choose one of the free slots listed below.",
            status_code=422,
        )
    answer = await send(
        request,
        staff,
        "booking",
        "POST",
        "/v1/appointments",
        body,
        idempotency_key=form.get("idempotency_key") or None,
    )
    if answer.ok:
        return RedirectResponse(
            f"/console/appointments/{answer.data['id']}?done=booked", status_code=303
        )
    return await book_page(
        request, staff, choice, problem=_booking_refused(answer), status_code=refused_status(answer)
    )


def _booking_refused(answer: Answer) -> str:
    kind = problem_type(answer)
    if kind in ("practitioner-taken", "room-taken"):
        return (
            "This slot has just been taken by another booking. Nothing was booked. "
            "Choose another free slot below."
        )
    if kind == "consultation-required":
        indication = label(str(answer.body.get("indication") or "")) or "this indication"
        return (
            f"This patient has no completed consultation for {indication.lower()} yet, which a "
            "treatment needs first. Nothing was booked: book the consultation first."
        )
    if kind == "start-in-past":
        return "This slot has already begun. Nothing was booked. Choose a later slot below."
    details = [answer.problem or "Booking refused this appointment."]
    details += [f"{field.replace('_', ' ')}: {message}" for field, message in answer.errors.items()]
    return " ".join(details) + ("" if answer.status is None else " Choose a free slot below.")


# -- the appointment and its session ------------------------------------------------------------


def _price(price: dict[str, Any] | None) -> str | None:
    if not price:
        return None
    return f"{price['amount_minor'] / 100:,.2f} {price['currency']}"


async def _lots_of(
    request: Request, staff: StaffSession, components: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """For each ingredient, its lots that may be used today (active, not expired)."""
    answers = await asyncio.gather(
        *(
            ask(
                request,
                staff,
                "formulary",
                "/v1/lots",
                {"ingredient_code": c["ingredient_code"], "status": "active", "limit": 200},
            )
            for c in components
        )
    )
    return {
        c["ingredient_code"]: [
            lot
            for lot in (a.data or {}).get("items", [])
            if lot["status"] == "active" and not lot["expired"]
        ]
        for c, a in zip(components, answers, strict=True)
    }


def _blends_for(blends: list[dict[str, Any]], indication: str) -> list[dict[str, Any]]:
    """The network's blends, those for the appointment's indication first."""
    return sorted(blends, key=lambda b: (b["indication"] != indication, b["name"]))


async def _started_blend(
    request: Request, staff: StaffSession, appointment: dict[str, Any]
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], str | None]:
    """(the blend cross-checked at start, the planned components, a problem)."""
    started = appointment.get("cross_check") or {}
    blend_id, version = started.get("blend_id"), started.get("blend_version")
    if blend_id:
        answer = await ask(
            request, staff, "formulary", f"/v1/blends/{blend_id}", {"version": version}
        )
        if not answer.ok:
            return None, [], answer.problem
        return answer.data, answer.data["components"], None
    codes = started.get("ingredient_codes") or []
    answers = await asyncio.gather(
        *(ask(request, staff, "formulary", f"/v1/ingredients/{code}") for code in codes)
    )
    components = [
        {
            "ingredient_code": code,
            "ingredient_name": (a.data or {}).get("name") or label(code),
            "amount": None,
            "unit": (a.data or {}).get("unit"),
        }
        for code, a in zip(codes, answers, strict=True)
    ]
    return None, components, next((a.problem for a in answers if not a.ok), None)


async def appointment_page(
    request: Request,
    staff: StaffSession,
    appointment_id: str,
    *,
    status_code: int = 200,
    problem: str | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    refusal: dict[str, Any] | None = None,
    done: str = "",
) -> Response:
    """The appointment with what can be done next; `refusal` is a start the safety check
    refused (`verdict` and `findings`), shown with the forms to choose again."""
    try:
        answer = await ask(request, staff, "booking", f"/v1/appointments/{UUID(appointment_id)}")
    except ValueError:
        answer = Answer(problem="No such appointment.", status=404)
    if not answer.ok:
        return _missing(request, staff, answer)
    appointment = answer.data
    clinic, practitioner, treatment = await asyncio.gather(
        ask(request, staff, "booking", f"/v1/clinics/{appointment['clinic_id']}"),
        ask(request, staff, "booking", f"/v1/practitioners/{appointment['practitioner_id']}"),
        ask(request, staff, "booking", f"/v1/treatment-types/{appointment['treatment_type_id']}"),
    )
    names = await patient_names(request, staff, {appointment["patient_id"]})
    tz = zone((clinic.data or {}).get("timezone"))
    start = datetime.fromisoformat(appointment["start"]).astimezone(tz)
    end = datetime.fromisoformat(appointment["end"]).astimezone(tz)
    treatment_data = treatment.data or {}
    areas = list(treatment_data.get("areas") or [])
    is_treatment = appointment["kind"] == "treatment"
    is_practitioner = staff.has_any("practitioner")
    allowed = set(appointment["allowed_actions"])
    context: dict[str, Any] = {"blends": [], "blend": None, "components": [], "lots": {}}
    notices = [problem]
    if "start" in allowed and is_treatment and is_practitioner:
        blends = await ask(request, staff, "formulary", "/v1/blends", {"limit": 200})
        notices.append(blends.problem)
        context["blends"] = _blends_for(
            (blends.data or {}).get("items", []), appointment["indication"]
        )
    if "complete" in allowed and is_treatment and is_practitioner:
        blend, components, blend_problem = await _started_blend(request, staff, appointment)
        notices.append(blend_problem)
        context.update(
            blend=blend, components=components, lots=await _lots_of(request, staff, components)
        )
        areas = (appointment.get("cross_check") or {}).get("areas") or areas
    ingredient_names = {
        c["ingredient_code"]: c["ingredient_name"]
        for b in context["blends"] + ([context["blend"]] if context["blend"] else [])
        for c in b["components"]
    }
    recorded = appointment.get("cross_check")
    return page(
        request,
        "visit_appointment.html",
        staff,
        status_code,
        title=treatment_data.get("name") or "Appointment",
        appointment=appointment,
        patient_name=names.get(appointment["patient_id"]),
        clinic=clinic.data,
        practitioner=practitioner.data,
        treatment=treatment_data,
        when=f"{start.strftime('%A %d %B %Y')}, {start:%H:%M} to {end:%H:%M}",
        day=start.date().isoformat(),
        blocked_blend=(form or {}).get("blend_id")
        if (refusal or {}).get("verdict") == "contraindicated"
        else None,
        price=_price(appointment.get("price")),
        areas=[(a, label(a)) for a in areas],
        reactions=[(r, label(r)) for r in REACTIONS],
        is_treatment=is_treatment,
        is_practitioner=is_practitioner,
        is_front_desk=staff.has_any(*FRONT_DESK),
        allowed=allowed,
        refusal=refusal,
        refusal_rows=finding_rows((refusal or {}).get("findings") or [], ingredient_names),
        recorded_rows=finding_rows((recorded or {}).get("findings") or [], ingredient_names),
        form=form or {},
        done=DONE.get(done),
        label=label,
        labels=labels,
        errors=errors or {},
        problem=" ".join(p for p in notices if p) or None,
        **context,
    )


def _missing(request: Request, staff: StaffSession, answer: Answer) -> Response:
    if answer.status == 404:
        title, message, code = (
            "No such appointment",
            "This appointment is not in your network's calendar.",
            404,
        )
    else:
        title = "The appointment cannot be shown"
        message, code = answer.problem or "Booking could not answer.", refused_status(answer)
    return refusal(
        request,
        staff,
        code,
        title,
        message,
        back="/console/day",
        back_label="Back to the clinic day",
    )


@router.get("/appointments/{appointment_id}")
async def appointment(
    request: Request, staff: CurrentStaff, appointment_id: str, done: str = ""
) -> Response:
    """One appointment: who, when, where, its status and price, and the next steps."""
    return await appointment_page(request, staff, appointment_id, done=done)


@router.post("/appointments/{appointment_id}/{action}")
async def appointment_action(
    request: Request, staff: CurrentStaff, appointment_id: str, action: str
) -> Response:
    """Check in, no-show, cancel, start or complete, then back to the appointment."""
    form = await sessions.checked_form(request, staff)
    if action not in ACTIONS:
        return await appointment_page(
            request, staff, appointment_id, status_code=404, problem="No such action."
        )
    try:
        path = f"/v1/appointments/{UUID(appointment_id)}"
    except ValueError:
        return _missing(request, staff, Answer(problem="No such appointment.", status=404))
    if action in ("check-in", "no-show"):
        answer = await send(request, staff, "booking", "POST", f"{path}/{action}")
    elif action == "cancel":
        reason = form.get("reason", "").strip()
        if not reason or len(reason) > 500:
            message = "Give the reason for cancelling." if not reason else "Keep it under 500."
            return await appointment_page(
                request, staff, appointment_id, status_code=422, errors={"reason": message}
            )
        answer = await send(request, staff, "booking", "POST", f"{path}/cancel", {"reason": reason})
    elif action == "start":
        return await _start(request, staff, appointment_id, path, form)
    else:
        return await _complete(request, staff, appointment_id, path, form)
    if answer.ok:
        return _done(appointment_id, action)
    return await appointment_page(
        request,
        staff,
        appointment_id,
        status_code=refused_status(answer),
        problem=answer.problem,
        errors={"reason": answer.errors["reason"]} if "reason" in answer.errors else None,
        form=form,
    )


def _done(appointment_id: str, action: str) -> Response:
    return RedirectResponse(
        f"/console/appointments/{appointment_id}?done={action}", status_code=303
    )


async def _current(request: Request, staff: StaffSession, path: str) -> dict[str, Any] | None:
    answer = await ask(request, staff, "booking", path)
    return answer.data if answer.ok else None


async def _treatment_areas(
    request: Request, staff: StaffSession, appointment: dict[str, Any]
) -> list[str]:
    answer = await ask(
        request, staff, "booking", f"/v1/treatment-types/{appointment['treatment_type_id']}"
    )
    return list((answer.data or {}).get("areas") or [])


async def _start(
    request: Request, staff: StaffSession, appointment_id: str, path: str, form: dict[str, str]
) -> Response:
    """Start behind the safety check: blocked, caution (acknowledge) or started."""
    current = await _current(request, staff, path)
    if current is None:
        return await appointment_page(request, staff, appointment_id)
    needs_blend = current["kind"] == "treatment"
    offered = await _treatment_areas(request, staff, current) if needs_blend else []
    body, errors, ack_errors = start_body(form, needs_blend=needs_blend, offered_areas=offered)
    if errors:
        return await appointment_page(
            request, staff, appointment_id, status_code=422, errors=errors, form=form
        )
    answer = await send(request, staff, "booking", "POST", f"{path}/start", body)
    if answer.ok:
        return _done(appointment_id, "start")
    kind = problem_type(answer)
    refusal = None
    if kind in ("contraindicated", "caution-not-acknowledged"):
        findings = answer.body.get("findings") or []
        verdict = "contraindicated" if kind == "contraindicated" else "caution"
        refusal = {
            "verdict": verdict,
            "findings": findings,
            "codes": ",".join(f["code"] for f in findings if f.get("severity") == "caution"),
        }
        message = None
    elif kind == "cross-check-unknown-patient":
        message = (
            "The safety check has no safety profile for this patient, so the session cannot "
            "start. Record the patient's allergies, conditions and medications in the patient "
            "chart, then try again."
        )
    elif answer.status == 503 or answer.status is None:
        message = (
            "The safety check could not run; the session cannot start. Nothing was changed. "
            "Try again in a moment."
        )
    else:
        message = answer.problem
    if refusal and refusal["verdict"] == "caution":
        errors = ack_errors
    else:
        # A field booking or the safety check named (e.g. a blend formulary no longer has).
        errors = {k: v for k, v in answer.errors.items() if k in ("blend_id", "areas")}
    return await appointment_page(
        request,
        staff,
        appointment_id,
        status_code=refused_status(answer),
        problem=message,
        errors=errors,
        form=form,
        refusal=refusal,
    )


async def _complete(
    request: Request, staff: StaffSession, appointment_id: str, path: str, form: dict[str, str]
) -> Response:
    """Record what was administered, each ingredient with a valid lot, and close the session."""
    current = await _current(request, staff, path)
    if current is None:
        return await appointment_page(request, staff, appointment_id)
    is_treatment = current["kind"] == "treatment"
    blend, components, lots = None, [], {}
    offered: list[str] = []
    if is_treatment:
        blend, components, _ = await _started_blend(request, staff, current)
        lots = await _lots_of(request, staff, components)
        offered = (current.get("cross_check") or {}).get("areas") or await _treatment_areas(
            request, staff, current
        )
    body, errors = completion_body(
        form,
        is_treatment=is_treatment,
        components=components,
        lots=lots,
        offered_areas=offered,
        blend=blend,
    )
    if errors:
        return await appointment_page(
            request,
            staff,
            appointment_id,
            status_code=422,
            errors=errors,
            form=form,
            problem="The session was not completed: correct the fields marked below.",
        )
    answer = await send(request, staff, "booking", "POST", f"{path}/complete", body)
    if answer.ok:
        return _done(appointment_id, "complete")
    return await appointment_page(
        request,
        staff,
        appointment_id,
        status_code=refused_status(answer),
        problem=" ".join(
            [answer.problem or "The session was not completed."]
            + [f"{f.replace('_', ' ')}: {m}" for f, m in answer.errors.items()]
        ),
        errors={k: v for k, v in answer.errors.items() if k in form},
        form=form,
    )
