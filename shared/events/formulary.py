"""Events produced by formulary, on `formulary.lots.v1`, keyed by lot id."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from shared.events.base import Event

TOPIC = "formulary.lots.v1"


class LotEvent(Event):
    topic: ClassVar[str] = TOPIC
    key_field: ClassVar[str] = "lot_id"

    lot_id: UUID
    lot_number: str
    ingredient_code: str
    ingredient_name: str
    supplier: str
    reason: str


class LotRecalled(LotEvent):
    type: ClassVar[str] = "mesocare.formulary.LotRecalled.v1"
    recalled_at: datetime
    recalled_by: str
    exposed_patients: int


class RecalledLotExposure(LotEvent):
    """One patient who received a recalled lot; one event per (lot, patient, session)."""

    type: ClassVar[str] = "mesocare.formulary.RecalledLotExposure.v1"
    patient_id: UUID
    appointment_id: UUID
    administered_at: datetime
    clinic_id: UUID
    practitioner_id: UUID
