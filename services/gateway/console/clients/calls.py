"""The console's calls to the services, as one signed-in staff member: their fresh token, the
request id and the trace go along. An answer comes back as the typed value a page reads, or
with why there is none: a service's problem becomes a readable message (and per-field messages),
an unreachable service says so, and nothing is ever a stack trace."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, TypeVar

import httpx
from opentelemetry import propagate
from opentelemetry.trace import SpanKind
from pydantic import BaseModel, BeforeValidator, TypeAdapter, ValidationError

from services.gateway.console.clients.model import Model
from services.gateway.console.clients.safety import Deviation, Finding
from shared import telemetry

T = TypeVar("T")
U = TypeVar("U")
M = TypeVar("M", bound=BaseModel)

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
    "gateway": "The gateway",
}

Params = Mapping[str, str | int | None]
"""A query string; a None or empty value is left out."""


def _objects(value: object) -> list[object]:
    """The members of a problem's list that are objects (a malformed member is ignored)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


class FieldError(Model):
    field: str = ""
    message: str = ""


class Problem(Model):
    """A service's problem document (RFC 9457), with the members the console reads."""

    type: str = ""
    title: str | None = None
    detail: str | None = None
    errors: Annotated[list[FieldError], BeforeValidator(_objects)] = []
    service: str | None = None
    """The service that did not answer, in a 503 (formulary behind booking's safety check)."""
    findings: Annotated[list[Finding], BeforeValidator(_objects)] = []
    """booking: the safety check's findings behind a refused start or changed plan."""
    deviations: Annotated[list[Deviation], BeforeValidator(_objects)] = []
    """booking: what a refused completion gave outside a passing check."""
    indication: str | None = None
    """booking: the indication a treatment needs a consultation for first."""
    existing_patient_id: str | None = None
    """records: the patient who already has this email or phone."""

    @property
    def kind(self) -> str:
        """The last part of the problem's `type` (e.g. `practitioner-taken`)."""
        return self.type.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Answer(Generic[T]):
    """A service's answer as a page uses it: the value read, or why there is none."""

    value: T
    problem: str | None = None
    """Why the value is missing or incomplete, in words for the page."""
    errors: Mapping[str, str] = field(default_factory=dict)
    """The refusal's messages by the form field they name (the first part of `field`)."""
    refusal: Problem | None = None
    """The service's problem document, when it answered with one."""
    status: int | None = None
    """The refusal's status; None when the service did not answer."""

    @property
    def ok(self) -> bool:
        return self.problem is None

    def but(self, value: U) -> Answer[U]:
        """The same outcome with another value (what was read before a refusal, or nothing)."""
        return Answer(value, self.problem, self.errors, self.refusal, self.status)


@dataclass(frozen=True, slots=True)
class Items(Generic[T]):
    """A list: one page of it with the cursor of the next, or all of it."""

    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None


class _Page(Model):
    items: list[object] = []
    next_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class Caller:
    """Calls the services as one signed-in staff member (never holding the request itself)."""

    http: httpx.AsyncClient
    urls: Mapping[str, str]
    authorization: str
    request_id: str

    async def read(
        self, service: str, path: str, model: type[M], params: Params | None = None
    ) -> Answer[M | None]:
        """GET one resource."""
        answer = await self._call(service, "GET", path, params=_query(params))
        if not answer.ok:
            return answer.but(None)
        return _read(service, answer.value, model)

    async def read_page(
        self, service: str, path: str, model: type[M], params: Params | None = None
    ) -> Answer[Items[M]]:
        """GET one page of a list (the page a person asked for, or the first)."""
        answer = await self._call(service, "GET", path, params=_query(params))
        if not answer.ok:
            return answer.but(Items())
        page = _read(service, answer.value, _Page)
        if page.value is None:
            return page.but(Items())
        try:
            items = _list_of(model).validate_python(page.value.items)
        except ValidationError:
            return _unreadable(service).but(Items())
        return Answer(Items(items, page.value.next_cursor))

    async def read_list(self, service: str, path: str, model: type[M]) -> Answer[Items[M]]:
        """GET a list the service answers whole, as a JSON array (no pages)."""
        answer = await self._call(service, "GET", path)
        if not answer.ok:
            return answer.but(Items())
        try:
            return Answer(Items(_list_of(model).validate_python(answer.value)))
        except ValidationError:
            return _unreadable(service).but(Items())

    async def read_all(
        self, service: str, path: str, model: type[M], params: Params | None = None
    ) -> Answer[Items[M]]:
        """Every item of a paginated list: follows `next_cursor` until it is null.

        The problem says when the list is incomplete: a page the service refused, or more than
        PAGE_SIZE * MAX_PAGES items (never cut short in silence)."""
        items: list[M] = []
        cursor = None
        for _ in range(MAX_PAGES):
            page = await self.read_page(
                service, path, model, {**(params or {}), "limit": PAGE_SIZE, "cursor": cursor}
            )
            if not page.ok:
                return _incomplete(page, items)
            items.extend(page.value.items)
            cursor = page.value.next_cursor
            if not cursor:
                return Answer(Items(items))
        return Answer(
            Items(items),
            problem=f"{SERVICE_NAMES[service]} lists more than {len(items)} of these: only the "
            f"first {len(items)} are shown here.",
        )

    async def send(
        self, service: str, method: str, path: str, body: Body | None = None
    ) -> Answer[None]:
        """POST/PUT/PATCH `body` to `service`; the answer says only whether it was done."""
        answer = await self._call(
            service, method, path, json=body.as_json() if body is not None else None
        )
        return answer.but(None)

    async def submit(self, service: str, path: str, body: Body, model: type[M]) -> Answer[M | None]:
        """POST `body` and read the answer as `model`: for a creation whose answer says more
        than the new id (a secret shown once)."""
        answer = await self._call(service, "POST", path, json=body.as_json())
        if not answer.ok:
            return answer.but(None)
        return _read(service, answer.value, model)

    async def create(
        self, service: str, path: str, body: Body, *, idempotency_key: str | None
    ) -> Answer[str | None]:
        """POST `body` to create something; the answer is the new resource's id.

        Forms that create pass their idempotency key, so a double click or a resubmitted form
        creates it once."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        answer = await self._call(service, "POST", path, json=body.as_json(), headers=headers)
        if not answer.ok:
            return answer.but(None)
        created = _read(service, answer.value, _Created)
        return created.but(created.value.id if created.value else None)

    async def post(
        self,
        service: str,
        path: str,
        model: type[M],
        body: Body | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Answer[M | None]:
        """POST `body` (or nothing) and read the service's answer: for what only that answer
        holds, such as a secret shown once."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        answer = await self._call(
            service,
            "POST",
            path,
            json=body.as_json() if body is not None else None,
            headers=headers,
        )
        if not answer.ok:
            return answer.but(None)
        return _read(service, answer.value, model)

    async def _call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Answer[object]:
        """The JSON of the service's answer, or why there is none."""
        sent = {
            **(headers or {}),
            "Authorization": self.authorization,
            "X-Request-ID": self.request_id,
            "Accept": "application/json",
        }
        name = SERVICE_NAMES[service]
        unchanged = "" if method == "GET" else " Nothing was changed."
        with telemetry.tracer().start_as_current_span(
            f"{method} {service}{path}", kind=SpanKind.CLIENT
        ):
            propagate.inject(sent)
            try:
                response = await self.http.request(
                    method, self.urls[service].rstrip("/") + path, headers=sent, **kwargs
                )
            except httpx.TimeoutException:
                return Answer(
                    None, f"{name} did not answer in time.{unchanged} Try again in a moment."
                )
            except httpx.TransportError:
                return Answer(
                    None,
                    f"{name} cannot be reached right now.{unchanged} Try again in a moment.",
                )
        if response.status_code < 400:
            try:
                return Answer(response.json() if response.content else None)
            except ValueError:
                return _unreadable(service)
        return _explain(response, name)


class Body(Model):
    """A request body the console sends; by default a member left None is not sent."""

    def as_json(self) -> object:
        return self.model_dump(mode="json", exclude_none=True)


class _Created(Model):
    id: str


def _query(params: Params | None) -> dict[str, str | int]:
    return {k: v for k, v in (params or {}).items() if v is not None and v != ""}


@functools.cache
def _list_of(model: type[M]) -> TypeAdapter[list[M]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def _read(service: str, data: object, model: type[M]) -> Answer[M | None]:
    try:
        return Answer(model.model_validate(data))
    except ValidationError:
        return _unreadable(service).but(None)


def _unreadable(service: str) -> Answer[object]:
    name = SERVICE_NAMES[service]
    return Answer(None, f"{name} sent an answer the console cannot read. Try again in a moment.")


def _incomplete(page: Answer[Items[M]], items: list[M]) -> Answer[Items[M]]:
    """A refused page: the items read before it, and the service's problem."""
    problem = page.problem or ""
    if items:
        problem += " The list shown is incomplete."
    return Answer(Items(items), problem.strip(), page.errors, page.refusal, page.status)


def _explain(response: httpx.Response, name: str) -> Answer[object]:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    try:
        refusal = Problem.model_validate(body)
    except ValidationError:
        # A member of an unexpected shape: keep the words at least.
        refusal = Problem(
            type=str(body.get("type") or ""),
            title=str(body.get("title") or "") or None,
            detail=str(body.get("detail") or "") or None,
        )
    errors = {e.field.split(".")[0]: e.message for e in refusal.errors}
    if response.status_code == 403:
        message = "Your role does not allow this. " + (refusal.detail or "")
    elif response.status_code >= 500:
        message = f"{name} could not answer this right now. Try again in a moment."
    else:
        message = refusal.detail or refusal.title or f"{name} refused the request."
    return Answer(None, message.strip(), errors, refusal, response.status_code)
