"""Staff accounts of a network: created, listed, changed and deactivated by its admins, and the
first admin made by an operator. Each new account, and each change to what other services know
of one, is announced (`StaffAccountChanged`) in the same transaction."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import UUID, uuid4

from services.gateway.domain import accounts
from services.gateway.repository import sessions, staff
from services.gateway.repository.staff import NewStaff, StaffAccount, StaffChange
from services.gateway.schemas import StaffCreate, StaffUpdate
from shared.auth import Principal
from shared.errors import Conflict, Invalid, NotFound
from shared.events.gateway import StaffAccountChanged
from shared.pagination import decode_cursor, encode_cursor, page_of
from shared.uow import UnitOfWork


def announce(uow: UnitOfWork, account: StaffAccount) -> None:
    """Tell other services the account as it now is (notifications reaches admins with it)."""
    uow.emit(
        StaffAccountChanged(
            network_id=account.network_id,
            staff_id=account.id,
            email=account.email,
            display_name=account.display_name,
            roles=list(account.roles),
            clinic_ids=list(account.clinic_ids),
            active=account.active,
        )
    )


def _announced(account: StaffAccount) -> tuple[object, ...]:
    """What `StaffAccountChanged` tells of an account: a change to it is announced."""
    return (account.display_name, account.roles, account.clinic_ids, account.active)


async def create(uow: UnitOfWork, who: Principal, cmd: StaffCreate) -> StaffAccount:
    """A staff account of the caller's network; 409 when the email already has one."""
    roles = accounts.staff_roles(cmd.roles)
    accounts.check_password_policy(cmd.password)
    password_hash = await asyncio.to_thread(accounts.hash_password, cmd.password)
    created = await staff.insert(
        uow.tx,
        NewStaff(
            id=uuid4(),
            network_id=who.network_id,
            email=accounts.normalize_email(str(cmd.email)),
            display_name=cmd.display_name.strip(),
            password_hash=password_hash,
            roles=roles,
            clinic_ids=sorted(set(cmd.clinic_ids)),
        ),
    )
    if created is None:
        raise Conflict(
            f"{cmd.email} already has an account.",
            errors=[{"field": "email", "message": "This email already has an account."}],
        )
    announce(uow, created)
    return created


async def page(
    uow: UnitOfWork, who: Principal, *, limit: int, cursor: str | None
) -> tuple[list[StaffAccount], str | None]:
    """A page of the network's staff, by email, and the cursor of the next one."""
    after = decode_cursor(cursor, 2)
    try:
        position = (after[0], UUID(after[1])) if after else None
    except ValueError as exc:
        raise Invalid("The cursor is not one this API issued.", field="cursor") from exc
    found = await staff.page(uow.tx, network_id=who.network_id, after=position, limit=limit + 1)
    return page_of(found, limit, lambda a: encode_cursor(a.email.lower(), a.id))


async def get(uow: UnitOfWork, who: Principal, id: UUID) -> StaffAccount:
    """One account of the caller's network; another network's is 404."""
    found = await staff.get(uow.tx, network_id=who.network_id, id=id)
    if found is None:
        raise NotFound(f"No staff account {id} in your network.")
    return found


async def update(uow: UnitOfWork, who: Principal, id: UUID, cmd: StaffUpdate) -> StaffAccount:
    """Change an account; refuses (409) to leave the network without an active admin.
    Deactivation or a password reset ends the person's console sessions."""
    current = await get(uow, who, id)
    change = StaffChange(
        display_name=cmd.display_name.strip() if cmd.display_name is not None else None,
        roles=accounts.staff_roles(cmd.roles) if cmd.roles is not None else None,
        clinic_ids=sorted(set(cmd.clinic_ids)) if cmd.clinic_ids is not None else None,
        active=cmd.active,
        password_hash=await _new_password_hash(cmd.password),
    )
    if not change.columns():
        return current
    changed = await staff.update(uow.tx, network_id=who.network_id, id=id, change=change)
    assert changed is not None
    if accounts.NETWORK_ADMIN in current.roles and current.active:
        if await staff.count_active_admins(uow.tx, network_id=who.network_id) == 0:
            raise Conflict(
                "This change would leave your network without an active network admin.",
                errors=[
                    {
                        "field": "roles" if change.roles is not None else "active",
                        "message": "Keep at least one active network admin.",
                    }
                ],
            )
    if change.active is False or change.password_hash is not None:
        # New roles and clinics apply to live sessions at their next page: sessions re-read
        # the account.
        await sessions.delete_all_of(uow.tx, staff_id=id)
    if _announced(changed) != _announced(current):
        announce(uow, changed)
    return changed


async def _new_password_hash(password: str | None) -> str | None:
    if password is None:
        return None
    accounts.check_password_policy(password)
    return await asyncio.to_thread(accounts.hash_password, password)


@dataclass(frozen=True, slots=True)
class NetworkAdmin:
    account: StaffAccount
    created: bool
    """False when the email already was an active admin of this network (nothing changed)."""


async def ensure_network_admin(uow: UnitOfWork, network_id: UUID, cmd: StaffCreate) -> NetworkAdmin:
    """A network admin of `network_id` with all its clinics; a repeat changes nothing. Raises
    Invalid for a password the policy refuses, AccountTaken for an email that names another
    account."""
    accounts.check_password_policy(cmd.password)
    email = accounts.normalize_email(str(cmd.email))
    existing = await staff.for_login(uow.tx, email=email)
    if existing is None:
        password_hash = await asyncio.to_thread(accounts.hash_password, cmd.password)
        created = await staff.insert(
            uow.tx,
            NewStaff(
                id=uuid4(),
                network_id=network_id,
                email=email,
                display_name=cmd.display_name,
                password_hash=password_hash,
                roles=[accounts.NETWORK_ADMIN],
                clinic_ids=[],
            ),
        )
        if created is not None:
            announce(uow, created)
            return NetworkAdmin(created, created=True)
        # Created by someone else since the look-up.
        existing = await staff.for_login(uow.tx, email=email)
        assert existing is not None
    accounts.already_network_admin(
        email=email,
        network_id=network_id,
        account_id=existing.id,
        account_network=existing.network_id,
        roles=existing.roles,
        active=existing.active,
    )
    return NetworkAdmin(existing.account, created=False)
