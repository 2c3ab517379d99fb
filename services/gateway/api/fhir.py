"""`/fhir/R4/`: one FHIR base for chains; each resource type goes on to the service that owns it.

`GET /fhir/R4/metadata` is the CapabilityStatement (from `shared.fhir.RESOURCES`, the same list
the services serve); `GET /fhir/R4/<Type>[/<id>]` is forwarded like the `/api/<service>/` proxy
(token, request id and trace travel on, the answer comes back unchanged). A type no service
serves is a 404 OperationOutcome. Besides reads and searches, `POST /fhir/R4/Appointment` (books
a Slot) is forwarded to booking, with its body and `Idempotency-Key`; any other method or type
is a 405.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response

from services.gateway.api.proxy import route_to_service
from shared import fhir
from shared.errors import NotFound
from shared.fhir import FhirResponse

router = APIRouter(prefix=fhir.BASE_PATH, tags=["FHIR R4"])

OUTCOME = {"description": "An OperationOutcome (application/fhir+json)"}


@router.get(
    "/metadata",
    summary="The CapabilityStatement: the resources, interactions and search parameters served",
    response_class=FhirResponse,
)
async def metadata(request: Request) -> FhirResponse:
    settings = request.app.state.settings
    return FhirResponse(
        fhir.capability_statement(
            base_url=settings.platform.public_base_url,
            software_version=request.app.version,
            date_written=date.today().isoformat(),
        )
    )


async def _forward(resource_type: str, rest: str, request: Request) -> Response:
    spec = fhir.RESOURCES.get(resource_type)
    if spec is None:
        raise NotFound(
            f"This server does not serve {resource_type!r}; it serves "
            f"{', '.join(fhir.RESOURCES)} (GET {fhir.BASE_PATH}/metadata)."
        )
    return await route_to_service(spec.service, f"{fhir.BASE_PATH}/{resource_type}{rest}", request)


@router.get(
    "/{resource_type}",
    summary="Search a resource type (the owning service answers a searchset Bundle)",
    responses={400: OUTCOME, 404: OUTCOME, "default": {"description": "The service's answer"}},
)
async def search(resource_type: str, request: Request) -> Response:
    return await _forward(resource_type, "", request)


# A literal path per type in `fhir.CREATABLE`, not `/{resource_type}`: a POST of any other type
# is Starlette's 405, its Allow header saying GET. Out of the OpenAPI document, as booking's FHIR
# routes are (the CapabilityStatement says what is created); there its search would have to be
# routed at the literal path too, and both would be fuzzed into a booking that is not there.
@router.post("/Appointment", include_in_schema=False)
async def create_appointment(request: Request) -> Response:
    """Book a Slot: booking answers 201 with the Appointment, or an OperationOutcome."""
    return await _forward("Appointment", "", request)


@router.get(
    "/{resource_type}/{resource_id}",
    summary="Read one resource (the owning service answers)",
    responses={404: OUTCOME, "default": {"description": "The service's answer"}},
)
async def read(resource_type: str, resource_id: str, request: Request) -> Response:
    return await _forward(resource_type, f"/{resource_id}", request)
