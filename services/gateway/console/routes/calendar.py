"""The calendar beyond the clinic day: a practitioner's week, and moving an appointment."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.console.pages import move, week
from services.gateway.console.rendering import render, respond
from services.gateway.console.routes.deps import Calls
from services.gateway.console.sessions import CurrentStaff, checked_form

router = APIRouter()


@router.get("/week")
async def practitioner_week(
    request: Request,
    staff: CurrentStaff,
    calls: Calls,
    clinic_id: str = "",
    practitioner_id: str = "",
    date: str = "",
) -> Response:
    """A practitioner's week at a clinic, Monday to Sunday on the clinic's wall clock."""
    view = await week.practitioner_week(
        calls, staff, clinic_id=clinic_id, practitioner_id=practitioner_id, day=date
    )
    return render(request, staff, view)


@router.get("/appointments/{appointment_id}/move")
async def move_form(
    request: Request, staff: CurrentStaff, calls: Calls, appointment_id: str, date: str = ""
) -> Response:
    """The appointment and the free slots of a day it may move to."""
    return render(request, staff, await move.move_page(calls, staff, appointment_id, day=date))


@router.post("/appointments/{appointment_id}/move")
async def move_appointment(
    request: Request, staff: CurrentStaff, calls: Calls, appointment_id: str
) -> Response:
    """Move it to the slot whose button was pressed; a slot taken meanwhile is told."""
    form = await checked_form(request, staff)
    return respond(request, staff, await move.move(calls, staff, appointment_id, form))
