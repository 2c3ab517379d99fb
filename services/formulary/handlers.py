"""Event handlers of the formulary service, routed in one registry.

- SessionCompleted → the lot ledger (who received which lot when).
- PatientSafetyProfileChanged → the safety-profile replica the cross-check reads.

Each runs in one transaction with its inbox row (shared/consumer.py), so a redelivered event
has no second effect; the ledger's unique key and the replica's version guard hold even for
the same facts arriving under another event id.
"""

from __future__ import annotations

import logging

from services.formulary import recalls, repository
from services.formulary.domain import (
    Allergy,
    AllergySeverity,
    AllergyStatus,
    Medication,
    SafetyProfile,
    supersedes_stored_profile,
)
from shared.consumer import Delivery, Registry
from shared.events.booking import SessionCompleted
from shared.events.records import AllergyFact, PatientSafetyProfileChanged
from shared.uow import UnitOfWork

log = logging.getLogger("mesocare.formulary.handlers")

_SEVERITY = {
    "mild": AllergySeverity.MILD,
    "moderate": AllergySeverity.MODERATE,
    "severe": AllergySeverity.SEVERE,
    # The engine's gravest allergy severity; the reaction keeps the word for the practitioner.
    "anaphylaxis": AllergySeverity.SEVERE,
}


def allergy_of(fact: AllergyFact) -> Allergy:
    """Records' allergy as the engine knows it: anaphylaxis is severe, and said in the reaction."""
    reaction = (fact.reaction or "").strip()
    if fact.severity == "anaphylaxis" and "anaphyla" not in reaction.lower():
        reaction = f"anaphylaxis; {reaction}" if reaction else "anaphylaxis"
    return Allergy(
        code=fact.code,
        reaction=reaction,
        severity=_SEVERITY[fact.severity],
        status=AllergyStatus(fact.status),
    )


def profile_of(event: PatientSafetyProfileChanged) -> SafetyProfile:
    return SafetyProfile(
        patient_id=event.patient_id,
        version=event.version,
        fitzpatrick_skin_type=event.fitzpatrick_skin_type,
        allergies=tuple(allergy_of(a) for a in event.allergies),
        conditions=frozenset(event.conditions),
        medications=tuple(Medication(m.name, frozenset(m.classes)) for m in event.medications),
    )


async def on_safety_profile_changed(
    uow: UnitOfWork, event: PatientSafetyProfileChanged, delivery: Delivery
) -> None:
    """Keep the newest version; an older or repeated one arriving late is ignored."""
    tx = uow.tx
    stored = await repository.stored_profile_version(
        tx, network_id=event.network_id, patient_id=event.patient_id
    )
    if not supersedes_stored_profile(incoming_version=event.version, stored_version=stored):
        log.info(
            "older safety profile ignored",
            extra={"patient_id": str(event.patient_id), "version": event.version},
        )
        return
    await repository.store_profile(
        tx, network_id=event.network_id, profile=profile_of(event), event_id=delivery.envelope.id
    )


async def on_session_completed(
    uow: UnitOfWork, event: SessionCompleted, delivery: Delivery
) -> None:
    """Record which patient received which lot when."""
    tx = uow.tx
    await recalls.record_session(tx, event, delivery.envelope.id)


HANDLERS: Registry = {
    SessionCompleted: on_session_completed,
    PatientSafetyProfileChanged: on_safety_profile_changed,
}
