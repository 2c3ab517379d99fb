"""Cursor pagination: `limit` and an opaque `cursor` that encodes where the last page ended."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from shared.errors import Invalid

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=200, description="Page size, 1 to 200")]
Cursor = Annotated[
    str | None, Query(max_length=500, description="`next_cursor` of the previous page")
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")


def encode_cursor(*values: Any) -> str:
    raw = json.dumps([str(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, parts: int) -> list[str] | None:
    """The values of a cursor made by `encode_cursor`, or None when there is no cursor."""
    if cursor is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError as exc:
        raise Invalid("The cursor is not one this API issued.", field="cursor") from exc
    if not isinstance(values, list) or len(values) != parts:
        raise Invalid("The cursor is not one this API issued.", field="cursor")
    return [str(v) for v in values]


def page_of(rows: list[T], limit: int, cursor_of: Any) -> tuple[list[T], str | None]:
    """Split `limit + 1` fetched rows into a page and the cursor of the next one."""
    if len(rows) > limit:
        return rows[:limit], cursor_of(rows[limit - 1])
    return rows, None
