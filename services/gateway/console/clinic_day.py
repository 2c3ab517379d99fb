"""The Clinic day: one clinic's day as a calendar, a column per practitioner and the time down
the side on the clinic's wall clock, each appointment in its practitioner's column."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response

from services.gateway.console.clock import zone
from services.gateway.console.pages import (
    clinics_of,
    home_clinic,
    page,
    parse_day,
    patient_names,
    router,
    uuid_field,
)
from services.gateway.console.services import ask, ask_all, items_of
from services.gateway.console.sessions import CurrentStaff, StaffSession

ROW_MINUTES = 30
OPENING = (time(9, 0), time(18, 0))
"""The hours shown when no practitioner works that day and nothing is booked."""
INACTIVE = ("cancelled", "no_show")
"""Appointments shown where they were, but that no longer hold the practitioner's time."""


@dataclass
class Column:
    id: str
    name: str
    hours: list[tuple[time, time]] = field(default_factory=list)
    """The practitioner's working hours at this clinic on this weekday (local wall clock)."""
    away: list[tuple[datetime, datetime]] = field(default_factory=list)
    """Time off that overlaps the day."""


@dataclass
class Cell:
    appointments: list[dict[str, Any]] = field(default_factory=list)
    busy: bool = False
    """An appointment that started earlier is still going on."""
    off: str | None = None
    """Why the practitioner is not available ("Not working", "Time off")."""


@dataclass
class Row:
    id: str
    label: str
    cells: list[Cell]


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def day_rows(
    *, day: date, tz: ZoneInfo, columns: list[Column], appointments: list[dict[str, Any]]
) -> list[Row]:
    """The day in rows of ROW_MINUTES on the clinic's wall clock, from the earliest working hour
    or appointment to the latest; each appointment in the row of its start, in its
    practitioner's column. `appointments` carry `practitioner_id`, `start` and `end` (aware)."""
    starts = [_minutes(s) for c in columns for s, _ in c.hours]
    ends = [_minutes(e) for c in columns for _, e in c.hours]
    local = []
    for a in appointments:
        start, end = a["start"].astimezone(tz), a["end"].astimezone(tz)
        first = _minutes(start.time()) if start.date() == day else 0
        last = _minutes(end.time()) if end.date() == day else 24 * 60
        local.append((a, first, max(last, first + 1)))
        starts.append(first)
        ends.append(last)
    low = min(starts, default=_minutes(OPENING[0]))
    high = max(ends, default=_minutes(OPENING[1]))
    low -= low % ROW_MINUTES
    high = min(24 * 60, high + (-high) % ROW_MINUTES)
    index = {c.id: n for n, c in enumerate(columns)}
    rows = []
    for top in range(low, max(high, low + ROW_MINUTES), ROW_MINUTES):
        bottom = top + ROW_MINUTES
        cells = [Cell(off=_off(c, day, tz, top, bottom)) for c in columns]
        for a, first, last in local:
            cell = cells[index[a["practitioner_id"]]]
            if top <= first < bottom:
                cell.appointments.append(a)
            elif first < top < last and a["status"] not in INACTIVE:
                cell.busy = True
        rows.append(Row(id=f"t-{_clock(top).replace(':', '')}", label=_clock(top), cells=cells))
    return rows


def _off(column: Column, day: date, tz: ZoneInfo, top: int, bottom: int) -> str | None:
    start = datetime.combine(day, time(0), tz) + timedelta(minutes=top)
    end = datetime.combine(day, time(0), tz) + timedelta(minutes=bottom)
    if any(a < end and start < b for a, b in column.away):
        return "Time off"
    if not any(_minutes(s) < bottom and top < _minutes(e) for s, e in column.hours):
        return "Not working"
    return None


def _hours_on(entries: list[dict[str, Any]], weekday: int) -> list[tuple[time, time]]:
    return [
        (time.fromisoformat(h["start"]), time.fromisoformat(h["end"]))
        for h in entries
        if h.get("weekday") == weekday
    ]


def _away_on(
    entries: list[dict[str, Any]], day: date, tz: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    midnight = datetime.combine(day, time(0), tz)
    spans = [
        (datetime.fromisoformat(t["start"]), datetime.fromisoformat(t["end"])) for t in entries
    ]
    return [(a, b) for a, b in spans if a < midnight + timedelta(days=1) and midnight < b]


async def _columns(
    request: Request,
    staff: StaffSession,
    clinic: dict[str, Any],
    day: date,
    tz: ZoneInfo,
    practitioners: list[dict[str, Any]],
) -> list[Column]:
    """The clinic's practitioners with their hours and time off on `day`, by name."""
    base = "/v1/practitioners/{}"
    answers = await asyncio.gather(
        *(
            ask(
                request,
                staff,
                "booking",
                f"{base.format(p['id'])}/clinics/{clinic['id']}/working-hours",
            )
            for p in practitioners
        ),
        *(
            ask(request, staff, "booking", f"{base.format(p['id'])}/time-off")
            for p in practitioners
        ),
    )
    hours, away = answers[: len(practitioners)], answers[len(practitioners) :]
    columns = [
        Column(
            id=p["id"],
            name=p["name"],
            hours=_hours_on((h.data or {}).get("hours", []) if h.ok else [], day.weekday()),
            away=_away_on(t.data if t.ok and isinstance(t.data, list) else [], day, tz),
        )
        for p, h, t in zip(practitioners, hours, away, strict=True)
    ]
    return sorted(columns, key=lambda c: c.name)


@router.get("/day")
async def clinic_day(
    request: Request, staff: CurrentStaff, clinic_id: str = "", date: str = ""
) -> Response:
    """One clinic's day: a column per practitioner, each appointment with its time, patient,
    treatment and status, linking to the appointment."""
    errors: dict[str, str] = {}
    clinics, answer = await clinics_of(request, staff)
    notices = [answer.problem]
    chosen = uuid_field(clinic_id, "clinic_id", "clinic", errors)
    if chosen is None and not clinic_id and clinics:
        chosen = UUID(home_clinic(staff, clinics)["id"])
    clinic = next((c for c in clinics if c["id"] == str(chosen)), None)
    if chosen is not None and clinic is None and answer.ok:
        errors["clinic_id"] = "This clinic is not one of your network's clinics."
    tz = zone(clinic["timezone"] if clinic else None)
    day = parse_day(date, tz, errors)
    columns: list[Column] = []
    rows: list[Row] = []
    booked = 0
    if clinic and not errors:
        listed, staffed, types = await asyncio.gather(
            ask_all(
                request,
                staff,
                "booking",
                "/v1/appointments",
                {"clinic_id": clinic["id"], "date": day.isoformat()},
            ),
            ask_all(request, staff, "booking", "/v1/practitioners", {"clinic_id": clinic["id"]}),
            ask_all(request, staff, "booking", "/v1/treatment-types"),
        )
        notices += [listed.problem, staffed.problem, types.problem]
        errors.update({k: v for k, v in listed.errors.items() if k in ("date", "clinic_id")})
        items = items_of(listed)
        practitioners = list(items_of(staffed))
        known = {p["id"] for p in practitioners}
        # Someone who no longer works here keeps a column while they have appointments.
        practitioners += [
            {"id": who, "name": "Practitioner no longer at this clinic"}
            for who in sorted({a["practitioner_id"] for a in items} - known)
        ]
        treatments = {t["id"]: t["name"] for t in items_of(types)}
        columns, patients = await asyncio.gather(
            _columns(request, staff, clinic, day, tz, practitioners),
            patient_names(request, staff, {a["patient_id"] for a in items}),
        )
        appointments = []
        for a in items:
            start = datetime.fromisoformat(a["start"])
            end = datetime.fromisoformat(a["end"])
            appointments.append(
                {
                    **a,
                    "start": start,
                    "end": end,
                    "patient": patients.get(a["patient_id"]),
                    "treatment": treatments.get(a["treatment_type_id"])
                    or f"{a['kind']} · {a['indication']}".replace("_", " "),
                }
            )
        booked = sum(1 for a in appointments if a["status"] not in INACTIVE)
        rows = day_rows(day=day, tz=tz, columns=columns, appointments=appointments)
    return page(
        request,
        "day.html",
        staff,
        title="Clinic day",
        clinics=[(c["id"], c["name"]) for c in clinics],
        clinic_id=str(chosen or clinic_id),
        clinic=clinic if not errors.get("clinic_id") else None,
        tz=str(tz),
        day=day.isoformat(),
        day_label=day.strftime("%A %d %B %Y"),
        previous_day=(day - timedelta(days=1)).isoformat(),
        next_day=(day + timedelta(days=1)).isoformat(),
        today=datetime.now(tz).date().isoformat(),
        columns=columns,
        rows=rows,
        booked=booked,
        errors=errors,
        problem=" ".join(p for p in notices if p) or None,
    )
