"""The replica of patients' safety profiles the cross-check reads, from records' events."""

from __future__ import annotations

import logging
from uuid import UUID

from services.formulary import repository
from services.formulary.domain import (
    Allergy,
    AllergySeverity,
    AllergyStatus,
    Medication,
    SafetyProfile,
    supersedes_stored_profile,
)
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
    """Records' safety profile as the engine knows it."""
    return SafetyProfile(
        patient_id=event.patient_id,
        version=event.version,
        fitzpatrick_skin_type=event.fitzpatrick_skin_type,
        allergies=tuple(allergy_of(a) for a in event.allergies),
        conditions=frozenset(event.conditions),
        medications=tuple(Medication(m.name, frozenset(m.classes)) for m in event.medications),
    )


async def keep_safety_profile(
    uow: UnitOfWork, event: PatientSafetyProfileChanged, event_id: UUID
) -> bool:
    """Keep the newest version; an older or repeated one arriving late is ignored (False)."""
    stored = await repository.stored_profile_version(
        uow.tx, network_id=event.network_id, patient_id=event.patient_id
    )
    if not supersedes_stored_profile(incoming_version=event.version, stored_version=stored):
        log.info(
            "older safety profile ignored",
            extra={"patient_id": str(event.patient_id), "version": event.version},
        )
        return False
    return await repository.store_profile(
        uow.tx, network_id=event.network_id, profile=profile_of(event), event_id=event_id
    )
