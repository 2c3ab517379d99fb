"""`/v1/staff`: staff accounts of the caller's network, managed by network admins."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from services.gateway.api.deps import Admin
from services.gateway.repository.staff import StaffAccount
from services.gateway.schemas import StaffCreate, StaffPage, StaffRead, StaffUpdate
from services.gateway.usecases import staff
from shared.openapi import Responses, problem
from shared.pagination import Cursor, Limit
from shared.uow import UnitOfWorkRoute, UoW

router = APIRouter(prefix="/v1/staff", tags=["staff"], route_class=UnitOfWorkRoute)

FORBIDDEN: Responses = {403: problem("Only network admins manage staff")}
NO_SUCH: Responses = {404: problem("No such account in your network")}


def read(account: StaffAccount) -> StaffRead:
    return StaffRead.model_validate(account, from_attributes=True)


# Not IdempotentUoW: POST /v1/staff never took an Idempotency-Key, and the gateway keeps no
# answers (POST /v1/clients' holds a secret that must not be stored).
@router.post(
    "",
    status_code=201,
    summary="Create a staff account",
    responses={**FORBIDDEN, 409: problem("The email already names an account")},
)
async def create_staff(body: StaffCreate, who: Admin, uow: UoW) -> StaffRead:
    return read(await staff.create(uow, who, body))


@router.get("", summary="Staff accounts of your network, by email", responses=FORBIDDEN)
async def list_staff(who: Admin, uow: UoW, limit: Limit = 50, cursor: Cursor = None) -> StaffPage:
    items, next_cursor = await staff.page(uow, who, limit=limit, cursor=cursor)
    return StaffPage(items=[read(a) for a in items], next_cursor=next_cursor)


@router.get("/{staff_id}", summary="One staff account", responses={**FORBIDDEN, **NO_SUCH})
async def get_staff(staff_id: UUID, who: Admin, uow: UoW) -> StaffRead:
    return read(await staff.get(uow, who, staff_id))


@router.patch(
    "/{staff_id}",
    summary="Change roles, clinics, name or password; `active: false` deactivates",
    responses={
        **FORBIDDEN,
        **NO_SUCH,
        409: problem("The change would leave the network without an active admin"),
    },
)
async def update_staff(staff_id: UUID, body: StaffUpdate, who: Admin, uow: UoW) -> StaffRead:
    return read(await staff.update(uow, who, staff_id, body))
