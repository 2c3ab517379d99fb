"""What a consultation records, posted from its appointment page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.console.pages import consultation_actions
from services.gateway.console.rendering import respond
from services.gateway.console.routes.deps import Calls
from services.gateway.console.sessions import CurrentStaff, checked_form

router = APIRouter()


@router.post("/appointments/{appointment_id}/consultation/{part}")
async def record(
    request: Request, staff: CurrentStaff, calls: Calls, appointment_id: str, part: str
) -> Response:
    """The medical history and goals, the safety profile, or a treatment plan; then back to
    the appointment."""
    form = await checked_form(request, staff)
    view = await consultation_actions.record(calls, staff, appointment_id, part, form)
    return respond(request, staff, view)
