"""The Formulary and Messages pages: the catalog, its lots and their recall; the delivery log of
what patients and staff were sent, and each message as it went out."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from services.gateway.console.pages import (
    clinic_zone,
    clinics_of,
    cursor_text,
    page,
    patient_names,
    reader_zone,
    refusal,
    router,
)
from services.gateway.console.services import Answer, ask, ask_all, items_of, send
from services.gateway.console.sessions import CurrentStaff, StaffSession, checked_form

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
}
"""notifications' message kinds (services/notifications/domain/kinds.py), as the Messages
page's kind filter names them."""
EXPOSURES_PER_PAGE = 100
"""Sessions per page of a lot's ledger (each row is one audited read of its patient); the rest
is one "next" link away, so a recall of any size shows every exposed patient."""
MESSAGES_PER_PAGE = 50
MAX_SEARCH = 200
RECALL_REASON = (3, 1000)


def words(code: str | None) -> str:
    """A code as words: 'skin_rejuvenation' -> 'skin rejuvenation'."""
    return (code or "").replace("_", " ")


def matches(needle: str, *haystack: str | None) -> bool:
    needle = needle.casefold()
    return any(needle in (text or "").casefold() for text in haystack)


def not_found(request: Request, staff: StaffSession, what: str, back: str, label: str) -> Response:
    return refusal(
        request,
        staff,
        404,
        f"{what} not found",
        f"There is no such {what.lower()} in your network. It may have been mistyped, "
        "or it belongs to another network.",
        back=back,
        back_label=label,
    )


# -- formulary ---------------------------------------------------------------------------------


def lot_state(lot: dict[str, Any]) -> str:
    """valid, expired or recalled: a recall outranks an expiry."""
    if lot["status"] == "recalled":
        return "recalled"
    return "expired" if lot["expired"] else "valid"


def blend_row(blend: dict[str, Any]) -> dict[str, Any]:
    components = [
        {
            "name": c["ingredient_name"] or c["ingredient_code"],
            "amount": f"{c['amount']} {c['unit'] or ''}".strip() if c["amount"] else "",
        }
        for c in blend["components"]
    ]
    return {**blend, "ingredients": components}


def search_errors(q: str, lot: str) -> dict[str, str]:
    errors = {}
    if len(q) > MAX_SEARCH:
        errors["q"] = f"Search with at most {MAX_SEARCH} characters."
    if len(lot) > 100:
        errors["lot"] = "A lot number has at most 100 characters."
    return errors


@router.get("/formulary")
async def formulary(request: Request, staff: CurrentStaff, q: str = "", lot: str = "") -> Response:
    """The catalog: ingredients, blends and lots, narrowed by a text and a lot number."""
    q, lot = q.strip(), lot.strip()
    errors = search_errors(q, lot)
    answers = await asyncio.gather(
        ask_all(request, staff, "formulary", "/v1/allergen-classes"),
        ask_all(request, staff, "formulary", "/v1/ingredients"),
        ask_all(request, staff, "formulary", "/v1/blends"),
        ask_all(request, staff, "formulary", "/v1/lots"),
    )
    classes, ingredients, blends, lots = (items_of(a) for a in answers)
    problem = " ".join(dict.fromkeys(a.problem for a in answers if a.problem)) or None
    class_names = {c["code"]: c["name"] for c in classes}
    names = {i["code"]: i["name"] for i in ingredients}
    if errors:
        q = lot = ""
    shown_ingredients = [
        {**i, "classes": [class_names.get(c, words(c)) for c in i["allergen_classes"]]}
        for i in ingredients
        if matches(q, i["name"], i["code"], words(i["category"]))
    ]
    shown_blends = [
        blend_row(b)
        for b in blends
        if matches(
            q,
            b["name"],
            words(b["indication"]),
            *(c["ingredient_name"] or c["ingredient_code"] for c in b["components"]),
        )
    ]
    shown_lots = [
        {
            **x,
            "ingredient": names.get(x["ingredient_code"], x["ingredient_code"]),
            "state": lot_state(x),
        }
        for x in lots
        if matches(lot, x["lot_number"])
        and matches(q, x["ingredient_code"], names.get(x["ingredient_code"]))
    ]
    return page(
        request,
        "formulary.html",
        staff,
        title="Formulary",
        q=q,
        lot=lot,
        searched=bool(q or lot),
        ingredients=shown_ingredients,
        blends=shown_blends,
        lots=shown_lots,
        errors=errors,
        problem=problem,
    )


async def exposure_rows(
    request: Request,
    staff: StaffSession,
    exposures: list[dict[str, Any]],
    clinics: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Who received the lot, with the patient's name (when the role may read it), the clinic
    and the practitioner, and the zone of the session's clinic."""
    if not exposures:
        return []
    practitioners, patients = await asyncio.gather(
        ask_all(request, staff, "booking", "/v1/practitioners"),
        patient_names(request, staff, {e["patient_id"] for e in exposures}),
    )
    by_id = {c["id"]: c for c in clinics}
    staffed = {p["id"]: p["name"] for p in items_of(practitioners)}
    fallback = reader_zone(staff, clinics)
    return [
        {
            **e,
            "patient": patients.get(e["patient_id"]),
            "clinic": by_id[e["clinic_id"]]["name"] if e["clinic_id"] in by_id else "Clinic",
            "practitioner": staffed.get(e["practitioner_id"], "Practitioner"),
            "tz": clinic_zone(e["clinic_id"], clinics, fallback),
        }
        for e in exposures
    ]


def lot_view(lot: dict[str, Any]) -> dict[str, Any]:
    return {**lot, "state": lot_state(lot)}


async def lot_page(
    request: Request,
    staff: StaffSession,
    lot_id: UUID,
    *,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    form: dict[str, str] | None = None,
    recalled: bool = False,
    cursor: str | None = None,
) -> Response:
    """One lot: its data, its recall (or the form to recall it), and who received it, a page
    of sessions at a time from `cursor` with a link to the next."""
    found = await ask(request, staff, "formulary", f"/v1/lots/{lot_id}")
    if found.status == 404:
        return not_found(request, staff, "Lot", "/console/formulary", "Back to the formulary")
    lot = found.data if found.ok else None
    ingredient: dict[str, Any] | None = None
    exposures: list[dict[str, Any]] = []
    clinics: list[dict[str, Any]] = []
    following = None
    if lot:
        got, listed, (clinics, _) = await asyncio.gather(
            ask(request, staff, "formulary", f"/v1/ingredients/{lot['ingredient_code']}"),
            ask(
                request,
                staff,
                "formulary",
                f"/v1/lots/{lot_id}/exposures",
                {"limit": EXPOSURES_PER_PAGE, "cursor": cursor},
            ),
            clinics_of(request, staff),
        )
        ingredient = got.data if got.ok else None
        exposures = await exposure_rows(request, staff, items_of(listed), clinics)
        problem = problem or listed.problem
        following = (listed.data or {}).get("next_cursor") if listed.ok else None
    base = f"/console/formulary/lots/{lot_id}"
    return page(
        request,
        "formulary_lot.html",
        staff,
        status_code,
        title=f"Lot {lot['lot_number']}" if lot else "Lot",
        lot=lot_view(lot) if lot else None,
        tz=reader_zone(staff, clinics),
        ingredient=ingredient,
        exposures=exposures,
        later=f"{base}?{urlencode({'cursor': following})}#exposures-heading" if following else None,
        first=f"{base}#exposures-heading" if cursor else None,
        may_recall=staff.has_any("network_admin"),
        form=form or {},
        recalled=recalled,
        errors=errors or {},
        problem=problem or found.problem,
    )


@router.get("/formulary/lots/{lot_id}")
async def lot_detail(
    request: Request, staff: CurrentStaff, lot_id: str, recalled: bool = False, cursor: str = ""
) -> Response:
    try:
        chosen = UUID(lot_id)
    except ValueError:
        return not_found(request, staff, "Lot", "/console/formulary", "Back to the formulary")
    return await lot_page(request, staff, chosen, recalled=recalled, cursor=cursor_text(cursor))


def recall_errors(reason: str, confirmed: bool) -> dict[str, str]:
    shortest, longest = RECALL_REASON
    errors = {}
    if not reason:
        errors["reason"] = "Give the reason for the recall."
    elif len(reason) < shortest:
        errors["reason"] = f"Give a reason of at least {shortest} characters."
    elif len(reason) > longest:
        errors["reason"] = f"Keep the reason to at most {longest} characters."
    if not confirmed:
        errors["confirm"] = "Confirm that this lot is to be recalled."
    return errors


@router.post("/formulary/lots/{lot_id}/recall")
async def recall_lot(request: Request, staff: CurrentStaff, lot_id: str) -> Response:
    """Recall the lot: formulary refuses anyone but a network admin (shown as a message)."""
    form = await checked_form(request, staff)
    try:
        chosen = UUID(lot_id)
    except ValueError:
        return not_found(request, staff, "Lot", "/console/formulary", "Back to the formulary")
    reason = form.get("reason", "").strip()
    kept = {"reason": reason, "confirm": form.get("confirm", "")}
    errors = recall_errors(reason, form.get("confirm") == "yes")
    if errors:
        return await lot_page(request, staff, chosen, status_code=422, errors=errors, form=kept)
    answer = await send(
        request, staff, "formulary", "POST", f"/v1/lots/{chosen}/recall", {"reason": reason}
    )
    if answer.status == 404:
        return not_found(request, staff, "Lot", "/console/formulary", "Back to the formulary")
    if not answer.ok:
        return await lot_page(
            request,
            staff,
            chosen,
            status_code=answer.status or 503,
            errors=answer.errors,
            problem=answer.problem,
            form=kept,
        )
    return RedirectResponse(f"/console/formulary/lots/{chosen}?recalled=true", status_code=303)


# -- messages ----------------------------------------------------------------------------------


async def find_patient(
    request: Request, staff: StaffSession, text: str, errors: dict[str, str]
) -> tuple[str | None, list[dict[str, Any]], Answer]:
    """The patient meant by a name (or part of one) or an id; several matches are a choice."""
    try:
        return str(UUID(text)), [], Answer()
    except ValueError:
        pass
    if len(text) > MAX_SEARCH:
        errors["patient"] = f"Search with at most {MAX_SEARCH} characters."
        return None, [], Answer()
    found = await ask(request, staff, "records", "/v1/patients", {"q": text, "limit": 20})
    if found.errors:
        errors["patient"] = next(iter(found.errors.values()))
        return None, [], Answer()
    patients = (found.data or {}).get("items", []) if found.ok else []
    if found.ok and not patients:
        errors["patient"] = f"No patient matches “{text}”."
    if len(patients) == 1:
        return patients[0]["id"], [], found
    # The search is fuzzy; a name typed in full that only one of the matches has is that one.
    exact = [p for p in patients if text.casefold() in _names_of(p)]
    if len(exact) == 1:
        return exact[0]["id"], [], found
    return None, patients, found


def _names_of(patient: dict[str, Any]) -> set[str]:
    given, family = patient.get("given_name") or "", patient.get("family_name") or ""
    return {n.casefold() for n in (family, f"{given} {family}", f"{family} {given}") if family}


def choice_errors(status: str, kind: str) -> dict[str, str]:
    errors = {}
    if status and status not in MESSAGE_STATUSES:
        errors["status"] = "Choose a status from the list."
    if kind and kind not in MESSAGE_KINDS:
        errors["kind"] = "Choose a kind of message from the list."
    return errors


async def message_rows(
    request: Request, staff: StaffSession, messages: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Messages with their patient's name, their clinic, and the zone of their times: their
    clinic's, else the reader's."""
    if not messages:
        return []
    (clinics, _), patients = await asyncio.gather(
        clinics_of(request, staff),
        patient_names(request, staff, {m["patient_id"] for m in messages if m["patient_id"]}),
    )
    by_id = {c["id"]: c for c in clinics}
    fallback = reader_zone(staff, clinics)
    return [
        {
            **m,
            "tz": clinic_zone(m["clinic_id"], clinics, fallback),
            "clinic": by_id[m["clinic_id"]]["name"] if m["clinic_id"] in by_id else None,
            "patient": patients.get(m["patient_id"]) if m["patient_id"] else None,
        }
        for m in messages
    ]


@router.get("/messages")
async def messages(
    request: Request,
    staff: CurrentStaff,
    patient: str = "",
    patient_id: str = "",
    status: str = "",
    kind: str = "",
    cursor: str = "",
) -> Response:
    """The delivery log, newest first: by patient, status and kind."""
    text = (patient or patient_id).strip()
    errors = choice_errors(status, kind)
    chosen, choices, found = (None, [], Answer())
    if text:
        chosen, choices, found = await find_patient(request, staff, text, errors)
    listed = Answer()
    rows: list[dict[str, Any]] = []
    if not errors and not choices and found.ok:
        params = {"patient_id": chosen, "status": status, "kind": kind, "cursor": cursor}
        listed = await ask(
            request,
            staff,
            "notifications",
            "/v1/messages",
            {**params, "limit": MESSAGES_PER_PAGE},
        )
        errors.update(
            {("patient" if k == "patient_id" else k): v for k, v in listed.errors.items()}
        )
        rows = await message_rows(request, staff, items_of(listed))
    next_cursor = (listed.data or {}).get("next_cursor") if listed.ok else None
    filters = {"patient": text, "status": status, "kind": kind}
    return page(
        request,
        "messages.html",
        staff,
        title="Messages",
        statuses=[(s, s.capitalize()) for s in MESSAGE_STATUSES],
        kinds=list(MESSAGE_KINDS.items()),
        form=filters,
        choices=choices,
        more_choices=bool(choices) and bool((found.data or {}).get("next_cursor")),
        messages=rows,
        listed=listed.ok and listed.data is not None,
        older=("/console/messages?" + urlencode({**filters, "cursor": next_cursor}))
        if next_cursor
        else None,
        errors=errors,
        problem=found.problem or listed.problem,
    )


@router.get("/messages/{message_id}")
async def message_detail(request: Request, staff: CurrentStaff, message_id: str) -> Response:
    """One message as it went out (its text, escaped), and every attempt to send it."""
    try:
        chosen = UUID(message_id)
    except ValueError:
        return not_found(request, staff, "Message", "/console/messages", "Back to messages")
    found = await ask(request, staff, "notifications", f"/v1/messages/{chosen}")
    if found.status == 404:
        return not_found(request, staff, "Message", "/console/messages", "Back to messages")
    message = None
    if found.ok:
        message = (await message_rows(request, staff, [found.data]))[0]
    return page(
        request,
        "message.html",
        staff,
        200 if found.ok else found.status or 503,
        title="Message",
        message=message,
        problem=found.problem,
    )
