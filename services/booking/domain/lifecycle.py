"""The appointment state machine.

    booked ──check_in──► checked_in ──start──► in_progress ──complete──► completed
                                                  └─cross_check─┘ (a changed plan, re-checked)
      │ ▲                   │
      │ └─reschedule        ├──cancel──► cancelled
      ├──cancel──► cancelled└──no_show─► no_show
      └──no_show─► no_show

Which statuses occupy the calendar (ACTIVE_STATUSES) is what the database's exclusion
constraints filter on: a completed session did take the practitioner's and the room's time,
so it keeps blocking it (nobody can back-date an overlapping appointment into it); a cancelled
or no-show appointment frees its slot for someone else.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from .errors import IllegalTransition


class Status(StrEnum):
    booked = "booked"
    checked_in = "checked_in"
    in_progress = "in_progress"
    completed = "completed"
    cancelled = "cancelled"
    no_show = "no_show"


class Action(StrEnum):
    """What staff can do to an appointment; `path` is its segment in the HTTP API."""

    reschedule = "reschedule"
    cancel = "cancel"
    check_in = "check_in"
    start = "start"
    cross_check = "cross_check"
    complete = "complete"
    no_show = "no_show"

    @property
    def path(self) -> str:
        """`POST /v1/appointments/{id}/<path>`, e.g. `check-in`."""
        return self.value.replace("_", "-")

    @classmethod
    def from_path(cls, segment: str) -> Action:
        """The action for a URL segment such as `no-show`; ValueError for an unknown one."""
        return cls(segment.replace("-", "_"))


TRANSITIONS: Mapping[Status, Mapping[Action, Status]] = MappingProxyType(
    {
        Status.booked: MappingProxyType(
            {
                Action.check_in: Status.checked_in,
                Action.reschedule: Status.booked,
                Action.cancel: Status.cancelled,
                Action.no_show: Status.no_show,
            }
        ),
        Status.checked_in: MappingProxyType(
            {
                Action.start: Status.in_progress,
                Action.cancel: Status.cancelled,
                Action.no_show: Status.no_show,
            }
        ),
        # While in progress the practitioner may change the plan and have it re-checked.
        Status.in_progress: MappingProxyType(
            {Action.cross_check: Status.in_progress, Action.complete: Status.completed}
        ),
        Status.completed: MappingProxyType({}),
        Status.cancelled: MappingProxyType({}),
        Status.no_show: MappingProxyType({}),
    }
)

ACTIVE_STATUSES: frozenset[Status] = frozenset(
    {Status.booked, Status.checked_in, Status.in_progress, Status.completed}
)
"""Statuses whose appointment occupies its practitioner and room (treatment + buffer)."""

FINAL_STATUSES: frozenset[Status] = frozenset(
    status for status, moves in TRANSITIONS.items() if not moves
)


def allowed_actions(current: Status) -> tuple[Action, ...]:
    """The actions staff may take on an appointment in `current`, in lifecycle order."""
    return tuple(TRANSITIONS[current])


def next_status(current: Status, action: Action) -> Status:
    """The appointment state machine; raises IllegalTransition (409)."""
    try:
        return TRANSITIONS[current][action]
    except KeyError:
        raise IllegalTransition(
            current=current.value,
            action=action.path,
            allowed=[a.path for a in allowed_actions(current)],
        ) from None
