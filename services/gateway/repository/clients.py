"""Integration clients: the machine credentials of a clinic chain's systems."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from uuid import UUID

from shared.db import Transaction, record_of, records_of

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
class ClientChange:
    """The columns to change; None leaves a column as it is."""

    name: str | None = None
    roles: list[str] | None = None
    clinic_ids: list[UUID] | None = None
    active: bool | None = None

    def columns(self) -> dict[str, object]:
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}


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
    row = await tx.fetchrow(
        f"SELECT {COLUMNS} FROM integration_clients WHERE network_id = $1 AND id = $2",
        network_id,
        id,
    )
    return record_of(IntegrationClient, row)


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
    if after is None:
        rows = await tx.fetch(
            f"""SELECT {COLUMNS} FROM integration_clients WHERE network_id = $1
                ORDER BY created_at, id LIMIT $2""",
            network_id,
            limit,
        )
    else:
        rows = await tx.fetch(
            f"""SELECT {COLUMNS} FROM integration_clients
                WHERE network_id = $1 AND (created_at, id) > ($2, $3)
                ORDER BY created_at, id LIMIT $4""",
            network_id,
            after[0],
            after[1],
            limit,
        )
    return records_of(IntegrationClient, rows)


async def update(
    tx: Transaction, *, network_id: UUID, id: UUID, change: ClientChange
) -> IntegrationClient | None:
    columns = change.columns()
    sets = [f"{name} = ${i}" for i, name in enumerate(columns, start=3)]
    row = await tx.fetchrow(
        f"""UPDATE integration_clients SET {", ".join([*sets, "updated_at = now()"])}
            WHERE network_id = $1 AND id = $2 RETURNING {COLUMNS}""",
        network_id,
        id,
        *columns.values(),
    )
    return record_of(IntegrationClient, row)
