"""The Formulary pages: the catalog, a lot and its recall."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.console.forms.query import cursor_text
from services.gateway.console.pages import formulary
from services.gateway.console.rendering import render, respond
from services.gateway.console.routes.deps import Calls
from services.gateway.console.sessions import CurrentStaff, checked_form

router = APIRouter()


@router.get("/formulary")
async def catalog(
    request: Request, staff: CurrentStaff, calls: Calls, q: str = "", lot: str = ""
) -> Response:
    """The catalog: ingredients, blends and lots, narrowed by a text and a lot number."""
    return render(request, staff, await formulary.catalog(calls, q=q, lot=lot))


@router.get("/formulary/lots/{lot_id}")
async def lot_detail(
    request: Request,
    staff: CurrentStaff,
    calls: Calls,
    lot_id: str,
    recalled: bool = False,
    cursor: str = "",
) -> Response:
    view = await formulary.lot_page(
        calls, staff, lot_id, recalled=recalled, cursor=cursor_text(cursor)
    )
    return render(request, staff, view)


@router.post("/formulary/lots/{lot_id}/recall")
async def recall_lot(request: Request, staff: CurrentStaff, calls: Calls, lot_id: str) -> Response:
    """Recall the lot: formulary refuses anyone but a network admin (shown as a message)."""
    form = await checked_form(request, staff)
    return respond(request, staff, await formulary.recall(calls, staff, lot_id, form))
