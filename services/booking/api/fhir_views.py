"""The use cases' records as FHIR R4 resources (JSON), as `views` makes them response models."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.booking.domain import Status
from services.booking.domain.fhir import APPOINTMENT_STATUS
from services.booking.repository import Appointment, Clinic, Practitioner, TreatmentType
from services.booking.usecases.fhir import (
    APPOINTMENT_TYPE_SYSTEM,
    LICENCE_IDENTIFIER_SYSTEM,
    QUALIFICATION_SYSTEM,
    TREATMENT_TYPE_SYSTEM,
    FreeSlot,
    Schedule,
    network_name,
)
from shared.fhir import instant

Resource = dict[str, Any]

TIMEZONE_EXTENSION = "https://mesocare.dev/fhir/StructureDefinition/timezone"
"""A Location's IANA timezone (valueCode): its slots and hours are local to it."""

APPOINTMENT_TYPES = {
    "consultation": "consultation",
    "treatment": "treatment",
    "follow_up": "follow-up",
}


def _telecom(phone: str | None, email: str | None) -> list[dict[str, str]]:
    return [
        {"system": system, "value": value, "use": "work"}
        for system, value in (("phone", phone), ("email", email))
        if value
    ]


def _with(resource: Resource, **optional: Any) -> Resource:
    """The resource with the optional elements that have a value (FHIR has no empty ones)."""
    return resource | {k: v for k, v in optional.items() if v}


def _reference(resource_type: str, id: UUID, display: str | None = None) -> dict[str, str]:
    return _with({"reference": f"{resource_type}/{id}"}, display=display)


def service_type(treatment_id: UUID, name: str) -> dict[str, Any]:
    return {
        "coding": [{"system": TREATMENT_TYPE_SYSTEM, "code": str(treatment_id), "display": name}]
    }


def appointment_type(kind: str) -> dict[str, Any]:
    code = APPOINTMENT_TYPES[kind]
    return {"coding": [{"system": APPOINTMENT_TYPE_SYSTEM, "code": code}], "text": code}


def organization(network_id: UUID) -> Resource:
    return {
        "resourceType": "Organization",
        "id": str(network_id),
        "active": True,
        "name": network_name(network_id),
    }


def location(c: Clinic) -> Resource:
    return _with(
        {
            "resourceType": "Location",
            "id": str(c.id),
            "extension": [{"url": TIMEZONE_EXTENSION, "valueCode": c.timezone}],
            "status": "active",
            "name": c.name,
            "mode": "instance",
            "address": {"text": c.address},
            "managingOrganization": _reference("Organization", c.network_id),
        },
        telecom=_telecom(c.phone, c.email),
    )


def practitioner(p: Practitioner) -> Resource:
    return _with(
        {
            "resourceType": "Practitioner",
            "id": str(p.id),
            "active": True,
            "name": [{"text": p.name}],
            "qualification": [
                {
                    "identifier": [
                        {"system": LICENCE_IDENTIFIER_SYSTEM, "value": p.licence_number}
                    ],
                    "code": {
                        "coding": [{"system": QUALIFICATION_SYSTEM, "code": "licence"}],
                        "text": "Licence to practise",
                    },
                    "period": {"end": p.licence_expires_on.isoformat()},
                }
            ],
        },
        telecom=_telecom(p.phone, p.email),
    )


def appointment(a: Appointment) -> Resource:
    return _with(
        {
            "resourceType": "Appointment",
            "id": str(a.id),
            "status": APPOINTMENT_STATUS[Status(a.status)],
            "serviceType": [service_type(a.treatment_type_id, a.treatment_name)],
            "appointmentType": appointment_type(a.kind),
            "start": instant(a.starts_at),
            "end": instant(a.ends_at),
            "minutesDuration": int((a.ends_at - a.starts_at).total_seconds() // 60),
            "created": instant(a.created_at),
            "participant": [
                {
                    "actor": _reference("Patient", a.patient_id),
                    "required": "required",
                    "status": "accepted",
                },
                {
                    "actor": _reference("Practitioner", a.practitioner_id, a.practitioner_name),
                    "required": "required",
                    "status": "accepted",
                },
                {
                    "actor": _reference("Location", a.clinic_id, a.clinic_name),
                    "required": "required",
                    "status": "accepted",
                },
            ],
        },
        cancelationReason={"text": a.cancel_reason} if a.cancel_reason else None,
    )


def schedule(s: Schedule) -> Resource:
    place = s.place
    return {
        "resourceType": "Schedule",
        "id": str(s.id),
        "active": True,
        "actor": [
            _reference("Practitioner", place.practitioner_id, place.practitioner_name),
            _reference("Location", place.clinic_id, place.clinic_name),
        ],
        "comment": f"{place.practitioner_name} at {place.clinic_name}",
    }


def slot(s: FreeSlot) -> Resource:
    treatment: TreatmentType = s.treatment
    return {
        "resourceType": "Slot",
        "id": s.id,
        "serviceType": [service_type(treatment.id, treatment.name)],
        "appointmentType": appointment_type(treatment.kind),
        "schedule": {"reference": f"Schedule/{s.schedule.id}"},
        "status": "free",
        "start": instant(s.start),
        "end": instant(s.end),
    }
