"""A practitioner's week at one clinic: Monday to Sunday as columns and the time down the side
on the clinic's wall clock, each appointment on its local day at its local time."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.gateway.console.clients import booking, records
from services.gateway.console.clients.booking import Clinic, Practitioner
from services.gateway.console.clients.calls import Answer, Caller, Items
from services.gateway.console.clock import zone
from services.gateway.console.forms.query import parse_day, uuid_field
from services.gateway.console.pages.day import (
    BY_PRACTITIONER,
    Column,
    Lane,
    Names,
    Row,
    away_on,
    booked_as,
    calendar_rows,
    chosen_clinic,
    hours_on,
)
from services.gateway.console.pages.outcomes import at_hand, notice
from services.gateway.console.rendering import View
from services.gateway.console.sessions import StaffSession


@dataclass(frozen=True, slots=True)
class Week:
    columns: list[Column] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    booked: int = 0
    notices: list[str | None] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class WeekPage(View):
    template = "week.html"
    title: str = "Week"
    clinics: list[tuple[str, str]]
    clinic_id: str
    clinic: Clinic | None
    practitioners: list[tuple[str, str]]
    practitioner_id: str
    practitioner: Practitioner | None
    tz: str
    day: str
    monday: str
    week_label: str
    previous_week: str
    next_week: str
    this_week: str | None
    """Today, when the week shown is another one."""
    columns: list[Column]
    rows: list[Row]
    booked: int
    by: str = BY_PRACTITIONER


async def practitioner_week(
    calls: Caller, staff: StaffSession, *, clinic_id: str, practitioner_id: str, day: str
) -> WeekPage:
    """The week of `day` (this week unless chosen) of one practitioner at one clinic (the staff
    member's clinic and its first practitioner by name unless chosen)."""
    errors: dict[str, str] = {}
    listed = await booking.clinics(calls)
    shown, chosen, clinic = chosen_clinic(staff, listed, clinic_id, errors)
    tz = zone(clinic.timezone if clinic else None)
    the_day = parse_day(day, tz, errors)
    monday = the_day - timedelta(days=the_day.weekday())
    staffed = await (
        booking.practitioners(calls, clinic.id) if clinic else at_hand(Answer(Items()))
    )
    staff_of_clinic = sorted(staffed.value.items, key=lambda p: p.name)
    if not practitioner_id and staff_of_clinic:
        practitioner_id = staff_of_clinic[0].id
    who_id = uuid_field(practitioner_id, "practitioner_id", "practitioner", errors)
    who = next((p for p in staff_of_clinic if p.id == str(who_id)), None)
    if who_id is not None and who is None and staffed.ok and clinic:
        errors["practitioner_id"] = "This practitioner does not work at this clinic."
    week = Week()
    if clinic and who and not errors:
        week = await _week(calls, clinic, who, monday, tz, errors)
    today = datetime.now(tz).date()
    sunday = monday + timedelta(days=6)
    return WeekPage(
        clinics=[(c.id, c.name) for c in listed.value.items],
        clinic_id=str(chosen or shown),
        clinic=clinic if not errors.get("clinic_id") else None,
        practitioners=[(p.id, p.name) for p in staff_of_clinic],
        practitioner_id=practitioner_id,
        practitioner=who,
        tz=str(tz),
        day=the_day.isoformat(),
        monday=monday.isoformat(),
        week_label=f"{monday:%A %d %B} to {sunday:%A %d %B %Y}",
        previous_week=(monday - timedelta(days=7)).isoformat(),
        next_week=(monday + timedelta(days=7)).isoformat(),
        this_week=today.isoformat() if not monday <= today <= sunday else None,
        columns=week.columns,
        rows=week.rows,
        booked=week.booked,
        errors=errors,
        problem=notice(listed.problem, staffed.problem, *week.notices),
    )


async def _week(
    calls: Caller,
    clinic: Clinic,
    who: Practitioner,
    monday: date,
    tz: ZoneInfo,
    errors: dict[str, str],
) -> Week:
    """The practitioner's appointments at the clinic from Monday 00:00 to the next Monday on
    the clinic's wall clock, a column per day with that day's working hours and time off."""
    start = datetime.combine(monday, time(0), tz)
    end = datetime.combine(monday + timedelta(days=7), time(0), tz)
    listed, hours, away, types, rooms = await asyncio.gather(
        booking.practitioner_appointments(calls, clinic.id, who.id, start, end),
        booking.working_hours(calls, who.id, clinic.id),
        booking.time_off(calls, who.id),
        booking.treatment_types(calls),
        booking.rooms(calls, clinic.id),
    )
    errors.update({k: v for k, v in listed.errors.items() if k in ("clinic_id",)})
    found = listed.value.items
    patients = await records.names(calls, {a.patient_id for a in found})
    names = Names(
        patients=patients,
        treatments={t.id: t.name for t in types.value.items},
        practitioners={who.id: who.name},
        rooms={r.id: r.name for r in rooms.value.items},
    )
    appointments = [booked_as(a, names) for a in found]
    weekly = hours.value.hours if hours.value else []
    spans = away.value.root if away.value else []
    lanes = []
    for n in range(7):
        day = monday + timedelta(days=n)
        column = Column(
            id=day.isoformat(),
            name=f"{day:%A %d %b}",
            hours=hours_on(weekly, day.weekday()),
            away=away_on(spans, day, tz),
        )
        lanes.append(
            Lane(column, day, [a for a in appointments if a.start.astimezone(tz).date() == day])
        )
    return Week(
        columns=[lane.column for lane in lanes],
        rows=calendar_rows(tz=tz, lanes=lanes),
        booked=sum(1 for a in appointments if a.holds_time),
        notices=[listed.problem, hours.problem, away.problem, types.problem, rooms.problem],
    )
