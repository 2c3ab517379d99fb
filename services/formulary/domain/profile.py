"""The patient's safety profile, as the replica of records' PatientSafetyProfileChanged holds it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from services.formulary.domain.codes import AllergySeverity, AllergyStatus
from services.formulary.domain.errors import InvalidSafetyProfile

# ---------------------------------------------------------------------------------------------
# The patient's safety profile (a replica of records' PatientSafetyProfileChanged)


@dataclass(frozen=True, slots=True)
class Allergy:
    """An allergy to an ingredient code or to an allergen class code.

    Only active allergies count. The severity is quoted in the explanation but never softens a
    finding: the check fails towards safety. A code that is neither in the catalog nor a known
    class (say "penicillin") concerns no ingredient the formulary has, and flags nothing.
    """

    code: str
    reaction: str
    severity: AllergySeverity
    status: AllergyStatus = AllergyStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class Medication:
    name: str
    classes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SafetyProfile:
    """What records knows about a patient's safety; `version` orders the replica's updates.

    An unrecorded skin type (None) is not assumed light: pigmentation-risk ingredients then get
    a `skin_type_risk` caution asking for it.
    """

    patient_id: UUID
    version: int
    fitzpatrick_skin_type: int | None
    allergies: tuple[Allergy, ...] = ()
    conditions: frozenset[str] = frozenset()
    medications: tuple[Medication, ...] = ()

    def __post_init__(self) -> None:
        skin_type = self.fitzpatrick_skin_type
        if skin_type is not None and not 1 <= skin_type <= 6:
            raise InvalidSafetyProfile(
                "Fitzpatrick skin type is 1 to 6 (I to VI).", field="fitzpatrick_skin_type"
            )


def supersedes_stored_profile(*, incoming_version: int, stored_version: int | None) -> bool:
    """Whether an arriving profile replaces the replica's; a late older or repeated one does not."""
    return stored_version is None or incoming_version > stored_version
