"""What booking's FHIR resources are named by, as pure values: the ids of schedules and slots
(which are not stored: derived, so the same schedule or slot always has the same id) and the
FHIR Appointment.status of each booking status."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import UUID, uuid5

from services.booking.domain.lifecycle import Status

SCHEDULE_NAMESPACE = UUID("5b0c3f52-8a41-4d0e-9b7a-6f1c2d3e4a51")
"""The uuid5 namespace of schedule ids (one schedule per practitioner and clinic)."""

APPOINTMENT_STATUS: dict[Status, str] = {
    Status.booked: "booked",
    # FHIR's Appointment has no in-progress: the patient has arrived until the session is done.
    Status.checked_in: "arrived",
    Status.in_progress: "arrived",
    Status.completed: "fulfilled",
    Status.cancelled: "cancelled",
    Status.no_show: "noshow",
}
"""Booking's statuses as FHIR R4 Appointment.status codes."""

FHIR_APPOINTMENT_STATUSES = frozenset(
    {
        "proposed",
        "pending",
        "booked",
        "arrived",
        "fulfilled",
        "cancelled",
        "noshow",
        "entered-in-error",
        "checked-in",
        "waitlist",
    }
)
"""Every code of FHIR R4's AppointmentStatus value set."""

_SLOT_ID = re.compile(r"^(?P<key>[0-9a-f]{32})-(?P<start>\d{12})$")
_SLOT_START = "%Y%m%d%H%M"


def statuses_of(code: str) -> list[Status] | None:
    """Booking's statuses a FHIR Appointment.status code stands for ([] for a code booking never
    uses); None when the code is not an AppointmentStatus at all."""
    if code not in FHIR_APPOINTMENT_STATUSES:
        return None
    return [status for status, fhir in APPOINTMENT_STATUS.items() if fhir == code]


def schedule_id(practitioner_id: UUID, clinic_id: UUID) -> UUID:
    """The id of a practitioner's schedule at a clinic."""
    return uuid5(SCHEDULE_NAMESPACE, f"{practitioner_id}/{clinic_id}")


def slot_key(schedule: UUID, treatment_type_id: UUID) -> str:
    """What a slot id says of its schedule and treatment type (found again by recomputing it
    for the network's schedules and treatment types, which are few)."""
    return uuid5(schedule, str(treatment_type_id)).hex


def slot_id(schedule: UUID, treatment_type_id: UUID, start: datetime) -> str:
    """A free slot's id: its schedule's and treatment type's key and its start (UTC, to the
    minute), within FHIR's 64 characters."""
    return f"{slot_key(schedule, treatment_type_id)}-{start.astimezone(UTC):{_SLOT_START}}"


def parse_slot_id(value: str) -> tuple[str, datetime] | None:
    """The key and the start a slot id names; None when it is not one `slot_id` makes."""
    found = _SLOT_ID.match(value)
    if found is None:
        return None
    try:
        start = datetime.strptime(found["start"], _SLOT_START).replace(tzinfo=UTC)
    except ValueError:
        return None
    return found["key"], start
