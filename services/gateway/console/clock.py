"""Times as the console shows them: the Jinja filters every template uses for an instant, each
printing the zone it is in ("14 Dec 2026, 10:30 CET"), and the choice of that zone.

The services send instants in ISO 8601 with an offset; a page passes them on as they came, with
the name of the zone to show them in, and only these filters turn them into words. A time with
no zone next to it is a time a reader can misread by hours.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment

UTC_NAME = "UTC"


def zone(name: str | None) -> ZoneInfo:
    """The named zone; UTC when there is no name or it is not one the zone database knows."""
    try:
        return ZoneInfo(name or UTC_NAME)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(UTC_NAME)


def instant(value: str | datetime | None) -> datetime | None:
    """A service's timestamp as an aware datetime (a naive one is taken as UTC)."""
    if not value:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def zone_label(moment: datetime) -> str:
    """The zone's abbreviation at that moment (CET, CEST, EST); an offset-only name as UTC+04."""
    name = moment.tzname() or UTC_NAME
    # Zones without a letter abbreviation are named by their offset ("+04"): say what from.
    return f"UTC{name}" if name[:1] in "+-" else name


def local(value: str | datetime | None, tz: str | None) -> datetime | None:
    moment = instant(value)
    return moment.astimezone(zone(tz)) if moment else None


def when(value: str | datetime | None, tz: str | None = None) -> str:
    """Date and time with the zone: '14 Dec 2026, 10:30 CET'."""
    moment = local(value, tz)
    return f"{moment:%d %b %Y, %H:%M} {zone_label(moment)}" if moment else ""


def clock(value: str | datetime | None, tz: str | None = None) -> str:
    """The time of day with the zone: '10:30 CET'."""
    moment = local(value, tz)
    return f"{moment:%H:%M} {zone_label(moment)}" if moment else ""


def hours(start: str | datetime | None, end: str | datetime | None, tz: str | None = None) -> str:
    """From one time to another on the same clock: '10:30 to 11:00 CET'."""
    first, last = local(start, tz), local(end, tz)
    if not first or not last:
        return clock(start or end, tz)
    # Across a change of clocks the two ends carry different abbreviations: name both.
    if zone_label(first) != zone_label(last):
        return f"{clock(first, tz)} to {clock(last, tz)}"
    return f"{first:%H:%M} to {last:%H:%M} {zone_label(last)}"


def day_of(value: str | datetime | None, tz: str | None = None) -> str:
    """The local day of an instant: 'Monday 14 December 2026'."""
    moment = local(value, tz)
    return f"{moment:%A %d %B %Y}" if moment else ""


def day_zones(day: str | date, tz: str | None = None, days: int = 1) -> str:
    """The zone a local day's (or `days` days') wall clock keeps: 'CET', or 'CEST, then CET'
    when the clocks change (for times printed bare, under a heading that names their zone)."""
    the_day = day if isinstance(day, date) else date.fromisoformat(day)
    place = zone(tz)
    first = zone_label(datetime.combine(the_day, time(0), place))
    last = zone_label(datetime.combine(the_day + timedelta(days=days - 1), time(23, 59), place))
    return first if first == last else f"{first}, then {last}"


def shared_zone(zones: Iterable[str | None]) -> str | None:
    """The one zone all these clinics keep, or None when they differ (or there are none)."""
    kept = set(zones)
    return kept.pop() if len(kept) == 1 else None


def install(env: Environment) -> None:
    """Make the filters available to every console template."""
    env.filters.update(when=when, clock=clock, hours=hours, day_of=day_of, day_zones=day_zones)
