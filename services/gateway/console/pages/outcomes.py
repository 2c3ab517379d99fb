"""What a page says after the services answered: go on to another page, the notices to show,
the status to show a refusal with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from services.gateway.console.clients.calls import Answer

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Done:
    """A form was carried out: the browser goes on to `location`."""

    location: str


def notice(*problems: str | None) -> str | None:
    """The problems to tell at the top of a page, in one notice (None when there are none)."""
    return " ".join(p for p in problems if p) or None


def refused_status(answer: Answer[T]) -> int:
    """The status a page shows a refusal with: the service's 4xx, else 503 (never a 500)."""
    return answer.status if answer.status and answer.status < 500 else 503


def unavailable(answer: Answer[T]) -> bool:
    """The service (or the safety check behind it) did not answer: nothing was changed."""
    return answer.status is None or answer.status >= 500


async def at_hand(value: T) -> T:
    """A value already known, among the answers an `asyncio.gather` waits for (a part of a
    page that is not read for this person)."""
    return value
