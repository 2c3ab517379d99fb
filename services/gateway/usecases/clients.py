"""Integration clients of a network: registered (their secret shown once), listed, changed and
deactivated by its admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from services.gateway.domain import accounts
from services.gateway.repository import clients
from services.gateway.repository.clients import ClientChange, IntegrationClient, NewClient
from services.gateway.schemas import ClientCreate, ClientUpdate
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.pagination import decode_cursor, encode_cursor, page_of
from shared.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Registered:
    client: IntegrationClient
    secret: str
    """Shown once, in the answer to the registration; only its hash is kept."""


async def register(uow: UnitOfWork, who: Principal, cmd: ClientCreate) -> Registered:
    """A new client of the caller's network, with its secret."""
    secret = accounts.new_client_secret()
    client = await clients.insert(
        uow.tx,
        NewClient(
            id=uuid4(),
            network_id=who.network_id,
            client_id=accounts.new_client_id(),
            name=cmd.name.strip(),
            secret_hash=accounts.hash_secret(secret),
            roles=accounts.client_roles(cmd.roles),
            clinic_ids=sorted(set(cmd.clinic_ids)),
        ),
    )
    return Registered(client, secret)


async def page(
    uow: UnitOfWork, who: Principal, *, limit: int, cursor: str | None
) -> tuple[list[IntegrationClient], str | None]:
    """A page of the network's clients, oldest first, and the cursor of the next one."""
    after = decode_cursor(cursor, 2)
    position = None
    if after:
        try:
            position = (datetime.fromisoformat(after[0]), UUID(after[1]))
        except ValueError as exc:
            raise Invalid("The cursor is not one this API issued.", field="cursor") from exc
    found = await clients.page(uow.tx, network_id=who.network_id, after=position, limit=limit + 1)
    return page_of(found, limit, lambda c: encode_cursor(c.created_at.isoformat(), c.id))


async def get(uow: UnitOfWork, who: Principal, id: UUID) -> IntegrationClient:
    """One client of the caller's network (never its secret); another network's is 404."""
    found = await clients.get(uow.tx, network_id=who.network_id, id=id)
    if found is None:
        raise NotFound(f"No integration client {id} in your network.")
    return found


async def update(uow: UnitOfWork, who: Principal, id: UUID, cmd: ClientUpdate) -> IntegrationClient:
    """Change a client's name, roles or clinics; `active: false` stops new tokens."""
    change = ClientChange(
        name=cmd.name.strip() if cmd.name is not None else None,
        roles=accounts.client_roles(cmd.roles) if cmd.roles is not None else None,
        clinic_ids=sorted(set(cmd.clinic_ids)) if cmd.clinic_ids is not None else None,
        active=cmd.active,
    )
    if not change.columns():
        return await get(uow, who, id)
    changed = await clients.update(uow.tx, network_id=who.network_id, id=id, change=change)
    if changed is None:
        raise NotFound(f"No integration client {id} in your network.")
    return changed
