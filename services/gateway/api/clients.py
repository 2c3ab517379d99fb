"""`/v1/clients`: integration clients of the caller's network, managed by network admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends

from services.gateway import domain, repository
from services.gateway.schemas import (
    ClientCreate,
    ClientCreated,
    ClientPage,
    ClientRead,
    ClientUpdate,
)
from shared.auth import Principal, require_roles
from shared.db import Tx
from shared.errors import Invalid, NotFound
from shared.pagination import Cursor, Limit, decode_cursor, encode_cursor, page_of
from shared.service import problem

router = APIRouter(prefix="/v1/clients", tags=["integration clients"])

Admin = Annotated[Principal, Depends(require_roles("network_admin"))]

FORBIDDEN = {403: problem("Only network admins manage integration clients")}


def public(row: dict[str, Any]) -> ClientRead:
    return ClientRead(**{k: v for k, v in row.items() if k in ClientRead.model_fields})


@router.post(
    "",
    status_code=201,
    summary="Register an integration client; its secret is shown once, in this answer",
    responses=FORBIDDEN,
)
async def create_client(body: ClientCreate, tx: Tx, who: Admin) -> ClientCreated:
    secret = domain.new_client_secret()
    row = await repository.insert_client(
        tx,
        id=uuid4(),
        network_id=who.network_id,
        client_id=domain.new_client_id(),
        name=body.name.strip(),
        secret_hash=domain.hash_secret(secret),
        roles=domain.client_roles(body.roles),
        clinic_ids=sorted(set(body.clinic_ids)),
    )
    return ClientCreated(**public(row).model_dump(), client_secret=secret)


@router.get("", summary="Integration clients of your network, oldest first", responses=FORBIDDEN)
async def list_clients(tx: Tx, who: Admin, limit: Limit = 50, cursor: Cursor = None) -> ClientPage:
    after = decode_cursor(cursor, 2)
    position = None
    if after:
        try:
            position = (datetime.fromisoformat(after[0]), UUID(after[1]))
        except ValueError as exc:
            raise Invalid("The cursor is not one this API issued.", field="cursor") from exc
    rows = await repository.list_clients(
        tx, network_id=who.network_id, after=position, limit=limit + 1
    )
    items, next_cursor = page_of(
        rows, limit, lambda r: encode_cursor(r["created_at"].isoformat(), r["id"])
    )
    return ClientPage(items=[public(r) for r in items], next_cursor=next_cursor)


@router.get(
    "/{id}",
    summary="One integration client (without its secret)",
    responses={**FORBIDDEN, 404: problem("No such client in your network")},
)
async def get_client(id: UUID, tx: Tx, who: Admin) -> ClientRead:
    row = await repository.get_client(tx, network_id=who.network_id, id=id)
    if row is None:
        raise NotFound(f"No integration client {id} in your network.")
    return public(row)


@router.patch(
    "/{id}",
    summary="Change name, roles or clinics; `active: false` deactivates",
    responses={**FORBIDDEN, 404: problem("No such client in your network")},
)
async def update_client(id: UUID, body: ClientUpdate, tx: Tx, who: Admin) -> ClientRead:
    changes: dict[str, Any] = {}
    if body.name is not None:
        changes["name"] = body.name.strip()
    if body.roles is not None:
        changes["roles"] = domain.client_roles(body.roles)
    if body.clinic_ids is not None:
        changes["clinic_ids"] = sorted(set(body.clinic_ids))
    if body.active is not None:
        changes["active"] = body.active
    if changes:
        row = await repository.update_client(tx, network_id=who.network_id, id=id, changes=changes)
    else:
        row = await repository.get_client(tx, network_id=who.network_id, id=id)
    if row is None:
        raise NotFound(f"No integration client {id} in your network.")
    return public(row)
