"""The network's name and signature in messages."""

from __future__ import annotations

from fastapi import APIRouter

from services.notifications.api.deps import (
    ADMIN_ONLY,
    FORBIDDEN,
    Admin,
    Now,
    ServiceSettings,
    Staff,
)
from services.notifications.schemas import BrandingRead, BrandingUpdate
from services.notifications.usecases import branding
from shared.uow import UnitOfWorkRoute, UoW

router = APIRouter(route_class=UnitOfWorkRoute, tags=["notifications"])


@router.get(
    "/branding", summary="The network's name and signature in messages", responses={403: FORBIDDEN}
)
async def get_branding(who: Staff, uow: UoW, settings: ServiceSettings) -> BrandingRead:
    return await branding.branding(uow, who, default_name=settings.default_network_name)


@router.put(
    "/branding", summary="Set the network's name and signature", responses={403: ADMIN_ONLY}
)
async def put_branding(body: BrandingUpdate, who: Admin, uow: UoW, now: Now) -> BrandingRead:
    return await branding.set_branding(uow, who, body, now=now)
