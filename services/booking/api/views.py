"""Rows to response models and to the references events carry."""

from __future__ import annotations

from typing import Any

from services.booking.domain import Status, allowed_actions
from services.booking.schemas import (
    AppointmentRead,
    ClinicRead,
    MoneyRead,
    PractitionerRead,
    PriceRead,
    RoomRead,
    TimeOffRead,
    TreatmentTypeRead,
)
from shared.events.booking import ClinicRef, PractitionerRef


def clinic(row: dict[str, Any]) -> ClinicRead:
    return ClinicRead.model_validate(row)


def room(row: dict[str, Any]) -> RoomRead:
    return RoomRead.model_validate(row)


def practitioner(row: dict[str, Any]) -> PractitionerRead:
    return PractitionerRead.model_validate(row)


def treatment_type(row: dict[str, Any]) -> TreatmentTypeRead:
    return TreatmentTypeRead.model_validate(row)


def price(row: dict[str, Any]) -> PriceRead:
    return PriceRead.model_validate(row)


def time_off(row: dict[str, Any]) -> TimeOffRead:
    return TimeOffRead(
        id=row["id"],
        practitioner_id=row["practitioner_id"],
        start=row["starts_at"],
        end=row["ends_at"],
        reason=row["reason"],
    )


def appointment(row: dict[str, Any]) -> AppointmentRead:
    status = Status(row["status"])
    return AppointmentRead(
        id=row["id"],
        clinic_id=row["clinic_id"],
        room_id=row["room_id"],
        practitioner_id=row["practitioner_id"],
        patient_id=row["patient_id"],
        treatment_type_id=row["treatment_type_id"],
        treatment_plan_id=row["treatment_plan_id"],
        kind=row["kind"],
        indication=row["indication"],
        status=status,
        allowed_actions=[a.path for a in allowed_actions(status)],
        start=row["starts_at"],
        end=row["ends_at"],
        occupied_until=row["occupied_until"],
        price=(
            MoneyRead(amount_minor=row["price_minor"], currency=row["currency"])
            if row["price_minor"] is not None
            else None
        ),
        notes=row["notes"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        checked_in_at=row["checked_in_at"],
        started_at=row["started_at"],
        started_by=row["started_by"],
        cross_check=row["cross_check"],
        cross_checks=row.get("checks") or [],
        acknowledgement=row["acknowledgement"],
        completed_at=row["completed_at"],
        completed_by=row["completed_by"],
        completion=row["completion"],
        cancelled_at=row["cancelled_at"],
        cancelled_by=row["cancelled_by"],
        cancel_reason=row["cancel_reason"],
    )


def clinic_ref(row: dict[str, Any]) -> ClinicRef:
    """From an appointment row (joined with its clinic)."""
    return ClinicRef(
        clinic_id=row["clinic_id"],
        name=row["clinic_name"],
        timezone=row["clinic_timezone"],
        phone=row["clinic_phone"],
        email=row["clinic_email"],
    )


def practitioner_ref(row: dict[str, Any]) -> PractitionerRef:
    return PractitionerRef(
        practitioner_id=row["practitioner_id"],
        name=row["practitioner_name"],
        email=row["practitioner_email"],
        phone=row["practitioner_phone"],
    )


def event_facts(row: dict[str, Any]) -> dict[str, Any]:
    """The fields every appointment event carries, from an appointment row."""
    completion = row.get("completion") or {}
    areas = completion.get("areas") or row["treatment_areas"]
    return {
        "network_id": row["network_id"],
        "appointment_id": row["id"],
        "patient_id": row["patient_id"],
        "clinic": clinic_ref(row),
        "practitioner": practitioner_ref(row),
        "room_id": row["room_id"],
        "treatment_type_id": row["treatment_type_id"],
        "treatment_name": row["treatment_name"],
        "kind": row["kind"],
        "indication": row["indication"],
        "areas": list(areas),
        "starts_at": row["starts_at"],
        "ends_at": row["ends_at"],
    }
