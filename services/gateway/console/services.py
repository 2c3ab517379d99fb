"""The console's reads from the services: the staff member's fresh token, the request id and
the trace go along; a service's problem becomes a readable message (and per-field messages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import Request
from opentelemetry import propagate
from opentelemetry.trace import SpanKind

from services.gateway.console.sessions import StaffSession
from shared import telemetry


@dataclass
class Answer:
    data: Any = None
    problem: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    """The whole problem document when the service refused (findings, conflicts...)."""
    status: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


SERVICE_NAMES = {
    "booking": "Booking",
    "records": "Patient records",
    "formulary": "Formulary",
    "notifications": "Messages",
}


async def ask(
    request: Request,
    staff: StaffSession,
    service: str,
    path: str,
    params: dict[str, Any] | None = None,
) -> Answer:
    """GET `path` from `service` as the signed-in staff member."""
    query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    return await _call(request, staff, service, "GET", path, params=query)


async def send(
    request: Request,
    staff: StaffSession,
    service: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    idempotency_key: str | None = None,
) -> Answer:
    """POST/PUT/PATCH/DELETE `body` to `service` as the signed-in staff member.

    Forms that create something pass the form's idempotency key, so a double click or a
    resubmitted form creates it once."""
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    return await _call(request, staff, service, method, path, json=body, headers=headers)


async def _call(
    request: Request,
    staff: StaffSession,
    service: str,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> Answer:
    base = request.app.state.settings.service_urls()[service]
    headers = {
        **(headers or {}),
        "Authorization": f"Bearer {staff.access_token}",
        "X-Request-ID": request.state.request_id,
        "Accept": "application/json",
    }
    name = SERVICE_NAMES[service]
    unchanged = "" if method == "GET" else " Nothing was changed."
    with telemetry.tracer().start_as_current_span(
        f"{method} {service}{path}", kind=SpanKind.CLIENT
    ):
        propagate.inject(headers)
        try:
            response = await request.app.state.proxy.request(
                method, base.rstrip("/") + path, headers=headers, **kwargs
            )
        except httpx.TimeoutException:
            return Answer(
                problem=f"{name} did not answer in time.{unchanged} Try again in a moment."
            )
        except httpx.TransportError:
            return Answer(
                problem=f"{name} cannot be reached right now.{unchanged} Try again in a moment."
            )
    if response.status_code < 400:
        return Answer(data=response.json() if response.content else None)
    return explain(response, name)


def explain(response: httpx.Response, name: str) -> Answer:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    errors = {
        str(e.get("field", "")).split(".")[0]: str(e.get("message", ""))
        for e in body.get("errors") or []
        if isinstance(e, dict)
    }
    if response.status_code == 403:
        message = "Your role does not allow this. " + str(body.get("detail", ""))
    elif response.status_code >= 500:
        message = f"{name} could not answer this right now. Try again in a moment."
    else:
        message = str(body.get("detail") or body.get("title") or f"{name} refused the request.")
    return Answer(problem=message.strip(), errors=errors, body=body, status=response.status_code)
