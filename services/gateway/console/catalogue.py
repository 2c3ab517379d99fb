"""The Formulary and Messages pages."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from services.gateway.console.pages import page, router
from services.gateway.console.sessions import CurrentStaff

MESSAGE_STATUSES = ["scheduled", "sending", "sent", "failed", "skipped", "withdrawn"]


@router.get("/formulary")
async def formulary(request: Request, staff: CurrentStaff, q: str = "", lot: str = "") -> Response:
    return page(request, "formulary.html", staff, title="Formulary", q=q, lot=lot)


@router.get("/messages")
async def messages(
    request: Request, staff: CurrentStaff, patient_id: str = "", status: str = ""
) -> Response:
    return page(
        request,
        "messages.html",
        staff,
        title="Messages",
        statuses=[(s, s.capitalize()) for s in MESSAGE_STATUSES],
        form={"patient_id": patient_id, "status": status},
    )
