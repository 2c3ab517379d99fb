"""The appointment state machine: what staff can do to an appointment, and what it becomes."""

from __future__ import annotations

import itertools

import pytest

from services.booking.domain import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    Action,
    IllegalTransition,
    Status,
    allowed_actions,
    next_status,
)
from shared.errors import Conflict

# Written out independently of the module's table, from the rules.
LEGAL = {
    (Status.booked, Action.reschedule): Status.booked,
    (Status.booked, Action.check_in): Status.checked_in,
    (Status.booked, Action.cancel): Status.cancelled,
    (Status.booked, Action.no_show): Status.no_show,
    (Status.checked_in, Action.start): Status.in_progress,
    (Status.checked_in, Action.cancel): Status.cancelled,
    (Status.checked_in, Action.no_show): Status.no_show,
    (Status.in_progress, Action.cross_check): Status.in_progress,
    (Status.in_progress, Action.complete): Status.completed,
}
ILLEGAL = [pair for pair in itertools.product(Status, Action) if pair not in LEGAL]


class TestLegalTransitions:
    @pytest.mark.parametrize(("current", "action"), list(LEGAL), ids=str)
    def test_each_allowed_action_leads_to_its_status(self, current: Status, action: Action) -> None:
        assert next_status(current, action) is LEGAL[(current, action)]

    def test_the_happy_path_runs_from_booked_to_completed(self) -> None:
        status = Status.booked
        for action in (Action.reschedule, Action.check_in, Action.start, Action.complete):
            status = next_status(status, action)
        assert status is Status.completed

    def test_allowed_actions_are_exactly_the_legal_ones(self) -> None:
        for status in Status:
            expected = {action for (s, action) in LEGAL if s is status}
            assert set(allowed_actions(status)) == expected


class TestIllegalTransitions:
    @pytest.mark.parametrize(("current", "action"), ILLEGAL, ids=str)
    def test_every_other_pair_is_a_409(self, current: Status, action: Action) -> None:
        with pytest.raises(IllegalTransition) as caught:
            next_status(current, action)
        assert isinstance(caught.value, Conflict)
        assert caught.value.status == 409

    def test_starting_a_booked_appointment_says_it_is_booked_and_what_is_allowed(self) -> None:
        with pytest.raises(IllegalTransition) as caught:
            next_status(Status.booked, Action.start)
        problem = caught.value.to_problem()
        assert problem["type"].endswith("/illegal-transition")
        assert problem["current_status"] == "booked"
        assert problem["action"] == "start"
        assert set(problem["allowed_actions"]) == {"check-in", "reschedule", "cancel", "no-show"}
        assert "booked" in problem["detail"] and "check-in" in problem["detail"]

    def test_rescheduling_a_checked_in_appointment_is_refused(self) -> None:
        with pytest.raises(IllegalTransition, match="checked_in"):
            next_status(Status.checked_in, Action.reschedule)

    def test_a_closed_appointment_allows_no_action_and_says_so(self) -> None:
        with pytest.raises(IllegalTransition) as caught:
            next_status(Status.cancelled, Action.check_in)
        assert caught.value.extra["allowed_actions"] == []
        assert "closed" in caught.value.detail


class TestWhatOccupiesTheCalendar:
    def test_booked_checked_in_in_progress_and_completed_occupy_it(self) -> None:
        assert ACTIVE_STATUSES == {
            Status.booked,
            Status.checked_in,
            Status.in_progress,
            Status.completed,
        }

    def test_cancelled_and_no_show_free_the_slot(self) -> None:
        assert Status.cancelled not in ACTIVE_STATUSES
        assert Status.no_show not in ACTIVE_STATUSES

    def test_completed_cancelled_and_no_show_are_final(self) -> None:
        assert FINAL_STATUSES == {Status.completed, Status.cancelled, Status.no_show}


class TestActionPaths:
    def test_actions_map_to_their_url_segments_and_back(self) -> None:
        assert Action.check_in.path == "check-in"
        assert Action.from_path("no-show") is Action.no_show
        assert {a.path for a in Action} == {
            "reschedule",
            "cancel",
            "check-in",
            "start",
            "cross-check",
            "complete",
            "no-show",
        }

    def test_an_unknown_segment_is_not_an_action(self) -> None:
        with pytest.raises(ValueError):
            Action.from_path("teleport")
