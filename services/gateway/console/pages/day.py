"""The Clinic day: one clinic's day as a calendar, a column per practitioner (or per room) and
the time down the side on the clinic's wall clock, each appointment in its practitioner's (or
its room's) column."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from services.gateway import policies
from services.gateway.console.clients import booking, records
from services.gateway.console.clients.booking import (
    Appointment,
    Clinic,
    Hours,
    Practitioner,
    Room,
    TimeOff,
)
from services.gateway.console.clients.calls import Answer, Caller, Items
from services.gateway.console.clock import zone
from services.gateway.console.forms.query import parse_day, uuid_field
from services.gateway.console.pages.clinics import home_clinic
from services.gateway.console.rendering import View
from services.gateway.console.sessions import StaffSession

ROW_MINUTES = 30
OPENING = (time(9, 0), time(18, 0))
"""The hours shown when no practitioner works that day and nothing is booked."""
FORMER = "Practitioner no longer at this clinic"
FORMER_ROOM = "Room no longer at this clinic"
BY_PRACTITIONER, BY_ROOM = "practitioner", "room"


@dataclass(frozen=True, slots=True)
class Column:
    id: str
    name: str
    hours: list[tuple[time, time]] = field(default_factory=list)
    """The practitioner's working hours at this clinic on this weekday (local wall clock)."""
    away: list[tuple[datetime, datetime]] = field(default_factory=list)
    """Time off that overlaps the day."""
    keeps_hours: bool = True
    """Whether the column is someone's, with working hours ("Not working" outside them); a
    room's column is not."""


@dataclass(frozen=True, slots=True)
class Booked:
    """An appointment as the calendar shows it."""

    id: str
    status: str
    practitioner_id: str
    start: datetime
    end: datetime
    patient: str | None
    """"Family, Given"; None when records did not show the patient."""
    treatment: str
    holds_time: bool
    """Whether it still takes the practitioner's time (not cancelled or missed)."""
    room_id: str = ""
    movable: bool = False
    """Whether booking lets it move to another slot (its `allowed_actions`)."""
    practitioner: str = ""
    room: str = ""


@dataclass(slots=True)
class Cell:
    appointments: list[Booked] = field(default_factory=list)
    busy: bool = False
    """An appointment that started earlier is still going on."""
    off: str | None = None
    """Why the practitioner is not available ("Not working", "Time off")."""


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    label: str
    cells: list[Cell]


@dataclass(frozen=True, slots=True)
class Calendar:
    columns: list[Column] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    booked: int = 0
    """Appointments that hold their practitioner's time."""
    notices: list[str | None] = field(default_factory=list)
    practitioners: list[Column] = field(default_factory=list)
    appointments: list[Booked] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class DayPage(View):
    template = "day.html"
    title: str = "Clinic day"
    clinics: list[tuple[str, str]]
    clinic_id: str
    clinic: Clinic | None
    tz: str
    day: str
    day_label: str
    previous_day: str
    next_day: str
    today: str
    columns: list[Column]
    rows: list[Row]
    booked: int
    feeds: list[Column] = field(default_factory=list)
    """The practitioners whose calendar feed the staff member may make (a link each)."""
    weeks: list[Column] = field(default_factory=list)
    """The clinic's practitioners, a link to the week of each."""
    by: str = BY_PRACTITIONER
    """What the columns are: the practitioners, or the rooms."""
    moved: Booked | None = None
    """The appointment just moved here from the calendar."""


async def clinic_day(
    calls: Caller,
    staff: StaffSession,
    *,
    clinic_id: str,
    day: str,
    by: str = BY_PRACTITIONER,
    moved: str = "",
) -> DayPage:
    """One clinic's day (the staff member's clinic and today unless chosen), a column per
    practitioner or per room."""
    errors: dict[str, str] = {}
    by = BY_ROOM if by == BY_ROOM else BY_PRACTITIONER
    listed = await booking.clinics(calls)
    shown, chosen, clinic = chosen_clinic(staff, listed, clinic_id, errors)
    tz = zone(clinic.timezone if clinic else None)
    the_day = parse_day(day, tz, errors)
    calendar = Calendar()
    if clinic and not errors:
        calendar = await _calendar(calls, clinic, the_day, tz, errors, by=by)
    notices = [listed.problem, *calendar.notices]
    current = [c for c in calendar.practitioners if c.name != FORMER]
    return DayPage(
        by=by,
        moved=next((a for a in calendar.appointments if a.id == moved), None) if moved else None,
        clinics=[(c.id, c.name) for c in listed.value.items],
        clinic_id=str(chosen or shown),
        clinic=clinic if not errors.get("clinic_id") else None,
        tz=str(tz),
        day=the_day.isoformat(),
        day_label=the_day.strftime("%A %d %B %Y"),
        previous_day=(the_day - timedelta(days=1)).isoformat(),
        next_day=(the_day + timedelta(days=1)).isoformat(),
        today=datetime.now(tz).date().isoformat(),
        columns=calendar.columns,
        rows=calendar.rows,
        booked=calendar.booked,
        feeds=current if staff.has_any(policies.CALENDAR_FEED_MAKERS) else [],
        weeks=current,
        errors=errors,
        problem=" ".join(p for p in notices if p) or None,
    )


def chosen_clinic(
    staff: StaffSession, listed: Answer[Items[Clinic]], text: str, errors: dict[str, str]
) -> tuple[str, UUID | None, Clinic | None]:
    """(the clinic's id as asked, as read, the clinic): the one named, else the staff
    member's own; a clinic the network does not have is a message next to the field."""
    clinics = listed.value.items
    if not text and clinics:
        text = home_clinic(staff, clinics).id
    chosen = uuid_field(text, "clinic_id", "clinic", errors)
    clinic = next((c for c in clinics if c.id == str(chosen)), None)
    if chosen is not None and clinic is None and listed.ok:
        errors["clinic_id"] = "This clinic is not one of your network's clinics."
    return text, chosen, clinic


async def _calendar(
    calls: Caller,
    clinic: Clinic,
    day: date,
    tz: ZoneInfo,
    errors: dict[str, str],
    *,
    by: str = BY_PRACTITIONER,
) -> Calendar:
    """The clinic's practitioners (or rooms) as columns and the day's appointments in them."""
    listed, staffed, types, rooms = await asyncio.gather(
        booking.appointments(calls, clinic.id, day),
        booking.practitioners(calls, clinic.id),
        booking.treatment_types(calls),
        booking.rooms(calls, clinic.id),
    )
    errors.update({k: v for k, v in listed.errors.items() if k in ("date", "clinic_id")})
    found = listed.value.items
    treatments = {t.id: t.name for t in types.value.items}
    staff = _with_former(staffed.value.items, found)
    practitioners, patients = await asyncio.gather(
        _columns(calls, clinic, day, tz, staff),
        records.names(calls, {a.patient_id for a in found}),
    )
    names = Names(
        patients=patients,
        treatments=treatments,
        practitioners={p.id: p.name for p in staff},
        rooms={r.id: r.name for r in rooms.value.items},
    )
    appointments = [booked_as(a, names) for a in found]
    columns, place = practitioners, _practitioner_of
    if by == BY_ROOM:
        columns, place = room_columns(rooms.value.items, found if rooms.ok else []), _room_of
    return Calendar(
        columns=columns,
        rows=calendar_rows(
            tz=tz,
            lanes=[Lane(c, day, [a for a in appointments if place(a) == c.id]) for c in columns],
            hours=[h for c in practitioners for h in c.hours],
        ),
        booked=sum(1 for a in appointments if a.holds_time),
        notices=[
            listed.problem,
            staffed.problem,
            types.problem,
            rooms.problem if by == BY_ROOM else None,
        ],
        practitioners=practitioners,
        appointments=appointments,
    )


def _practitioner_of(appointment: Booked) -> str:
    return appointment.practitioner_id


def _room_of(appointment: Booked) -> str:
    return appointment.room_id


def room_columns(rooms: Sequence[Room], appointments: Sequence[Appointment]) -> list[Column]:
    """The clinic's rooms by name, and any room an appointment names that the clinic no longer
    lists (it keeps a column)."""
    known = {r.id for r in rooms}
    former = sorted({a.room_id for a in appointments} - known)
    columns = [Column(id=r.id, name=r.name, keeps_hours=False) for r in rooms]
    columns.sort(key=lambda c: c.name)
    return columns + [Column(id=r, name=FORMER_ROOM, keeps_hours=False) for r in former]


def _with_former(
    practitioners: Sequence[Practitioner], appointments: Sequence[Appointment]
) -> list[Practitioner]:
    """The clinic's practitioners, and anyone who no longer works here but has appointments
    that day (they keep a column)."""
    known = {p.id for p in practitioners}
    former = sorted({a.practitioner_id for a in appointments} - known)
    return [*practitioners, *(Practitioner(id=who, name=FORMER) for who in former)]


@dataclass(frozen=True, slots=True)
class Names:
    """Who and what an appointment's ids name, as read from the services."""

    patients: Mapping[str, str]
    treatments: Mapping[str, str]
    practitioners: Mapping[str, str] = field(default_factory=dict)
    rooms: Mapping[str, str] = field(default_factory=dict)


def booked_as(appointment: Appointment, names: Names) -> Booked:
    """An appointment as a calendar shows it."""
    a = appointment
    return Booked(
        id=a.id,
        status=a.status,
        practitioner_id=a.practitioner_id,
        start=datetime.fromisoformat(a.start),
        end=datetime.fromisoformat(a.end),
        patient=names.patients.get(a.patient_id),
        treatment=names.treatments.get(a.treatment_type_id)
        or f"{a.kind} · {a.indication}".replace("_", " "),
        holds_time=a.holds_time,
        room_id=a.room_id,
        movable="reschedule" in a.allowed_actions,
        practitioner=names.practitioners.get(a.practitioner_id, ""),
        room=names.rooms.get(a.room_id, ""),
    )


async def _columns(
    calls: Caller,
    clinic: Clinic,
    day: date,
    tz: ZoneInfo,
    practitioners: Sequence[Practitioner],
) -> list[Column]:
    """The clinic's practitioners with their hours and time off on `day`, by name."""
    hours, away = await asyncio.gather(
        asyncio.gather(*(booking.working_hours(calls, p.id, clinic.id) for p in practitioners)),
        asyncio.gather(*(booking.time_off(calls, p.id) for p in practitioners)),
    )
    columns = [
        Column(
            id=p.id,
            name=p.name,
            hours=hours_on(h.value.hours if h.value else [], day.weekday()),
            away=away_on(t.value.root if t.value else [], day, tz),
        )
        for p, h, t in zip(practitioners, hours, away, strict=True)
    ]
    return sorted(columns, key=lambda c: c.name)


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class Lane:
    """One column of a calendar: whose (or which room's, or which day's) it is, the local day
    it shows, and the appointments that belong in it."""

    column: Column
    day: date
    appointments: Sequence[Booked]


def calendar_rows(
    *, tz: ZoneInfo, lanes: Sequence[Lane], hours: Sequence[tuple[time, time]] = ()
) -> list[Row]:
    """Rows of ROW_MINUTES on the clinic's wall clock, from the earliest working hour (of the
    lanes, or `hours`) or appointment to the latest; each appointment in the row of its start,
    in its lane."""
    spans = [*hours, *(h for lane in lanes for h in lane.column.hours)]
    starts = [_minutes(s) for s, _ in spans]
    ends = [_minutes(e) for _, e in spans]
    local = []
    for n, lane in enumerate(lanes):
        for a in lane.appointments:
            start, end = a.start.astimezone(tz), a.end.astimezone(tz)
            first = _minutes(start.time()) if start.date() == lane.day else 0
            last = _minutes(end.time()) if end.date() == lane.day else 24 * 60
            local.append((n, a, first, max(last, first + 1)))
            starts.append(first)
            ends.append(last)
    low = min(starts, default=_minutes(OPENING[0]))
    high = max(ends, default=_minutes(OPENING[1]))
    low -= low % ROW_MINUTES
    high = min(24 * 60, high + (-high) % ROW_MINUTES)
    rows = []
    for top in range(low, max(high, low + ROW_MINUTES), ROW_MINUTES):
        bottom = top + ROW_MINUTES
        cells = [Cell(off=_off(lane.column, lane.day, tz, top, bottom)) for lane in lanes]
        for n, a, first, last in local:
            cell = cells[n]
            if top <= first < bottom:
                cell.appointments.append(a)
            elif first < top < last and a.holds_time:
                cell.busy = True
        rows.append(Row(id=f"t-{_clock(top).replace(':', '')}", label=_clock(top), cells=cells))
    return rows


def _off(column: Column, day: date, tz: ZoneInfo, top: int, bottom: int) -> str | None:
    start = datetime.combine(day, time(0), tz) + timedelta(minutes=top)
    end = datetime.combine(day, time(0), tz) + timedelta(minutes=bottom)
    if any(a < end and start < b for a, b in column.away):
        return "Time off"
    if column.keeps_hours and not any(
        _minutes(s) < bottom and top < _minutes(e) for s, e in column.hours
    ):
        return "Not working"
    return None


def hours_on(entries: Sequence[Hours], weekday: int) -> list[tuple[time, time]]:
    return [
        (time.fromisoformat(h.start), time.fromisoformat(h.end))
        for h in entries
        if h.weekday == weekday
    ]


def away_on(entries: Sequence[TimeOff], day: date, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    midnight = datetime.combine(day, time(0), tz)
    spans = [(datetime.fromisoformat(t.start), datetime.fromisoformat(t.end)) for t in entries]
    return [(a, b) for a, b in spans if a < midnight + timedelta(days=1) and midnight < b]
