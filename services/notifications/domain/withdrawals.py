"""When a scheduled message no longer applies and is withdrawn instead of sent.

Checked twice: when an event changes the appointment (the handler withdraws what is pending), and
again when the message falls due (the dispatcher looks at the replicas as they are by then), so
an event that arrives late or out of order still cannot send a notice that became wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from types import MappingProxyType
from uuid import UUID

from .kinds import MessageKind

_K = MessageKind

APPOINTMENT_NOTICES = (
    _K.APPOINTMENT_CONFIRMATION,
    _K.APPOINTMENT_REMINDER,
    _K.APPOINTMENT_RESCHEDULED,
)
"""What speaks of an appointment still to come: wrong once it is cancelled, missed or held, and
(all but the new rescheduled notice) once it moves."""

BOOKING_REMINDERS = (_K.NEXT_SESSION_DUE, _K.MAINTENANCE_REMINDER)
"""What asks the patient to book their next session: pointless once it is booked."""

APPOINTMENT_OVER: Mapping[str, str] = MappingProxyType(
    {
        "cancelled": "appointment cancelled",
        "no_show": "appointment missed (no-show)",
        "completed": "session completed",
    }
)
"""Appointment statuses after which its notices no longer apply, with the reason recorded."""


def notice_withdrawn(
    kind: MessageKind, status: str, starts_at: datetime, noticed_start: datetime
) -> str | None:
    """Why a notice of an appointment (now `status`, at `starts_at`) no longer applies, if it
    doesn't; `noticed_start` is the start the notice was scheduled for."""
    if status in APPOINTMENT_OVER:
        return APPOINTMENT_OVER[status]
    if kind is _K.APPOINTMENT_REMINDER and starts_at != noticed_start:
        return "appointment moved; a new reminder was scheduled"
    return None


def next_session_booked(appointment_id: UUID, day: date, status: str) -> str:
    """Why a reminder to book the next session is withdrawn: that session is booked (or held)."""
    return f"next_session_booked: appointment {appointment_id} on {day.isoformat()} is {status}"
