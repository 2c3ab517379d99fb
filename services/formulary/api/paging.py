"""The keys that formulary's list cursors carry: parsed here, so a forged one is a 422."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from shared.errors import Invalid
from shared.pagination import decode_cursor


def _not_ours() -> Invalid:
    return Invalid("The cursor is not one this API issued.", field="cursor")


def after_code(cursor: str | None) -> str | None:
    """The catalog code a page of classes or ingredients ended at."""
    after = decode_cursor(cursor, 1)
    return after[0] if after else None


def after_id(cursor: str | None) -> UUID | None:
    """The id a page of blends ended at."""
    after = decode_cursor(cursor, 1)
    try:
        return UUID(after[0]) if after else None
    except ValueError as exc:
        raise _not_ours() from exc


def after_lot(cursor: str | None) -> tuple[str, UUID] | None:
    """The (lot number, id) a page of lots ended at."""
    after = decode_cursor(cursor, 2)
    try:
        return (after[0], UUID(after[1])) if after else None
    except ValueError as exc:
        raise _not_ours() from exc


def after_exposure(cursor: str | None) -> tuple[datetime, int] | None:
    """The (administered at, ledger id) a page of a lot's exposures ended at."""
    after = decode_cursor(cursor, 2)
    try:
        return (datetime.fromisoformat(after[0]), int(after[1])) if after else None
    except ValueError as exc:
        raise _not_ours() from exc
