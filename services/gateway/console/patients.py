"""Patients: find, register, and the patient chart."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from services.gateway.console.pages import page, router
from services.gateway.console.services import Answer, ask
from services.gateway.console.sessions import CurrentStaff


@router.get("/patients")
async def patients(request: Request, staff: CurrentStaff, q: str = "") -> Response:
    """Find a patient by part of a name, an email or a phone number."""
    q = q.strip()
    found: list[dict[str, Any]] = []
    answer = Answer()
    if q:
        answer = await ask(request, staff, "records", "/v1/patients", {"q": q, "limit": 50})
        found = (answer.data or {}).get("items", []) if answer.ok else []
    return page(
        request,
        "patients.html",
        staff,
        title="Patients",
        q=q,
        searched=bool(q),
        patients=found,
        errors=answer.errors,
        problem=None if answer.errors.get("q") else answer.problem,
    )
