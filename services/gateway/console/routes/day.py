"""The Clinic day."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.console.pages import day
from services.gateway.console.rendering import render
from services.gateway.console.routes.deps import Calls
from services.gateway.console.sessions import CurrentStaff

router = APIRouter()


@router.get("/day")
async def clinic_day(
    request: Request,
    staff: CurrentStaff,
    calls: Calls,
    clinic_id: str = "",
    date: str = "",
    by: str = "",
    moved: str = "",
) -> Response:
    """One clinic's day: a column per practitioner (or per room, `by=room`), each appointment
    with its time, patient, treatment and status, linking to the appointment."""
    view = await day.clinic_day(calls, staff, clinic_id=clinic_id, day=date, by=by, moved=moved)
    return render(request, staff, view)
