"""Treatment plans: a course of sessions at an interval, then maintenance sessions.

Decisions:
- The next session is due one interval after the latest completed session (not after the
  planned one): a session taken late pushes the rest of the course back.
- Once the course is done, each next maintenance session is due one maintenance interval after
  the latest session; without a maintenance interval nothing more is due.
- Before the first session there is nothing to count from, so nothing is "due" yet.
- Sessions beyond the course count as maintenance, not as extra course progress.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from shared.errors import Invalid

from .pricing import Money
from .treatments import Indication

MAX_SESSIONS_PLANNED = 52
_DAY = timedelta(days=1)


def _check_days(value: timedelta, *, field: str) -> None:
    if value < _DAY or value % _DAY:
        raise Invalid(f"{field} is a whole number of days, at least one.", field=field)


@dataclass(frozen=True, slots=True, kw_only=True)
class TreatmentPlan:
    id: UUID
    patient_id: UUID
    indication: Indication
    treatment_type_id: UUID
    sessions_planned: int
    interval: timedelta
    maintenance_interval: timedelta | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.sessions_planned <= MAX_SESSIONS_PLANNED:
            raise Invalid(
                f"sessions_planned is 1 to {MAX_SESSIONS_PLANNED}.", field="sessions_planned"
            )
        _check_days(self.interval, field="interval")
        if self.maintenance_interval is not None:
            _check_days(self.maintenance_interval, field="maintenance_interval")


def next_session_due(plan: TreatmentPlan, completed_session_dates: Iterable[date]) -> date | None:
    """The date the next course session is due, then the next maintenance date, else None."""
    dates = list(completed_session_dates)
    if not dates:
        return None
    latest = max(dates)
    if len(dates) < plan.sessions_planned:
        return latest + plan.interval
    if plan.maintenance_interval is not None:
        return latest + plan.maintenance_interval
    return None


@dataclass(frozen=True, slots=True)
class PlanProgress:
    completed: int  # course sessions done, at most `planned`
    planned: int
    maintenance_completed: int

    @property
    def remaining(self) -> int:
        return self.planned - self.completed

    @property
    def course_complete(self) -> bool:
        return self.completed == self.planned

    @property
    def fraction(self) -> float:
        """Course progress from 0.0 to 1.0."""
        return self.completed / self.planned


def _check_count(completed_sessions: int) -> None:
    if completed_sessions < 0:
        raise ValueError("completed_sessions must not be negative")


def plan_progress(plan: TreatmentPlan, completed_sessions: int) -> PlanProgress:
    """How far the course is, given how many sessions of the plan were completed."""
    _check_count(completed_sessions)
    course = min(completed_sessions, plan.sessions_planned)
    return PlanProgress(course, plan.sessions_planned, completed_sessions - course)


@dataclass(frozen=True, slots=True)
class CostEstimate:
    price_per_session: Money
    sessions_remaining: int
    remaining: Money  # what the rest of the course costs
    course_total: Money  # what the whole course costs at today's price


def estimate_cost(plan: TreatmentPlan, *, completed_sessions: int, price: Money) -> CostEstimate:
    """The cost of the remaining course sessions (and of the whole course) at `price` each."""
    progress = plan_progress(plan, completed_sessions)
    return CostEstimate(
        price_per_session=price,
        sessions_remaining=progress.remaining,
        remaining=price.times(progress.remaining),
        course_total=price.times(plan.sessions_planned),
    )
