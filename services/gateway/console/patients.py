"""Patients: find, register, the patient chart, and changes to contact data and the safety
profile."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode
from uuid import UUID, uuid4

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from services.gateway.console import clock
from services.gateway.console import patient_forms as forms
from services.gateway.console.pages import (
    clinic_zone,
    clinics_of,
    cursor_text,
    my_clinics,
    page,
    reader_zone,
    refusal,
    router,
)
from services.gateway.console.services import Answer, ask, ask_all, items_of, send
from services.gateway.console.session_forms import finding_rows, ingredient_name
from services.gateway.console.sessions import CurrentStaff, StaffSession, checked_form
from shared import vocabulary

CLINICAL_ROLES = ("practitioner", "clinic_manager", "network_admin")
AUDIT_ROLES = ("clinic_manager", "network_admin")
PROFILE_WRITERS = ("practitioner",)
SEARCH_PAGE = 50
CHART_MESSAGES = 50
"""The newest messages on the chart; the rest are in the Messages pages of the patient."""
AUDIT_PAGE = 50
STALE = (
    "Someone else changed this patient since you opened the form, so nothing was saved. "
    "Reload to see their change, then make yours again."
)


@router.get("/patients")
async def patients(
    request: Request, staff: CurrentStaff, q: str = "", cursor: str = ""
) -> Response:
    """Find a patient by part of a name, an email or a phone number, a page at a time."""
    q = q.strip()
    found: list[dict[str, Any]] = []
    answer = Answer()
    if q:
        answer = await ask(
            request,
            staff,
            "records",
            "/v1/patients",
            {"q": q, "limit": SEARCH_PAGE, "cursor": cursor_text(cursor)},
        )
        found = items_of(answer)
    following = (answer.data or {}).get("next_cursor") if answer.ok else None
    return page(
        request,
        "patients.html",
        staff,
        title="Patients",
        q=q,
        searched=bool(q),
        patients=found,
        more=f"/console/patients?{urlencode({'q': q, 'cursor': following})}" if following else None,
        first=f"/console/patients?{urlencode({'q': q})}" if cursor and q else None,
        errors=answer.errors,
        problem=None if answer.errors.get("q") else answer.problem,
    )


# -- registering -------------------------------------------------------------------------------


def offered_clinics(staff: StaffSession, clinics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The clinics a registration may name: the staff member's (all, for an unscoped account)."""
    offered = my_clinics(staff, clinics)
    scoped = [str(c) for c in staff.account.get("clinic_ids") or []]
    if not offered and len(scoped) == 1:
        # Booking did not list it: the account's one clinic is still where they register.
        return [{"id": scoped[0], "name": "Your clinic", "timezone": None}]
    return offered


def registering_clinic(offered: list[dict[str, Any]], chosen: str = "") -> dict[str, Any] | None:
    """The clinic the patient registers at: the one chosen, else the staff member's only one."""
    if chosen:
        return next((c for c in offered if c["id"] == chosen), None)
    return offered[0] if len(offered) == 1 else None


def clinic_errors(
    chosen: str, offered: list[dict[str, Any]], listed: Answer, errors: dict[str, str]
) -> None:
    """A registration names a clinic the staff member works for (booking lists them)."""
    if not chosen:
        errors["clinic_id"] = "Choose the clinic where the patient registers."
    elif listed.ok and chosen not in {c["id"] for c in offered}:
        errors["clinic_id"] = "Choose one of your clinics from the list."


@router.get("/patients/new")
async def register_form(request: Request, staff: CurrentStaff) -> Response:
    """An empty registration form at the staff member's clinic; with several, they choose."""
    clinics, listed = await clinics_of(request, staff)
    offered = offered_clinics(staff, clinics)
    clinic = registering_clinic(offered)
    values = dict.fromkeys(forms.CONTACT_FIELDS, "")
    # The patient's own zone starts as the clinic's, when it is known before the choice.
    zone = (clinic or {}).get("timezone") or clock.shared_zone(offered) or ""
    values.update(locale="en", timezone=zone)
    return await _register_page(
        request,
        staff,
        offered,
        listed,
        values=values,
        form={"clinic_id": (clinic or {}).get("id", ""), "idempotency_key": str(uuid4())},
        allergies=[forms.blank_row("allergy")],
    )


@router.post("/patients/new")
async def register(request: Request, staff: CurrentStaff) -> Response:
    """Register the patient once (the form's idempotency key), then open their chart."""
    form = await checked_form(request, staff)
    clinics, listed = await clinics_of(request, staff)
    offered = offered_clinics(staff, clinics)
    values = forms.contact_values(form)
    kept = {
        "clinic_id": form.get("clinic_id", "").strip(),
        "idempotency_key": _key(form.get("idempotency_key")),
        "consent_treatment": form.get("consent_treatment", ""),
        "consent_marketing": form.get("consent_marketing", ""),
    }
    more = form.get("more") == "allergy"
    allergies = forms.rows(form, "allergy", extra=1 if more else 0) or [forms.blank_row("allergy")]
    shown = {"values": values, "form": kept, "allergies": allergies}
    if more:
        return await _register_page(request, staff, offered, listed, **shown)
    errors: dict[str, str] = {}
    clinic_errors(kept["clinic_id"], offered, listed, errors)
    clinic = registering_clinic(offered, kept["clinic_id"])
    if not values["timezone"] and clinic:
        values["timezone"] = clinic.get("timezone") or ""
    body = forms.contact_body(values, errors)
    if "clinic_id" in errors and not values["timezone"]:
        # An empty timezone becomes the clinic's once one is chosen: one thing to fix, not two.
        errors.pop("timezone", None)
    declared, origin = forms.allergies_body(allergies, errors, with_status=False)
    if errors:
        return await _register_page(request, staff, offered, listed, **shown, errors=errors)
    body = {k: v for k, v in body.items() if v is not None}
    body.update(
        consents=forms.consents_body(form), declared_allergies=declared, clinic_id=kept["clinic_id"]
    )
    answer = await send(
        request, staff, "records", "POST", "/v1/patients", body,
        idempotency_key=kept["idempotency_key"],
    )  # fmt: skip
    if answer.ok:
        return RedirectResponse(f"/console/patients/{answer.data['id']}?saved=new", 303)
    return await _register_page(
        request,
        staff,
        offered,
        listed,
        **shown,
        errors=forms.field_errors(answer.body, {"declared_allergies": ("allergy", origin)}),
        answer=answer,
    )


async def _register_page(
    request: Request,
    staff: StaffSession,
    offered: list[dict[str, Any]],
    listed: Answer,
    *,
    values: dict[str, str],
    form: dict[str, str],
    allergies: list[dict[str, Any]],
    errors: dict[str, str] | None = None,
    answer: Answer | None = None,
) -> Response:
    # Without formulary's list the form offers the shared vocabulary's classes instead.
    classes, _ = await allergen_choices(request, staff)
    existing = _existing_patient(answer)
    problem = listed.problem
    if answer is not None and not existing:
        problem = answer.problem if answer.status != 422 or not errors else None
    return page(
        request,
        "patient_register.html",
        staff,
        status_code=(answer.status or 502) if answer else (422 if errors else 200),
        title="Register a patient",
        values=values,
        form=form,
        # One clinic is shown as it is; several (or all) are a choice, none preselected.
        only_clinic=offered[0] if len(offered) == 1 else None,
        clinic_choices=[(c["id"], c["name"]) for c in offered],
        allergies=allergies,
        allergen_choices=classes,
        channels=forms.CHANNELS,
        locales=forms.LOCALES,
        severities=forms.SEVERITIES,
        existing=existing,
        errors=errors or {},
        problem=problem,
    )


def _existing_patient(answer: Answer | None) -> dict[str, str] | None:
    """The patient who already has this email or phone, from a duplicate-patient refusal."""
    if answer is None or not str(answer.body.get("type", "")).endswith("duplicate-patient"):
        return None
    fields = [e.get("field") for e in answer.body.get("errors") or [] if isinstance(e, dict)]
    what = {"email": "email address", "phone": "phone number"}.get(str(fields[:1] and fields[0]))
    return {
        "id": str(answer.body.get("existing_patient_id", "")),
        "what": what or "contact",
    }


async def allergen_choices(
    request: Request, staff: StaffSession, keep: list[dict[str, Any]] | None = None
) -> tuple[list[tuple[str, list[tuple[str, str]]]], Answer]:
    """The allergen classes of formulary by name, then single ingredients, as option groups.

    Codes already on a profile (`keep`) stay choosable even when neither list has them."""
    answer = await ask_all(request, staff, "formulary", "/v1/allergen-classes")
    listed = [(c["code"], c["name"]) for c in items_of(answer)]
    if not listed:
        listed = list(vocabulary.ALLERGEN_CLASSES.items())
    ingredients = [(code, label) for code, (label, _) in vocabulary.INGREDIENTS.items()]
    known = {code for code, _ in listed + ingredients}
    kept = [(a["code"], a.get("label") or a["code"]) for a in keep or [] if a["code"] not in known]
    groups = [
        ("Allergen classes", sorted(listed, key=lambda o: o[1].lower())),
        ("Single ingredients", sorted(ingredients, key=lambda o: o[1].lower())),
    ]
    return ([("Recorded before", kept)] if kept else []) + groups, answer


def _key(text: str | None) -> str:
    """The form's idempotency key, or a fresh one when the posted one is not a uuid."""
    try:
        return str(UUID(text or ""))
    except ValueError:
        return str(uuid4())


# -- the chart ---------------------------------------------------------------------------------


@router.get("/patients/{patient_id}")
async def chart(
    request: Request, staff: CurrentStaff, patient_id: str, saved: str = "", audit: str = ""
) -> Response:
    """The patient's chart: contact data for everyone; clinical parts for clinicians. Every
    treatment and adverse event; the newest messages and audit entries, with links to more."""
    found = await _patient(request, staff, patient_id)
    if isinstance(found, Response):
        return found
    pid = found["id"]
    clinical = staff.has_any(*CLINICAL_ROLES)
    reads = {
        "messages": ask(
            request, staff, "notifications", "/v1/messages",
            {"patient_id": pid, "limit": CHART_MESSAGES},
        ),
    }  # fmt: skip
    if clinical:
        reads |= {
            "profile": ask(request, staff, "records", f"/v1/patients/{pid}/safety-profile"),
            "history": ask(request, staff, "records", f"/v1/patients/{pid}/medical-history"),
            "treatments": ask_all(request, staff, "records", f"/v1/patients/{pid}/treatments"),
            "adverse": ask_all(request, staff, "records", f"/v1/patients/{pid}/adverse-events"),
        }
    if staff.has_any(*AUDIT_ROLES):
        reads["audit"] = ask(
            request, staff, "records", f"/v1/patients/{pid}/audit",
            {"limit": AUDIT_PAGE, "cursor": cursor_text(audit)},
        )  # fmt: skip
    (clinics, _), *answered = await asyncio.gather(clinics_of(request, staff), *reads.values())
    answers = dict(zip(reads, answered, strict=True))
    fallback = reader_zone(staff, clinics)
    parts = {name: items_of(answer) for name, answer in answers.items()}
    return page(
        request,
        "patient_chart.html",
        staff,
        title=f"{found['family_name']}, {found['given_name']}",
        patient=found,
        saved=saved,
        tz=fallback,
        clinic_names={c["id"]: c["name"] for c in clinics},
        consents=_consents(found),
        clinical=clinical,
        may_edit_profile=staff.has_any(*PROFILE_WRITERS),
        may_read_audit=staff.has_any(*AUDIT_ROLES),
        profile=answers["profile"].data if "profile" in answers else None,
        history=answers["history"].data if "history" in answers else None,
        treatments=[
            {**_treatment(t), "tz": clinic_zone(t["clinic_id"], clinics, fallback)}
            for t in parts.get("treatments", [])
        ],
        adverse_events=[
            {**a, "tz": clinic_zone(a["clinic_id"], clinics, fallback)}
            for a in parts.get("adverse", [])
        ],
        messages=[
            {**_message(m), "tz": clinic_zone(m["clinic_id"], clinics, fallback)}
            for m in parts["messages"]
        ],
        more_messages=_next(answers["messages"]) is not None,
        audit=parts.get("audit", []),
        older_audit=_audit_link(pid, _next(answers.get("audit"))),
        newest_audit=_audit_link(pid, "") if audit else None,
        problems={name: a.problem for name, a in answers.items()},
        skin_types=dict(forms.SKIN_TYPES),
    )


def _next(answer: Answer | None) -> str | None:
    """The cursor of the page after this one, if there is one."""
    return (answer.data or {}).get("next_cursor") if answer and answer.ok else None


def _audit_link(patient_id: str, cursor: str | None) -> str | None:
    """The chart with the audit trail from `cursor` ("" for the newest entries)."""
    if cursor is None:
        return None
    query = f"?{urlencode({'audit': cursor})}" if cursor else ""
    return f"/console/patients/{patient_id}{query}#h-audit"


async def _patient(request: Request, staff: StaffSession, patient_id: str) -> dict | Response:
    """The patient of the staff member's network, or a readable not-found page."""
    try:
        pid = UUID(patient_id)
    except ValueError:
        return _not_found(request, staff)
    answer = await ask(request, staff, "records", f"/v1/patients/{pid}")
    if answer.status == 404:
        return _not_found(request, staff)
    if not answer.ok:
        return refusal(
            request,
            staff,
            answer.status or 502,
            "Patient chart unavailable",
            answer.problem,
            back="/console/patients",
            back_label="Find a patient",
        )
    return answer.data


def _not_found(request: Request, staff: StaffSession) -> Response:
    return refusal(
        request,
        staff,
        404,
        "No such patient",
        "There is no patient with this reference in your network. "
        "Search for the patient by name, email or phone instead.",
        back="/console/patients",
        back_label="Find a patient",
    )


def _consents(patient: dict[str, Any]) -> list[dict[str, str]]:
    labels = {"treatment": "Treatment", "photos": "Photos", "marketing": "Marketing messages"}
    current = patient.get("consents") or {}
    return [
        {
            "label": label,
            "state": (
                "not recorded"
                if kind not in current
                else "given"
                if current[kind]["granted"]
                else "withdrawn"
            ),
            "recorded_at": current[kind]["recorded_at"] if kind in current else "",
        }
        for kind, label in labels.items()
    ]


def _treatment(t: dict[str, Any]) -> dict[str, Any]:
    """A treatment of the history, with what was given outside a passing safety check (its
    deviations) in words."""
    names = {i["ingredient_code"]: i["ingredient_name"] for i in t.get("ingredients") or []}
    deviations = [
        {
            "ingredient": ingredient_name(d.get("ingredient_code"), names)
            if d.get("ingredient_code")
            else "The whole session",
            "lots": ", ".join(d.get("lot_numbers") or []),
            "rows": finding_rows(d.get("findings") or [], names, given=True),
        }
        for d in t.get("deviations") or []
    ]
    severe = any(r["severity_code"] == "contraindicated" for d in deviations for r in d["rows"])
    return {
        **t,
        "areas_text": ", ".join(a.replace("_", " ") for a in t["areas"]),
        "deviation_list": deviations,
        "deviation_severity": "contraindicated" if severe else "caution",
    }


def _message(m: dict[str, Any]) -> dict[str, Any]:
    return {
        **m,
        "kind_text": str(m["kind"]).replace("_", " "),
        "at": m.get("sent_at") or m.get("send_at") or m["created_at"],
    }


# -- changing contact data ---------------------------------------------------------------------


@router.get("/patients/{patient_id}/contact")
async def contact_form(request: Request, staff: CurrentStaff, patient_id: str) -> Response:
    found = await _patient(request, staff, patient_id)
    if isinstance(found, Response):
        return found
    values = {
        name: "" if found.get(name) is None else str(found[name])[:5]
        if name.startswith("quiet_hours") else str(found[name])
        for name in forms.CONTACT_FIELDS
    }  # fmt: skip
    return _contact_page(request, staff, found, values, str(found["version"]))


@router.post("/patients/{patient_id}/contact")
async def change_contact(request: Request, staff: CurrentStaff, patient_id: str) -> Response:
    """PATCH the contact fields, based on the version the form was opened at."""
    form = await checked_form(request, staff)
    found = await _patient(request, staff, patient_id)
    if isinstance(found, Response):
        return found
    values = forms.contact_values(form)
    version = form.get("version", "")
    errors: dict[str, str] = {}
    body = forms.contact_body(values, errors)
    if errors:
        return _contact_page(request, staff, found, values, version, errors=errors)
    if not body["preferred_channel"]:
        body.pop("preferred_channel")
    if version.isdigit():
        body["expected_version"] = int(version)
    answer = await send(request, staff, "records", "PATCH", f"/v1/patients/{found['id']}", body)
    if answer.ok:
        return RedirectResponse(f"/console/patients/{found['id']}?saved=contact", 303)
    return _contact_page(request, staff, found, values, version, answer=answer)


def _contact_page(
    request: Request,
    staff: StaffSession,
    patient: dict[str, Any],
    values: dict[str, str],
    version: str,
    *,
    errors: dict[str, str] | None = None,
    answer: Answer | None = None,
) -> Response:
    existing = _existing_patient(answer)
    stale = answer is not None and str(answer.body.get("type", "")).endswith("stale-version")
    if answer is not None:
        errors = forms.field_errors(answer.body, {})
    problem = None
    if answer is not None and not existing:
        problem = STALE if stale else answer.problem if answer.status != 422 or not errors else None
    locales = list(forms.LOCALES)
    if values["locale"] and values["locale"] not in dict(locales):
        locales.append((values["locale"], values["locale"]))
    return page(
        request,
        "patient_contact.html",
        staff,
        status_code=(answer.status or 502) if answer else (422 if errors else 200),
        title=f"Contact details of {patient['given_name']} {patient['family_name']}",
        patient=patient,
        values=values,
        version=version,
        channels=forms.CHANNELS,
        locales=locales,
        existing=existing,
        stale=stale,
        errors=errors or {},
        problem=problem,
    )


# -- changing the safety profile ---------------------------------------------------------------


@router.get("/patients/{patient_id}/safety-profile")
async def profile_form(request: Request, staff: CurrentStaff, patient_id: str) -> Response:
    found = await _patient(request, staff, patient_id)
    if isinstance(found, Response):
        return found
    if not staff.has_any(*PROFILE_WRITERS):
        return _practitioners_only(request, staff, found)
    answer = await ask(request, staff, "records", f"/v1/patients/{found['id']}/safety-profile")
    if not answer.ok:
        return refusal(
            request,
            staff,
            answer.status or 502,
            "Safety profile unavailable",
            answer.problem,
            back="/console/patients",
            back_label="Find a patient",
        )
    profile = answer.data
    rows = {
        "allergy": [
            {**dict.fromkeys(forms.ROW_FIELDS["allergy"], ""), **_texts(a)}
            for a in profile["allergies"]
        ],
        "condition": [
            {**dict.fromkeys(forms.ROW_FIELDS["condition"], ""), **_texts(c)}
            for c in profile["conditions"]
        ],
        "medication": [
            {"name": m["name"], "dose": m["dose"] or "", "classes": m["classes"]}
            for m in profile["medications"]
        ],
    }
    for kind in rows:
        rows[kind].append(forms.blank_row(kind))
    skin = str(profile["fitzpatrick_skin_type"] or "")
    return await _profile_page(
        request, staff, found, rows, skin, str(profile["version"]), keep=profile["allergies"]
    )


@router.post("/patients/{patient_id}/safety-profile")
async def change_profile(request: Request, staff: CurrentStaff, patient_id: str) -> Response:
    """PUT the whole profile, compare-and-set on the version the form was opened at."""
    form = await checked_form(request, staff)
    found = await _patient(request, staff, patient_id)
    if isinstance(found, Response):
        return found
    if not staff.has_any(*PROFILE_WRITERS):
        return _practitioners_only(request, staff, found)
    more = form.get("more", "")
    rows = {
        kind: forms.rows(form, kind, extra=1 if more == kind else 0)
        for kind in ("allergy", "condition", "medication")
    }
    version, skin = form.get("version", ""), form.get("fitzpatrick_skin_type", "")
    keep = [{"code": r["code"]} for r in rows["allergy"] if r["code"]]
    if more:
        return await _profile_page(request, staff, found, rows, skin, version, keep=keep)
    errors: dict[str, str] = {}
    allergies, allergy_rows = forms.allergies_body(rows["allergy"], errors)
    conditions, condition_rows = forms.conditions_body(rows["condition"], errors)
    medications, medication_rows = forms.medications_body(rows["medication"], errors)
    body = {
        "fitzpatrick_skin_type": forms.skin_type(skin, errors),
        "allergies": allergies,
        "conditions": conditions,
        "medications": medications,
        "expected_version": int(version) if version.isdigit() else None,
    }
    if errors:
        return await _profile_page(
            request, staff, found, rows, skin, version, keep=keep, errors=errors
        )
    answer = await send(
        request, staff, "records", "PUT", f"/v1/patients/{found['id']}/safety-profile", body
    )
    if answer.ok:
        return RedirectResponse(f"/console/patients/{found['id']}?saved=profile", 303)
    errors = forms.field_errors(
        answer.body,
        {
            "allergies": ("allergy", allergy_rows),
            "conditions": ("condition", condition_rows),
            "medications": ("medication", medication_rows),
        },
    )
    return await _profile_page(
        request, staff, found, rows, skin, version, keep=keep, errors=errors, answer=answer
    )


async def _profile_page(
    request: Request,
    staff: StaffSession,
    patient: dict[str, Any],
    rows: dict[str, list[dict[str, Any]]],
    skin: str,
    version: str,
    *,
    keep: list[dict[str, Any]],
    errors: dict[str, str] | None = None,
    answer: Answer | None = None,
) -> Response:
    choices, _ = await allergen_choices(request, staff, keep)
    stale = answer is not None and str(answer.body.get("type", "")).endswith("stale-version")
    problem = None
    if answer is not None:
        problem = STALE if stale else answer.problem if answer.status != 422 or not errors else None
    for kind, found in rows.items():
        if not found:
            found.append(forms.blank_row(kind))
    return page(
        request,
        "patient_profile.html",
        staff,
        status_code=(answer.status or 502) if answer else (422 if errors else 200),
        title=f"Safety profile of {patient['given_name']} {patient['family_name']}",
        patient=patient,
        rows=rows,
        skin=skin,
        version=version,
        stale=stale,
        allergen_choices=choices,
        conditions=sorted(vocabulary.CONDITIONS.items(), key=lambda o: o[1].lower()),
        medication_classes=list(vocabulary.MEDICATION_CLASSES.items()),
        severities=forms.SEVERITIES,
        statuses=forms.STATUSES,
        skin_types=forms.SKIN_TYPES,
        errors=errors or {},
        problem=problem,
    )


def _practitioners_only(request: Request, staff: StaffSession, patient: dict[str, Any]) -> Response:
    return refusal(
        request,
        staff,
        403,
        "For practitioners",
        "Only practitioners change allergies, conditions, medications and skin type.",
        back=f"/console/patients/{patient['id']}",
        back_label="Back to the chart",
    )


def _texts(item: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in item.items() if not isinstance(v, list)}
