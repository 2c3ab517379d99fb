"""What a message says: the template variables of each kind, from its event and the replicas.

Pure: values in, a template context out (a dict of the kind's variables, which is what Jinja
takes). Dates of appointments and sessions are shown on the clinic's wall clock (where the
patient has to be); everything else about timing is done in timing.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.events.base import Event
from shared.events.booking import (
    AppointmentEvent,
    AppointmentRescheduled,
    Deviation,
    SessionCompleted,
)
from shared.events.formulary import RecalledLotExposure
from shared.events.records import AdverseEventReported

from .admin_alerts import AdminAlert
from .aftercare import aftercare_plan
from .kinds import ADMIN_ALERTS, Branding, MessageKind, allowed_variables
from .rendering import format_date, format_local

K = MessageKind
NO_ADDRESS = "ask the clinic for directions"
"""Booking's ClinicRef carries no street address yet; the templates still need a phrase."""


@dataclass(frozen=True, slots=True)
class Scene:
    """Who and where, as the replicas know them when the message goes out."""

    recipient_name: str
    locale: str
    patient_tz: ZoneInfo
    clinic_tz: ZoneInfo
    clinic_name: str
    clinic_phone: str
    network_name: str
    signature: str | None
    patient_name: str
    appointment_starts_at: datetime | None = None
    """The session an adverse event is linked to, when the replica knows it."""
    skin_type: int | None = None
    """The patient's Fitzpatrick skin type, when known: it decides the side effects named."""


def branding(scene: Scene) -> Branding:
    return Branding(
        network_name=scene.network_name,
        clinic_name=scene.clinic_name,
        clinic_phone=scene.clinic_phone,
        signature=scene.signature or f"The {scene.clinic_name} team",
    )


def _when(moment: datetime, scene: Scene) -> tuple[str, str]:
    return format_local(moment, scene.clinic_tz, scene.locale)


def _day(day: date, scene: Scene) -> str:
    return format_date(day, scene.locale)


def _appointment(event: AppointmentEvent, scene: Scene) -> dict[str, Any]:
    day, at = _when(event.starts_at, scene)
    return {
        "appointment_date": day,
        "appointment_time": at,
        "treatment_name": event.treatment_name,
        "practitioner_name": event.practitioner.name,
        "clinic_address": getattr(event.clinic, "address", None) or NO_ADDRESS,
        "duration_minutes": int((event.ends_at - event.starts_at).total_seconds() // 60),
    }


def _plan(event: SessionCompleted) -> dict[str, Any]:
    """What a consultation summary says of the plan agreed; all empty when there is none."""
    plan = event.treatment_plan
    return {
        "plan_treatment_name": plan.treatment_name if plan else None,
        "plan_sessions": plan.sessions_planned if plan else None,
        "plan_interval_days": plan.interval_days if plan else None,
        "plan_maintenance_interval_days": plan.maintenance_interval_days if plan else None,
    }


def _deviation(deviation: Deviation, event: SessionCompleted) -> dict[str, Any]:
    """One deviation as staff read it: the ingredient by name, its lots and every finding."""
    names = {i.ingredient_code: i.ingredient_name for i in event.ingredients}
    code = deviation.ingredient_code
    return {
        "ingredient": (names.get(code) or code) if code else "the whole session",
        "lot_numbers": list(deviation.lot_numbers),
        "findings": [
            {"code": f.code, "reason": f.reason.replace("_", " "), "severity": f.severity}
            for f in deviation.findings
        ],
    }


def _unchecked_administration(event: SessionCompleted, scene: Scene) -> dict[str, Any]:
    day, at = _when(event.completed_at, scene)
    return {
        "patient_name": scene.patient_name,
        "patient_reference": str(event.patient_id),
        "session_date": f"{day} {at}",
        "treatment_name": event.treatment_name,
        "practitioner_name": event.practitioner.name,
        "completed_by": event.completed_by,
        "highest_severity": "contraindicated" if event.contraindicated_deviation else "caution",
        "deviations": [_deviation(d, event) for d in event.deviations],
        "deviation_reason": event.deviation_reason or None,
    }


def context(kind: MessageKind, event: Event | AdminAlert, scene: Scene) -> dict[str, Any]:
    """Every variable `kind` declares (domain.kinds), filled from `event` (or, for an alert to
    the network's admins, the alert's own variables) and `scene`."""
    ctx: dict[str, Any] = {**branding(scene).as_context(), "recipient_name": scene.recipient_name}
    if kind in (K.APPOINTMENT_CONFIRMATION, K.APPOINTMENT_REMINDER, K.APPOINTMENT_CANCELLED):
        assert isinstance(event, AppointmentEvent)
        ctx |= _appointment(event, scene)
    elif kind is K.APPOINTMENT_RESCHEDULED:
        assert isinstance(event, AppointmentRescheduled)
        ctx |= _appointment(event, scene)
        ctx["previous_date"], ctx["previous_time"] = _when(event.previous_starts_at, scene)
    elif kind in (K.AFTERCARE, K.SIDE_EFFECT_CHECKIN):
        assert isinstance(event, SessionCompleted)
        plan = aftercare_plan(event.areas, locale=scene.locale, skin_type=scene.skin_type)
        ctx |= plan.as_context()
        ctx["session_date"] = _when(event.completed_at, scene)[0]
        ctx["practitioner_name"] = event.practitioner.name
    elif kind is K.CONSULTATION_SUMMARY:
        assert isinstance(event, SessionCompleted)
        ctx |= _plan(event) | {
            "session_date": _when(event.completed_at, scene)[0],
            "practitioner_name": event.practitioner.name,
            "treatment_name": event.treatment_name,
        }
    elif kind is K.UNCHECKED_ADMINISTRATION_ALERT:
        assert isinstance(event, SessionCompleted)
        ctx |= _unchecked_administration(event, scene)
    elif kind in (K.NEXT_SESSION_DUE, K.MAINTENANCE_REMINDER):
        assert isinstance(event, SessionCompleted)
        due = event.next_session_due if kind is K.NEXT_SESSION_DUE else event.maintenance_due
        assert due is not None
        ctx |= {
            "due_date": _day(due, scene),
            "treatment_name": event.treatment_name,
            "practitioner_name": event.practitioner.name,
        }
    elif kind is K.ADVERSE_EVENT_ALERT:
        assert isinstance(event, AdverseEventReported)
        onset_day, onset_time = _when(event.onset_at, scene)
        ctx |= {
            "patient_name": scene.patient_name,
            "patient_reference": str(event.patient_id),
            "adverse_event": event.kind.replace("_", " "),
            "severity": event.severity,
            "onset": f"{onset_day} {onset_time}",
            "session_date": (
                _when(scene.appointment_starts_at, scene)[0]
                if scene.appointment_starts_at
                else None
            ),
            "lot_numbers": list(event.lot_numbers),
            "reported_by": event.reported_by,
            "notes": event.description or None,
        }
    elif kind in (K.RECALL_NOTICE_PATIENT, K.RECALL_NOTICE_PRACTITIONER):
        assert isinstance(event, RecalledLotExposure)
        ctx |= {
            "session_date": _when(event.administered_at, scene)[0],
            "product_name": event.ingredient_name,
            "lot_number": event.lot_number,
            "patient_name": scene.patient_name,
            "patient_reference": str(event.patient_id),
            "recall_reason": event.reason,
        }
    elif kind in ADMIN_ALERTS:
        assert isinstance(event, AdminAlert)
        ctx |= {k: v or None for k, v in event.variables.items()}
    # Exactly the kind's variables: a missing one is a bug the renderer reports.
    return {k: v for k, v in ctx.items() if k in allowed_variables(kind)}
