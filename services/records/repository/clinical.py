"""The clinical parts of the chart: the safety profile and the medical history, each written
whole and compare-and-set on its version, with every version kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from services.records.domain import HistoryContent, JsonObject, ProfileContent
from shared.db import Transaction, record_of, records_of

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class SafetyProfile:
    """The current safety profile of a patient (version 1 is written at registration)."""

    patient_id: UUID
    network_id: UUID
    version: int
    fitzpatrick_skin_type: int | None
    allergies: list[JsonObject]
    conditions: list[JsonObject]
    medications: list[JsonObject]
    updated_at: datetime
    updated_by: str

    @property
    def content(self) -> ProfileContent:
        return ProfileContent(
            self.fitzpatrick_skin_type, self.allergies, self.conditions, self.medications
        )


@dataclass(frozen=True, slots=True)
class ProfileVersion:
    """One version of a safety profile, as it was recorded."""

    version: int
    fitzpatrick_skin_type: int | None
    allergies: list[JsonObject]
    conditions: list[JsonObject]
    medications: list[JsonObject]
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True, slots=True)
class MedicalHistory:
    """The current medical history and treatment goals of a patient."""

    patient_id: UUID
    network_id: UUID
    version: int
    medical_history: str
    treatment_goals: str
    indications: list[str]
    areas: list[str]
    consultation_appointment_id: UUID | None
    updated_at: datetime
    updated_by: str

    @property
    def content(self) -> HistoryContent:
        return HistoryContent(
            self.medical_history,
            self.treatment_goals,
            self.indications,
            self.areas,
            self.consultation_appointment_id,
        )


async def _current(
    tx: Transaction, record: type[R], table: str, network_id: UUID, patient_id: UUID
) -> R | None:
    """The patient's current row of `table` (a profile or a history), None when there is none."""
    row = await tx.fetchrow(
        f"SELECT * FROM {table} WHERE network_id = $1 AND patient_id = $2", network_id, patient_id
    )
    return record_of(record, row)


# ---------------------------------------------------------------------------------------------
# Safety profile

_PROFILE_COLUMNS = "fitzpatrick_skin_type, allergies, conditions, medications"


def _profile_values(content: ProfileContent) -> tuple[object, ...]:
    """The profile's values, in the order of `_PROFILE_COLUMNS`."""
    return content.fitzpatrick_skin_type, content.allergies, content.conditions, content.medications


async def insert_profile(
    tx: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID,
    content: ProfileContent,
    at: datetime,
    by: str,
) -> None:
    """The first version of a profile (version 1, written at registration)."""
    await tx.execute(
        f"""INSERT INTO safety_profiles (patient_id, network_id, version, {_PROFILE_COLUMNS},
                                         updated_at, updated_by)
            VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8)""",
        patient_id,
        network_id,
        *_profile_values(content),
        at,
        by,
    )
    await _insert_profile_version(tx, network_id, patient_id, 1, content, at, by)


async def _insert_profile_version(
    tx: Transaction,
    network_id: UUID,
    patient_id: UUID,
    version: int,
    content: ProfileContent,
    at: datetime,
    by: str,
) -> None:
    await tx.execute(
        f"""INSERT INTO safety_profile_versions (patient_id, network_id, version,
                {_PROFILE_COLUMNS}, recorded_at, recorded_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        patient_id,
        network_id,
        version,
        *_profile_values(content),
        at,
        by,
    )


async def get_profile(
    tx: Transaction, *, network_id: UUID, patient_id: UUID
) -> SafetyProfile | None:
    return await _current(tx, SafetyProfile, "safety_profiles", network_id, patient_id)


async def replace_profile(
    tx: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID,
    expected_version: int,
    content: ProfileContent,
    at: datetime,
    by: str,
) -> int | None:
    """Compare-and-set: the new version, or None when `expected_version` is not current."""
    version: int | None = await tx.fetchval(
        """UPDATE safety_profiles
           SET version = version + 1, fitzpatrick_skin_type = $4, allergies = $5,
               conditions = $6, medications = $7, updated_at = $8, updated_by = $9
           WHERE network_id = $1 AND patient_id = $2 AND version = $3
           RETURNING version""",
        network_id,
        patient_id,
        expected_version,
        *_profile_values(content),
        at,
        by,
    )
    if version is not None:
        await _insert_profile_version(tx, network_id, patient_id, version, content, at, by)
    return version


async def profile_versions(
    tx: Transaction, *, network_id: UUID, patient_id: UUID
) -> list[ProfileVersion]:
    rows = await tx.fetch(
        f"""SELECT version, {_PROFILE_COLUMNS}, recorded_at, recorded_by
            FROM safety_profile_versions WHERE network_id = $1 AND patient_id = $2
            ORDER BY version""",
        network_id,
        patient_id,
    )
    return records_of(ProfileVersion, rows)


# ---------------------------------------------------------------------------------------------
# Medical history

_HISTORY_COLUMNS = (
    "medical_history, treatment_goals, indications, areas, consultation_appointment_id"
)


async def get_medical_history(
    tx: Transaction, *, network_id: UUID, patient_id: UUID
) -> MedicalHistory | None:
    return await _current(tx, MedicalHistory, "medical_histories", network_id, patient_id)


async def put_medical_history(
    tx: Transaction,
    *,
    network_id: UUID,
    patient_id: UUID,
    expected_version: int,
    content: HistoryContent,
    at: datetime,
    by: str,
) -> int | None:
    """Compare-and-set from `expected_version` (0: none yet); the new version or None."""
    values = (
        content.medical_history,
        content.treatment_goals,
        content.indications,
        content.areas,
        content.consultation_appointment_id,
    )
    version: int | None
    if expected_version == 0:
        version = await tx.fetchval(
            f"""INSERT INTO medical_histories (patient_id, network_id, version,
                    {_HISTORY_COLUMNS}, updated_at, updated_by)
                VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (patient_id) DO NOTHING RETURNING version""",
            patient_id,
            network_id,
            *values,
            at,
            by,
        )
    else:
        version = await tx.fetchval(
            """UPDATE medical_histories
               SET version = version + 1, medical_history = $4, treatment_goals = $5,
                   indications = $6, areas = $7, consultation_appointment_id = $8,
                   updated_at = $9, updated_by = $10
               WHERE network_id = $1 AND patient_id = $2 AND version = $3
               RETURNING version""",
            network_id,
            patient_id,
            expected_version,
            *values,
            at,
            by,
        )
    if version is not None:
        await tx.execute(
            f"""INSERT INTO medical_history_versions (patient_id, network_id, version,
                    {_HISTORY_COLUMNS}, recorded_at, recorded_by)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
            patient_id,
            network_id,
            version,
            *values,
            at,
            by,
        )
    return version
