"""The Admin setup pages: the clinic setup booking keeps. Clinics and their rooms;
practitioners with their working hours per clinic and their time off; treatment types and each
clinic's prices for them.

booking lets network admins and clinic managers change setup data (`policies.SETUP_EDITORS`),
a clinic manager only for the clinics of their account (booking checks the token's scope); the
pages are for those roles, and show a form for a clinic or a practitioner only where the account's
clinics reach. Everything else (what a valid timezone, grid, duration, price or week is) is
booking's to say: its messages are shown next to the fields they name."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar
from urllib.parse import urlencode
from uuid import UUID, uuid4

from services.gateway import policies
from services.gateway.console.clients import booking, setup
from services.gateway.console.clients.calls import Answer, Caller
from services.gateway.console.clients.setup import (
    ClinicDetail,
    PractitionerDetail,
    Price,
    TimeOffEntry,
    TreatmentTypeDetail,
)
from services.gateway.console.clock import zone
from services.gateway.console.forms import Form
from services.gateway.console.forms import setup as forms
from services.gateway.console.forms.setup import HoursLine
from services.gateway.console.pages.formulary import not_found
from services.gateway.console.pages.outcomes import Done, notice, refused_status
from services.gateway.console.rendering import Refusal, View, refusal
from services.gateway.console.sessions import StaffSession
from shared import vocabulary

CLINICS = "/console/admin/clinics"
PRACTITIONERS = "/console/admin/practitioners"
TREATMENT_TYPES = "/console/admin/treatment-types"
T = TypeVar("T")
P = TypeVar("P")

PER_PAGE = 50
TIERS = [("junior", "Junior"), ("senior", "Senior"), ("expert", "Expert")]
KINDS = [("consultation", "Consultation"), ("treatment", "Treatment"), ("follow_up", "Follow-up")]
DONE = {
    "added": "Added.",
    "saved": "The changes are saved.",
    "room": "The room is added.",
    "hours": "The working hours are saved: the Book page offers slots within them.",
    "time-off": "The time off is recorded: no slot is offered during it.",
    "time-off-deleted": "The time off is deleted.",
    "price": "The price is added.",
    "price-changed": "The price is changed: appointments booked from now on cost the new amount.",
    "room-deleted": "The room is deleted.",
}
"""What a page says after a form was carried out (`?done=`)."""


def _editors_only() -> Refusal:
    return refusal(
        403,
        "For clinic managers and network admins",
        "Only clinic managers and network admins change the clinics' setup.",
    )


def _edits(staff: StaffSession) -> bool:
    return staff.has_any(policies.SETUP_EDITORS)


def _reaches(staff: StaffSession, clinic_ids: Sequence[str]) -> bool:
    """Whether the account's clinics include all of `clinic_ids` (no clinic named: all)."""
    mine = {str(c) for c in staff.account.clinic_ids}
    return not mine or set(clinic_ids) <= mine


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def _next(base: str, cursor: str | None) -> str | None:
    return f"{base}?{urlencode({'cursor': cursor})}" if cursor else None


def _key(form: Form) -> str:
    """The form's idempotency key, or a new one where it sent none that reads."""
    return str(_uuid(form.get("idempotency_key", "")) or uuid4())


# -- clinics -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ClinicsPage(View):
    template = "admin_clinics.html"
    title: str = "Clinics"
    clinics: list[ClinicDetail]
    later: str | None
    first: str | None
    values: Form
    key: str
    done: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClinicPage(View):
    template = "admin_clinic.html"
    clinic: ClinicDetail
    rooms: list[setup.Room]
    editable: bool
    values: Form
    room_name: str = ""
    done: str | None = None


async def clinics_page(
    calls: Caller,
    staff: StaffSession,
    *,
    cursor: str | None = None,
    done: str = "",
    values: Form | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> ClinicsPage | Refusal:
    """The network's clinics a page at a time, and the form to add one."""
    if not _edits(staff):
        return _editors_only()
    listed = await setup.clinics_page(calls, limit=PER_PAGE, cursor=cursor)
    return ClinicsPage(
        status_code=status_code,
        clinics=listed.value.items,
        later=_next(CLINICS, listed.value.next_cursor),
        first=CLINICS if cursor else None,
        values=values or {"slot_grid_minutes": "15"},
        key=(values or {}).get("idempotency_key") or str(uuid4()),
        done=DONE.get(done),
        errors=errors or {},
        problem=notice(problem, listed.problem),
    )


async def add_clinic(
    calls: Caller, staff: StaffSession, form: Form
) -> ClinicsPage | Refusal | Done:
    """Open a clinic once (the form's idempotency key); on to its page."""
    if not _edits(staff):
        return _editors_only()
    again = partial(clinics_page, calls, staff, values=form)
    errors: dict[str, str] = {}
    body = forms.clinic_body(form, errors)
    if errors:
        return await again(errors=errors, status_code=422)
    answer = await setup.open_clinic(calls, body, idempotency_key=_key(form))
    return await _carried_out(answer, f"{CLINICS}/{answer.value}?done=added", again)


@dataclass(frozen=True, slots=True)
class Refused:
    """booking's reasons for refusing a form: by field, else at the top of the page."""

    errors: dict[str, str]
    problem: str | None
    status_code: int


def _refused(answer: Answer[T]) -> Refused:
    errors = forms.field_errors(answer.errors)
    if "amount_minor" in errors:
        errors["amount"] = errors.pop("amount_minor")
    return Refused(
        errors,
        answer.problem if answer.status != 422 or not errors else None,
        refused_status(answer),
    )


async def _carried_out(
    answer: Answer[T], location: str, again: Callable[..., Awaitable[P]]
) -> P | Done:
    """On to `location` when booking carried the form out, else `again`: the form's page shown
    again with booking's reasons."""
    if answer.ok:
        return Done(location)
    r = _refused(answer)
    return await again(errors=r.errors, problem=r.problem, status_code=r.status_code)


async def _clinic(calls: Caller, clinic_id: str) -> tuple[UUID, ClinicDetail] | Refusal:
    chosen = _uuid(clinic_id)
    answer = await setup.clinic(calls, chosen) if chosen else None
    if chosen is None or answer is None or answer.status == 404:
        return not_found("Clinic", CLINICS, "Back to clinics")
    if answer.value is None:
        return refusal(
            refused_status(answer), "The clinic cannot be shown", answer.problem, back=CLINICS
        )
    return chosen, answer.value


async def clinic_page(
    calls: Caller,
    staff: StaffSession,
    clinic_id: str,
    *,
    done: str = "",
    values: Form | None = None,
    room_name: str = "",
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> ClinicPage | Refusal:
    """A clinic: its changeable fields in a form, its rooms and the form to add one."""
    if not _edits(staff):
        return _editors_only()
    found = await _clinic(calls, clinic_id)
    if isinstance(found, Refusal):
        return found
    chosen, clinic = found
    rooms = await setup.rooms(calls, chosen)
    return ClinicPage(
        status_code=status_code,
        title=clinic.name,
        clinic=clinic,
        rooms=rooms.value.root if rooms.value else [],
        editable=_reaches(staff, [clinic.id]),
        values=values or clinic.model_dump(mode="json", exclude_none=True),
        room_name=room_name,
        done=DONE.get(done),
        errors=errors or {},
        problem=notice(problem, rooms.problem),
    )


async def change_clinic(
    calls: Caller, staff: StaffSession, clinic_id: str, form: Form
) -> ClinicPage | Refusal | Done:
    if not _edits(staff):
        return _editors_only()
    chosen = _uuid(clinic_id)
    if chosen is None:
        return not_found("Clinic", CLINICS, "Back to clinics")
    again = partial(clinic_page, calls, staff, clinic_id, values=form)
    errors: dict[str, str] = {}
    body = forms.clinic_change(form, errors)
    if errors:
        return await again(errors=errors, status_code=422)
    answer = await setup.change_clinic(calls, chosen, body)
    return await _carried_out(answer, f"{CLINICS}/{clinic_id}?done=saved", again)


async def add_room(
    calls: Caller, staff: StaffSession, clinic_id: str, form: Form
) -> ClinicPage | Refusal | Done:
    if not _edits(staff):
        return _editors_only()
    chosen = _uuid(clinic_id)
    if chosen is None:
        return not_found("Clinic", CLINICS, "Back to clinics")
    name = forms.text(form, "room_name")
    if not name:
        return await clinic_page(
            calls,
            staff,
            clinic_id,
            errors={"room_name": "Enter the room's name."},
            status_code=422,
        )
    answer = await setup.add_room(calls, chosen, setup.NewRoom(name=name))
    if not answer.ok:
        errors = {"room_name": answer.problem or ""} if answer.status in (409, 422) else {}
        return await clinic_page(
            calls,
            staff,
            clinic_id,
            room_name=name,
            errors=errors,
            problem=None if errors else answer.problem,
            status_code=refused_status(answer),
        )
    return Done(f"{CLINICS}/{clinic_id}?done=room#rooms-heading")


# -- practitioners -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PractitionersPage(View):
    template = "admin_practitioners.html"
    title: str = "Practitioners"
    practitioners: list[PractitionerDetail]
    clinic_names: dict[str, str]
    later: str | None
    first: str | None
    clinics: list[Option]
    """The clinics a practitioner may be registered at by this account."""
    indications: list[Option]
    tiers: list[tuple[str, str]]
    values: Form
    key: str
    done: str | None = None


@dataclass(frozen=True, slots=True)
class TimeOffLine:
    id: str
    start: str
    end: str
    reason: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PractitionerPage(View):
    template = "admin_practitioner.html"
    practitioner: PractitionerDetail
    editable: bool
    clinics: list[Option]
    indications: list[Option]
    tiers: list[tuple[str, str]]
    values: Form
    works_at: list[Option]
    """The practitioner's clinics: each has a week of its own."""
    hours_clinic: Option | None
    """The clinic whose week is shown; time off is typed in its zone."""
    hours_tz: str
    hours_editable: bool
    lines: list[HoursLine]
    weekdays: list[tuple[str, str]]
    time_off: list[TimeOffLine]
    time_off_values: Form
    done: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeOffDeletePage(View):
    template = "admin_time_off_delete.html"
    title: str = "Delete the time off"
    practitioner: PractitionerDetail
    entry: TimeOffLine
    tz: str


def _indications() -> list[Option]:
    return [Option(code, name) for code, name in vocabulary.INDICATIONS.items()]


def _offered_clinics(staff: StaffSession, clinics: Sequence[ClinicDetail]) -> list[Option]:
    return [Option(c.id, c.name) for c in clinics if _reaches(staff, [c.id])]


async def practitioners_page(
    calls: Caller,
    staff: StaffSession,
    *,
    cursor: str | None = None,
    done: str = "",
    values: Form | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> PractitionersPage | Refusal:
    """The network's practitioners a page at a time, and the form to register one."""
    if not _edits(staff):
        return _editors_only()
    listed, clinics = await asyncio.gather(
        setup.practitioners_page(calls, limit=PER_PAGE, cursor=cursor), setup.all_clinics(calls)
    )
    return PractitionersPage(
        status_code=status_code,
        practitioners=listed.value.items,
        clinic_names={c.id: c.name for c in clinics.value.items},
        later=_next(PRACTITIONERS, listed.value.next_cursor),
        first=PRACTITIONERS if cursor else None,
        clinics=_offered_clinics(staff, clinics.value.items),
        indications=_indications(),
        tiers=TIERS,
        values=values or {"experience_tier": "junior"},
        key=(values or {}).get("idempotency_key") or str(uuid4()),
        done=DONE.get(done),
        errors=errors or {},
        problem=notice(problem, listed.problem, clinics.problem),
    )


async def register_practitioner(
    calls: Caller, staff: StaffSession, form: Form
) -> PractitionersPage | Refusal | Done:
    if not _edits(staff):
        return _editors_only()
    clinics = await setup.all_clinics(calls)
    errors: dict[str, str] = {}
    body = forms.practitioner_body(
        form,
        [c.code for c in _offered_clinics(staff, clinics.value.items)],
        vocabulary.INDICATIONS,
        errors,
    )
    again = partial(practitioners_page, calls, staff, values=form)
    if errors:
        return await again(errors=errors, status_code=422)
    answer = await setup.register_practitioner(calls, body, idempotency_key=_key(form))
    return await _carried_out(answer, f"{PRACTITIONERS}/{answer.value}?done=added", again)


def _practitioner_values(practitioner: PractitionerDetail) -> dict[str, str]:
    values = {
        k: str(v)
        for k, v in practitioner.model_dump(
            include={
                "name",
                "email",
                "phone",
                "licence_number",
                "licence_expires_on",
                "experience_tier",
            },
            exclude_none=True,
        ).items()
    }
    values.update({f"clinic_{c}": "yes" for c in practitioner.clinic_ids})
    values.update({f"indication_{i}": "yes" for i in practitioner.indications})
    return values


async def _practitioner(
    calls: Caller, practitioner_id: str
) -> tuple[UUID, PractitionerDetail] | Refusal:
    chosen = _uuid(practitioner_id)
    answer = await setup.practitioner(calls, chosen) if chosen else None
    if chosen is None or answer is None or answer.status == 404:
        return not_found("Practitioner", PRACTITIONERS, "Back to practitioners")
    if answer.value is None:
        return refusal(
            refused_status(answer),
            "The practitioner cannot be shown",
            answer.problem,
            back=PRACTITIONERS,
        )
    return chosen, answer.value


def _hours_lines(week: setup.WeekRead | None) -> list[HoursLine]:
    kept = [
        HoursLine(n, str(h.weekday), h.start[:5], h.end[:5])
        for n, h in enumerate(week.hours if week else [])
    ]
    blank = [HoursLine(len(kept) + i) for i in range(forms.EMPTY_HOURS_ROWS)]
    return kept + blank


def _padded(lines: list[HoursLine]) -> list[HoursLine]:
    """The rows as typed, renumbered in order, with blank rows to add more below."""
    kept = [HoursLine(n, line.weekday, line.start, line.end) for n, line in enumerate(lines)]
    return kept + [HoursLine(len(kept) + i) for i in range(forms.EMPTY_HOURS_ROWS)]


async def practitioner_page(
    calls: Caller,
    staff: StaffSession,
    practitioner_id: str,
    *,
    clinic_id: str = "",
    done: str = "",
    values: Form | None = None,
    lines: list[HoursLine] | None = None,
    time_off_values: Form | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> PractitionerPage | Refusal:
    """A practitioner: their details in a form, their week at one of their clinics, their time
    off."""
    if not _edits(staff):
        return _editors_only()
    found = await _practitioner(calls, practitioner_id)
    if isinstance(found, Refusal):
        return found
    chosen, practitioner = found
    clinics, offs = await asyncio.gather(setup.all_clinics(calls), setup.times_off(calls, chosen))
    names = {c.id: c for c in clinics.value.items}
    works_at = [Option(c, names[c].name) for c in practitioner.clinic_ids if c in names]
    hours_clinic = next(
        (o for o in works_at if o.code == clinic_id), works_at[0] if works_at else None
    )
    hours_tz = names[hours_clinic.code].timezone if hours_clinic else "UTC"
    week: Answer[setup.WeekRead | None] = Answer(None)
    if hours_clinic and lines is None:
        week = await setup.week(calls, chosen, UUID(hours_clinic.code))
    return PractitionerPage(
        status_code=status_code,
        title=practitioner.name,
        practitioner=practitioner,
        editable=_reaches(staff, practitioner.clinic_ids),
        clinics=_offered_clinics(staff, clinics.value.items),
        indications=_indications(),
        tiers=TIERS,
        values=values or _practitioner_values(practitioner),
        works_at=works_at,
        hours_clinic=hours_clinic,
        hours_tz=hours_tz,
        hours_editable=bool(hours_clinic)
        and _reaches(staff, [hours_clinic.code if hours_clinic else ""]),
        lines=_padded(lines) if lines is not None else _hours_lines(week.value),
        weekdays=[(str(n), day) for n, day in enumerate(forms.WEEKDAYS)],
        time_off=[_time_off_line(t) for t in (offs.value.root if offs.value else [])],
        time_off_values=time_off_values or {},
        done=DONE.get(done),
        errors=errors or {},
        problem=notice(problem, clinics.problem, offs.problem, week.problem),
    )


def _time_off_line(entry: TimeOffEntry) -> TimeOffLine:
    return TimeOffLine(entry.id, entry.start, entry.end, entry.reason)


async def change_practitioner(
    calls: Caller, staff: StaffSession, practitioner_id: str, form: Form
) -> PractitionerPage | Refusal | Done:
    if not _edits(staff):
        return _editors_only()
    chosen = _uuid(practitioner_id)
    if chosen is None:
        return not_found("Practitioner", PRACTITIONERS, "Back to practitioners")
    clinics = await setup.all_clinics(calls)
    errors: dict[str, str] = {}
    offered = [c.code for c in _offered_clinics(staff, clinics.value.items)]
    body = forms.practitioner_body(form, offered, vocabulary.INDICATIONS, errors)
    again = partial(practitioner_page, calls, staff, practitioner_id, values=form)
    if errors:
        return await again(errors=errors, status_code=422)
    answer = await setup.change_practitioner(calls, chosen, body)
    return await _carried_out(answer, f"{PRACTITIONERS}/{practitioner_id}?done=saved", again)


async def set_week(
    calls: Caller, staff: StaffSession, practitioner_id: str, form: Form
) -> PractitionerPage | Refusal | Done:
    """Replace the practitioner's whole week at the chosen clinic; a row booking refuses (an
    overlap, an end before its start) is named next to that row."""
    if not _edits(staff):
        return _editors_only()
    chosen, clinic = _uuid(practitioner_id), _uuid(form.get("clinic_id", ""))
    if chosen is None or clinic is None:
        return not_found("Practitioner", PRACTITIONERS, "Back to practitioners")
    lines = forms.hours_lines(form)
    errors: dict[str, str] = {}
    body = forms.week_body(lines, errors)
    if not errors:
        answer = await setup.set_week(calls, chosen, clinic, body)
        if answer.ok:
            return Done(
                f"{PRACTITIONERS}/{practitioner_id}?clinic_id={clinic}&done=hours#hours-heading"
            )
        named = {e.field: e.message for e in answer.refusal.errors} if answer.refusal else {}
        errors = forms.week_errors(named, lines)
        if not errors:
            return await practitioner_page(
                calls,
                staff,
                practitioner_id,
                clinic_id=str(clinic),
                lines=lines,
                problem=answer.problem,
                status_code=refused_status(answer),
            )
    renumbered = {_renumber(name, lines): message for name, message in errors.items()}
    return await practitioner_page(
        calls,
        staff,
        practitioner_id,
        clinic_id=str(clinic),
        lines=lines,
        errors=renumbered,
        status_code=422,
    )


def _renumber(name: str, lines: list[HoursLine]) -> str:
    """A row's field name as the form shown again numbers it (blank rows are left out)."""
    place, _, n = name.rpartition("_")
    for index, line in enumerate(lines):
        if n.isdigit() and line.n == int(n):
            return f"{place}_{index}"
    return name


async def add_time_off(
    calls: Caller, staff: StaffSession, practitioner_id: str, form: Form
) -> PractitionerPage | Refusal | Done:
    """Record a time off typed in the zone of the clinic the page shows."""
    if not _edits(staff):
        return _editors_only()
    chosen = _uuid(practitioner_id)
    if chosen is None:
        return not_found("Practitioner", PRACTITIONERS, "Back to practitioners")
    clinic_id = form.get("clinic_id", "")
    tz = "UTC"
    clinic = _uuid(clinic_id)
    if clinic is not None:
        detail = await setup.clinic(calls, clinic)
        tz = detail.value.timezone if detail.value else tz
    errors: dict[str, str] = {}
    body = forms.time_off_body(form, zone(tz), errors)
    again = partial(
        practitioner_page, calls, staff, practitioner_id, clinic_id=clinic_id, time_off_values=form
    )
    if errors:
        return await again(errors=errors, status_code=422)
    answer = await setup.add_time_off(calls, chosen, body)
    shown = f"{PRACTITIONERS}/{practitioner_id}?clinic_id={clinic_id}"
    return await _carried_out(answer, f"{shown}&done=time-off#time-off-heading", again)


async def _time_off_entry(
    calls: Caller, practitioner_id: str, time_off_id: str
) -> tuple[UUID, PractitionerDetail, TimeOffLine, str] | Refusal:
    found = await _practitioner(calls, practitioner_id)
    if isinstance(found, Refusal):
        return found
    chosen, practitioner = found
    offs, clinics = await asyncio.gather(setup.times_off(calls, chosen), setup.all_clinics(calls))
    entry = next((t for t in (offs.value.root if offs.value else []) if t.id == time_off_id), None)
    if entry is None:
        return not_found("Time off", f"{PRACTITIONERS}/{chosen}", "Back to the practitioner")
    zones = {c.id: c.timezone for c in clinics.value.items}
    tz = next((zones[c] for c in practitioner.clinic_ids if c in zones), "UTC")
    return chosen, practitioner, _time_off_line(entry), tz


async def time_off_delete_form(
    calls: Caller, staff: StaffSession, practitioner_id: str, time_off_id: str
) -> TimeOffDeletePage | Refusal:
    if not _edits(staff):
        return _editors_only()
    found = await _time_off_entry(calls, practitioner_id, time_off_id)
    if isinstance(found, Refusal):
        return found
    _, practitioner, entry, tz = found
    return TimeOffDeletePage(practitioner=practitioner, entry=entry, tz=tz)


async def delete_time_off(
    calls: Caller, staff: StaffSession, practitioner_id: str, time_off_id: str, form: Form
) -> TimeOffDeletePage | Refusal | Done:
    if not _edits(staff):
        return _editors_only()
    found = await _time_off_entry(calls, practitioner_id, time_off_id)
    if isinstance(found, Refusal):
        return found
    chosen, practitioner, entry, tz = found
    if form.get("confirm") != "yes":
        return TimeOffDeletePage(
            practitioner=practitioner,
            entry=entry,
            tz=tz,
            status_code=422,
            errors={"confirm": "Confirm that this time off is to be deleted."},
        )
    answer = await setup.remove_time_off(calls, chosen, UUID(entry.id))
    if answer.ok or answer.status == 404:
        return Done(f"{PRACTITIONERS}/{chosen}?done=time-off-deleted#time-off-heading")
    return TimeOffDeletePage(
        practitioner=practitioner,
        entry=entry,
        tz=tz,
        status_code=refused_status(answer),
        problem=answer.problem,
    )


# -- treatment types and prices ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriceLine:
    id: str
    clinic: str
    tier: str
    amount: str
    editable: bool


@dataclass(frozen=True, slots=True)
class TypeLine:
    type: TreatmentTypeDetail
    prices: list[PriceLine] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class TreatmentTypesPage(View):
    template = "admin_treatment_types.html"
    title: str = "Treatment types and prices"
    types: list[TypeLine]
    later: str | None
    first: str | None
    kinds: list[tuple[str, str]]
    indications: list[tuple[str, str]]
    areas: list[Option]
    tiers: list[tuple[str, str]]
    price_clinics: list[tuple[str, str]]
    """The clinics this account may price at."""
    all_types: list[tuple[str, str]]
    values: Form
    price_values: Form
    key: str
    done: str | None = None


def _price_line(staff: StaffSession, price: Price, clinics: dict[str, str]) -> PriceLine:
    return PriceLine(
        price.id,
        clinics.get(price.clinic_id, price.clinic_id),
        dict(TIERS).get(price.tier or "", "Everyone"),
        forms.money(price.amount_minor, price.currency),
        _reaches(staff, [price.clinic_id]),
    )


async def treatment_types_page(
    calls: Caller,
    staff: StaffSession,
    *,
    cursor: str | None = None,
    done: str = "",
    values: Form | None = None,
    price_values: Form | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> TreatmentTypesPage | Refusal:
    """The network's treatment types a page at a time with each clinic's prices; the forms to
    define a type and to price one at a clinic."""
    if not _edits(staff):
        return _editors_only()
    listed, every_type, clinics, prices = await asyncio.gather(
        setup.treatment_types_page(calls, limit=PER_PAGE, cursor=cursor),
        booking.treatment_types(calls),
        setup.all_clinics(calls),
        setup.prices(calls),
    )
    names = {c.id: c.name for c in clinics.value.items}
    by_type: dict[str, list[PriceLine]] = {}
    for price in prices.value.root if prices.value else []:
        by_type.setdefault(price.treatment_type_id, []).append(_price_line(staff, price, names))
    return TreatmentTypesPage(
        status_code=status_code,
        types=[TypeLine(t, by_type.get(t.id, [])) for t in listed.value.items],
        later=_next(TREATMENT_TYPES, listed.value.next_cursor),
        first=TREATMENT_TYPES if cursor else None,
        kinds=KINDS,
        indications=list(vocabulary.INDICATIONS.items()),
        areas=[Option(code, name) for code, name in vocabulary.TREATMENT_AREAS.items()],
        tiers=TIERS,
        price_clinics=[(o.code, o.label) for o in _offered_clinics(staff, clinics.value.items)],
        all_types=[(t.id, t.name) for t in every_type.value.items],
        values=values or {},
        price_values=price_values or {},
        key=(values or {}).get("idempotency_key") or str(uuid4()),
        done=DONE.get(done),
        errors=errors or {},
        problem=notice(
            problem, listed.problem, every_type.problem, clinics.problem, prices.problem
        ),
    )


async def define_treatment_type(
    calls: Caller, staff: StaffSession, form: Form
) -> TreatmentTypesPage | Refusal | Done:
    if not _edits(staff):
        return _editors_only()
    again = partial(treatment_types_page, calls, staff, values=form)
    errors: dict[str, str] = {}
    body = forms.treatment_type_body(form, vocabulary.TREATMENT_AREAS, errors)
    if errors:
        return await again(errors=errors, status_code=422)
    answer = await setup.define_treatment_type(calls, body, idempotency_key=_key(form))
    return await _carried_out(answer, f"{TREATMENT_TYPES}?done=added", again)


async def add_price(
    calls: Caller, staff: StaffSession, form: Form
) -> TreatmentTypesPage | Refusal | Done:
    """Price a treatment type at a clinic in its currency; a price already set for that tier
    is booking's 409, told next to the tier."""
    if not _edits(staff):
        return _editors_only()
    clinics = await setup.all_clinics(calls)
    clinic = next((c for c in clinics.value.items if c.id == form.get("clinic_id")), None)
    errors: dict[str, str] = {}
    body = forms.price_body(form, clinic.currency if clinic else "", errors)
    if clinic is None and "clinic_id" not in errors:
        errors["clinic_id"] = "Choose a clinic from the list."
    again = partial(treatment_types_page, calls, staff, price_values=form)
    if errors:
        return await again(errors=errors, status_code=422)
    answer = await setup.set_price(calls, body)
    if answer.status == 409:
        taken = (
            "This clinic already has a price for this treatment type and tier: "
            "change that price in the list above."
        )
        return await again(errors={"tier": taken}, status_code=409)
    return await _carried_out(answer, f"{TREATMENT_TYPES}?done=price", again)


@dataclass(frozen=True, slots=True, kw_only=True)
class PricePage(View):
    template = "admin_price.html"
    title: str = "Change a price"
    price: PriceLine
    currency: str
    treatment: str
    amount: str


async def _price(
    calls: Caller, staff: StaffSession, price_id: str
) -> tuple[UUID, PriceLine, Price, str] | Refusal:
    """The price named in the address, in words and as booking keeps it, with its type's
    name."""
    chosen = _uuid(price_id)
    prices, clinics, types = await asyncio.gather(
        setup.prices(calls), setup.all_clinics(calls), booking.treatment_types(calls)
    )
    price = next((p for p in (prices.value.root if prices.value else []) if p.id == price_id), None)
    if chosen is None or price is None:
        if prices.value is None and chosen is not None:
            return refusal(
                refused_status(prices),
                "The price cannot be shown",
                prices.problem,
                back=TREATMENT_TYPES,
            )
        return not_found("Price", TREATMENT_TYPES, "Back to treatment types")
    names = {c.id: c.name for c in clinics.value.items}
    treatment = next((t.name for t in types.value.items if t.id == price.treatment_type_id), "")
    return chosen, _price_line(staff, price, names), price, treatment


async def price_page(calls: Caller, staff: StaffSession, price_id: str) -> PricePage | Refusal:
    """The form to change what a price costs."""
    if not _edits(staff):
        return _editors_only()
    found = await _price(calls, staff, price_id)
    if isinstance(found, Refusal):
        return found
    _, line, price, treatment = found
    return PricePage(
        price=line,
        currency=price.currency,
        treatment=treatment,
        amount=forms.amount_text(price.amount_minor),
    )


async def change_price(
    calls: Caller, staff: StaffSession, price_id: str, form: Form
) -> PricePage | Refusal | Done:
    if not _edits(staff):
        return _editors_only()
    found = await _price(calls, staff, price_id)
    if isinstance(found, Refusal):
        return found
    chosen, line, price, treatment = found
    errors: dict[str, str] = {}
    minor = forms.amount_minor(form, errors)
    answer = None
    if not errors:
        answer = await setup.change_price(calls, chosen, setup.PriceChange(amount_minor=minor))
        if answer.ok:
            return Done(f"{TREATMENT_TYPES}?done=price-changed")
        errors = _refused(answer).errors
    return PricePage(
        price=line,
        currency=price.currency,
        treatment=treatment,
        amount=forms.text(form, "amount"),
        errors=errors,
        problem=answer.problem if answer is not None and not errors else None,
        status_code=refused_status(answer) if answer is not None else 422,
    )


async def remove_room(
    calls: Caller, staff: StaffSession, clinic_id: str, room_id: str
) -> ClinicPage | Refusal | Done:
    """Delete a room; one an appointment was ever booked in stays, and the page says why."""
    if not _edits(staff):
        return _editors_only()
    clinic, room = _uuid(clinic_id), _uuid(room_id)
    if clinic is None or room is None:
        return not_found("Room", CLINICS, "Back to clinics")
    answer = await setup.remove_room(calls, clinic, room)
    if answer.ok or answer.status == 404:
        return Done(f"{CLINICS}/{clinic_id}?done=room-deleted#rooms-heading")
    return await clinic_page(
        calls, staff, clinic_id, problem=answer.problem, status_code=refused_status(answer)
    )
