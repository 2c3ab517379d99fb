"""Event handlers of the formulary service, routed in one registry.

- SessionCompleted → the lot ledger (who received which lot when).
- PatientSafetyProfileChanged → the safety-profile replica the cross-check reads.
- ClinicOpened, ClinicChanged → the network's clinics (a clinic's approved list is for one).

Each runs in a unit of work inside the consumer's transaction with its inbox row
(shared/consumer.py), so a redelivered event has no second effect; the ledger's unique key and
the replicas' version guards hold even for the same facts arriving under another event id.
"""

from __future__ import annotations

from services.formulary.usecases import clinics, profiles, recalls
from shared.consumer import Delivery, Registry
from shared.events.booking import ClinicChanged, ClinicEvent, ClinicOpened, SessionCompleted
from shared.events.records import PatientSafetyProfileChanged
from shared.uow import UnitOfWork


async def on_safety_profile_changed(
    uow: UnitOfWork, event: PatientSafetyProfileChanged, delivery: Delivery
) -> None:
    """Keep the newest version of the patient's safety profile."""
    await profiles.keep_safety_profile(uow, event, delivery.envelope.id)


async def on_session_completed(
    uow: UnitOfWork, event: SessionCompleted, delivery: Delivery
) -> None:
    """Record which patient received which lot when."""
    await recalls.record_session(uow, event, delivery.envelope.id)


async def on_clinic(uow: UnitOfWork, event: ClinicEvent, delivery: Delivery) -> None:
    """Keep the clinic's newest state (opened, or changed)."""
    await clinics.keep_clinic(uow, event, delivery.envelope.id)


HANDLERS: Registry = {
    SessionCompleted: on_session_completed,
    PatientSafetyProfileChanged: on_safety_profile_changed,
    ClinicOpened: on_clinic,
    ClinicChanged: on_clinic,
}
