"""The network's clinics, as booking announces them: a clinic's approved list is only for one."""

from __future__ import annotations

import logging
from uuid import UUID

from services.formulary import repository
from services.formulary.repository import KnownClinic
from shared.errors import NotFound
from shared.events.booking import ClinicEvent
from shared.uow import UnitOfWork

log = logging.getLogger("mesocare.formulary.handlers")


async def keep_clinic(uow: UnitOfWork, event: ClinicEvent, event_id: UUID) -> bool:
    """Keep the clinic's newest state; an older one arriving late is ignored (False)."""
    kept = await repository.store_clinic(
        uow.tx,
        KnownClinic(
            network_id=event.network_id,
            clinic_id=event.clinic_id,
            name=event.name,
            timezone=event.timezone,
            currency=event.currency,
            changed_at=event.changed_at,
        ),
        event_id=event_id,
    )
    if not kept:
        log.info("older clinic state ignored", extra={"clinic_id": str(event.clinic_id)})
    return kept


async def require_known(uow: UnitOfWork, network_id: UUID, clinic_id: UUID) -> KnownClinic:
    """The network's clinic; NotFound (404) for a clinic booking has not announced to formulary
    — another network's, one that does not exist, or one created a moment ago whose
    `ClinicOpened` is still on its way."""
    clinic = await repository.get_clinic(uow.tx, network_id=network_id, clinic_id=clinic_id)
    if clinic is None:
        raise NotFound(
            f"No clinic {clinic_id} in your network (a clinic created in booking a moment ago "
            "is known here once its ClinicOpened event has arrived; try again shortly)."
        )
    return clinic
