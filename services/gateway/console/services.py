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
    base = request.app.state.settings.service_urls()[service]
    headers = {
        "Authorization": f"Bearer {staff.access_token}",
        "X-Request-ID": request.state.request_id,
        "Accept": "application/json",
    }
    name = SERVICE_NAMES[service]
    with telemetry.tracer().start_as_current_span(f"GET {service}{path}", kind=SpanKind.CLIENT):
        propagate.inject(headers)
        try:
            response = await request.app.state.proxy.get(
                base.rstrip("/") + path,
                params={k: v for k, v in (params or {}).items() if v not in (None, "")},
                headers=headers,
            )
        except httpx.TimeoutException:
            return Answer(problem=f"{name} did not answer in time. Try again in a moment.")
        except httpx.TransportError:
            return Answer(problem=f"{name} cannot be reached right now. Try again in a moment.")
    if response.status_code < 400:
        return Answer(data=response.json())
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
    return Answer(problem=message.strip(), errors=errors)
