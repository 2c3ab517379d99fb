"""Event handlers of the booking service, routed in one registry."""

from __future__ import annotations

from services.booking import repository
from shared.consumer import Delivery, Registry
from shared.db import Transaction
from shared.events.records import PatientRegistered


async def on_patient_registered(
    tx: Transaction, event: PatientRegistered, delivery: Delivery
) -> None:
    """Remember that the patient exists, so booking can check ids without calling records."""
    await repository.remember_patient(
        tx, network_id=event.network_id, patient_id=event.patient_id, source="PatientRegistered"
    )


HANDLERS: Registry = {PatientRegistered: on_patient_registered}
