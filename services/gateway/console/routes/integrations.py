"""The Integration clients pages (Admin): the network's clients and the form to register one,
and one client, to deactivate or activate again."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.console.forms.query import cursor_text
from services.gateway.console.pages import integrations as pages
from services.gateway.console.rendering import render, respond
from services.gateway.console.routes.deps import Calls, Gateway
from services.gateway.console.sessions import CurrentStaff, checked_form

router = APIRouter(prefix="/admin/clients")


@router.get("")
async def clients(
    request: Request,
    staff: CurrentStaff,
    calls: Calls,
    own: Gateway,
    cursor: str = "",
    done: str = "",
) -> Response:
    view = await pages.listing(calls, own, staff, cursor=cursor_text(cursor), done=done)
    return render(request, staff, view)


@router.post("")
async def register_client(
    request: Request, staff: CurrentStaff, calls: Calls, own: Gateway
) -> Response:
    """Register the client; its secret is shown on the page this answers with, only there."""
    form = await checked_form(request, staff)
    return render(request, staff, await pages.register(calls, own, staff, form))


@router.get("/{client_id}")
async def client(
    request: Request,
    staff: CurrentStaff,
    calls: Calls,
    own: Gateway,
    client_id: str,
    done: str = "",
) -> Response:
    return render(request, staff, await pages.client_page(calls, own, staff, client_id, done=done))


@router.get("/{client_id}/deactivate")
async def deactivate_confirmation(
    request: Request, staff: CurrentStaff, own: Gateway, client_id: str
) -> Response:
    return render(request, staff, await pages.deactivate_form(own, staff, client_id))


@router.post("/{client_id}/deactivate")
async def deactivate_client(
    request: Request, staff: CurrentStaff, own: Gateway, client_id: str
) -> Response:
    form = await checked_form(request, staff)
    return respond(request, staff, await pages.deactivate(own, staff, client_id, form))


@router.post("/{client_id}/reactivate")
async def reactivate_client(
    request: Request, staff: CurrentStaff, own: Gateway, client_id: str
) -> Response:
    await checked_form(request, staff)
    return respond(request, staff, await pages.reactivate(own, staff, client_id))
