"""The Staff pages (Admin): the network's staff accounts, adding one, and one account with what
can be changed of it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.console.forms.query import cursor_text
from services.gateway.console.pages import staff as pages
from services.gateway.console.rendering import render, respond
from services.gateway.console.routes.deps import Calls, Gateway
from services.gateway.console.sessions import CurrentStaff, checked_form

router = APIRouter(prefix="/admin/staff")


@router.get("")
async def people(
    request: Request,
    staff: CurrentStaff,
    calls: Calls,
    own: Gateway,
    cursor: str = "",
    done: str = "",
) -> Response:
    view = await pages.people(calls, own, staff, cursor=cursor_text(cursor), done=done)
    return render(request, staff, view)


@router.get("/new")
async def new_person(request: Request, staff: CurrentStaff, calls: Calls) -> Response:
    return render(request, staff, await pages.new_form(calls, staff))


@router.post("")
async def add_person(request: Request, staff: CurrentStaff, calls: Calls, own: Gateway) -> Response:
    form = await checked_form(request, staff)
    return respond(request, staff, await pages.add(calls, own, staff, form))


@router.get("/{staff_id}")
async def person(
    request: Request, staff: CurrentStaff, calls: Calls, own: Gateway, staff_id: str, done: str = ""
) -> Response:
    return render(request, staff, await pages.member(calls, own, staff, staff_id, done=done))


@router.post("/{staff_id}")
async def change_person(
    request: Request, staff: CurrentStaff, calls: Calls, own: Gateway, staff_id: str
) -> Response:
    """Change the person's name, roles and clinics."""
    form = await checked_form(request, staff)
    return respond(request, staff, await pages.change(calls, own, staff, staff_id, form))


@router.post("/{staff_id}/password")
async def reset_password(
    request: Request, staff: CurrentStaff, calls: Calls, own: Gateway, staff_id: str
) -> Response:
    form = await checked_form(request, staff)
    return respond(request, staff, await pages.reset_password(calls, own, staff, staff_id, form))


@router.get("/{staff_id}/deactivate")
async def deactivate_confirmation(
    request: Request, staff: CurrentStaff, own: Gateway, staff_id: str
) -> Response:
    return render(request, staff, await pages.deactivate_form(own, staff, staff_id))


@router.post("/{staff_id}/deactivate")
async def deactivate_person(
    request: Request, staff: CurrentStaff, own: Gateway, staff_id: str
) -> Response:
    form = await checked_form(request, staff)
    return respond(request, staff, await pages.deactivate(own, staff, staff_id, form))


@router.post("/{staff_id}/reactivate")
async def reactivate_person(
    request: Request, staff: CurrentStaff, calls: Calls, own: Gateway, staff_id: str
) -> Response:
    await checked_form(request, staff)
    return respond(request, staff, await pages.reactivate(calls, own, staff, staff_id))
