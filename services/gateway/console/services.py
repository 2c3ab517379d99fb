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


PAGE_SIZE = 200
"""The services' largest page (`limit`, shared/pagination.py)."""
MAX_PAGES = 50
"""A whole list is read page by page up to PAGE_SIZE * MAX_PAGES items: far more than any list
the console shows in one piece, and a bound on a cursor that never ends."""

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


async def ask_all(
    request: Request,
    staff: StaffSession,
    service: str,
    path: str,
    params: dict[str, Any] | None = None,
) -> Answer:
    """Every item of a paginated list: follows `next_cursor` until it is null.

    `data` is the list of items read. `problem` says when the list is incomplete: a page the
    service refused, or more than PAGE_SIZE * MAX_PAGES items (never cut short in silence)."""
    items: list[Any] = []
    cursor = None
    for _ in range(MAX_PAGES):
        page = await ask(
            request, staff, service, path, {**(params or {}), "limit": PAGE_SIZE, "cursor": cursor}
        )
        if not page.ok:
            return _incomplete(page, items)
        items.extend((page.data or {}).get("items", []))
        cursor = (page.data or {}).get("next_cursor")
        if not cursor:
            return Answer(data=items)
    name = SERVICE_NAMES[service]
    return Answer(
        data=items,
        problem=f"{name} lists more than {len(items)} of these: only the first {len(items)} "
        "are shown here.",
    )


def _incomplete(page: Answer, items: list[Any]) -> Answer:
    """A refused page: the items read before it, and the service's problem."""
    problem = page.problem or ""
    if items:
        problem += " The list shown is incomplete."
    return Answer(
        data=items, problem=problem.strip(), errors=page.errors, body=page.body, status=page.status
    )


def items_of(answer: Answer) -> list[Any]:
    """The items of one page (`ask`) or of a whole list (`ask_all`), whatever the problem."""
    if isinstance(answer.data, list):
        return answer.data
    return (answer.data or {}).get("items", []) if answer.ok else []


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
