"""Move an appointment from the calendar: choose a day, then one of its free slots for the same
treatment type (any practitioner and room booking offers); booking reschedules it, checking the
slot as it checks a booking, and a slot taken meanwhile is told on the page."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode
from uuid import UUID

from services.gateway.console.clients import booking, records
from services.gateway.console.clients.booking import Appointment, Clinic, Move
from services.gateway.console.clients.calls import Answer, Caller
from services.gateway.console.clock import zone
from services.gateway.console.forms.query import parse_day
from services.gateway.console.pages.appointment import missing
from services.gateway.console.pages.booking import SlotGroup, slot_groups
from services.gateway.console.pages.day import Booked, Names, booked_as
from services.gateway.console.pages.outcomes import Done, notice, refused_status
from services.gateway.console.rendering import Refusal, View
from services.gateway.console.sessions import StaffSession
from services.gateway.console.words import words


@dataclass(frozen=True, slots=True, kw_only=True)
class MovePage(View):
    template = "move.html"
    title: str = "Move an appointment"
    appointment: Booked
    clinic: Clinic
    day: str
    day_label: str
    groups: list[SlotGroup] | None
    """The day's free slots by practitioner (None: the appointment cannot move)."""
    back: str
    """The clinic day the appointment is on."""


async def move_page(
    calls: Caller,
    staff: StaffSession,
    appointment_id: str,
    *,
    day: str = "",
    problem: str | None = None,
    status_code: int = 200,
) -> MovePage | Refusal:
    """The appointment, and the free slots of the chosen day (its own day unless chosen)."""
    try:
        target = UUID(appointment_id)
    except ValueError:
        return missing(Answer(None, "No such appointment.", status=404))
    found = await booking.appointment(calls, target)
    if found.value is None:
        return missing(found)
    appointment = found.value
    clinic = await booking.clinic(calls, appointment.clinic_id)
    if clinic.value is None:
        return missing(Answer(None, clinic.problem, status=clinic.status))
    tz = zone(clinic.value.timezone)
    errors: dict[str, str] = {}
    own_day = datetime.fromisoformat(appointment.start).astimezone(tz).date()
    the_day = parse_day(day, tz, errors) if day else own_day
    movable = "reschedule" in appointment.allowed_actions
    free, staffed, rooms, types, patients = await asyncio.gather(
        booking.availability(
            calls, clinic.value.id, appointment.treatment_type_id, the_day.isoformat()
        ),
        booking.practitioners(calls, clinic.value.id),
        booking.rooms(calls, clinic.value.id),
        booking.treatment_types(calls),
        records.names(calls, {appointment.patient_id}),
    )
    names = Names(
        patients=patients,
        treatments={t.id: t.name for t in types.value.items},
        practitioners={p.id: p.name for p in staffed.value.items},
        rooms={r.id: r.name for r in rooms.value.items},
    )
    errors.update({k: v for k, v in free.errors.items() if k in ("from",)})
    if "from" in errors:
        errors["date"] = errors.pop("from")
    groups = (
        slot_groups(free.value.slots, names.practitioners, names.rooms)
        if movable and free.value
        else None
    )
    why_not = None if movable else _not_movable(appointment)
    return MovePage(
        status_code=status_code,
        appointment=booked_as(appointment, names),
        clinic=clinic.value,
        day=the_day.isoformat(),
        day_label=the_day.strftime("%A %d %B %Y"),
        groups=groups,
        back="/console/day?"
        + urlencode({"clinic_id": clinic.value.id, "date": own_day.isoformat()}),
        errors=errors,
        problem=notice(problem, why_not, free.problem if movable else None),
    )


async def move(
    calls: Caller, staff: StaffSession, appointment_id: str, form: dict[str, str]
) -> MovePage | Refusal | Done:
    """Move the appointment to the slot whose button was pressed; on to its new day."""
    day = form.get("date", "")
    try:
        target = UUID(appointment_id)
        to = Move(
            start=datetime.fromisoformat(form.get("start", "")).isoformat(),
            practitioner_id=str(UUID(form.get("practitioner_id", ""))),
            room_id=str(UUID(form.get("room_id", ""))),
        )
        clinic_id = str(UUID(form.get("clinic_id", "")))
    except ValueError:
        return await move_page(
            calls,
            staff,
            appointment_id,
            day=day,
            problem="Choose one of the free slots listed below.",
            status_code=422,
        )
    answer = await booking.move(calls, target, to)
    if answer.ok:
        where = {"clinic_id": clinic_id, "date": day, "moved": str(target)}
        return Done("/console/day?" + urlencode(where))
    return await move_page(
        calls,
        staff,
        appointment_id,
        day=day,
        problem=_refused(answer),
        status_code=refused_status(answer),
    )


def _not_movable(appointment: Appointment) -> str:
    return (
        f"This appointment is {words(appointment.status)}: only a booked appointment can be moved."
    )


def _refused(answer: Answer[None]) -> str:
    """Why booking did not move the appointment, and what to do instead."""
    kind = answer.refusal.kind if answer.refusal else ""
    if kind in ("practitioner-taken", "room-taken"):
        return (
            "This slot has just been taken by another booking. The appointment was not moved. "
            "Choose another free slot below."
        )
    if kind == "start-in-past":
        return "This slot has already begun. The appointment was not moved. Choose a later slot."
    if kind == "illegal-transition":
        return "This appointment can no longer be moved: only a booked appointment can be."
    details = [answer.problem or "Booking refused to move this appointment."]
    details += [f"{words(name)}: {message}" for name, message in answer.errors.items()]
    return " ".join(details) + " The appointment was not moved."
