"""The consultation rule: a treatment follows a consultation for its indication.

Decisions (the guide's initial consultation: "The practitioner will ask about your medical
history, current health status, and treatment goals" and develops the plan):
- Booking a `treatment` needs a consultation of the patient for the treatment's indication that
  still stands — booked, checked in, in progress or completed; a cancelled or missed one does
  not — and starts before the treatment (a completed one always does: it has been held, and
  nothing is booked in the past). So a new patient's consultation and first session can be
  booked back to back, in one visit to the front desk.
- Starting a `treatment` needs that consultation completed: nothing is injected before the
  medical history is taken. The start is refused (409 `consultation-not-completed`) naming the
  consultation still open, or (422 `consultation-required`) when none stands any more.
- A consultation and a follow-up need nothing before them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from .errors import ConsultationNotCompleted, ConsultationRequired
from .lifecycle import Status
from .treatments import Indication, TreatmentKind

STANDING: frozenset[Status] = frozenset(
    {Status.booked, Status.checked_in, Status.in_progress, Status.completed}
)
"""The statuses of a consultation a treatment may be booked after."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Consultation:
    """One of the patient's consultations, as the rule sees it."""

    id: UUID
    indication: Indication
    status: Status
    starts_at: datetime


def requires_consultation(kind: TreatmentKind) -> bool:
    """Whether this kind follows a consultation for its indication."""
    return kind is TreatmentKind.treatment


def _standing(indication: Indication, consultations: Iterable[Consultation]) -> list[Consultation]:
    """The consultations for `indication` that still stand, earliest first."""
    return sorted(
        (c for c in consultations if c.indication is indication and c.status in STANDING),
        key=lambda c: (c.starts_at, str(c.id)),
    )


def consultation_for_booking(
    *,
    kind: TreatmentKind,
    indication: Indication,
    consultations: Iterable[Consultation],
    starts_at: datetime | None = None,
) -> Consultation | None:
    """The consultation a treatment starting at `starts_at` (any time, when None) is booked
    after: a completed one if there is (it has been held, and nothing is booked in the past),
    else the earliest standing one that starts before it. None for a kind that needs none;
    raises ConsultationRequired when no consultation qualifies."""
    if not requires_consultation(kind):
        return None
    standing = _standing(indication, consultations)
    completed = [c for c in standing if c.status is Status.completed]
    if completed:
        return completed[0]
    ahead = [c for c in standing if starts_at is None or c.starts_at < starts_at]
    if not ahead:
        raise ConsultationRequired(kind=kind.value, indication=indication.value)
    return ahead[0]


def check_startable(
    *, kind: TreatmentKind, indication: Indication, consultations: Iterable[Consultation]
) -> None:
    """Raise unless a treatment may start now: a completed consultation for its indication.

    ConsultationNotCompleted (409) names the earliest consultation still open;
    ConsultationRequired (422) says none stands.
    """
    if not requires_consultation(kind):
        return
    standing = _standing(indication, consultations)
    if any(c.status is Status.completed for c in standing):
        return
    if not standing:
        raise ConsultationRequired(kind=kind.value, indication=indication.value)
    first = standing[0]
    raise ConsultationNotCompleted(
        indication=indication.value,
        consultation_id=first.id,
        consultation_status=first.status.value,
        consultation_starts_at=first.starts_at,
    )
