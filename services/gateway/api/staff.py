"""`/v1/staff`: staff accounts of the caller's network, managed by network admins."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends

from services.gateway import domain, repository
from services.gateway.schemas import StaffCreate, StaffPage, StaffRead, StaffUpdate
from shared.auth import Principal, require_roles
from shared.db import Tx
from shared.errors import Conflict, Invalid, NotFound
from shared.pagination import Cursor, Limit, decode_cursor, encode_cursor, page_of
from shared.service import problem

router = APIRouter(prefix="/v1/staff", tags=["staff"])

Admin = Annotated[Principal, Depends(require_roles("network_admin"))]

FORBIDDEN = {403: problem("Only network admins manage staff")}


def public(row: dict[str, Any]) -> StaffRead:
    return StaffRead(**{k: v for k, v in row.items() if k in StaffRead.model_fields})


@router.post(
    "",
    status_code=201,
    summary="Create a staff account",
    responses={**FORBIDDEN, 409: problem("The email already names an account")},
)
async def create_staff(body: StaffCreate, tx: Tx, who: Admin) -> StaffRead:
    roles = domain.staff_roles(body.roles)
    domain.check_password_policy(body.password)
    password_hash = await asyncio.to_thread(domain.hash_password, body.password)
    row = await repository.insert_staff(
        tx,
        id=uuid4(),
        network_id=who.network_id,
        email=domain.normalize_email(str(body.email)),
        display_name=body.display_name.strip(),
        password_hash=password_hash,
        roles=roles,
        clinic_ids=sorted(set(body.clinic_ids)),
    )
    if row is None:
        raise Conflict(
            f"{body.email} already has an account.",
            errors=[{"field": "email", "message": "This email already has an account."}],
        )
    return public(row)


@router.get("", summary="Staff accounts of your network, by email", responses=FORBIDDEN)
async def list_staff(tx: Tx, who: Admin, limit: Limit = 50, cursor: Cursor = None) -> StaffPage:
    after = decode_cursor(cursor, 2)
    try:
        position = (after[0], UUID(after[1])) if after else None
    except ValueError as exc:
        raise Invalid("The cursor is not one this API issued.", field="cursor") from exc
    rows = await repository.list_staff(
        tx, network_id=who.network_id, after=position, limit=limit + 1
    )
    items, next_cursor = page_of(rows, limit, lambda r: encode_cursor(r["email"].lower(), r["id"]))
    return StaffPage(items=[public(r) for r in items], next_cursor=next_cursor)


@router.get(
    "/{staff_id}",
    summary="One staff account",
    responses={**FORBIDDEN, 404: problem("No such account in your network")},
)
async def get_staff(staff_id: UUID, tx: Tx, who: Admin) -> StaffRead:
    row = await repository.get_staff(tx, network_id=who.network_id, id=staff_id)
    if row is None:
        raise NotFound(f"No staff account {staff_id} in your network.")
    return public(row)


@router.patch(
    "/{staff_id}",
    summary="Change roles, clinics, name or password; `active: false` deactivates",
    responses={
        **FORBIDDEN,
        404: problem("No such account in your network"),
        409: problem("The change would leave the network without an active admin"),
    },
)
async def update_staff(staff_id: UUID, body: StaffUpdate, tx: Tx, who: Admin) -> StaffRead:
    current = await repository.get_staff(tx, network_id=who.network_id, id=staff_id)
    if current is None:
        raise NotFound(f"No staff account {staff_id} in your network.")
    changes: dict[str, Any] = {}
    if body.display_name is not None:
        changes["display_name"] = body.display_name.strip()
    if body.roles is not None:
        changes["roles"] = domain.staff_roles(body.roles)
    if body.clinic_ids is not None:
        changes["clinic_ids"] = sorted(set(body.clinic_ids))
    if body.active is not None:
        changes["active"] = body.active
    if body.password is not None:
        domain.check_password_policy(body.password)
        changes["password_hash"] = await asyncio.to_thread(domain.hash_password, body.password)
    if not changes:
        return public(current)
    row = await repository.update_staff(tx, network_id=who.network_id, id=staff_id, changes=changes)
    assert row is not None
    if "network_admin" in current["roles"] and current["active"]:
        if await repository.count_active_admins(tx, network_id=who.network_id) == 0:
            raise Conflict(
                "This change would leave your network without an active network admin.",
                errors=[
                    {
                        "field": "roles" if "roles" in changes else "active",
                        "message": "Keep at least one active network admin.",
                    }
                ],
            )
    if changes.get("active") is False or "password_hash" in changes:
        # Deactivation or a password reset ends the person's console sessions (new roles and
        # clinics apply to live sessions at their next page: sessions re-read the account).
        await repository.delete_sessions_of(tx, staff_id=staff_id)
    return public(row)
