"""What the console reads from the gateway's own API and sends to it: the network's staff
accounts and integration clients (docs/gateway.md, "Staff and integration clients"; network
admins only). Called in process (`routes.deps.Gateway`), with the same token, routes and rules
as any caller of the API."""

from __future__ import annotations

from uuid import UUID

from services.gateway.console.clients.calls import Answer, Body, Caller, Items
from services.gateway.console.clients.model import Model

SERVICE = "gateway"


class StaffMember(Model):
    id: str
    email: str
    display_name: str
    roles: list[str]
    clinic_ids: list[str]
    """Empty: every clinic of the network."""
    active: bool
    created_at: str
    updated_at: str


class NewStaffMember(Body):
    email: str
    display_name: str
    password: str
    roles: list[str]
    clinic_ids: list[str]


class StaffChange(Body):
    """What changes; a member left None stays as it is (`clinic_ids` empty: every clinic)."""

    display_name: str | None = None
    password: str | None = None
    roles: list[str] | None = None
    clinic_ids: list[str] | None = None
    active: bool | None = None


class IntegrationClient(Model):
    id: str
    client_id: str
    name: str
    roles: list[str]
    clinic_ids: list[str]
    active: bool
    created_at: str
    updated_at: str


class RegisteredClient(IntegrationClient):
    """The answer to a registration: the only one that holds the client's secret."""

    client_secret: str


class NewClient(Body):
    name: str
    roles: list[str]
    clinic_ids: list[str]


class ClientSwitch(Body):
    active: bool


async def staff(calls: Caller, *, limit: int, cursor: str | None) -> Answer[Items[StaffMember]]:
    """A page of the network's staff, by email."""
    return await calls.read_page(
        SERVICE, "/v1/staff", StaffMember, {"limit": limit, "cursor": cursor}
    )


async def staff_member(calls: Caller, staff_id: UUID) -> Answer[StaffMember | None]:
    return await calls.read(SERVICE, f"/v1/staff/{staff_id}", StaffMember)


async def add_staff_member(calls: Caller, body: NewStaffMember) -> Answer[StaffMember | None]:
    """A new account (409 when the email already has one, anywhere)."""
    return await calls.post(SERVICE, "/v1/staff", StaffMember, body)


async def change_staff_member(calls: Caller, staff_id: UUID, change: StaffChange) -> Answer[None]:
    """Change an account; 409 when it would leave the network without an active admin."""
    return await calls.send(SERVICE, "PATCH", f"/v1/staff/{staff_id}", change)


async def clients(
    calls: Caller, *, limit: int, cursor: str | None
) -> Answer[Items[IntegrationClient]]:
    """A page of the network's integration clients, oldest first."""
    return await calls.read_page(
        SERVICE, "/v1/clients", IntegrationClient, {"limit": limit, "cursor": cursor}
    )


async def client(calls: Caller, client_id: UUID) -> Answer[IntegrationClient | None]:
    return await calls.read(SERVICE, f"/v1/clients/{client_id}", IntegrationClient)


async def register_client(calls: Caller, body: NewClient) -> Answer[RegisteredClient | None]:
    """A new client; the answer holds its secret, which is never shown again."""
    return await calls.post(SERVICE, "/v1/clients", RegisteredClient, body)


async def switch_client(calls: Caller, client_id: UUID, switch: ClientSwitch) -> Answer[None]:
    """Deactivate a client (no new tokens), or activate it again."""
    return await calls.send(SERVICE, "PATCH", f"/v1/clients/{client_id}", switch)
