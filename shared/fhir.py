"""FHIR R4 (4.0.1), read and search, as every service serves its own resources at `/fhir/R4/`
(and create of the types in `CREATABLE`).

One list of the resources (which service owns each, its search parameters) serves the services,
the gateway's routing and its CapabilityStatement. The rest is what every FHIR endpoint shares:

- answers are `application/fhir+json`; an error is an OperationOutcome with the same status
  (`shared.problems` renders any problem under `/fhir/` as one), its issue's `expression`
  naming the parameter at fault;
- a search parameter the resource does not support is a 400, or ignored when the request says
  `Prefer: handling=lenient`; a malformed date or reference is a 400 naming it;
- a resource sent to be created is JSON (`application/fhir+json` or `application/json`) of
  its type; one the server cannot take is a 400 naming the element at fault;
- searches answer `searchset` Bundles with `total`, `self` and `next` links; `_count` sets the
  page size (default 20, at most 100) and `_cursor` (opaque, signed) where the page starts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import Request
from fastapi.responses import JSONResponse

from shared.errors import ProblemError
from shared.pagination import decode_cursor, encode_cursor

FHIR_JSON = "application/fhir+json"
BASE_PATH = "/fhir/R4"
FHIR_VERSION = "4.0.1"
CODE_SYSTEM_BASE = "https://mesocare.dev/fhir/CodeSystem/"
"""Where the project's own code systems live (a code MesoCare defines, with no standard one)."""
IDENTIFIER_SYSTEM_BASE = "https://mesocare.dev/fhir/identifier/"

DEFAULT_COUNT = 20
MAX_COUNT = 100
CONTROL_PARAMETERS = ("_count", "_cursor", "_format")
"""Parameters every search takes besides the resource's own."""


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    service: str
    search: tuple[str, ...]


RESOURCES: Mapping[str, ResourceSpec] = {
    "Patient": ResourceSpec("records", ("name", "birthdate", "email", "phone", "identifier")),
    "AllergyIntolerance": ResourceSpec("records", ("patient",)),
    "Condition": ResourceSpec("records", ("patient",)),
    "MedicationStatement": ResourceSpec("records", ("patient",)),
    "Consent": ResourceSpec("records", ("patient",)),
    "AdverseEvent": ResourceSpec("records", ("subject", "date")),
    "Procedure": ResourceSpec("records", ("patient", "date")),
    "MedicationAdministration": ResourceSpec("records", ("patient", "date")),
    "Organization": ResourceSpec("booking", ("name",)),
    "Location": ResourceSpec("booking", ("name",)),
    "Practitioner": ResourceSpec("booking", ("name",)),
    "Appointment": ResourceSpec(
        "booking", ("patient", "practitioner", "location", "date", "status")
    ),
    "Schedule": ResourceSpec("booking", ("actor",)),
    "Slot": ResourceSpec("booking", ("schedule", "start", "service-type")),
}
"""Every resource type served, by the service that owns its data, with its search parameters."""

CREATABLE = frozenset({"Appointment"})
"""The resource types a client may create (POST `/fhir/R4/<Type>`): an Appointment books a Slot."""

PARAMETER_TYPES: Mapping[str, str] = {
    "_id": "token",
    "name": "string",
    "birthdate": "date",
    "email": "token",
    "phone": "token",
    "identifier": "token",
    "patient": "reference",
    "subject": "reference",
    "date": "date",
    "practitioner": "reference",
    "location": "reference",
    "status": "token",
    "actor": "reference",
    "schedule": "reference",
    "start": "date",
    "service-type": "token",
}
"""The FHIR type of each search parameter (the CapabilityStatement says it)."""


def capability_statement(
    *, base_url: str, software_version: str, date_written: str
) -> dict[str, Any]:
    """What this server does: read and search of `RESOURCES`, create of `CREATABLE`, JSON,
    bearer tokens."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date_written,
        "publisher": "MesoCare",
        "kind": "instance",
        "software": {"name": "MesoCare", "version": software_version},
        "implementation": {
            "description": "MesoCare FHIR R4 read and search; booking a Slot",
            "url": f"{base_url.rstrip('/')}{BASE_PATH}",
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": False,
                    "description": (
                        "Bearer tokens from POST /auth/token (staff or integration clients); "
                        "every resource is of the token's network only."
                    ),
                },
                "resource": [
                    {
                        "type": name,
                        "interaction": [
                            {"code": "read"},
                            {"code": "search-type"},
                            *([{"code": "create"}] if name in CREATABLE else []),
                        ],
                        "searchParam": [
                            {"name": p, "type": PARAMETER_TYPES[p]} for p in ("_id", *spec.search)
                        ],
                    }
                    for name, spec in RESOURCES.items()
                ],
            }
        ],
    }


# --- errors ----------------------------------------------------------------------------------

ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    412: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "processing",
    429: "throttled",
    503: "transient",
}


class InvalidSearch(ProblemError):
    """A search the server cannot run as asked: 400, the parameter named."""

    type = "fhir-invalid-search"
    title = "Invalid search"
    status = 400

    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(detail, errors=[{"field": parameter, "message": detail}])


class InvalidResource(ProblemError):
    """A resource sent to be created that the server cannot take: 400, the element named."""

    type = "fhir-invalid-resource"
    title = "Invalid resource"
    status = 400

    def __init__(self, element: str, detail: str) -> None:
        super().__init__(detail, errors=[{"field": element, "message": detail}])


class UnsupportedMediaType(ProblemError):
    type = "unsupported-media-type"
    title = "Unsupported media type"
    status = 415


JSON_TYPES = (FHIR_JSON, "application/json")


def resource_of(content_type: str | None, body: bytes, resource_type: str) -> dict[str, Any]:
    """The JSON object a request body holds, when it is a resource of `resource_type`;
    InvalidResource (400) naming what is wrong, never a crash on whatever else it holds."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in JSON_TYPES:
        raise UnsupportedMediaType(
            f"Send the {resource_type} as {FHIR_JSON} (or application/json), "
            f"not {media_type or 'no content type'}."
        )
    try:
        resource = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidResource(resource_type, "The body is not valid JSON.") from None
    if not isinstance(resource, dict) or resource.get("resourceType") != resource_type:
        raise InvalidResource(
            f"{resource_type}.resourceType", f"The body must be a {resource_type} resource."
        )
    return resource


def operation_outcome(
    status: int, diagnostics: str, *, expressions: Sequence[str] = ()
) -> dict[str, Any]:
    """An OperationOutcome with one issue: error, its code from the HTTP status."""
    issue: dict[str, Any] = {
        "severity": "error" if status < 500 else "fatal",
        "code": ISSUE_CODES.get(status, "exception"),
        "diagnostics": diagnostics,
    }
    if expressions:
        issue["expression"] = list(expressions)
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def outcome_of_problem(problem: Mapping[str, Any]) -> dict[str, Any]:
    """The OperationOutcome saying what an RFC 9457 problem says."""
    fields = [str(e["field"]) for e in problem.get("errors", []) if e.get("field")]
    return operation_outcome(
        int(problem["status"]), str(problem.get("detail") or problem["title"]), expressions=fields
    )


def is_fhir_path(path: str) -> bool:
    return path == BASE_PATH or path.startswith(BASE_PATH + "/")


class FhirResponse(JSONResponse):
    media_type = FHIR_JSON


# --- search parameters -----------------------------------------------------------------------


def lenient(request: Request) -> bool:
    """Whether the client asked that unknown parameters be ignored (`Prefer: handling=lenient`)."""
    prefer = request.headers.get("prefer", "")
    return any(p.strip().lower() == "handling=lenient" for p in prefer.split(";"))


def search_parameters(request: Request, resource_type: str) -> dict[str, list[str]]:
    """The request's search parameters, by name; an unknown one is InvalidSearch (400) unless
    the request is lenient, when it is dropped."""
    allowed = set(RESOURCES[resource_type].search) | {"_id", *CONTROL_PARAMETERS}
    found: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        if name not in allowed:
            if lenient(request):
                continue
            raise InvalidSearch(
                name,
                f"{resource_type} does not support the search parameter {name!r}; it supports "
                f"{', '.join(sorted(allowed))} (or send `Prefer: handling=lenient` to have unknown "
                "parameters ignored).",
            )
        found.setdefault(name, []).append(value)
    return found


def count_of(parameters: Mapping[str, Sequence[str]]) -> int:
    values = parameters.get("_count")
    if not values:
        return DEFAULT_COUNT
    try:
        count = int(values[-1])
    except ValueError:
        raise InvalidSearch(
            "_count", f"_count must be a whole number, not {values[-1]!r}."
        ) from None
    if not 1 <= count <= MAX_COUNT:
        raise InvalidSearch("_count", f"_count must be between 1 and {MAX_COUNT}.")
    return count


def cursor_of(
    parameters: Mapping[str, Sequence[str]], resource_type: str, parts: int
) -> list[str] | None:
    """Where the page starts: the values `next_link` signed, for this resource type."""
    values = parameters.get("_cursor")
    if not values:
        return None
    try:
        decoded = decode_cursor(values[-1], parts + 1)
    except ProblemError:
        raise InvalidSearch("_cursor", "_cursor is not one this server issued.") from None
    assert decoded is not None
    if decoded[0] != resource_type:
        raise InvalidSearch("_cursor", "_cursor belongs to a search of another resource type.")
    return decoded[1:]


_REFERENCE = re.compile(r"^(?:(?P<type>[A-Z][A-Za-z]+)/)?(?P<id>[0-9a-fA-F-]{36})$")


def reference_id(parameter: str, value: str, *resource_types: str) -> UUID:
    """The id a reference search value names (`Patient/<id>` or `<id>`)."""
    found = _REFERENCE.match(value.strip())
    problem = f"{parameter} must be a reference such as {resource_types[0]}/<id>, not {value!r}."
    if found is None or (found["type"] and found["type"] not in resource_types):
        raise InvalidSearch(parameter, problem)
    try:
        return UUID(found["id"])
    except ValueError:
        raise InvalidSearch(parameter, problem) from None


PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
SUPPORTED_PREFIXES = ("eq", "gt", "lt", "ge", "le")


@dataclass(frozen=True, slots=True)
class DateRange:
    """What a date search value asks for, as an interval of instants: `start <= t < end`
    (either end open)."""

    start: datetime | None
    end: datetime | None

    def contains(self, moment: datetime) -> bool:
        return (self.start is None or moment >= self.start) and (
            self.end is None or moment < self.end
        )


def date_range(parameter: str, values: Iterable[str]) -> DateRange:
    """The intersection of every value of a date parameter (`date=ge2026-01-01&date=le…`)."""
    start: datetime | None = None
    end: datetime | None = None
    for value in values:
        one = _one_date(parameter, value)
        if one.start is not None and (start is None or one.start > start):
            start = one.start
        if one.end is not None and (end is None or one.end < end):
            end = one.end
    return DateRange(start, end)


def _one_date(parameter: str, value: str) -> DateRange:
    prefix, text = (value[:2], value[2:]) if value[:2] in PREFIXES else ("eq", value)
    if prefix not in SUPPORTED_PREFIXES:
        raise InvalidSearch(
            parameter, f"{parameter}: the prefix {prefix!r} is not supported (eq, gt, lt, ge, le)."
        )
    low, high = _period(parameter, text)
    return {
        "eq": DateRange(low, high),
        "ge": DateRange(low, None),
        "gt": DateRange(high, None),
        "le": DateRange(None, high),
        "lt": DateRange(None, low),
    }[prefix]


def _period(parameter: str, text: str) -> tuple[datetime, datetime]:
    """The instants a date or dateTime value covers: a year, month, day or one instant."""
    try:
        if re.fullmatch(r"\d{4}", text):
            first = date(int(text), 1, 1)
            return _midnight(first), _midnight(date(first.year + 1, 1, 1))
        if re.fullmatch(r"\d{4}-\d{2}", text):
            year, month = (int(p) for p in text.split("-"))
            first = date(year, month, 1)
            following = date(year + month // 12, month % 12 + 1, 1)
            return _midnight(first), _midnight(following)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = date.fromisoformat(text)
            return _midnight(day), _midnight(day + timedelta(days=1))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise ValueError("a time needs its zone")
        return moment, moment + timedelta(seconds=1)
    except (ValueError, OverflowError):
        raise InvalidSearch(
            parameter,
            f"{parameter} must be a date (YYYY, YYYY-MM, YYYY-MM-DD) or a dateTime with its zone, "
            f"optionally after a prefix (ge, le, gt, lt, eq); not {text!r}.",
        ) from None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


# --- bundles ---------------------------------------------------------------------------------


def resource_url(base_url: str, resource: Mapping[str, Any]) -> str:
    return f"{base_url.rstrip('/')}{BASE_PATH}/{resource['resourceType']}/{resource['id']}"


def searchset(
    request: Request,
    *,
    base_url: str,
    resource_type: str,
    resources: Sequence[Mapping[str, Any]],
    total: int,
    next_position: Sequence[Any] | None,
) -> dict[str, Any]:
    """A searchset Bundle of one page: `total` matches in all, a `next` link when
    `next_position` (where the next page starts) is given."""
    here = f"{base_url.rstrip('/')}{BASE_PATH}/{resource_type}"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "_cursor"]
    links = [{"relation": "self", "url": _with_query(here, request.query_params.multi_items())}]
    if next_position is not None:
        cursor = encode_cursor(resource_type, *next_position)
        links.append({"relation": "next", "url": _with_query(here, [*kept, ("_cursor", cursor)])})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {"fullUrl": resource_url(base_url, r), "resource": r, "search": {"mode": "match"}}
            for r in resources
        ],
    }


def _with_query(url: str, items: Sequence[tuple[str, str]]) -> str:
    return f"{url}?{urlencode(list(items))}" if items else url


def instant(moment: datetime) -> str:
    """A FHIR instant: with its zone, in UTC."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
