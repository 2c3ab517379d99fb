"""Treatment plans: when the next session is due, progress, and what the rest will cost."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from services.booking.domain import (
    Indication,
    Money,
    TreatmentPlan,
    estimate_cost,
    next_session_due,
    plan_progress,
)
from shared.errors import Invalid

WEEK = timedelta(weeks=1)


def plan(
    sessions: int = 4,
    interval: timedelta = 2 * WEEK,
    maintenance: timedelta | None = timedelta(days=90),
) -> TreatmentPlan:
    return TreatmentPlan(
        id=uuid4(),
        patient_id=uuid4(),
        indication=Indication.hair_loss,
        treatment_type_id=uuid4(),
        sessions_planned=sessions,
        interval=interval,
        maintenance_interval=maintenance,
    )


class TestNextSessionDue:
    def test_during_the_course_it_is_one_interval_after_the_latest_session(self) -> None:
        due = next_session_due(plan(), [date(2026, 1, 5), date(2026, 1, 19)])
        assert due == date(2026, 2, 2)

    def test_a_late_session_pushes_the_next_one_back(self) -> None:
        due = next_session_due(plan(), [date(2026, 1, 5), date(2026, 1, 26)])
        assert due == date(2026, 2, 9)

    def test_the_order_of_the_dates_does_not_matter(self) -> None:
        due = next_session_due(plan(), [date(2026, 1, 19), date(2026, 1, 5)])
        assert due == date(2026, 2, 2)

    def test_after_the_course_the_next_maintenance_session_is_due(self) -> None:
        done = [date(2026, 1, 5) + n * 2 * WEEK for n in range(4)]
        assert next_session_due(plan(), done) == done[-1] + timedelta(days=90)

    def test_maintenance_keeps_following_the_latest_maintenance_session(self) -> None:
        done = [date(2026, 1, 5) + n * 2 * WEEK for n in range(4)] + [date(2026, 6, 1)]
        assert next_session_due(plan(), done) == date(2026, 8, 30)

    def test_nothing_is_due_after_a_course_without_maintenance(self) -> None:
        done = [date(2026, 1, 5) + n * 2 * WEEK for n in range(4)]
        assert next_session_due(plan(maintenance=None), done) is None

    def test_nothing_is_due_before_the_first_session(self) -> None:
        assert next_session_due(plan(), []) is None


class TestProgress:
    def test_progress_counts_course_sessions_against_the_plan(self) -> None:
        progress = plan_progress(plan(sessions=4), 3)
        assert (progress.completed, progress.planned, progress.remaining) == (3, 4, 1)
        assert progress.fraction == 0.75
        assert not progress.course_complete

    def test_sessions_beyond_the_course_count_as_maintenance(self) -> None:
        progress = plan_progress(plan(sessions=4), 6)
        assert (progress.completed, progress.maintenance_completed) == (4, 2)
        assert progress.remaining == 0
        assert progress.course_complete

    def test_a_negative_count_is_a_programming_error(self) -> None:
        with pytest.raises(ValueError):
            plan_progress(plan(), -1)


class TestCostEstimate:
    def test_the_remaining_cost_is_remaining_sessions_times_the_price(self) -> None:
        estimate = estimate_cost(plan(sessions=6), completed_sessions=2, price=Money(35_000, "USD"))
        assert estimate.sessions_remaining == 4
        assert estimate.remaining == Money(140_000, "USD")
        assert estimate.course_total == Money(210_000, "USD")

    def test_a_finished_course_costs_nothing_more(self) -> None:
        estimate = estimate_cost(plan(sessions=3), completed_sessions=5, price=Money(25_000, "EUR"))
        assert estimate.remaining == Money(0, "EUR")


class TestPlanValidation:
    @pytest.mark.parametrize(
        ("field", "kwargs"),
        [
            ("sessions_planned", {"sessions": 0}),
            ("sessions_planned", {"sessions": 53}),
            ("interval", {"interval": timedelta(hours=12)}),
            ("interval", {"interval": timedelta(days=1, hours=1)}),
            ("maintenance_interval", {"maintenance": timedelta(0)}),
        ],
    )
    def test_an_impossible_plan_names_the_field(
        self, field: str, kwargs: dict[str, object]
    ) -> None:
        with pytest.raises(Invalid) as caught:
            plan(**kwargs)  # type: ignore[arg-type]
        assert caught.value.extra["errors"][0]["field"] == field
