"""The safety-profile replica's SQL: records' PatientSafetyProfileChanged, newest version kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict
from uuid import UUID

from services.formulary.domain import (
    Allergy,
    AllergySeverity,
    AllergyStatus,
    Medication,
    SafetyProfile,
)
from shared.db import Transaction


class _StoredAllergy(TypedDict):
    """An allergy as the `allergies` JSON column holds it (a missing status reads as active)."""

    code: str
    reaction: NotRequired[str | None]
    severity: str
    status: NotRequired[str]


class _StoredMedication(TypedDict):
    """A medication as the `medications` JSON column holds it."""

    name: str
    classes: NotRequired[list[str]]


def _profile(row: Mapping[str, Any]) -> SafetyProfile:
    allergies: list[_StoredAllergy] = row["allergies"]
    medications: list[_StoredMedication] = row["medications"]
    return SafetyProfile(
        patient_id=row["patient_id"],
        version=row["version"],
        fitzpatrick_skin_type=row["fitzpatrick_skin_type"],
        allergies=tuple(
            Allergy(
                code=a["code"],
                reaction=a.get("reaction") or "",
                severity=AllergySeverity(a["severity"]),
                status=AllergyStatus(a.get("status", "active")),
            )
            for a in allergies
        ),
        conditions=frozenset(row["conditions"]),
        medications=tuple(
            Medication(m["name"], frozenset(m.get("classes", ()))) for m in medications
        ),
    )


async def get_profile(
    tx: Transaction, *, network_id: UUID, patient_id: UUID
) -> SafetyProfile | None:
    """The replica's profile of the patient; None until records has sent one."""
    row = await tx.fetchrow(
        "SELECT * FROM safety_profiles WHERE network_id = $1 AND patient_id = $2",
        network_id,
        patient_id,
    )
    return _profile(row) if row is not None else None


async def stored_profile_version(
    tx: Transaction, *, network_id: UUID, patient_id: UUID
) -> int | None:
    """The replica's version for the patient, row-locked until the transaction ends."""
    version: int | None = await tx.fetchval(
        "SELECT version FROM safety_profiles WHERE network_id = $1 AND patient_id = $2 FOR UPDATE",
        network_id,
        patient_id,
    )
    return version


async def store_profile(
    tx: Transaction, *, network_id: UUID, profile: SafetyProfile, event_id: UUID
) -> bool:
    """Keep `profile` unless a version at least as new is stored (guards concurrent writers)."""
    allergies = [
        _StoredAllergy(
            code=a.code, reaction=a.reaction, severity=str(a.severity), status=str(a.status)
        )
        for a in profile.allergies
    ]
    medications = [
        _StoredMedication(name=m.name, classes=sorted(m.classes)) for m in profile.medications
    ]
    stored = await tx.fetchval(
        """INSERT INTO safety_profiles (network_id, patient_id, version, fitzpatrick_skin_type,
               allergies, conditions, medications, event_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (network_id, patient_id) DO UPDATE SET
               version = EXCLUDED.version,
               fitzpatrick_skin_type = EXCLUDED.fitzpatrick_skin_type,
               allergies = EXCLUDED.allergies, conditions = EXCLUDED.conditions,
               medications = EXCLUDED.medications, event_id = EXCLUDED.event_id,
               received_at = now()
           WHERE safety_profiles.version < EXCLUDED.version
           RETURNING true""",
        network_id,
        profile.patient_id,
        profile.version,
        profile.fitzpatrick_skin_type,
        allergies,
        sorted(profile.conditions),
        medications,
        event_id,
    )
    return bool(stored)
