"""The Messages pages: the delivery log and each message."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.console.pages import messages as pages
from services.gateway.console.rendering import render
from services.gateway.console.routes.deps import Calls
from services.gateway.console.sessions import CurrentStaff

router = APIRouter()


@router.get("/messages")
async def messages(
    request: Request,
    staff: CurrentStaff,
    calls: Calls,
    patient: str = "",
    patient_id: str = "",
    status: str = "",
    kind: str = "",
    cursor: str = "",
) -> Response:
    """The delivery log, newest first: by patient, status and kind."""
    text = (patient or patient_id).strip()
    view = await pages.log(calls, staff, patient=text, status=status, kind=kind, cursor=cursor)
    return render(request, staff, view)


@router.get("/messages/{message_id}")
async def message_detail(
    request: Request, staff: CurrentStaff, calls: Calls, message_id: str
) -> Response:
    """One message as it went out (its text, escaped), and every attempt to send it."""
    return render(request, staff, await pages.message(calls, staff, message_id))
