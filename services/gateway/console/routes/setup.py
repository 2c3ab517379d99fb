"""The Admin setup pages: clinics and rooms, practitioners with their hours and time off,
treatment types and prices."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.console.forms.query import cursor_text
from services.gateway.console.pages import setup
from services.gateway.console.rendering import render, respond
from services.gateway.console.routes.deps import Calls
from services.gateway.console.sessions import CurrentStaff, checked_form

router = APIRouter(prefix="/admin")


@router.get("/clinics")
async def clinics(
    request: Request, staff: CurrentStaff, calls: Calls, cursor: str = "", done: str = ""
) -> Response:
    """The network's clinics, and the form to add one."""
    view = await setup.clinics_page(calls, staff, cursor=cursor_text(cursor), done=done)
    return render(request, staff, view)


@router.post("/clinics")
async def add_clinic(request: Request, staff: CurrentStaff, calls: Calls) -> Response:
    form = await checked_form(request, staff)
    return respond(request, staff, await setup.add_clinic(calls, staff, form))


@router.get("/clinics/{clinic_id}")
async def clinic(
    request: Request, staff: CurrentStaff, calls: Calls, clinic_id: str, done: str = ""
) -> Response:
    """A clinic's changeable fields, and its rooms."""
    return render(request, staff, await setup.clinic_page(calls, staff, clinic_id, done=done))


@router.post("/clinics/{clinic_id}")
async def change_clinic(
    request: Request, staff: CurrentStaff, calls: Calls, clinic_id: str
) -> Response:
    form = await checked_form(request, staff)
    return respond(request, staff, await setup.change_clinic(calls, staff, clinic_id, form))


@router.post("/clinics/{clinic_id}/rooms")
async def add_room(request: Request, staff: CurrentStaff, calls: Calls, clinic_id: str) -> Response:
    form = await checked_form(request, staff)
    return respond(request, staff, await setup.add_room(calls, staff, clinic_id, form))


@router.post("/clinics/{clinic_id}/rooms/{room_id}/delete")
async def remove_room(
    request: Request, staff: CurrentStaff, calls: Calls, clinic_id: str, room_id: str
) -> Response:
    """Delete a room no appointment was ever booked in."""
    await checked_form(request, staff)
    return respond(request, staff, await setup.remove_room(calls, staff, clinic_id, room_id))


@router.get("/practitioners")
async def practitioners(
    request: Request, staff: CurrentStaff, calls: Calls, cursor: str = "", done: str = ""
) -> Response:
    """The network's practitioners, and the form to register one."""
    view = await setup.practitioners_page(calls, staff, cursor=cursor_text(cursor), done=done)
    return render(request, staff, view)


@router.post("/practitioners")
async def register_practitioner(request: Request, staff: CurrentStaff, calls: Calls) -> Response:
    form = await checked_form(request, staff)
    return respond(request, staff, await setup.register_practitioner(calls, staff, form))


@router.get("/practitioners/{practitioner_id}")
async def practitioner(
    request: Request,
    staff: CurrentStaff,
    calls: Calls,
    practitioner_id: str,
    clinic_id: str = "",
    done: str = "",
) -> Response:
    """A practitioner's details, their week at one of their clinics, their time off."""
    view = await setup.practitioner_page(
        calls, staff, practitioner_id, clinic_id=clinic_id, done=done
    )
    return render(request, staff, view)


@router.post("/practitioners/{practitioner_id}")
async def change_practitioner(
    request: Request, staff: CurrentStaff, calls: Calls, practitioner_id: str
) -> Response:
    form = await checked_form(request, staff)
    view = await setup.change_practitioner(calls, staff, practitioner_id, form)
    return respond(request, staff, view)


@router.post("/practitioners/{practitioner_id}/working-hours")
async def set_week(
    request: Request, staff: CurrentStaff, calls: Calls, practitioner_id: str
) -> Response:
    """Replace the practitioner's whole week at one clinic."""
    form = await checked_form(request, staff)
    return respond(request, staff, await setup.set_week(calls, staff, practitioner_id, form))


@router.post("/practitioners/{practitioner_id}/time-off")
async def add_time_off(
    request: Request, staff: CurrentStaff, calls: Calls, practitioner_id: str
) -> Response:
    form = await checked_form(request, staff)
    return respond(request, staff, await setup.add_time_off(calls, staff, practitioner_id, form))


@router.get("/practitioners/{practitioner_id}/time-off/{time_off_id}/delete")
async def time_off_delete_form(
    request: Request, staff: CurrentStaff, calls: Calls, practitioner_id: str, time_off_id: str
) -> Response:
    view = await setup.time_off_delete_form(calls, staff, practitioner_id, time_off_id)
    return render(request, staff, view)


@router.post("/practitioners/{practitioner_id}/time-off/{time_off_id}/delete")
async def delete_time_off(
    request: Request, staff: CurrentStaff, calls: Calls, practitioner_id: str, time_off_id: str
) -> Response:
    form = await checked_form(request, staff)
    view = await setup.delete_time_off(calls, staff, practitioner_id, time_off_id, form)
    return respond(request, staff, view)


@router.get("/treatment-types")
async def treatment_types(
    request: Request, staff: CurrentStaff, calls: Calls, cursor: str = "", done: str = ""
) -> Response:
    """The network's treatment types with their prices; the forms to add either."""
    view = await setup.treatment_types_page(calls, staff, cursor=cursor_text(cursor), done=done)
    return render(request, staff, view)


@router.post("/treatment-types")
async def define_treatment_type(request: Request, staff: CurrentStaff, calls: Calls) -> Response:
    form = await checked_form(request, staff)
    return respond(request, staff, await setup.define_treatment_type(calls, staff, form))


@router.post("/treatment-types/prices")
async def add_price(request: Request, staff: CurrentStaff, calls: Calls) -> Response:
    form = await checked_form(request, staff)
    return respond(request, staff, await setup.add_price(calls, staff, form))


@router.get("/treatment-types/prices/{price_id}")
async def price(request: Request, staff: CurrentStaff, calls: Calls, price_id: str) -> Response:
    """The form to change what a price costs."""
    return render(request, staff, await setup.price_page(calls, staff, price_id))


@router.post("/treatment-types/prices/{price_id}")
async def change_price(
    request: Request, staff: CurrentStaff, calls: Calls, price_id: str
) -> Response:
    form = await checked_form(request, staff)
    return respond(request, staff, await setup.change_price(calls, staff, price_id, form))
