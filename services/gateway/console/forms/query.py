"""What a page reads from its address: a day, a chosen id, a cursor. A value that cannot be
read is a message next to its field, and the page shows what it can."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo


def parse_day(text: str, tz: ZoneInfo, errors: dict[str, str]) -> date:
    """The day asked for, else today where the page's clinic is."""
    if not text:
        return datetime.now(tz).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors["date"] = "Enter a day as YYYY-MM-DD."
        return datetime.now(tz).date()


def cursor_text(text: str) -> str | None:
    """A page's cursor from the address bar, passed on as it came (the service checks it)."""
    return text.strip()[:500] or None


def uuid_field(text: str, field: str, label: str, errors: dict[str, str]) -> UUID | None:
    """The id chosen in a list, or None (with a message when it is not an id)."""
    if not text:
        return None
    try:
        return UUID(text)
    except ValueError:
        errors[field] = f"Choose a {label} from the list."
        return None
