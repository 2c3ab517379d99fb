"""Pages of a listing, and reading back the cursors this API issued.

Cursors are read inside the audited access, so a forged one is refused (422) after the role
check and the refusal is audited like any other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

from shared.errors import Invalid
from shared.pagination import decode_cursor, page_of

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def page(rows: list[T], limit: int, cursor_of: Callable[[T], str]) -> Page[T]:
    """The page of `limit + 1` fetched rows, with the cursor of the next one."""
    items, next_cursor = page_of(rows, limit, cursor_of)
    return Page(items, next_cursor)


def _not_ours() -> Invalid:
    return Invalid("The cursor is not one this API issued.", field="cursor")


def after_name(cursor: str | None) -> tuple[str, str, UUID] | None:
    """(family name, given name, id) of the last patient of the previous page."""
    after = decode_cursor(cursor, 3)
    if after is None:
        return None
    if any("\x00" in v for v in after):
        raise _not_ours()
    try:
        return after[0], after[1], UUID(after[2])
    except ValueError as exc:
        raise _not_ours() from exc


def after_instant(cursor: str | None) -> tuple[datetime, UUID] | None:
    """(instant, id) of the last entry of the previous page of a newest-first listing."""
    values = decode_cursor(cursor, 2)
    if values is None:
        return None
    try:
        return datetime.fromisoformat(values[0]), UUID(values[1])
    except ValueError as exc:
        raise _not_ours() from exc


def before_id(cursor: str | None) -> int | None:
    """The id of the last audit entry of the previous page."""
    values = decode_cursor(cursor, 1)
    if values is None:
        return None
    if not re.fullmatch(r"[0-9]{1,18}", values[0]):
        raise _not_ours()
    return int(values[0])
