"""The Book page: choose the patient, clinic, treatment type and day, then book one of the free
slots; a slot taken meanwhile, or another refusal, is told on the page.

Before any slot is listed booking is asked whether it would take the treatment for the patient
(`GET /v1/eligibility`, its consultation rule): a patient who needs a consultation first is told
so, with the consultation to book, instead of slots; a treatment booked after a consultation
still to come is offered only the slots after it. The treatment types listed are those the
chosen clinic can give: a practitioner working there treats their indication (booking's
availability offers slots for nothing else; a price is not needed to book). A treatment plan
(`treatment_plan_id`) fills in its patient, treatment type, clinic and due day, and the booking
is sent with it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from uuid import UUID, uuid4

from services.gateway.console.clients import booking, records
from services.gateway.console.clients.booking import (
    Clinic,
    Eligibility,
    NewAppointment,
    Practitioner,
    TreatmentPlan,
    TreatmentType,
)
from services.gateway.console.clients.calls import Answer, Caller, Items
from services.gateway.console.clients.records import Patient, PatientSummary
from services.gateway.console.clock import zone
from services.gateway.console.forms.query import parse_day, uuid_field
from services.gateway.console.pages.day import chosen_clinic
from services.gateway.console.pages.outcomes import Done, notice, refused_status
from services.gateway.console.rendering import View
from services.gateway.console.sessions import StaffSession
from services.gateway.console.words import label, words

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
    treatment_plan_id: str = ""
    """The treatment plan the booking is for: it fills in what is not chosen yet."""


@dataclass(frozen=True, slots=True)
class Ineligible:
    """Why booking would not take the treatment for this patient yet, and what to book first."""

    message: str
    consultations: list[tuple[str, str]]
    """(address, name): the Book page for each consultation that would open the way."""


@dataclass(frozen=True, slots=True)
class FreeSlot:
    start: str
    end: str
    practitioner_id: str
    room_id: str
    key: str
    """The idempotency key of the form that books it."""
    room: str = ""
    """The room's name, where the page names it."""


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
    ineligible: Ineligible | None = None
    """Why no slot is listed for this patient: a consultation is needed first."""
    after_consultation: str | None = None
    """Only slots after this instant (the consultation's start) are listed."""
    plan: TreatmentPlan | None = None


async def book_page(
    calls: Caller,
    staff: StaffSession,
    choice: Choice,
    *,
    problem: str | None = None,
    status_code: int = 200,
) -> BookPage:
    """The form as chosen so far, with the free slots once clinic, treatment and day are, and
    the patient may be booked for it."""
    errors: dict[str, str] = {}
    listed, types, planned = await asyncio.gather(
        booking.clinics(calls), booking.treatment_types(calls), _plan(calls, choice)
    )
    plan, plan_problem = planned
    choice = _from_plan(choice, plan)
    patient = await _patient_choice(calls, choice, errors)
    shown, _, clinic = chosen_clinic(staff, listed, choice.clinic_id, errors)
    staffed = await booking.practitioners(calls, clinic.id) if clinic else None
    offered = _offered(types.value.items, staffed.value.items if staffed and staffed.ok else None)
    treatment = _treatment_type(types, choice.treatment_type_id, errors)
    if treatment and clinic and treatment not in offered:
        errors["treatment_type_id"] = (
            f"No practitioner at {clinic.name} treats {words(treatment.indication)}: choose "
            "another treatment type, or another clinic."
        )
        treatment = None
    day = parse_day(choice.date, zone(clinic.timezone if clinic else None), errors).isoformat()
    form = replace(choice, clinic_id=shown, date=day)
    ineligible, eligible, eligibility_problem = None, None, None
    if patient.patient and treatment:
        asked = await booking.eligibility(calls, patient.patient.id, treatment.id)
        eligible, eligibility_problem = asked.value, asked.problem
        if eligible and not eligible.eligible:
            ineligible = _ineligible(eligible, treatment, offered, form)
    groups, slots_problem = None, None
    held_back = errors.get("date") or ineligible or eligibility_problem
    if clinic and treatment and not held_back:
        after = eligible.bookable_after if eligible else None
        groups, slots_problem = await _slot_groups(
            calls, clinic, treatment, day, staffed, after, errors
        )
    return BookPage(
        status_code=status_code,
        clinics=[(c.id, c.name) for c in listed.value.items],
        treatment_types=[(t.id, t.name) for t in offered],
        form=form,
        patient=patient.patient,
        matches=patient.matches,
        clinic=clinic,
        treatment=treatment,
        day_label=datetime.fromisoformat(day).strftime("%A %d %B %Y"),
        groups=groups,
        ineligible=ineligible,
        after_consultation=eligible.bookable_after if eligible and groups is not None else None,
        plan=plan if plan and patient.patient and plan.patient_id == patient.patient.id else None,
        errors=errors,
        problem=notice(
            problem,
            listed.problem,
            types.problem,
            plan_problem,
            patient.problem,
            eligibility_problem,
            slots_problem,
        ),
    )


async def _plan(calls: Caller, choice: Choice) -> tuple[TreatmentPlan | None, str | None]:
    """The treatment plan named, or why it is not used."""
    if not choice.treatment_plan_id:
        return None, None
    try:
        UUID(choice.treatment_plan_id)
    except ValueError:
        return None, "This treatment plan is not one of your network's: choose what to book."
    found = await booking.treatment_plan(calls, choice.treatment_plan_id)
    if found.value is None:
        if found.status == 404:
            return None, "This treatment plan is not one of your network's: choose what to book."
        return None, found.problem
    if choice.patient_id and choice.patient_id != found.value.patient_id:
        return None, "This treatment plan is another patient's: it was not used."
    return found.value, None


def _from_plan(choice: Choice, plan: TreatmentPlan | None) -> Choice:
    """What the plan says, where the choice says nothing: its patient, treatment type, clinic
    and the day its next session is due (today when that is past)."""
    if plan is None:
        return replace(choice, treatment_plan_id="")
    due = plan.next_session_due
    day = max(due, date.today().isoformat()) if due else ""
    return replace(
        choice,
        patient_id=choice.patient_id or plan.patient_id,
        treatment_type_id=choice.treatment_type_id or plan.treatment_type_id,
        clinic_id=choice.clinic_id or plan.clinic_id or "",
        date=choice.date or day,
    )


def _offered(types: list[TreatmentType], staffed: list[Practitioner] | None) -> list[TreatmentType]:
    """The treatment types a practitioner of the clinic treats the indication of (all of them
    while no clinic is chosen, or its practitioners could not be read)."""
    if staffed is None:
        return types
    treated = {i for p in staffed for i in p.indications}
    return [t for t in types if t.indication in treated]


def _ineligible(
    eligible: Eligibility, treatment: TreatmentType, offered: list[TreatmentType], form: Choice
) -> Ineligible:
    """booking's refusal in the page's words, with the consultations the clinic gives."""
    indication = words(eligible.indication or treatment.indication)
    links = [
        (
            f"/console/book?patient_id={form.patient_id}&clinic_id={form.clinic_id}"
            f"&treatment_type_id={t.id}&date={form.date}",
            t.name,
        )
        for t in offered
        if t.kind == "consultation" and t.indication == treatment.indication
    ]
    return Ineligible(
        f"This patient needs a consultation for {indication} first: a treatment is booked "
        "after a consultation for its indication (booked or done; a cancelled or missed one "
        "does not count).",
        links,
    )


async def book(calls: Caller, staff: StaffSession, form: dict[str, str]) -> BookPage | Done:
    """Book the slot whose button was pressed; on to the new appointment."""
    choice = Choice(
        **{
            k: form.get(k, "")
            for k in ("patient_id", "clinic_id", "treatment_type_id", "date", "treatment_plan_id")
        }
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
    plan_id = None
    if form.get("treatment_plan_id"):
        try:
            plan_id = str(UUID(form["treatment_plan_id"]))
        except ValueError:
            return "This treatment plan is not one of your network's: choose what to book."
    return NewAppointment(start=start, treatment_plan_id=plan_id, **ids)


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
    calls: Caller,
    clinic: Clinic,
    treatment: TreatmentType,
    day: str,
    staffed: Answer[Items[Practitioner]] | None,
    after: str | None,
    errors: dict[str, str],
) -> tuple[list[SlotGroup] | None, str | None]:
    """The day's free slots grouped by practitioner (by name), each with its own form key;
    only those starting after `after` (the consultation a treatment follows) when given."""
    free = await booking.availability(calls, clinic.id, treatment.id, day)
    errors.update({k: v for k, v in free.errors.items() if k in ("date", "treatment_type_id")})
    if free.value is None:
        return None, free.problem
    names = {p.id: p.name for p in staffed.value.items} if staffed else {}
    not_before = datetime.fromisoformat(after) if after else None
    slots = [
        s
        for s in free.value.slots
        if not not_before or datetime.fromisoformat(s.start) > not_before
    ]
    return slot_groups(slots, names), None


def slot_groups(
    slots: Sequence[booking.Slot],
    practitioners: Mapping[str, str],
    rooms: Mapping[str, str] | None = None,
) -> list[SlotGroup]:
    """Free slots grouped by practitioner (by name), each with its own form key; each slot's
    room named when `rooms` is given."""
    groups: dict[str, SlotGroup] = {}
    for slot in slots:
        who = slot.practitioner_id
        group = groups.setdefault(who, SlotGroup(who, practitioners.get(who, "Practitioner")))
        room = rooms.get(slot.room_id, "a room") if rooms is not None else ""
        key = str(uuid4())
        group.slots.append(FreeSlot(slot.start, slot.end, who, slot.room_id, key, room))
    return sorted(groups.values(), key=lambda g: g.name)


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
            f"This patient has no consultation for {(indication or 'this indication').lower()} "
            "booked before this time, which a treatment needs. Nothing was booked: book the "
            "consultation first, or choose a later slot."
        )
    if kind == "start-in-past":
        return "This slot has already begun. Nothing was booked. Choose a later slot below."
    details = [answer.problem or "Booking refused this appointment."]
    details += [f"{field.replace('_', ' ')}: {message}" for field, message in answer.errors.items()]
    return " ".join(details) + ("" if answer.status is None else " Choose a free slot below.")
