"""What booking's routes depend on besides their unit of work: the caller's roles (from the
rules in `services.booking.policies`), their token, and the clients of the services booking asks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.booking import policies
from services.booking.clients.formulary import FormularyClient
from services.booking.clients.records import RecordsClient
from shared.auth import Principal, require_roles

Reader = Annotated[Principal, Depends(require_roles(*policies.READERS))]
Editor = Annotated[Principal, Depends(require_roles(*policies.EDITORS))]
Booker = Annotated[Principal, Depends(require_roles(*policies.BOOKERS))]
FrontDesk = Annotated[Principal, Depends(require_roles(*policies.FRONT_DESK))]
Practitioner = Annotated[Principal, Depends(require_roles(*policies.PRACTITIONERS))]
PractitionerFeeds = Annotated[Principal, Depends(require_roles(*policies.PRACTITIONER_FEEDS))]
ClinicFeeds = Annotated[Principal, Depends(require_roles(*policies.CLINIC_FEEDS))]
NetworkAdmin = Annotated[Principal, Depends(require_roles(*policies.NETWORK_SETTINGS))]


async def _authorization(request: Request) -> str | None:
    return request.headers.get("authorization")


async def _formulary(request: Request) -> FormularyClient:
    client: FormularyClient = request.app.state.formulary_client
    return client


async def _records(request: Request) -> RecordsClient:
    client: RecordsClient = request.app.state.records_client
    return client


async def _public_base_url(request: Request) -> str:
    url: str = request.app.state.settings.public_base_url
    return url


Authorization = Annotated[str | None, Depends(_authorization)]
"""The caller's `Authorization` header, passed on to the services booking asks."""

Formulary = Annotated[FormularyClient, Depends(_formulary)]
Records = Annotated[RecordsClient, Depends(_records)]
PublicBaseUrl = Annotated[str, Depends(_public_base_url)]
"""Where calendar apps reach the gateway: the origin of calendar feed URLs."""
