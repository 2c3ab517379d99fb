"""`/v1/clients`: integration clients of the caller's network, managed by network admins."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from services.gateway.api.deps import Admin
from services.gateway.repository.clients import IntegrationClient
from services.gateway.schemas import (
    ClientCreate,
    ClientCreated,
    ClientPage,
    ClientRead,
    ClientUpdate,
)
from services.gateway.usecases import clients
from shared.openapi import Responses, problem
from shared.pagination import Cursor, Limit
from shared.uow import UnitOfWorkRoute, UoW

router = APIRouter(prefix="/v1/clients", tags=["integration clients"], route_class=UnitOfWorkRoute)

FORBIDDEN: Responses = {403: problem("Only network admins manage integration clients")}
NO_SUCH: Responses = {404: problem("No such client in your network")}


def read(client: IntegrationClient) -> ClientRead:
    return ClientRead.model_validate(client, from_attributes=True)


# Not IdempotentUoW: a stored answer would keep the client's secret, of which only the hash
# may be kept.
@router.post(
    "",
    status_code=201,
    summary="Register an integration client; its secret is shown once, in this answer",
    responses=FORBIDDEN,
)
async def create_client(body: ClientCreate, who: Admin, uow: UoW) -> ClientCreated:
    registered = await clients.register(uow, who, body)
    return ClientCreated(**read(registered.client).model_dump(), client_secret=registered.secret)


@router.get("", summary="Integration clients of your network, oldest first", responses=FORBIDDEN)
async def list_clients(
    who: Admin, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> ClientPage:
    items, next_cursor = await clients.page(uow, who, limit=limit, cursor=cursor)
    return ClientPage(items=[read(c) for c in items], next_cursor=next_cursor)


@router.get(
    "/{id}",
    summary="One integration client (without its secret)",
    responses={**FORBIDDEN, **NO_SUCH},
)
async def get_client(id: UUID, who: Admin, uow: UoW) -> ClientRead:
    return read(await clients.get(uow, who, id))


@router.patch(
    "/{id}",
    summary="Change name, roles or clinics; `active: false` deactivates",
    responses={**FORBIDDEN, **NO_SUCH},
)
async def update_client(id: UUID, body: ClientUpdate, who: Admin, uow: UoW) -> ClientRead:
    return read(await clients.update(uow, who, id, body))
