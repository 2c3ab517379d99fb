"""Reading the values back out of a cursor this API issued."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from shared.errors import Invalid


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
