"""Event handlers of the booking service, routed in one registry."""

from __future__ import annotations

from services.booking.usecases import patients
from shared.consumer import Delivery, Registry
from shared.events.records import PatientRegistered
from shared.uow import UnitOfWork


async def on_patient_registered(
    uow: UnitOfWork, event: PatientRegistered, delivery: Delivery
) -> None:
    """Remember that the patient exists, so booking can check ids without calling records."""
    await patients.registered(uow, network_id=event.network_id, patient_id=event.patient_id)


HANDLERS: Registry = {PatientRegistered: on_patient_registered}
