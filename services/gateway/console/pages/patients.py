"""Patients: find one, register one, and change a patient's contact details or safety
profile (each change compare-and-set on the version the form was opened at)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode
from uuid import UUID, uuid4

from services.gateway import policies
from services.gateway.console import clock
from services.gateway.console.clients import booking, formulary, records
from services.gateway.console.clients.booking import Clinic
from services.gateway.console.clients.calls import Answer, Caller, FieldError, Items, Problem
from services.gateway.console.clients.records import (
    ContactChange,
    Patient,
    PatientSummary,
    Registration,
    SafetyProfileChange,
)
from services.gateway.console.forms import Form
from services.gateway.console.forms import patient as forms
from services.gateway.console.forms.patient import AllergyRow, ProfileRows
from services.gateway.console.forms.query import cursor_text
from services.gateway.console.pages.clinics import my_clinics
from services.gateway.console.pages.outcomes import Done
from services.gateway.console.rendering import Refusal, View, refusal
from services.gateway.console.sessions import StaffSession
from shared import vocabulary

SEARCH_PAGE = 50
STALE = (
    "Someone else changed this patient since you opened the form, so nothing was saved. "
    "Reload to see their change, then make yours again."
)
FIND_A_PATIENT = {"back": "/console/patients", "back_label": "Find a patient"}

Options = list[tuple[str, str]]
OptionGroups = list[tuple[str, Options]]


@dataclass(frozen=True, slots=True)
class Existing:
    """The patient who already has the email or phone a form gave."""

    id: str
    what: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchPage(View):
    template = "patients.html"
    title: str = "Patients"
    q: str
    searched: bool
    patients: list[PatientSummary]
    more: str | None
    first: str | None
    count: str = ""
    """How many patients are listed, in words (announced as the search is typed)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationPage(View):
    template = "patient_register.html"
    title: str = "Register a patient"
    values: dict[str, str]
    form: dict[str, str]
    only_clinic: Clinic | None
    """The one clinic the patient registers at (else a choice)."""
    clinic_choices: Options
    allergies: list[AllergyRow]
    allergen_choices: OptionGroups
    channels: Options = field(default_factory=lambda: forms.CHANNELS)
    locales: Options = field(default_factory=lambda: forms.LOCALES)
    severities: Options = field(default_factory=lambda: forms.SEVERITIES)
    existing: Existing | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactPage(View):
    template = "patient_contact.html"
    patient: Patient
    values: dict[str, str]
    version: str
    locales: Options
    channels: Options = field(default_factory=lambda: forms.CHANNELS)
    existing: Existing | None = None
    stale: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfilePage(View):
    template = "patient_profile.html"
    patient: Patient
    rows: ProfileRows
    skin: str
    version: str
    stale: bool = False
    allergen_choices: OptionGroups
    conditions: Options = field(
        default_factory=lambda: sorted(vocabulary.CONDITIONS.items(), key=lambda o: o[1].lower())
    )
    medication_classes: Options = field(
        default_factory=lambda: list(vocabulary.MEDICATION_CLASSES.items())
    )
    severities: Options = field(default_factory=lambda: forms.SEVERITIES)
    statuses: Options = field(default_factory=lambda: forms.STATUSES)
    skin_types: Options = field(default_factory=lambda: forms.SKIN_TYPES)


# -- finding -------------------------------------------------------------------------------------


async def search(calls: Caller, *, q: str, cursor: str) -> SearchPage:
    """Patients matching part of a name, an email or a phone number, a page at a time."""
    q = q.strip()
    answer: Answer[Items[PatientSummary]] = Answer(Items())
    if q:
        answer = await records.search(calls, q, limit=SEARCH_PAGE, cursor=cursor_text(cursor))
    following = answer.value.next_cursor if answer.ok else None
    shown = len(answer.value.items)
    return SearchPage(
        count=_count(q, shown, following is not None, bool(cursor)) if q and answer.ok else "",
        q=q,
        searched=bool(q),
        patients=answer.value.items,
        more=f"/console/patients?{urlencode({'q': q, 'cursor': following})}" if following else None,
        first=f"/console/patients?{urlencode({'q': q})}" if cursor and q else None,
        errors=answer.errors,
        problem=None if answer.errors.get("q") else answer.problem,
    )


def _count(q: str, shown: int, more: bool, later: bool) -> str:
    """How many patients a search lists, in words ('2 patients match “Dur”.')."""
    if shown == 0:
        return f"No patient matches “{q}”."
    patients = "1 patient" if shown == 1 else f"{shown} patients"
    if more:
        return f"{patients} matching “{q}” are listed; more follow on the next page."
    if later:
        return f"{patients} more matching “{q}”."
    return f"{patients} {'matches' if shown == 1 else 'match'} “{q}”."


async def patient(calls: Caller, patient_id: str) -> Patient | Refusal:
    """The patient of the staff member's network, or a readable not-found page."""
    try:
        pid = UUID(patient_id)
    except ValueError:
        return _not_found()
    answer = await records.patient(calls, pid)
    if answer.status == 404:
        return _not_found()
    if answer.value is None:
        return refusal(
            answer.status or 502, "Patient chart unavailable", answer.problem, **FIND_A_PATIENT
        )
    return answer.value


def _not_found() -> Refusal:
    return refusal(
        404,
        "No such patient",
        "There is no patient with this reference in your network. "
        "Search for the patient by name, email or phone instead.",
        **FIND_A_PATIENT,
    )


# -- registering -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Clinics:
    """The clinics a registration may name, and whether booking listed them all."""

    offered: list[Clinic]
    listed: Answer[Items[Clinic]]

    def registering(self, chosen: str = "") -> Clinic | None:
        """The clinic the patient registers at: the one chosen, else the only one offered."""
        if chosen:
            return next((c for c in self.offered if c.id == chosen), None)
        return self.offered[0] if len(self.offered) == 1 else None


async def _clinics(calls: Caller, staff: StaffSession) -> Clinics:
    """The staff member's clinics (all of them, for an unscoped account)."""
    listed = await booking.clinics(calls)
    offered = my_clinics(staff, listed.value.items)
    scoped = [str(c) for c in staff.account.clinic_ids]
    if not offered and len(scoped) == 1:
        # Booking did not list it: the account's one clinic is still where they register.
        offered = [Clinic(id=scoped[0], name="Your clinic", timezone=None)]
    return Clinics(offered, listed)


async def registration_form(calls: Caller, staff: StaffSession) -> RegistrationPage:
    """An empty registration form at the staff member's clinic; with several, they choose."""
    clinics = await _clinics(calls, staff)
    clinic = clinics.registering()
    values = dict.fromkeys(forms.CONTACT_FIELDS, "")
    # The patient's own zone starts as the clinic's, when it is known before the choice.
    zone = (clinic.timezone if clinic else None) or clock.shared_zone(
        c.timezone for c in clinics.offered
    )
    values.update(locale="en", timezone=zone or "")
    form = {"clinic_id": clinic.id if clinic else "", "idempotency_key": str(uuid4())}
    return await _registration(calls, clinics, values, form, [AllergyRow()])


async def register(calls: Caller, staff: StaffSession, form: Form) -> RegistrationPage | Done:
    """Register the patient once (the form's idempotency key), then on to their chart."""
    clinics = await _clinics(calls, staff)
    values = forms.contact_values(form)
    kept = {
        "clinic_id": form.get("clinic_id", "").strip(),
        "idempotency_key": _key(form.get("idempotency_key")),
        "consent_treatment": form.get("consent_treatment", ""),
        "consent_marketing": form.get("consent_marketing", ""),
    }
    more = form.get("more") == "allergy"
    allergies = forms.allergy_rows(form, extra=1 if more else 0) or [AllergyRow()]
    if more:
        return await _registration(calls, clinics, values, kept, allergies)
    errors: dict[str, str] = {}
    body = _registration_body(clinics, values, kept, form, allergies, errors)
    if errors or body is None:
        return await _registration(calls, clinics, values, kept, allergies, errors=errors)
    registration, origin = body
    answer = await records.register(calls, registration, idempotency_key=kept["idempotency_key"])
    if answer.ok:
        return Done(f"/console/patients/{answer.value}?saved=new")
    errors = forms.field_errors(
        _errors_of(answer.refusal), {"declared_allergies": ("allergy", origin)}
    )
    return await _registration(
        calls, clinics, values, kept, allergies, errors=errors, answer=answer
    )


def _registration_body(
    clinics: Clinics,
    values: dict[str, str],
    kept: dict[str, str],
    form: Form,
    allergies: list[AllergyRow],
    errors: dict[str, str],
) -> tuple[Registration, list[int]] | None:
    """The registration the form asks for, and the form row of each declared allergy."""
    chosen = kept["clinic_id"]
    if not chosen:
        errors["clinic_id"] = "Choose the clinic where the patient registers."
    elif clinics.listed.ok and chosen not in {c.id for c in clinics.offered}:
        errors["clinic_id"] = "Choose one of your clinics from the list."
    clinic = clinics.registering(chosen)
    if not values["timezone"] and clinic:
        values["timezone"] = clinic.timezone or ""
    contact = forms.contact_body(values, errors)
    if "clinic_id" in errors and not values["timezone"]:
        # An empty timezone becomes the clinic's once one is chosen: one thing to fix, not two.
        errors.pop("timezone", None)
    declared, origin = forms.declared_allergies(allergies, errors)
    if errors:
        return None
    consents = forms.consents_body(form)
    return Registration(
        contact=contact, consents=consents, declared_allergies=declared, clinic_id=chosen
    ), origin


async def _registration(
    calls: Caller,
    clinics: Clinics,
    values: dict[str, str],
    form: dict[str, str],
    allergies: list[AllergyRow],
    *,
    errors: dict[str, str] | None = None,
    answer: Answer[str | None] | None = None,
) -> RegistrationPage:
    # Without formulary's list the form offers the shared vocabulary's classes instead.
    choices = await allergen_choices(calls)
    existing = _existing(answer.refusal if answer else None)
    problem = clinics.listed.problem
    if answer is not None and not existing:
        problem = answer.problem if answer.status != 422 or not errors else None
    return RegistrationPage(
        status_code=(answer.status or 502) if answer else (422 if errors else 200),
        values=values,
        form=form,
        # One clinic is shown as it is; several (or all) are a choice, none preselected.
        only_clinic=clinics.offered[0] if len(clinics.offered) == 1 else None,
        clinic_choices=[(c.id, c.name) for c in clinics.offered],
        allergies=allergies,
        allergen_choices=choices,
        existing=existing,
        errors=errors or {},
        problem=problem,
    )


async def allergen_choices(calls: Caller, keep: Sequence[tuple[str, str]] = ()) -> OptionGroups:
    """The allergen classes of formulary by name, then single ingredients, as option groups.

    Codes already on a profile (`keep`: code and label) stay choosable even when neither list
    has them."""
    answer = await formulary.allergen_classes(calls)
    listed = [(c.code, c.name) for c in answer.value.items]
    if not listed:
        listed = list(vocabulary.ALLERGEN_CLASSES.items())
    ingredients = [(code, label) for code, (label, _) in vocabulary.INGREDIENTS.items()]
    known = {code for code, _ in listed + ingredients}
    kept = [(code, label) for code, label in keep if code not in known]
    groups = [
        ("Allergen classes", sorted(listed, key=lambda o: o[1].lower())),
        ("Single ingredients", sorted(ingredients, key=lambda o: o[1].lower())),
    ]
    return ([("Recorded before", kept)] if kept else []) + groups


def _existing(refused: Problem | None) -> Existing | None:
    """The patient who already has this email or phone, from a duplicate-patient refusal."""
    if refused is None or not refused.type.endswith("duplicate-patient"):
        return None
    fields = [e.field for e in refused.errors]
    what = {"email": "email address", "phone": "phone number"}.get(fields[0] if fields else "")
    return Existing(id=refused.existing_patient_id or "", what=what or "contact")


def _errors_of(refused: Problem | None) -> list[FieldError]:
    return list(refused.errors) if refused else []


def _key(text: str | None) -> str:
    """The form's idempotency key, or a fresh one when the posted one is not a uuid."""
    try:
        return str(UUID(text or ""))
    except ValueError:
        return str(uuid4())


# -- changing contact data ---------------------------------------------------------------------


async def contact_form(calls: Caller, patient_id: str) -> ContactPage | Refusal:
    """The contact details as recorded."""
    found = await patient(calls, patient_id)
    if isinstance(found, Refusal):
        return found
    values = {}
    for name in forms.CONTACT_FIELDS:
        value = getattr(found, name)
        text = "" if value is None else str(value)
        values[name] = text[:5] if name.startswith("quiet_hours") else text
    return _contact_page(found, values, str(found.version))


async def change_contact(
    calls: Caller, patient_id: str, form: Form
) -> ContactPage | Refusal | Done:
    """Change the contact fields, based on the version the form was opened at."""
    found = await patient(calls, patient_id)
    if isinstance(found, Refusal):
        return found
    values = forms.contact_values(form)
    version = form.get("version", "")
    errors: dict[str, str] = {}
    contact = forms.contact_body(values, errors)
    if errors:
        return _contact_page(found, values, version, errors=errors)
    change = ContactChange(
        contact=contact, expected_version=int(version) if version.isdigit() else None
    )
    answer = await records.change_contact(calls, found.id, change)
    if answer.ok:
        return Done(f"/console/patients/{found.id}?saved=contact")
    return _contact_page(found, values, version, answer=answer)


def _contact_page(
    found: Patient,
    values: dict[str, str],
    version: str,
    *,
    errors: dict[str, str] | None = None,
    answer: Answer[None] | None = None,
) -> ContactPage:
    existing = _existing(answer.refusal if answer else None)
    stale = _stale(answer)
    if answer is not None:
        errors = forms.field_errors(_errors_of(answer.refusal), {})
    problem = None
    if answer is not None and not existing:
        problem = STALE if stale else answer.problem if answer.status != 422 or not errors else None
    locales = list(forms.LOCALES)
    if values["locale"] and values["locale"] not in dict(locales):
        locales.append((values["locale"], values["locale"]))
    return ContactPage(
        status_code=(answer.status or 502) if answer else (422 if errors else 200),
        title=f"Contact details of {found.given_name} {found.family_name}",
        patient=found,
        values=values,
        version=version,
        locales=locales,
        existing=existing,
        stale=stale,
        errors=errors or {},
        problem=problem,
    )


def _stale(answer: Answer[None] | None) -> bool:
    """Whether someone changed the patient since the form was opened."""
    return bool(answer and answer.refusal and answer.refusal.type.endswith("stale-version"))


# -- changing the safety profile ---------------------------------------------------------------


async def _changeable(calls: Caller, staff: StaffSession, patient_id: str) -> Patient | Refusal:
    """The patient whose profile the staff member may change (records lets practitioners)."""
    found = await patient(calls, patient_id)
    if isinstance(found, Refusal) or staff.has_any(policies.PROFILE_WRITERS):
        return found
    return _practitioners_only(found)


def _practitioners_only(found: Patient) -> Refusal:
    return refusal(
        403,
        "For practitioners",
        "Only practitioners change allergies, conditions, medications and skin type.",
        back=f"/console/patients/{found.id}",
        back_label="Back to the chart",
    )


async def profile_form(
    calls: Caller, staff: StaffSession, patient_id: str
) -> ProfilePage | Refusal:
    """The safety profile as recorded, one empty row more in each group."""
    found = await _changeable(calls, staff, patient_id)
    if isinstance(found, Refusal):
        return found
    answer = await records.safety_profile(calls, found.id)
    if answer.value is None:
        return refusal(
            answer.status or 502, "Safety profile unavailable", answer.problem, **FIND_A_PATIENT
        )
    profile = answer.value
    rows = forms.recorded_rows(profile.allergies, profile.conditions, profile.medications)
    skin = str(profile.fitzpatrick_skin_type or "")
    keep = [(a.code, a.label or a.code) for a in profile.allergies]
    return await _profile_page(calls, found, rows, skin, str(profile.version), keep=keep)


async def change_profile(
    calls: Caller, staff: StaffSession, patient_id: str, form: Form
) -> ProfilePage | Refusal | Done:
    """Replace the whole profile, compare-and-set on the version the form was opened at."""
    found = await _changeable(calls, staff, patient_id)
    if isinstance(found, Refusal):
        return found
    more = form.get("more", "")
    rows = ProfileRows(
        forms.allergy_rows(form, extra=1 if more == "allergy" else 0),
        forms.condition_rows(form, extra=1 if more == "condition" else 0),
        forms.medication_rows(form, extra=1 if more == "medication" else 0),
    )
    version, skin = form.get("version", ""), form.get("fitzpatrick_skin_type", "")
    keep = [(r.code, r.code) for r in rows.allergy if r.code]
    if more:
        return await _profile_page(calls, found, rows, skin, version, keep=keep)
    errors: dict[str, str] = {}
    allergies, allergy_rows = forms.recorded_allergies(rows.allergy, errors)
    conditions, condition_rows = forms.conditions_body(rows.condition, errors)
    medications, medication_rows = forms.medications_body(rows.medication, errors)
    profile = SafetyProfileChange(
        fitzpatrick_skin_type=forms.skin_type(skin, errors),
        allergies=allergies,
        conditions=conditions,
        medications=medications,
        expected_version=int(version) if version.isdigit() else None,
    )
    if errors:
        return await _profile_page(calls, found, rows, skin, version, keep=keep, errors=errors)
    answer = await records.change_safety_profile(calls, found.id, profile)
    if answer.ok:
        return Done(f"/console/patients/{found.id}?saved=profile")
    origins = {
        "allergies": ("allergy", allergy_rows),
        "conditions": ("condition", condition_rows),
        "medications": ("medication", medication_rows),
    }
    errors = forms.field_errors(_errors_of(answer.refusal), origins)
    return await _profile_page(
        calls, found, rows, skin, version, keep=keep, errors=errors, answer=answer
    )


async def _profile_page(
    calls: Caller,
    found: Patient,
    rows: ProfileRows,
    skin: str,
    version: str,
    *,
    keep: Sequence[tuple[str, str]],
    errors: dict[str, str] | None = None,
    answer: Answer[None] | None = None,
) -> ProfilePage:
    stale = _stale(answer)
    problem = None
    if answer is not None:
        problem = STALE if stale else answer.problem if answer.status != 422 or not errors else None
    return ProfilePage(
        status_code=(answer.status or 502) if answer else (422 if errors else 200),
        title=f"Safety profile of {found.given_name} {found.family_name}",
        patient=found,
        rows=rows.with_blank_rows(),
        skin=skin,
        version=version,
        stale=stale,
        allergen_choices=await allergen_choices(calls, keep),
        errors=errors or {},
        problem=problem,
    )
