"""Integration clients: the machine credentials of a clinic chain's systems."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.gateway.repository import common
from services.gateway.repository.common import Change
from shared.db import Transaction, record_of

COLUMNS = "id, network_id, client_id, name, roles, clinic_ids, active, created_at, updated_at"


@dataclass(frozen=True, slots=True)
class IntegrationClient:
    id: UUID
    network_id: UUID
    client_id: str
    name: str
    roles: list[str]
    clinic_ids: list[UUID]
    """Empty means every clinic of the network."""
    active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ClientLogin(IntegrationClient):
    """A client with its secret's hash, read only to check a sign-in."""

    secret_hash: str


@dataclass(frozen=True, slots=True)
class NewClient:
    id: UUID
    network_id: UUID
    client_id: str
    name: str
    secret_hash: str
    roles: list[str]
    clinic_ids: list[UUID]


@dataclass(frozen=True, slots=True)
class ClientChange(Change):
    """The columns to change; None leaves a column as it is."""

    name: str | None = None
    roles: list[str] | None = None
    clinic_ids: list[UUID] | None = None
    active: bool | None = None


_TABLE = common.Table("integration_clients", COLUMNS, IntegrationClient)


async def insert(tx: Transaction, new: NewClient) -> IntegrationClient:
    row = await tx.fetchrow(
        f"""INSERT INTO integration_clients
               (id, network_id, client_id, name, secret_hash, roles, clinic_ids)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}""",
        new.id,
        new.network_id,
        new.client_id,
        new.name,
        new.secret_hash,
        new.roles,
        new.clinic_ids,
    )
    created = record_of(IntegrationClient, row)
    assert created is not None
    return created


async def get(tx: Transaction, *, network_id: UUID, id: UUID) -> IntegrationClient | None:
    return await common.get(tx, _TABLE, network_id=network_id, id=id)


async def for_login(tx: Transaction, *, client_id: str) -> ClientLogin | None:
    """The client of a `client_id`, in any network."""
    row = await tx.fetchrow(
        f"SELECT {COLUMNS}, secret_hash FROM integration_clients WHERE client_id = $1", client_id
    )
    return record_of(ClientLogin, row)


async def page(
    tx: Transaction, *, network_id: UUID, after: tuple[datetime, UUID] | None, limit: int
) -> list[IntegrationClient]:
    """Oldest first; `after` is the (created_at, id) of the previous page's last row."""
    return await common.page(
        tx, _TABLE, key="created_at", network_id=network_id, after=after, limit=limit
    )


async def update(
    tx: Transaction, *, network_id: UUID, id: UUID, change: ClientChange
) -> IntegrationClient | None:
    return await common.update(tx, _TABLE, network_id=network_id, id=id, change=change)
