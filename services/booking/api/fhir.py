"""Booking's FHIR R4 resources, read and search, and booking a Slot by creating an Appointment
(issue 16), at `/fhir/R4/` (not under `/v1`):
the gateway routes `/fhir/R4/{Type}` of these types here. Answers are `application/fhir+json`;
a problem is an OperationOutcome (`shared.problems`). Left out of the OpenAPI document: the
FHIR interface is described by the gateway's CapabilityStatement."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request

from services.booking.api import fhir_views as views
from services.booking.api.deps import Authorization, Booker, Reader, Records
from services.booking.usecases import fhir as search
from services.booking.usecases import fhir_booking
from services.booking.usecases.caller import Caller
from services.booking.usecases.fhir import Found
from shared import fhir
from shared.fhir import FhirResponse
from shared.uow import IdempotentUoW, UnitOfWorkRoute, UoW

T = TypeVar("T")

router = APIRouter(
    prefix=fhir.BASE_PATH,
    route_class=UnitOfWorkRoute,
    tags=["fhir"],
    include_in_schema=False,
    default_response_class=FhirResponse,
)


async def _base_url(request: Request) -> str:
    url: str = request.app.state.settings.platform.public_base_url
    return url


BaseUrl = Annotated[str, Depends(_base_url)]


def _bundle(
    request: Request,
    base_url: str,
    resource_type: str,
    found: Found[T],
    view: Callable[[T], dict[str, Any]],
) -> FhirResponse:
    resources: Sequence[dict[str, Any]] = [view(item) for item in found.items]
    return FhirResponse(
        fhir.searchset(
            request,
            base_url=base_url,
            resource_type=resource_type,
            resources=resources,
            total=found.total,
            next_position=found.next_position,
        )
    )


@router.get("/Organization/{id}")
async def read_organization(id: str, who: Reader, uow: UoW) -> FhirResponse:
    return FhirResponse(views.organization(await search.organization(uow, who, id)))


@router.get("/Organization")
async def search_organizations(
    request: Request, who: Reader, uow: UoW, base_url: BaseUrl
) -> FhirResponse:
    parameters = fhir.search_parameters(request, "Organization")
    found = await search.organizations(uow, who, parameters)
    return _bundle(request, base_url, "Organization", found, views.organization)


@router.get("/Location/{id}")
async def read_location(id: str, who: Reader, uow: UoW) -> FhirResponse:
    return FhirResponse(views.location(await search.location(uow, who, id)))


@router.get("/Location")
async def search_locations(
    request: Request, who: Reader, uow: UoW, base_url: BaseUrl
) -> FhirResponse:
    found = await search.locations(uow, who, fhir.search_parameters(request, "Location"))
    return _bundle(request, base_url, "Location", found, views.location)


@router.get("/Practitioner/{id}")
async def read_practitioner(id: str, who: Reader, uow: UoW) -> FhirResponse:
    return FhirResponse(views.practitioner(await search.practitioner(uow, who, id)))


@router.get("/Practitioner")
async def search_practitioners(
    request: Request, who: Reader, uow: UoW, base_url: BaseUrl
) -> FhirResponse:
    parameters = fhir.search_parameters(request, "Practitioner")
    found = await search.practitioners_named(uow, who, parameters)
    return _bundle(request, base_url, "Practitioner", found, views.practitioner)


@router.get("/Appointment/{id}")
async def read_appointment(id: str, who: Reader, uow: UoW) -> FhirResponse:
    return FhirResponse(views.appointment(await search.appointment(uow, who, id)))


@router.get("/Appointment")
async def search_appointments(
    request: Request, who: Reader, uow: UoW, base_url: BaseUrl
) -> FhirResponse:
    parameters = fhir.search_parameters(request, "Appointment")
    found = await search.appointments_found(uow, who, parameters)
    return _bundle(request, base_url, "Appointment", found, views.appointment)


@router.post("/Appointment", status_code=201)
async def book_slot(
    request: Request,
    who: Booker,
    authorization: Authorization,
    records: Records,
    uow: IdempotentUoW,
) -> FhirResponse:
    """Book the Appointment's Slot for its Patient, as `POST /v1/appointments` books."""
    resource = fhir.resource_of(
        request.headers.get("content-type"), await request.body(), "Appointment"
    )
    booking = fhir_booking.slot_booking(resource)
    booked = await fhir_booking.book_slot(uow, Caller(who, authorization), records, booking)
    return FhirResponse(
        views.appointment(booked),
        status_code=201,
        headers={"Location": f"{fhir.BASE_PATH}/Appointment/{booked.id}"},
    )


@router.get("/Schedule/{id}")
async def read_schedule(id: str, who: Reader, uow: UoW) -> FhirResponse:
    return FhirResponse(views.schedule(await search.schedule(uow, who, id)))


@router.get("/Schedule")
async def search_schedules(
    request: Request, who: Reader, uow: UoW, base_url: BaseUrl
) -> FhirResponse:
    found = await search.schedules(uow, who, fhir.search_parameters(request, "Schedule"))
    return _bundle(request, base_url, "Schedule", found, views.schedule)


@router.get("/Slot/{id}")
async def read_slot(id: str, who: Reader, uow: UoW) -> FhirResponse:
    return FhirResponse(views.slot(await search.slot(uow, who, id)))


@router.get("/Slot")
async def search_slots(request: Request, who: Reader, uow: UoW, base_url: BaseUrl) -> FhirResponse:
    found = await search.slots(uow, who, fhir.search_parameters(request, "Slot"))
    return _bundle(request, base_url, "Slot", found, views.slot)
