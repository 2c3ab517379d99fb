"""The Book page: choose the patient, clinic, treatment type and day, then book one of the free
slots; a slot taken meanwhile, or another refusal, is told on the page."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID, uuid4

from services.gateway.console.clients import booking, records
from services.gateway.console.clients.booking import Clinic, NewAppointment, TreatmentType
from services.gateway.console.clients.calls import Answer, Caller, Items
from services.gateway.console.clients.records import Patient, PatientSummary
from services.gateway.console.clock import zone
from services.gateway.console.forms.query import parse_day, uuid_field
from services.gateway.console.pages.day import chosen_clinic
from services.gateway.console.pages.outcomes import Done, notice, refused_status
from services.gateway.console.rendering import View
from services.gateway.console.sessions import StaffSession
from services.gateway.console.words import label

MATCHES = 20
"""Patients listed for a search on the booking page."""
SLOT_IDS = ("patient_id", "clinic_id", "treatment_type_id", "practitioner_id", "room_id")


@dataclass(frozen=True, slots=True)
class Choice:
    """What the booking form has chosen so far (as typed in the address or the form)."""

    patient: str = ""
    """A search for the patient."""
    patient_id: str = ""
    clinic_id: str = ""
    treatment_type_id: str = ""
    date: str = ""


@dataclass(frozen=True, slots=True)
class FreeSlot:
    start: str
    end: str
    practitioner_id: str
    room_id: str
    key: str
    """The idempotency key of the form that books it."""


@dataclass(frozen=True, slots=True)
class SlotGroup:
    """A practitioner's free slots of the day."""

    practitioner_id: str
    name: str
    slots: list[FreeSlot] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PatientChoice:
    patient: Patient | None = None
    matches: list[PatientSummary] | None = None
    """The patients matching the search (None: no search was made)."""
    problem: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BookPage(View):
    template = "book.html"
    title: str = "Book"
    clinics: list[tuple[str, str]]
    treatment_types: list[tuple[str, str]]
    form: Choice
    patient: Patient | None
    matches: list[PatientSummary] | None
    clinic: Clinic | None
    treatment: TreatmentType | None
    day_label: str
    groups: list[SlotGroup] | None
    """The day's free slots by practitioner (None: not looked for yet)."""


async def book_page(
    calls: Caller,
    staff: StaffSession,
    choice: Choice,
    *,
    problem: str | None = None,
    status_code: int = 200,
) -> BookPage:
    """The form as chosen so far, with the free slots once clinic, treatment and day are."""
    errors: dict[str, str] = {}
    listed, types = await asyncio.gather(booking.clinics(calls), booking.treatment_types(calls))
    patient = await _patient_choice(calls, choice, errors)
    shown, _, clinic = chosen_clinic(staff, listed, choice.clinic_id, errors)
    treatment = _treatment_type(types, choice.treatment_type_id, errors)
    day = parse_day(choice.date, zone(clinic.timezone if clinic else None), errors).isoformat()
    groups, slots_problem = None, None
    if clinic and treatment and not errors.get("date"):
        groups, slots_problem = await _slot_groups(calls, clinic, treatment, day, errors)
    return BookPage(
        status_code=status_code,
        clinics=[(c.id, c.name) for c in listed.value.items],
        treatment_types=[(t.id, t.name) for t in types.value.items],
        form=replace(choice, clinic_id=shown, date=day),
        patient=patient.patient,
        matches=patient.matches,
        clinic=clinic,
        treatment=treatment,
        day_label=datetime.fromisoformat(day).strftime("%A %d %B %Y"),
        groups=groups,
        errors=errors,
        problem=notice(problem, listed.problem, types.problem, patient.problem, slots_problem),
    )


async def book(calls: Caller, staff: StaffSession, form: dict[str, str]) -> BookPage | Done:
    """Book the slot whose button was pressed; on to the new appointment."""
    choice = Choice(
        **{k: form.get(k, "") for k in ("patient_id", "clinic_id", "treatment_type_id", "date")}
    )
    slot = _slot(form)
    if isinstance(slot, str):
        return await book_page(calls, staff, choice, problem=slot, status_code=422)
    answer = await booking.book(calls, slot, idempotency_key=form.get("idempotency_key") or None)
    if answer.ok:
        return Done(f"/console/appointments/{answer.value}?done=booked")
    return await book_page(
        calls, staff, choice, problem=_refused(answer), status_code=refused_status(answer)
    )


def _slot(form: dict[str, str]) -> NewAppointment | str:
    """The appointment the pressed slot's form names, or why it cannot be booked."""
    ids = {}
    for name in SLOT_IDS:
        try:
            ids[name] = str(UUID(form.get(name, "")))
        except ValueError:
            if name == "patient_id":
                return "Choose the patient first, then a free slot."
            return "Choose one of the free slots listed below."
    try:
        start = datetime.fromisoformat(form.get("start", "")).isoformat()
    except ValueError:
        return "Choose one of the free slots listed below."
    return NewAppointment(start=start, **ids)


def _treatment_type(
    types: Answer[Items[TreatmentType]], text: str, errors: dict[str, str]
) -> TreatmentType | None:
    chosen = uuid_field(text, "treatment_type_id", "treatment type", errors)
    found = next((t for t in types.value.items if t.id == str(chosen)), None)
    if chosen is not None and found is None and types.ok:
        errors["treatment_type_id"] = "Choose a treatment type from the list."
    return found


async def _patient_choice(calls: Caller, choice: Choice, errors: dict[str, str]) -> PatientChoice:
    """The chosen patient, or the patients matching the search."""
    if choice.patient_id:
        chosen = uuid_field(choice.patient_id, "patient", "patient", errors)
        if chosen is None:
            return PatientChoice()
        found = await records.patient(calls, chosen)
        if found.ok:
            return PatientChoice(patient=found.value)
        if found.status == 404:
            errors["patient"] = "This patient is not in your network's records. Search again."
            return PatientChoice()
        return PatientChoice(problem=found.problem)
    search = choice.patient.strip()
    if not search:
        return PatientChoice()
    matches = await records.search(calls, search, limit=MATCHES)
    if matches.errors.get("q"):
        errors["patient"] = matches.errors["q"]
        return PatientChoice()
    if matches.ok and matches.value.next_cursor:
        # Only the first MATCHES are listed: the rest must not go unsaid.
        more = f"More than {MATCHES} patients match: type more of the name, or the email."
        return PatientChoice(matches=matches.value.items, problem=more)
    return PatientChoice(
        matches=matches.value.items if matches.ok else None, problem=matches.problem
    )


async def _slot_groups(
    calls: Caller, clinic: Clinic, treatment: TreatmentType, day: str, errors: dict[str, str]
) -> tuple[list[SlotGroup] | None, str | None]:
    """The day's free slots grouped by practitioner (by name), each with its own form key."""
    free, staffed = await asyncio.gather(
        booking.availability(calls, clinic.id, treatment.id, day),
        booking.practitioners(calls, clinic.id),
    )
    errors.update({k: v for k, v in free.errors.items() if k in ("date", "treatment_type_id")})
    if free.value is None:
        return None, free.problem
    names = {p.id: p.name for p in staffed.value.items}
    groups: dict[str, SlotGroup] = {}
    for slot in free.value.slots:
        who = slot.practitioner_id
        group = groups.setdefault(who, SlotGroup(who, names.get(who, "Practitioner")))
        group.slots.append(FreeSlot(slot.start, slot.end, who, slot.room_id, str(uuid4())))
    return sorted(groups.values(), key=lambda g: g.name), None


def _refused(answer: Answer[str | None]) -> str:
    """Why booking refused, and what to do instead."""
    kind = answer.refusal.kind if answer.refusal else ""
    if kind in ("practitioner-taken", "room-taken"):
        return (
            "This slot has just been taken by another booking. Nothing was booked. "
            "Choose another free slot below."
        )
    if kind == "consultation-required":
        indication = label((answer.refusal.indication if answer.refusal else None) or "")
        return (
            f"This patient has no completed consultation for "
            f"{(indication or 'this indication').lower()} yet, which a treatment needs first. "
            "Nothing was booked: book the consultation first."
        )
    if kind == "start-in-past":
        return "This slot has already begun. Nothing was booked. Choose a later slot below."
    details = [answer.problem or "Booking refused this appointment."]
    details += [f"{field.replace('_', ' ')}: {message}" for field, message in answer.errors.items()]
    return " ".join(details) + ("" if answer.status is None else " Choose a free slot below.")
