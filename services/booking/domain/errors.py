"""Every error the booking domain raises, each with a stable problem `type` slug.

The slugs are part of the API contract (RFC 9457 `type`, rendered under PROBLEM_BASE by
shared/errors.py); clients branch on them, so rename one only together with the docs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from uuid import UUID

from shared.errors import Conflict, DomainError, Invalid


def _minutes(span: timedelta) -> str:
    return f"{span.total_seconds() / 60:g} min"


# -- lifecycle ---------------------------------------------------------------------------------


class IllegalTransition(Conflict):
    """The action is not allowed from the appointment's current status (409)."""

    type = "illegal-transition"
    title = "Action not allowed in the appointment's current status"

    def __init__(self, *, current: str, action: str, allowed: Sequence[str]) -> None:
        allowed_text = ", ".join(allowed) if allowed else "none, the appointment is closed"
        super().__init__(
            f"Cannot {action} an appointment that is {current}; "
            f"actions allowed while {current}: {allowed_text}.",
            current_status=current,
            action=action,
            allowed_actions=list(allowed),
        )


# -- request shape (422 validation, naming the field) ------------------------------------------


class EndNotAfterStart(Invalid):
    type = "end-not-after-start"
    title = "End is not after start"

    def __init__(self, detail: str = "end must be after start.", *, field: str = "end") -> None:
        super().__init__(detail, field=field)


class DurationMismatch(Invalid):
    type = "duration-mismatch"
    title = "Duration does not match the treatment type"

    def __init__(self, *, requested: timedelta, expected: timedelta) -> None:
        super().__init__(
            f"The appointment lasts {_minutes(requested)} but the treatment type takes "
            f"{_minutes(expected)}; end must be start + {_minutes(expected)}.",
            field="end",
            expected_minutes=expected.total_seconds() / 60,
        )


class OffGrid(Invalid):
    type = "off-grid"
    title = "Start is not on the clinic's slot grid"

    def __init__(self, *, grid: timedelta, first: str) -> None:
        super().__init__(
            f"Appointments start every {_minutes(grid)} counted from {first} "
            "(the clinic's local time).",
            field="start",
            grid_minutes=grid.total_seconds() / 60,
        )


class StartInPast(Invalid):
    type = "start-in-past"
    title = "Start is in the past"

    def __init__(self) -> None:
        super().__init__("start is in the past.", field="start")


# -- business rules (422) ----------------------------------------------------------------------


class OutsideWorkingHours(DomainError):
    type = "outside-working-hours"
    title = "Outside the practitioner's working hours"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)


class InTimeOff(DomainError):
    type = "practitioner-time-off"
    title = "The practitioner is off at that time"

    def __init__(self, detail: str = "The practitioner is off during that time.") -> None:
        super().__init__(detail)


class LicenceExpired(DomainError):
    type = "licence-expired"
    title = "The practitioner's licence has expired"

    def __init__(self, *, expired_on: date, appointment_date: date) -> None:
        super().__init__(
            f"The practitioner's licence expired on {expired_on.isoformat()}, before the "
            f"appointment date {appointment_date.isoformat()}.",
            licence_expires_on=expired_on.isoformat(),
        )


class PractitionerNotQualified(DomainError):
    type = "practitioner-not-qualified"
    title = "The practitioner does not treat this indication"

    def __init__(self, *, indication: str) -> None:
        super().__init__(
            f"The practitioner is not qualified for {indication}.", indication=indication
        )


class ConsultationRequired(DomainError):
    type = "consultation-required"
    title = "A consultation for the indication is required first"

    def __init__(self, *, kind: str, indication: str) -> None:
        shown = indication.replace("_", " ")
        super().__init__(
            f"A {kind} for {shown} needs a consultation for {shown} booked before it "
            "(booked, checked in, in progress or completed; a cancelled or missed one does "
            "not count).",
            indication=indication,
        )


class PriceNotSet(DomainError):
    type = "price-not-set"
    title = "No price is set for this treatment type at this clinic"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)


# -- conflicts (409) ---------------------------------------------------------------------------


class PractitionerTaken(Conflict):
    """The practitioner already has an active appointment (with its buffer) at that time."""

    type = "practitioner-taken"
    title = "The practitioner is already booked at that time"

    def __init__(
        self, detail: str = "The practitioner already has an appointment at that time."
    ) -> None:
        super().__init__(detail)


class RoomTaken(Conflict):
    """The room already has an active appointment (with its buffer) at that time."""

    type = "room-taken"
    title = "The room is already booked at that time"

    def __init__(self, detail: str = "The room is already booked at that time.") -> None:
        super().__init__(detail)


class ConsultationNotCompleted(Conflict):
    """A treatment starts only after its indication's consultation is completed."""

    type = "consultation-not-completed"
    title = "The consultation must be completed before the treatment starts"

    def __init__(
        self,
        *,
        indication: str,
        consultation_id: UUID,
        consultation_status: str,
        consultation_starts_at: datetime,
    ) -> None:
        shown = indication.replace("_", " ")
        super().__init__(
            f"The consultation for {shown} (appointment {consultation_id}, "
            f"{consultation_status.replace('_', ' ')}) must be completed before the treatment "
            "starts: nothing is injected before the medical history is taken.",
            indication=indication,
            consultation_id=str(consultation_id),
            consultation_status=consultation_status,
            consultation_starts_at=consultation_starts_at.isoformat(),
        )


class DuplicatePrice(Conflict):
    type = "duplicate-price"
    title = "A price for this clinic, treatment type and tier already exists"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
