"""The network's own choices in booking (one row a network; the defaults until it chooses)."""

from __future__ import annotations

from services.booking import repository
from services.booking.repository import NetworkSettings
from services.booking.schemas import CalendarSettingsSet
from shared.auth import Principal
from shared.uow import UnitOfWork


async def get(uow: UnitOfWork, who: Principal) -> NetworkSettings:
    """The caller's network's settings."""
    return await repository.network_settings(uow.tx, network_id=who.network_id)


async def set_calendar(
    uow: UnitOfWork, who: Principal, cmd: CalendarSettingsSet
) -> NetworkSettings:
    """Whether calendar feeds name patients in full (else by their initials)."""
    return await repository.set_show_patient_names(
        uow.tx, network_id=who.network_id, show=cmd.show_patient_names, by=who.sub
    )
