"""The appointment page and its actions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.console.pages import session
from services.gateway.console.pages.appointment import Shown, appointment_page
from services.gateway.console.rendering import render, respond
from services.gateway.console.routes.deps import Calls
from services.gateway.console.sessions import CurrentStaff, checked_form

router = APIRouter()


@router.get("/appointments/{appointment_id}")
async def appointment(
    request: Request,
    staff: CurrentStaff,
    calls: Calls,
    appointment_id: str,
    done: str = "",
    plan: str = "",
) -> Response:
    """One appointment: who, when, where, its status and price, and the next steps (`plan`:
    the treatment plan a consultation just made)."""
    view = await appointment_page(calls, staff, appointment_id, Shown(done=done, new_plan=plan))
    return render(request, staff, view)


@router.post("/appointments/{appointment_id}/{action}")
async def appointment_action(
    request: Request, staff: CurrentStaff, calls: Calls, appointment_id: str, action: str
) -> Response:
    """Check in, no-show, cancel, start, re-check a changed plan or complete, then back to the
    appointment."""
    form = await checked_form(request, staff)
    return respond(request, staff, await session.act(calls, staff, appointment_id, action, form))
