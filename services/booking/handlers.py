"""Event handlers of the booking service, routed in one registry."""

from __future__ import annotations

from services.booking.usecases import patients
from shared.consumer import Delivery, Registry
from shared.events.records import PatientContactChanged, PatientRegistered
from shared.uow import UnitOfWork


async def on_patient_registered(
    uow: UnitOfWork, event: PatientRegistered, delivery: Delivery
) -> None:
    """Remember that the patient exists, so booking can check ids without calling records."""
    await patients.registered(
        uow,
        network_id=event.network_id,
        patient_id=event.patient_id,
        given_name=event.given_name,
        family_name=event.family_name,
    )


async def on_patient_contact_changed(
    uow: UnitOfWork, event: PatientContactChanged, delivery: Delivery
) -> None:
    """Keep the patient's name as records last told it (calendar feeds show it)."""
    await patients.registered(
        uow,
        network_id=event.network_id,
        patient_id=event.patient_id,
        given_name=event.given_name,
        family_name=event.family_name,
        source="PatientContactChanged",
    )


HANDLERS: Registry = {
    PatientRegistered: on_patient_registered,
    PatientContactChanged: on_patient_contact_changed,
}
