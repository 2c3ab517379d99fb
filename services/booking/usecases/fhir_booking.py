"""Book a free Slot through FHIR (issue 16): `POST /fhir/R4/Appointment` with an Appointment
that names the slot and the patient. The slot gives the practitioner, the clinic, the room
availability offered, the treatment type and the start; the booking is `appointments.book`'s,
the very rules of `POST /v1/appointments`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from services.booking.clients.records import RecordsClient
from services.booking.repository import Appointment
from services.booking.schemas import AppointmentCreate
from services.booking.usecases import appointments
from services.booking.usecases.caller import Caller
from services.booking.usecases.fhir import free_slot, slot_named
from shared.errors import Conflict
from shared.fhir import InvalidResource
from shared.inputs import has_nul
from shared.uow import UnitOfWork

BOOKABLE_STATUSES = frozenset({"booked", "proposed"})
"""The Appointment.status a client may send: either books the slot (booking has no tentative
appointment)."""
MAX_NOTE = 2000
"""As long as `AppointmentCreate.notes` may be."""

_REFERENCE = re.compile(r"^(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})$")


@dataclass(frozen=True, slots=True)
class SlotBooking:
    """What an Appointment resource asks: book this slot for this patient, with a note. The
    other participants it names (practitioner, location) must be the slot's."""

    slot_id: str
    patient_id: UUID
    notes: str | None
    practitioner_ids: frozenset[UUID]
    location_ids: frozenset[UUID]


def _reference(value: Any, element: str) -> tuple[str, str]:
    """The type and id of a relative reference (`{"reference": "Slot/<id>"}`)."""
    text = value.get("reference") if isinstance(value, dict) else None
    found = _REFERENCE.match(text) if isinstance(text, str) else None
    if found is None:
        raise InvalidResource(element, f"{element} must be a reference such as Type/<id>.")
    return found["type"], found["id"]


def _slot_id(resource: dict[str, Any]) -> str:
    slots = resource.get("slot")
    if not isinstance(slots, list) or len(slots) != 1:
        raise InvalidResource(
            "Appointment.slot",
            'Appointment.slot must be one reference: [{"reference": "Slot/<id>"}].',
        )
    resource_type, id = _reference(slots[0], "Appointment.slot")
    if resource_type != "Slot":
        raise InvalidResource("Appointment.slot", "Appointment.slot must reference a Slot.")
    return id


def _actors(resource: dict[str, Any]) -> dict[str, set[UUID]]:
    """The ids of the participants' actors, by resource type."""
    participants = resource.get("participant")
    element = "Appointment.participant"
    if not isinstance(participants, list) or not participants:
        raise InvalidResource(element, f"{element} must list the patient (Patient/<id>).")
    actors: dict[str, set[UUID]] = {}
    for participant in participants:
        actor = participant.get("actor") if isinstance(participant, dict) else None
        resource_type, id = _reference(actor, f"{element}.actor")
        try:
            actors.setdefault(resource_type, set()).add(UUID(id))
        except ValueError:
            raise InvalidResource(
                f"{element}.actor", f"{resource_type}/{id} is not one of this server's ids."
            ) from None
    if len(actors.get("Patient", ())) != 1:
        raise InvalidResource(element, f"{element} must name exactly one Patient.")
    if set(actors) - {"Patient", "Practitioner", "Location"}:
        raise InvalidResource(
            f"{element}.actor", "A participant is the Patient, the Practitioner or the Location."
        )
    return actors


def _notes(resource: dict[str, Any]) -> str | None:
    """The booking's note: the comment, else the description."""
    for name in ("comment", "description"):
        value = resource.get(name)
        if value is None:
            continue
        element = f"Appointment.{name}"
        if not isinstance(value, str) or has_nul(value) or len(value) > MAX_NOTE:
            raise InvalidResource(
                element, f"{element} must be text of at most {MAX_NOTE} characters, with no NUL."
            )
        if value.strip():
            return value
    return None


def slot_booking(resource: dict[str, Any]) -> SlotBooking:
    """What the Appointment asks to book; InvalidResource (400) naming the element at fault."""
    status = resource.get("status")
    if not isinstance(status, str) or status not in BOOKABLE_STATUSES:
        raise InvalidResource(
            "Appointment.status", "Appointment.status must be booked (or proposed)."
        )
    slot_id = _slot_id(resource)
    actors = _actors(resource)
    return SlotBooking(
        slot_id=slot_id,
        patient_id=next(iter(actors["Patient"])),
        notes=_notes(resource),
        practitioner_ids=frozenset(actors.get("Practitioner", ())),
        location_ids=frozenset(actors.get("Location", ())),
    )


async def book_slot(
    uow: UnitOfWork, caller: Caller, records: RecordsClient, booking: SlotBooking
) -> Appointment:
    """Book the slot if it is still free (404: no such slot; 409: no longer free), as
    `POST /v1/appointments` books."""
    who = caller.who
    of, treatment, start = await slot_named(uow, who, booking.slot_id)
    found = await free_slot(uow, who, of, treatment, start)
    if found is None:
        raise Conflict(f"Slot {booking.slot_id} is no longer free.")
    place = of.place
    if booking.practitioner_ids - {place.practitioner_id} or booking.location_ids - {
        place.clinic_id
    }:
        raise InvalidResource(
            "Appointment.participant",
            "The Practitioner and Location participants, when named, are the slot's.",
        )
    cmd = AppointmentCreate(
        clinic_id=place.clinic_id,
        room_id=found.room_id,
        practitioner_id=place.practitioner_id,
        patient_id=booking.patient_id,
        treatment_type_id=treatment.id,
        start=found.start,
        notes=booking.notes,
    )
    return await appointments.book(uow, caller, records, cmd)
