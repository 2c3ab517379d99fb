"""Request and response models of the booking API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class SkeletonSessionCreate(BaseModel):
    """A completed session, recorded directly (walking skeleton of the event pipeline)."""

    model_config = ConfigDict(extra="forbid")
    patient_id: UUID
    clinic_id: UUID
    practitioner_id: UUID
    areas: list[str] = Field(default_factory=lambda: ["face"], min_length=1)


class SkeletonSessionRead(BaseModel):
    id: UUID
    patient_id: UUID
    clinic_id: UUID
    practitioner_id: UUID
    areas: list[str]
    completed_at: datetime
    completed_by: str
    event_id: UUID | None = None
