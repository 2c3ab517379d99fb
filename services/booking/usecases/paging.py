"""Pages of a listing, and the values read back out of a cursor this API issued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

from shared.errors import Invalid

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Listing(Generic[T]):
    """One page of records and the cursor of the next page (None on the last)."""

    items: list[T]
    next_cursor: str | None


def _not_ours() -> Invalid:
    return Invalid("The cursor is not one this API issued.", field="cursor")


def cursor_uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise _not_ours() from None


def cursor_datetime(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _not_ours() from None
    if parsed.tzinfo is None:
        raise _not_ours()
    return parsed
