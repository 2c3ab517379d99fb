"""Calendar feeds: what a feed shows and how it is written (RFC 5545), and its secret.

A feed is a read-only iCalendar document of one practitioner's or one clinic's appointments
over a window around now (`FeedWindow`): one VEVENT per appointment with a stable UID, a
SEQUENCE raised by every reschedule or cancellation, local times with the clinic's TZID and a
VTIMEZONE per zone with the zone's transitions across the window. A cancelled appointment stays
(STATUS:CANCELLED) for `CANCELLED_KEPT` after its cancellation, so calendars that saw it drop
it. Patients appear by their initials unless the network chose full names.

The feed's URL carries a random secret (`new_secret`); only its SHA-256 (`secret_hash`) is
stored: a 256-bit random input needs no slow hash.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

PAST = timedelta(days=30)
"""How far back a feed reaches."""
AHEAD = timedelta(days=180)
"""How far ahead a feed reaches."""
CANCELLED_KEPT = timedelta(days=30)
"""How long a cancelled appointment stays in feeds after its cancellation."""

PRODID = "-//MesoCare//Calendar feeds 1.0//EN"
UID_DOMAIN = "mesocare"
SECRET_BYTES = 32
MAX_LINE_OCTETS = 75


def new_secret() -> str:
    """The secret of a new feed's URL (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    """What is stored of a feed's secret (hex SHA-256)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_secret(text: str) -> bool:
    """Whether `text` could be a feed's secret (43 URL-safe characters); others are not looked
    up at all."""
    return len(text) == 43 and all(c.isascii() and (c.isalnum() or c in "-_") for c in text)


@dataclass(frozen=True, slots=True)
class FeedWindow:
    """The appointments a feed shows: starting in [start, end), and a cancelled one only if
    cancelled since `cancelled_since`."""

    start: datetime
    end: datetime
    cancelled_since: datetime

    @classmethod
    def around(cls, now: datetime) -> FeedWindow:
        return cls(start=now - PAST, end=now + AHEAD, cancelled_since=now - CANCELLED_KEPT)


def initials(given_name: str | None, family_name: str | None) -> str:
    """ "A. D." for Amélie Durand: each given name's initial ("J.-P." for Jean-Pierre), then the
    family name's first letter ("D." for de la Tour)."""
    given = " ".join(
        "-".join(f"{piece[0].upper()}." for piece in word.split("-") if piece)
        for word in (given_name or "").split()
    )
    family = (family_name or "").strip()
    return " ".join(part for part in (given, f"{family[0].upper()}." if family else "") if part)


def patient_label(given_name: str | None, family_name: str | None, *, full_names: bool) -> str:
    """How a feed names a patient: initials, or the full name if the network chose it."""
    if full_names:
        full = " ".join(n.strip() for n in (given_name, family_name) if n and n.strip())
        if full:
            return full
    return initials(given_name, family_name) or "Patient"


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One appointment as a feed shows it."""

    appointment_id: str
    revision: int
    cancelled: bool
    starts_at: datetime
    ends_at: datetime
    timezone: str
    last_modified: datetime
    summary: str
    location: str
    description: str


def calendar(name: str, events: Sequence[FeedEvent], window: FeedWindow) -> str:
    """The feed: a VCALENDAR with a VTIMEZONE for each zone its events are in."""
    zones = sorted({e.timezone for e in events})
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"NAME:{escape(name)}",
        f"X-WR-CALNAME:{escape(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT15M",
        "X-PUBLISHED-TTL:PT15M",
    ]
    if len(zones) == 1:
        lines.append(f"X-WR-TIMEZONE:{zones[0]}")
    # Day-aligned, so the document (and its ETag) stays the same all day unless data changes.
    first = window.start.date() - timedelta(days=1)
    last = window.end.date() + timedelta(days=1)
    for zone in zones:
        lines += vtimezone(zone, first, last)
    for event in events:
        lines += vevent(event)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def vevent(event: FeedEvent) -> list[str]:
    stamp = _utc(event.last_modified)
    return [
        "BEGIN:VEVENT",
        f"UID:{event.appointment_id}@{UID_DOMAIN}",
        f"DTSTAMP:{stamp}",
        f"LAST-MODIFIED:{stamp}",
        f"SEQUENCE:{event.revision}",
        _when("DTSTART", event.starts_at, event.timezone),
        _when("DTEND", event.ends_at, event.timezone),
        f"SUMMARY:{escape(event.summary)}",
        f"LOCATION:{escape(event.location)}",
        f"DESCRIPTION:{escape(event.description)}",
        f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
        f"TRANSP:{'TRANSPARENT' if event.cancelled else 'OPAQUE'}",
        "END:VEVENT",
    ]


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _when(name: str, instant: datetime, timezone: str) -> str:
    """Local time with the clinic's TZID; in UTC when that local time happens twice (the
    repeated hour of a fall-back), where RFC 5545 would read it as the first."""
    local = instant.astimezone(ZoneInfo(timezone))
    if local.replace(fold=0).astimezone(UTC) != instant.astimezone(UTC):
        return f"{name}:{_utc(instant)}"
    return f"{name};TZID={timezone}:{local.strftime('%Y%m%dT%H%M%S')}"


@dataclass(frozen=True, slots=True)
class Observance:
    """From `onset` (UTC) the zone's clocks show UTC + `offset_to`, under `name`."""

    onset: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    daylight: bool


def observances(zone: str, first: date, last: date) -> list[Observance]:
    """The zone's rules over [first, last]: the one in force on `first`, then each change."""
    tz = ZoneInfo(zone)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC)

    def state(at: datetime) -> tuple[timedelta, bool, str]:
        local = at.astimezone(tz)
        return (
            local.utcoffset() or timedelta(0),
            bool(local.dst()),
            local.tzname() or zone,
        )

    offset, daylight, name = state(start)
    found = [Observance(start, offset, offset, name, daylight)]
    day = timedelta(days=1)
    at = start
    while at < end:
        following = min(at + day, end)
        if state(following) != state(at):
            # A change within (at, following]: halve the interval down to the whole second.
            low, high = int(at.timestamp()), int(following.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                if state(_instant(middle)) == state(_instant(low)):
                    low = middle
                else:
                    high = middle
            before, after = state(_instant(low)), state(_instant(high))
            found.append(Observance(_instant(high), before[0], after[0], after[2], after[1]))
        at = following
    return found


def _instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def vtimezone(zone: str, first: date, last: date) -> list[str]:
    """A VTIMEZONE for `zone` that holds over [first, last], its transitions included."""
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone}"]
    for rule in observances(zone, first, last):
        kind = "DAYLIGHT" if rule.daylight else "STANDARD"
        # DTSTART of an observance is the onset in the local time in force before it.
        onset = (rule.onset + rule.offset_from).replace(tzinfo=None)
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{onset.strftime('%Y%m%dT%H%M%S')}",
            f"TZOFFSETFROM:{_offset(rule.offset_from)}",
            f"TZOFFSETTO:{_offset(rule.offset_to)}",
            f"TZNAME:{escape(rule.name)}",
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return lines


def _offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def escape(text: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped,
    other control characters dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(c for c in text if c == "\n" or (c >= " " and c != "\x7f"))
    return kept.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    if len(line.encode()) <= MAX_LINE_OCTETS:
        return line
    pieces: list[str] = []
    current, size, limit = "", 0, MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append(current)
            # A continuation line starts with one space, which counts.
            current, size, limit = "", 0, MAX_LINE_OCTETS - 1
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def description(lines: Iterable[tuple[str, str | None]]) -> str:
    """`Label: value` lines, those without a value left out."""
    return "\n".join(f"{label}: {value}" for label, value in lines if value)
