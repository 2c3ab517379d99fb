"""Booking from the console and the session page: book a free slot, check in, start behind
the cross-check, complete with the lots used."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from services.gateway.console.pages import (
    clinics_of,
    local_time,
    page,
    parse_day,
    router,
    uuid_field,
    zone,
)
from services.gateway.console.services import ask
from services.gateway.console.sessions import CurrentStaff


@router.get("/book")
async def book(
    request: Request,
    staff: CurrentStaff,
    patient: str = "",
    clinic_id: str = "",
    treatment_type_id: str = "",
    date: str = "",
) -> Response:
    """Choose clinic, treatment type and day, then see the free slots."""
    errors: dict[str, str] = {}
    clinics, answer = await clinics_of(request, staff)
    types = await ask(request, staff, "booking", "/v1/treatment-types", {"limit": 200})
    problem = answer.problem or types.problem
    chosen_clinic = uuid_field(clinic_id, "clinic_id", "clinic", errors)
    chosen_type = uuid_field(treatment_type_id, "treatment_type_id", "treatment type", errors)
    clinic = next((c for c in clinics if c["id"] == str(chosen_clinic)), None)
    tz = zone(clinic["timezone"] if clinic else None)
    day = parse_day(date, tz, errors)
    slots: list[str] | None = None
    if clinic and chosen_type and not errors:
        free = await ask(
            request,
            staff,
            "booking",
            "/v1/availability",
            {
                "clinic_id": clinic["id"],
                "treatment_type_id": str(chosen_type),
                "from": day.isoformat(),
            },
        )
        errors.update(free.errors)
        problem = free.problem or problem
        slots = [
            f"{local_time(s['start'], tz)} to {local_time(s['end'], tz)}"
            for s in (free.data or {}).get("slots", [])
        ]
    return page(
        request,
        "book.html",
        staff,
        title="Book",
        clinics=[(c["id"], c["name"]) for c in clinics],
        treatment_types=[(t["id"], t["name"]) for t in (types.data or {}).get("items", [])],
        form={
            "patient": patient,
            "clinic_id": clinic_id,
            "treatment_type_id": treatment_type_id,
            "date": day.isoformat(),
        },
        slots=slots,
        errors=errors,
        problem=problem,
    )
