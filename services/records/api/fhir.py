"""FHIR R4 read and search of the chart at `/fhir/R4/<Type>` (issue 16; docs/fhir.md).

The same tokens, roles and audit as the REST API: a read opens the chart like `GET
/v1/patients/{id}`, a search of a patient's clinical resources needs the roles that read the
safety profile. Answers are `application/fhir+json`; any refusal is an OperationOutcome.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from services.records.api import fhir_views
from services.records.api.deps import ChartCaller
from services.records.repository.fhir import PatientSearch, Search, Span
from services.records.usecases import fhir as usecase
from services.records.usecases.access import Caller
from shared import fhir
from shared.errors import NotFound
from shared.fhir import FHIR_JSON, FhirResponse, InvalidSearch
from shared.uow import UnitOfWork, UnitOfWorkRoute, UoW

router = APIRouter(prefix=fhir.BASE_PATH, route_class=UnitOfWorkRoute, tags=["FHIR R4"])

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
OUTCOME = {"description": "An OperationOutcome", "content": {FHIR_JSON: {"schema": {}}}}
REFUSALS: dict[int | str, dict[str, Any]] = {401: OUTCOME, 403: OUTCOME, 429: OUTCOME}
"""What any FHIR route may answer, as an OperationOutcome (not the REST API's problem+json)."""
RESOURCE_OF = {"Patient": fhir_views.patient, **fhir_views.RESOURCE_OF}
PATIENT_PARAMETER = {"Patient": None, "AdverseEvent": "subject"}
"""The parameter naming the patient, where it is not `patient` (Patient has none)."""
CURSOR_PARTS = {
    "Patient": (str, str, UUID),
    "AllergyIntolerance": (UUID, int),
    "Condition": (UUID, int),
    "MedicationStatement": (UUID, int),
    "Consent": (datetime.fromisoformat, UUID),
    "Procedure": (datetime.fromisoformat, UUID),
    "MedicationAdministration": (datetime.fromisoformat, UUID, int),
    "AdverseEvent": (datetime.fromisoformat, UUID),
}
"""What a `_cursor` of each type holds: the values of the position the next page starts after."""

Parameters = Mapping[str, Sequence[str]]


def _base_url(request: Request) -> str:
    return str(request.app.state.settings.platform.public_base_url)


def _after(parameters: Parameters, resource_type: str) -> tuple[Any, ...] | None:
    parts = CURSOR_PARTS[resource_type]
    values = fhir.cursor_of(parameters, resource_type, len(parts))
    if values is None:
        return None
    try:
        return tuple(part(value) for part, value in zip(parts, values, strict=True))
    except ValueError:
        raise InvalidSearch("_cursor", "_cursor is not one this server issued.") from None


def _ids(parameters: Parameters) -> tuple[str, ...] | None:
    """The ids `_id` names (each value a comma-separated list; several values: all of them)."""
    values = parameters.get("_id")
    if not values:
        return None
    sets = [{id.strip() for id in value.split(",") if id.strip()} for value in values]
    return tuple(sorted(set.intersection(*sets)))


def _one(parameters: Parameters, name: str) -> str | None:
    """A string parameter's value (several: each must match, so the same one twice or none)."""
    values = parameters.get(name)
    if not values:
        return None
    for value in values:
        if not value.strip():
            raise InvalidSearch(name, f"{name} may not be empty.")
        if "\x00" in value:
            raise InvalidSearch(name, f"{name} may not contain NUL characters.")
    return values[-1]


def _patient(parameters: Parameters, name: str) -> UUID | None:
    values = parameters.get(name)
    if not values:
        return None
    named = {fhir.reference_id(name, value, "Patient") for value in values}
    if len(named) > 1:
        raise InvalidSearch(name, f"Search by one {name} at a time.")
    return named.pop()


def _search(parameters: Parameters, resource_type: str, network_id: UUID) -> Search:
    """What every records resource type's search shares: ids, patient, date, page."""
    dates = parameters.get("date")
    patient = PATIENT_PARAMETER.get(resource_type, "patient")
    return Search(
        network_id=network_id,
        limit=fhir.count_of(parameters),
        ids=_ids(parameters),
        patient_id=_patient(parameters, patient) if patient else None,
        span=_span(fhir.date_range("date", dates)) if dates else None,
        after=_after(parameters, resource_type),
    )


def _span(found: fhir.DateRange) -> Span:
    return Span(found.start, found.end)


def _patient_criteria(parameters: Parameters, search: Search) -> tuple[Search, PatientSearch]:
    """Patient's own parameters; `identifier` names ids like `_id` (both: the ids in both)."""
    ids = search.ids
    identifiers = parameters.get("identifier")
    if identifiers:
        named = {_identified(value) for value in identifiers}
        found = set() if len(named) > 1 else named
        ids = tuple(sorted({i for i in found if i} & (set(ids) if ids is not None else found)))
    births = parameters.get("birthdate")
    phone = _one(parameters, "phone")
    criteria = PatientSearch(
        name=_one(parameters, "name"),
        birth=_span(fhir.date_range("birthdate", births)) if births else None,
        email=_one(parameters, "email"),
        phone="".join(phone.split()) if phone else None,
    )
    return replace(search, ids=ids), criteria


PATIENT_IDENTIFIER = fhir.IDENTIFIER_SYSTEM_BASE + "patient"


def _identified(token: str) -> str | None:
    """The patient id an identifier token (`system|value` or `value`) names; None for another
    system's identifier, which no patient here has."""
    system, bar, value = token.rpartition("|")
    if not value.strip():
        raise InvalidSearch("identifier", "identifier must be `system|value` or `value`.")
    if bar and system and system != PATIENT_IDENTIFIER:
        return None
    return value.strip()


# ---------------------------------------------------------------------------------------------


Reader = Callable[[UnitOfWork, Caller, str], Awaitable[Any]]


async def _read_patient(uow: UnitOfWork, caller: Caller, id: str) -> Any:
    try:
        patient_id = UUID(id)
    except ValueError:
        raise NotFound(f"No Patient {id} in your network.") from None
    return await usecase.read_patient(uow, caller, patient_id)


def _reader(resource_type: str) -> Reader:
    if resource_type == "Patient":
        return _read_patient

    async def read(uow: UnitOfWork, caller: Caller, id: str) -> Any:
        return await usecase.read(uow, caller, resource_type, id)

    return read


async def _find(
    request: Request, uow: UnitOfWork, caller: Caller, resource_type: str
) -> usecase.Found:
    parameters = fhir.search_parameters(request, resource_type)
    search = _search(parameters, resource_type, caller.who.network_id)
    if resource_type == "Patient":
        search, criteria = _patient_criteria(parameters, search)
        return await usecase.search_patients(uow, caller, search, criteria)
    return await usecase.search(uow, caller, resource_type, search)


def _routes(resource_type: str) -> None:
    view = RESOURCE_OF[resource_type]
    reader = _reader(resource_type)
    parameters = ", ".join(f"`{p}`" for p in fhir.RESOURCES[resource_type].search)

    async def read(id: str, uow: UoW, caller: ChartCaller) -> FhirResponse:
        if not FHIR_ID.match(id):
            raise NotFound(f"No {resource_type} {id[:64]!r} in your network.")
        return FhirResponse(view(await reader(uow, caller, id)))

    async def search(request: Request, uow: UoW, caller: ChartCaller) -> FhirResponse:
        found = await _find(request, uow, caller, resource_type)
        return FhirResponse(
            fhir.searchset(
                request,
                base_url=_base_url(request),
                resource_type=resource_type,
                resources=[view(row) for row in found.rows],
                total=found.total,
                next_position=found.next_position,
            )
        )

    resource = {"description": f"The {resource_type}", "content": {FHIR_JSON: {"schema": {}}}}
    bundle = {"description": "A searchset Bundle", "content": {FHIR_JSON: {"schema": {}}}}
    router.add_api_route(
        f"/{resource_type}/{{id}}",
        read,
        methods=["GET"],
        name=f"read_{resource_type}",
        summary=f"Read a {resource_type} (FHIR R4)",
        response_class=FhirResponse,
        responses={200: resource, **REFUSALS, 404: OUTCOME},
    )
    router.add_api_route(
        f"/{resource_type}",
        search,
        methods=["GET"],
        name=f"search_{resource_type}",
        summary=f"Search {resource_type} (FHIR R4)",
        description=f"Search parameters: {parameters}, `_id`, `_count`, `_cursor`.",
        response_class=FhirResponse,
        responses={200: bundle, 400: OUTCOME, **REFUSALS},
    )


for _type, _spec in fhir.RESOURCES.items():
    if _spec.service == "records":
        _routes(_type)
