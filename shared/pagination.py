"""Cursor pagination: `limit` and an opaque `cursor` that encodes where the last page ended.

A cursor is signed (HMAC-SHA256 with the platform's cursor key, the same on every replica), so a
client cannot forge one to start a page where it likes: a cursor this API did not issue, or one
changed on the way, is a 400 `invalid-cursor`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from shared.errors import ProblemError
from shared.settings import DEVELOPMENT_JWT_SECRET

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=200, description="Page size, 1 to 200")]
Cursor = Annotated[
    str | None, Query(max_length=500, description="`next_cursor` of the previous page")
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")


class InvalidCursor(ProblemError):
    type = "invalid-cursor"
    title = "The cursor is not one this API issued"
    status = 400

    def __init__(self) -> None:
        super().__init__(
            "Pass the `next_cursor` of the previous page unchanged, or leave `cursor` out to "
            "start from the first page.",
            errors=[{"field": "cursor", "message": "not a cursor this API issued"}],
        )


_key = hashlib.sha256(f"cursor:{DEVELOPMENT_JWT_SECRET}".encode()).digest()


def use_cursor_key(key: bytes) -> None:
    """Sign cursors with `key` in this process (set once at start, from the settings)."""
    global _key
    _key = key


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str) -> str:
    return _b64(hmac.new(_key, payload.encode(), hashlib.sha256).digest()[:16])


def encode_cursor(*values: Any) -> str:
    payload = _b64(json.dumps([str(v) for v in values], separators=(",", ":")).encode())
    return f"{payload}.{_signature(payload)}"


def decode_cursor(cursor: str | None, parts: int) -> list[str] | None:
    """The values of a cursor made by `encode_cursor`, or None when there is no cursor."""
    if cursor is None:
        return None
    payload, _, signature = cursor.partition(".")
    if not hmac.compare_digest(signature.encode(), _signature(payload).encode()):
        raise InvalidCursor()
    try:
        values = json.loads(_unb64(payload))
    except ValueError as exc:
        raise InvalidCursor() from exc
    if not isinstance(values, list) or len(values) != parts:
        raise InvalidCursor()
    return [str(v) for v in values]


def page_of(rows: list[T], limit: int, cursor_of: Any) -> tuple[list[T], str | None]:
    """Split `limit + 1` fetched rows into a page and the cursor of the next one."""
    if len(rows) > limit:
        return rows[:limit], cursor_of(rows[limit - 1])
    return rows, None
