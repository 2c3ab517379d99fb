"""The network's name and signature in its messages."""

from __future__ import annotations

from datetime import datetime

from services.notifications import repository
from services.notifications.schemas import BrandingRead, BrandingUpdate
from shared.auth import Principal
from shared.uow import UnitOfWork


async def branding(uow: UnitOfWork, who: Principal, *, default_name: str) -> BrandingRead:
    """The network's branding; `default_name` and no signature until it sets its own."""
    found = await repository.get_branding(uow.tx, who.network_id)
    if found is None:
        return BrandingRead(network_name=default_name)
    return _read(found)


async def set_branding(
    uow: UnitOfWork, who: Principal, change: BrandingUpdate, *, now: datetime
) -> BrandingRead:
    """Set the network's name and signature."""
    stored = await repository.put_branding(
        uow.tx,
        network_id=who.network_id,
        network_name=change.network_name,
        signature=change.signature,
        now=now,
        by=who.sub,
    )
    return _read(stored)


def _read(branding: repository.NetworkBranding) -> BrandingRead:
    return BrandingRead(
        network_name=branding.network_name,
        signature=branding.signature,
        updated_at=branding.updated_at,
    )
