"""Booking from the console and the session page: book a free slot, check in, start behind
the cross-check, have a changed plan re-checked before injecting it, complete with what was
given (each ingredient's lot, amount and formulary unit), and acknowledge a deviation."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from services.gateway.console import sessions
from services.gateway.console.clock import local, zone
from services.gateway.console.pages import (
    clinics_of,
    home_clinic,
    page,
    parse_day,
    patient_names,
    refusal,
    router,
    uuid_field,
)
from services.gateway.console.services import Answer, ask, ask_all, items_of, send
from services.gateway.console.session_forms import (
    REACTIONS,
    as_carried,
    carried,
    completion_body,
    completion_field_errors,
    deviation_acknowledgement,
    finding_rows,
    ingredient_name,
    ingredient_rows,
    plan_body,
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
    "cross-check": "The changed plan passed the safety check: it is now what may be injected.",
    "complete": "Session completed.",
}

ACTIONS = ("check-in", "no-show", "cancel", "start", "cross-check", "complete")
MATCHES = 20
"""Patients listed for a search on the booking page."""


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
    answer = await ask(request, staff, "records", "/v1/patients", {"q": search, "limit": MATCHES})
    if answer.errors.get("q"):
        errors["patient"] = answer.errors["q"]
        return None, None, None
    if answer.ok and answer.data.get("next_cursor"):
        # Only the first MATCHES are listed: the rest must not go unsaid.
        more = f"More than {MATCHES} patients match: type more of the name, or the email."
        return None, items_of(answer), more
    return None, items_of(answer) if answer.ok else None, answer.problem


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
        ask_all(request, staff, "booking", "/v1/practitioners", {"clinic_id": clinic["id"]}),
    )
    errors.update({k: v for k, v in free.errors.items() if k in ("date", "treatment_type_id")})
    if not free.ok:
        return None, free.problem
    names = {p["id"]: p["name"] for p in items_of(staffed)}
    groups: dict[str, dict[str, Any]] = {}
    for slot in (free.data or {}).get("slots", []):
        who = slot["practitioner_id"]
        group = groups.setdefault(
            who, {"practitioner_id": who, "name": names.get(who, "Practitioner"), "slots": []}
        )
        group["slots"].append({**slot, "key": str(uuid4())})
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
    types_answer = await ask_all(request, staff, "booking", "/v1/treatment-types")
    types = items_of(types_answer)
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

PLAN = "plan_"
"""The prefix of the "change what will be injected" form's fields."""
TOPICAL = "anaesthetic"
"""The category of the numbing cream: applied before injecting (the preparation), not injected."""


def _price(price: dict[str, Any] | None) -> str | None:
    if not price:
        return None
    return f"{price['amount_minor'] / 100:,.2f} {price['currency']}"


async def _catalog(
    request: Request, staff: StaffSession
) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The network's ingredients by code (name, unit, status), and a problem."""
    answer = await ask_all(request, staff, "formulary", "/v1/ingredients")
    return {i["code"]: i for i in items_of(answer)}, answer.problem


async def _stock(
    request: Request, staff: StaffSession
) -> tuple[dict[str, list[dict[str, Any]]], str | None]:
    """For each ingredient, its lots that may be used today (active, not expired), soonest
    expiry first: what the completion form suggests."""
    answer = await ask_all(request, staff, "formulary", "/v1/lots", {"status": "active"})
    stock: dict[str, list[dict[str, Any]]] = {}
    for lot in sorted(items_of(answer), key=lambda lot: (lot["expires_on"], lot["lot_number"])):
        if lot["status"] == "active" and not lot["expired"]:
            stock.setdefault(lot["ingredient_code"], []).append(lot)
    return stock, answer.problem


def _blends_for(blends: list[dict[str, Any]], indication: str) -> list[dict[str, Any]]:
    """The network's blends, those for the appointment's indication first."""
    return sorted(blends, key=lambda b: (b["indication"] != indication, b["name"]))


def _names(catalog: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {code: str(i.get("name") or code) for code, i in catalog.items()}


async def _planned(
    request: Request,
    staff: StaffSession,
    appointment: dict[str, Any],
    catalog: dict[str, dict[str, Any]],
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], str | None]:
    """(the blend of the check of record, what that check covered, a problem): the plan the
    last passing cross-check allowed to inject, one component per ingredient."""
    checked = appointment.get("cross_check") or {}
    blend_id, version = checked.get("blend_id"), checked.get("blend_version")
    blend, problem = None, None
    if blend_id:
        answer = await ask(
            request, staff, "formulary", f"/v1/blends/{blend_id}", {"version": version}
        )
        blend, problem = (answer.data, None) if answer.ok else (None, answer.problem)
    amounts = {c["ingredient_code"]: c for c in (blend or {}).get("components", [])}
    codes = checked.get("ingredient_codes") or list(amounts)
    names = _names(catalog)
    components = [
        {
            "ingredient_code": code,
            "ingredient_name": names.get(code)
            or (amounts.get(code) or {}).get("ingredient_name")
            or label(code),
            "amount": (amounts.get(code) or {}).get("amount"),
            "unit": (catalog.get(code) or {}).get("unit") or (amounts.get(code) or {}).get("unit"),
        }
        for code in codes
    ]
    return blend, components, problem


def _plan_summary(
    check: dict[str, Any],
    blend_names: dict[str, str],
    names: dict[str, str],
    versions: dict[str, int] | None = None,
) -> dict[str, Any]:
    """A check of the session in words: what it covered, its verdict, who and when.
    `versions`: the version of a blend checked without one, when known."""
    versions = versions or {}
    blend_id = check.get("blend_id")
    blend = None
    if blend_id:
        # A plan naming no version was checked at the blend's version of the time.
        version = check.get("blend_version") or versions.get(blend_id)
        blend = blend_names.get(blend_id, "A blend") + (f", version {version}" if version else "")
    codes = check.get("ingredient_codes") or []
    return {
        **check,
        "blend": blend,
        "ingredients": ", ".join(ingredient_name(c, names) for c in codes),
        "lots": ", ".join(check.get("lot_numbers") or []),
        "areas_text": labels(check.get("areas")),
    }


def _plan_defaults(check: dict[str, Any] | None) -> dict[str, str]:
    """The change form as the check of record left the plan."""
    check = check or {}
    form = {
        f"{PLAN}blend_id": check.get("blend_id") or "",
        f"{PLAN}lots": ", ".join(check.get("lot_numbers") or []),
        f"{PLAN}areas_offered": "1",
    }
    form |= {f"{PLAN}ingredient_{c}": "1" for c in check.get("ingredient_codes") or []}
    form |= {f"{PLAN}area_{a}": "1" for a in check.get("areas") or []}
    return form


def _areas_offered(first: list[str]) -> list[str]:
    """Every treatment area, `first` (those planned) leading."""
    return list(dict.fromkeys([*first, *vocabulary.TREATMENT_AREAS]))


def _ingredient_choice(catalog: dict[str, dict[str, Any]], *, withdrawn: bool) -> list[Any]:
    """(code, label) of the ingredients one may choose, by name: injectables only (the numbing
    cream is the preparation); `withdrawn` ones too when recording what was given."""
    return [
        (
            i["code"],
            f"{i['name']} ({i['unit']})" + (" · withdrawn" if i["status"] == "withdrawn" else ""),
        )
        for i in sorted(catalog.values(), key=lambda i: str(i["name"]).casefold())
        if i.get("category") != TOPICAL and (withdrawn or i["status"] != "withdrawn")
    ]


def _deviation_view(
    deviations: list[dict[str, Any]],
    names: dict[str, str],
    form: dict[str, str],
    errors: dict[str, str],
) -> dict[str, Any] | None:
    """The deviations booking refused a completion for, as the warning block shows them: each
    with its findings, the worst first; one box per finding code (ticked as the form was)."""
    if not deviations:
        return None
    posted = [c for c in form.get("deviation_codes", "").split(",") if c]
    ticked = {c for n, c in enumerate(posted) if form.get(f"ack_code_{n}") == c}
    items, codes = [], []
    for deviation in deviations:
        findings = [f for f in deviation.get("findings") or [] if isinstance(f, dict)]
        rows = finding_rows(findings, names, given=True)
        severe = any(f.get("severity") == "contraindicated" for f in findings)
        code = deviation.get("ingredient_code")
        items.append(
            {
                "ingredient": ingredient_name(code, names) if code else "The whole session",
                "lots": [str(n) for n in deviation.get("lot_numbers") or []],
                "rows": rows,
                "severity": "contraindicated" if severe else "caution",
            }
        )
        for row in rows:
            if row["code"] and row["code"] not in [c["code"] for c in codes]:
                codes.append(row)
    boxes = []
    for n, row in enumerate(codes):
        concerns = f": {row['concerns']}" if row["concerns"] else ""
        boxes.append(
            {
                "name": f"ack_code_{n}",
                "code": row["code"],
                "ticked": row["code"] in ticked,
                "label": f"I acknowledge {row['code']}: {row['ingredient']}, {row['reason']}"
                f"{concerns} ({row['severity'].lower()})",
                "error": errors.get(f"code:{row['code']}"),
            }
        )
    worst = (
        "contraindicated" if any(i["severity"] == "contraindicated" for i in items) else "caution"
    )
    return {
        "entries": sorted(items, key=lambda i: i["severity"] != "contraindicated"),
        "boxes": boxes,
        "codes": ",".join(b["code"] for b in boxes),
        "carried": as_carried(deviations),
        "worst": worst,
    }


async def appointment_page(
    request: Request,
    staff: StaffSession,
    appointment_id: str,
    *,
    status_code: int = 200,
    problem: str | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    posted: str = "",
    refusal: dict[str, Any] | None = None,
    deviations: list[dict[str, Any]] | None = None,
    done: str = "",
) -> Response:
    """The appointment with what can be done next. `form` is what was posted by the `posted`
    action, shown back as typed; `refusal` is a plan the safety check refused (`action`,
    `verdict` and `findings`); `deviations` what a completion was refused for."""
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
    names_of_patients = await patient_names(request, staff, {appointment["patient_id"]})
    tz = str(zone((clinic.data or {}).get("timezone")))
    start = local(appointment["start"], tz)
    treatment_data = treatment.data or {}
    areas = list(treatment_data.get("areas") or [])
    is_treatment = appointment["kind"] == "treatment"
    is_practitioner = staff.has_any("practitioner")
    allowed = set(appointment["allowed_actions"])
    form = form or {}
    errors = errors or {}
    checked = appointment.get("cross_check")
    notices = [problem]

    plans = is_treatment and is_practitioner and bool({"start", "cross-check"} & allowed)
    completes = is_treatment and is_practitioner and "complete" in allowed
    shows_checks = is_treatment and bool(checked or appointment.get("completion") or refusal)
    reads: dict[str, Any] = {}
    if plans or shows_checks:
        reads["blends"] = ask_all(request, staff, "formulary", "/v1/blends")
    if plans or completes or shows_checks:
        reads["catalog"] = _catalog(request, staff)
    if completes:
        reads["stock"] = _stock(request, staff)
    read = dict(zip(reads, await asyncio.gather(*reads.values()), strict=True))
    blends: list[dict[str, Any]] = []
    if "blends" in read:
        notices.append(read["blends"].problem if plans else None)
        blends = _blends_for(items_of(read["blends"]), appointment["indication"])
    catalog, catalog_problem = read.get("catalog", ({}, None))
    stock, stock_problem = read.get("stock", ({}, None))
    notices += [catalog_problem if plans or completes else None, stock_problem]
    names = _names(catalog)

    blend, components, rows = None, [], []
    if completes:
        blend, components, blend_problem = await _planned(request, staff, appointment, catalog)
        notices.append(blend_problem)
        rows = ingredient_rows(form if posted == "complete" else {}, components, catalog)
    blend_names = {b["id"]: b["name"] for b in blends}
    if blend:
        blend_names[blend["id"]] = blend["name"]
    history = [_plan_summary(c, blend_names, names) for c in appointment.get("cross_checks") or []]
    kform = form if posted == "complete" else {}
    planned_areas = (checked or {}).get("areas") or areas
    deviation = _deviation_view(deviations or [], names, kform, errors)
    return page(
        request,
        "visit_appointment.html",
        staff,
        status_code,
        title=treatment_data.get("name") or "Appointment",
        appointment=appointment,
        patient_name=names_of_patients.get(appointment["patient_id"]),
        clinic=clinic.data,
        practitioner=practitioner.data,
        treatment=treatment_data,
        tz=tz,
        day=start.date().isoformat() if start else "",
        blocked_blend=form.get("blend_id")
        if (refusal or {}).get("verdict") == "contraindicated" and refusal.get("action") == "start"
        else None,
        price=_price(appointment.get("price")),
        areas=[(a, label(a)) for a in areas],
        reactions=[(r, label(r)) for r in REACTIONS],
        is_treatment=is_treatment,
        is_practitioner=is_practitioner,
        is_front_desk=staff.has_any(*FRONT_DESK),
        allowed=allowed,
        blends=blends,
        refusal=refusal,
        refusal_rows=finding_rows((refusal or {}).get("findings") or [], names),
        recorded=_plan_summary(checked, blend_names, names, _versions(blend, appointment))
        if checked
        else None,
        recorded_rows=finding_rows((checked or {}).get("findings") or [], names),
        earlier_checks=list(reversed(history[:-1])),
        plan_form=form if posted == "cross-check" else _plan_defaults(checked),
        plan_ingredients=_ingredient_choice(catalog, withdrawn=False),
        plan_areas=[(a, label(a)) for a in _areas_offered(planned_areas)],
        plan_blocked=form.get(f"{PLAN}blend_id")
        if (refusal or {}).get("verdict") == "contraindicated"
        and refusal.get("action") == "cross-check"
        else None,
        blend=blend,
        rows=rows,
        extra_row=len(rows),
        other_ingredients=_ingredient_choice(catalog, withdrawn=True),
        stock=stock,
        names=names,
        completion_areas=[
            (
                a,
                label(a),
                kform.get(f"area_{a}") if kform.get("areas_offered") else a in planned_areas,
            )
            for a in _areas_offered(planned_areas)
        ],
        deviation=deviation,
        recorded_deviations=_recorded_deviations(appointment.get("completion"), names),
        form=form,
        kform=kform,
        posted=posted,
        done=DONE.get(done),
        label=label,
        labels=labels,
        errors=errors,
        problem=" ".join(p for p in notices if p) or None,
    )


def _versions(blend: dict[str, Any] | None, appointment: dict[str, Any]) -> dict[str, int]:
    """The version of the blend of record when its check named none: the one the completion
    form records, or the one the completion recorded."""
    versions = {}
    done = appointment.get("completion") or {}
    if done.get("blend_id") and done.get("blend_version"):
        versions[str(done["blend_id"])] = int(done["blend_version"])
    if blend:
        versions[str(blend["id"])] = int(blend["version"])
    return versions


def _recorded_deviations(
    completion: dict[str, Any] | None, names: dict[str, str]
) -> list[dict[str, Any]]:
    """A completed session's deviations, each with its findings in words."""
    return [
        {
            "ingredient": ingredient_name(d.get("ingredient_code"), names)
            if d.get("ingredient_code")
            else "The whole session",
            "code": d.get("ingredient_code"),
            "lots": d.get("lot_numbers") or [],
            "rows": finding_rows(d.get("findings") or [], names, given=True),
            "severity": "contraindicated"
            if any(f.get("severity") == "contraindicated" for f in d.get("findings") or [])
            else "caution",
        }
        for d in (completion or {}).get("deviations") or []
    ]


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
    """Check in, no-show, cancel, start, re-check a changed plan or complete, then back to the
    appointment."""
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
    elif action in ("start", "cross-check"):
        return await _plan(request, staff, appointment_id, path, form, action)
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
        posted=action,
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


def _unavailable(answer: Answer) -> bool:
    """Booking, or the safety check behind it, did not answer: nothing was changed."""
    return answer.status is None or answer.status >= 500


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
PLAN_FIELDS = {
    "blend_id": "blend_id",
    "areas": "areas",
    "lot_numbers": "lots",
    "ingredient_codes": "ingredients",
}


async def _plan(
    request: Request,
    staff: StaffSession,
    appointment_id: str,
    path: str,
    form: dict[str, str],
    action: str,
) -> Response:
    """Start, or re-check a changed plan, behind the safety check: blocked, caution
    (acknowledge) or passed (the check of record)."""
    current = await _current(request, staff, path)
    if current is None:
        return await appointment_page(request, staff, appointment_id)
    needs_blend = current["kind"] == "treatment"
    if action == "start":
        prefix = ""
        offered = await _treatment_areas(request, staff, current) if needs_blend else []
        body, errors, ack_errors = plan_body(form, needs_blend=needs_blend, offered_areas=offered)
    else:
        prefix = PLAN
        choice = [
            k.removeprefix(f"{PLAN}ingredient_") for k in form if k.startswith(f"{PLAN}ingredient_")
        ]
        body, errors, ack_errors = plan_body(
            form,
            needs_blend=True,
            offered_areas=list(vocabulary.TREATMENT_AREAS),
            prefix=PLAN,
            ingredient_choice=choice,
        )
    carried_findings = carried(form, f"{prefix}findings")
    if errors:
        return await appointment_page(
            request,
            staff,
            appointment_id,
            status_code=422,
            errors=errors,
            form=form,
            posted=action,
            refusal=_caution(action, carried_findings) if carried_findings else None,
        )
    answer = await send(request, staff, "booking", "POST", f"{path}/{action}", body)
    if answer.ok:
        return _done(appointment_id, action)
    kind = problem_type(answer)
    refusal = None
    message: str | None = None
    field_errors: dict[str, str] = {}
    if kind in ("contraindicated", "caution-not-acknowledged"):
        findings = [f for f in answer.body.get("findings") or [] if isinstance(f, dict)]
        if kind == "contraindicated":
            refusal = {"action": action, "verdict": "contraindicated", "findings": findings}
        else:
            refusal = _caution(action, findings)
            field_errors = ack_errors
    elif kind == "cross-check-unknown-patient":
        message = PLAN_UNKNOWN_PATIENT.format(
            what="the session cannot start"
            if action == "start"
            else "the changed plan cannot be checked: do not inject it"
        )
    elif _unavailable(answer):
        message = (
            PLAN_UNAVAILABLE[action]
            if answer.body.get("service") == "formulary"
            else f"{answer.problem or 'Booking could not answer.'} Your choices are still below."
        )
        # An acknowledgement being answered stays on the page, as typed.
        refusal = _caution(action, carried_findings) if carried_findings else None
    else:
        message = answer.problem
        # A field booking or the safety check named (e.g. a blend formulary no longer has).
        for item in answer.body.get("errors") or []:
            if not isinstance(item, dict):
                continue
            head = re.split(r"[.\[]", str(item.get("field") or ""), maxsplit=1)[0]
            if head in PLAN_FIELDS and (prefix or head in ("blend_id", "areas")):
                field_errors.setdefault(f"{prefix}{PLAN_FIELDS[head]}", str(item.get("message")))
        refusal = _caution(action, carried_findings) if carried_findings else None
    return await appointment_page(
        request,
        staff,
        appointment_id,
        status_code=refused_status(answer),
        problem=message,
        errors=field_errors,
        form=form,
        posted=action,
        refusal=refusal,
    )


def _caution(action: str, findings: list[dict[str, Any]]) -> dict[str, Any]:
    """A plan the safety check answered `caution` for: shown with the acknowledgement."""
    return {
        "action": action,
        "verdict": "caution",
        "findings": findings,
        "codes": ",".join(f["code"] for f in findings if f.get("severity") == "caution"),
        "carried": as_carried(findings),
    }


COMPLETION_UNAVAILABLE = (
    "The safety check of what was given could not run, so the session was not completed and "
    "nothing was recorded. Everything you typed is still below: try again in a moment."
)


async def _complete(
    request: Request, staff: StaffSession, appointment_id: str, path: str, form: dict[str, str]
) -> Response:
    """Record what was administered, each ingredient with its lot, amount and unit, and close
    the session. Anything the check of record did not cover is a deviation: shown, with the
    form as typed, until the practitioner corrects the record or acknowledges it."""
    current = await _current(request, staff, path)
    if current is None:
        return await appointment_page(request, staff, appointment_id)
    carried_deviations = carried(form, "deviations")
    if form.get("more_rows"):
        # Another row for an ingredient not in the plan: nothing is sent.
        return await appointment_page(
            request,
            staff,
            appointment_id,
            form=form,
            posted="complete",
            deviations=carried_deviations,
        )
    is_treatment = current["kind"] == "treatment"
    blend, rows, stock = None, [], {}
    offered: list[str] = []
    if is_treatment:
        (catalog, _), (stock, _) = await asyncio.gather(
            _catalog(request, staff), _stock(request, staff)
        )
        blend, components, _ = await _planned(request, staff, current, catalog)
        rows = ingredient_rows(form, components, catalog, as_posted=True)
        checked_areas = (current.get("cross_check") or {}).get("areas") or await _treatment_areas(
            request, staff, current
        )
        offered = _areas_offered(checked_areas)
    body, errors = completion_body(
        form,
        is_treatment=is_treatment,
        rows=rows,
        stock=stock,
        offered_areas=offered,
        blend=blend,
    )
    acknowledgement, _, ack_errors = deviation_acknowledgement(form)
    if errors:
        return await appointment_page(
            request,
            staff,
            appointment_id,
            status_code=422,
            errors=errors,
            form=form,
            posted="complete",
            deviations=carried_deviations,
            problem="The session was not completed: correct the fields marked below.",
        )
    if acknowledgement:
        body["acknowledgement"] = acknowledgement
    answer = await send(request, staff, "booking", "POST", f"{path}/complete", body)
    if answer.ok:
        return _done(appointment_id, "complete")
    kind = problem_type(answer)
    deviations, problem = carried_deviations, None
    field_errors: dict[str, str] = {}
    if kind == "unchecked-administration":
        deviations = [d for d in answer.body.get("deviations") or [] if isinstance(d, dict)]
        shown = [c for c in form.get("deviation_codes", "").split(",") if c]
        if shown:
            # Asked again after the warning was shown: say what the acknowledgement lacks.
            field_errors = dict(ack_errors)
            for deviation in deviations:
                for finding in deviation.get("findings") or []:
                    if finding.get("code") not in shown:
                        field_errors[f"code:{finding.get('code')}"] = (
                            "New since the warning was shown: tick to acknowledge it too, or "
                            "correct the record."
                        )
    elif answer.status == 422:
        field_errors = completion_field_errors(answer.body.get("errors") or [], set(form))
        problem = "The session was not completed: correct the fields marked below."
        unplaced = [
            f"{str(e.get('field', '')).replace('_', ' ')}: {e.get('message')}"
            for e in answer.body.get("errors") or []
            if isinstance(e, dict) and not completion_field_errors([e], set(form))
        ]
        if unplaced or not field_errors:
            problem = " ".join([answer.problem or problem, *unplaced])
    elif _unavailable(answer) and answer.body.get("service") == "formulary":
        problem = COMPLETION_UNAVAILABLE
    elif _unavailable(answer):
        problem = (
            f"{answer.problem or 'Booking could not answer.'} The session was not completed. "
            "Everything you typed is still below."
        )
    else:
        problem = " ".join(
            [answer.problem or "The session was not completed."]
            + [f"{f.replace('_', ' ')}: {m}" for f, m in answer.errors.items()]
        )
    return await appointment_page(
        request,
        staff,
        appointment_id,
        status_code=refused_status(answer),
        problem=problem,
        errors=field_errors,
        form=form,
        posted="complete",
        deviations=deviations,
    )
