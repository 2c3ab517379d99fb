"""Patients: find, register, the patient chart, and changes to contact data and the safety
profile."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.gateway.console.pages import adverse
from services.gateway.console.pages import chart as charts
from services.gateway.console.pages import patients as pages
from services.gateway.console.rendering import render, respond
from services.gateway.console.routes.deps import Calls
from services.gateway.console.sessions import CurrentStaff, checked_form

router = APIRouter()


@router.get("/patients")
async def patients(
    request: Request, staff: CurrentStaff, calls: Calls, q: str = "", cursor: str = ""
) -> Response:
    """Find a patient by part of a name, an email or a phone number, a page at a time."""
    return render(request, staff, await pages.search(calls, q=q, cursor=cursor))


@router.get("/patients/new")
async def register_form(request: Request, staff: CurrentStaff, calls: Calls) -> Response:
    """An empty registration form at the staff member's clinic; with several, they choose."""
    return render(request, staff, await pages.registration_form(calls, staff))


@router.post("/patients/new")
async def register(request: Request, staff: CurrentStaff, calls: Calls) -> Response:
    """Register the patient once (the form's idempotency key), then open their chart."""
    form = await checked_form(request, staff)
    return respond(request, staff, await pages.register(calls, staff, form))


@router.get("/patients/{patient_id}")
async def chart(
    request: Request,
    staff: CurrentStaff,
    calls: Calls,
    patient_id: str,
    saved: str = "",
    audit: str = "",
) -> Response:
    """The patient's chart: contact data for everyone; clinical parts for clinicians. Every
    treatment and adverse event; the newest messages and audit entries, with links to more."""
    view = await charts.chart(calls, staff, patient_id, saved=saved, audit=audit)
    return render(request, staff, view)


@router.get("/patients/{patient_id}/contact")
async def contact_form(
    request: Request, staff: CurrentStaff, calls: Calls, patient_id: str
) -> Response:
    return render(request, staff, await pages.contact_form(calls, patient_id))


@router.post("/patients/{patient_id}/contact")
async def change_contact(
    request: Request, staff: CurrentStaff, calls: Calls, patient_id: str
) -> Response:
    """Change the contact fields, based on the version the form was opened at."""
    form = await checked_form(request, staff)
    return respond(request, staff, await pages.change_contact(calls, patient_id, form))


@router.get("/patients/{patient_id}/safety-profile")
async def profile_form(
    request: Request, staff: CurrentStaff, calls: Calls, patient_id: str
) -> Response:
    return render(request, staff, await pages.profile_form(calls, staff, patient_id))


@router.post("/patients/{patient_id}/safety-profile")
async def change_profile(
    request: Request, staff: CurrentStaff, calls: Calls, patient_id: str
) -> Response:
    """Replace the whole profile, compare-and-set on the version the form was opened at."""
    form = await checked_form(request, staff)
    return respond(request, staff, await pages.change_profile(calls, staff, patient_id, form))


@router.get("/patients/{patient_id}/adverse-events/new")
async def adverse_event_form(
    request: Request, staff: CurrentStaff, calls: Calls, patient_id: str, appointment_id: str = ""
) -> Response:
    """Report an adverse event (practitioners); from a session, with the session's lots."""
    view = await adverse.report_form(calls, staff, patient_id, appointment_id)
    return render(request, staff, view)


@router.post("/patients/{patient_id}/adverse-events/new")
async def report_adverse_event(
    request: Request, staff: CurrentStaff, calls: Calls, patient_id: str, appointment_id: str = ""
) -> Response:
    """Report it once (the form's idempotency key), then back to the chart."""
    form = await checked_form(request, staff)
    view = await adverse.report(calls, staff, patient_id, appointment_id, form)
    return respond(request, staff, view)
