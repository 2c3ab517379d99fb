"""Booking from the console."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.console.pages import booking
from services.gateway.console.rendering import render, respond
from services.gateway.console.routes.deps import Calls
from services.gateway.console.sessions import CurrentStaff, checked_form

router = APIRouter()


@router.get("/book")
async def book(
    request: Request,
    staff: CurrentStaff,
    calls: Calls,
    patient: str = "",
    patient_id: str = "",
    clinic_id: str = "",
    treatment_type_id: str = "",
    date: str = "",
    treatment_plan_id: str = "",
) -> Response:
    """Choose the patient, clinic, treatment type and day, then book one of the free slots;
    a treatment plan fills in what it knows."""
    choice = booking.Choice(
        patient, patient_id, clinic_id, treatment_type_id, date, treatment_plan_id
    )
    return render(request, staff, await booking.book_page(calls, staff, choice))


@router.post("/book")
async def book_slot(request: Request, staff: CurrentStaff, calls: Calls) -> Response:
    """Book the slot whose button was pressed; a taken slot or a refusal is told on the page."""
    form = await checked_form(request, staff)
    return respond(request, staff, await booking.book(calls, staff, form))
