"""When messages go out: follow-ups after a session, appointment reminders, quiet hours.

Every instant in and out is a timezone-aware datetime; results are in UTC. Local rules (a day
later, 10:00 on a date, quiet from 21:00 to 08:00) are applied on the wall clock of the given
IANA zone, so they stay right across daylight-saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.errors import Invalid

from .kinds import MessageKind, kind_spec


class NaiveDatetime(Invalid):
    type = "naive-datetime"
    title = "A timezone-aware date-time is required"


class InvalidQuietHours(Invalid):
    type = "invalid-quiet-hours"
    title = "Quiet hours are not valid"


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    kind: MessageKind
    due_at: datetime
    """When it should go out (UTC) before quiet hours are applied."""


@dataclass(frozen=True, slots=True)
class FollowUpPolicy:
    """How the follow-ups of a completed session are timed; a network may change any of it."""

    checkin_after: timedelta = timedelta(days=1)
    next_session_lead_days: int = 3
    maintenance_lead_days: int = 7
    reminder_local_time: time = time(10, 0)
    """Local time of day at which date-based reminders go out."""


DEFAULT_FOLLOW_UPS = FollowUpPolicy()


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily local period with no patient messages; start == end means none."""

    start: time
    end: time

    def __post_init__(self) -> None:
        for name, value in (("start", self.start), ("end", self.end)):
            if value.tzinfo is not None:
                raise InvalidQuietHours(
                    f"quiet hours {name} must be a local time without a zone",
                    field=f"quiet_hours.{name}",
                )

    @property
    def wraps_midnight(self) -> bool:
        return self.start > self.end

    def contains(self, local: time) -> bool:
        """Whether a local wall-clock time is quiet: start is quiet, end is not."""
        local = local.replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


def kept_quiet_hours(start: time | None, end: time | None) -> QuietHours | None:
    """The quiet hours a replica keeps, when it keeps both ends of them."""
    if start is None or end is None:
        return None
    return QuietHours(start, end)


def chosen_quiet_hours(start: time | None, end: time | None) -> QuietHours | None:
    """The quiet hours a person chose: both ends or neither; raises Invalid for one alone."""
    if (start is None) != (end is None):
        raise Invalid("Give both quiet hours start and end, or neither.", field="quiet_hours_end")
    return kept_quiet_hours(start, end)


def zone_or_utc(name: str | None) -> ZoneInfo:
    """The IANA zone `name`, or UTC for a name this machine does not know."""
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def known_zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; raises Invalid when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"{name!r} is not an IANA timezone", field="timezone") from None


def _require_aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetime(f"{field} must carry a timezone offset", field=field)
    return value


def _wall(value: datetime, tz: ZoneInfo) -> datetime:
    return value.astimezone(tz).replace(tzinfo=None)


def _gap_end(wall: datetime, tz: ZoneInfo) -> datetime:
    """The instant a daylight-saving gap containing `wall` ends (clocks jump past `wall`)."""
    instants = sorted(wall.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1))
    lo, hi = int(instants[0].timestamp()), int(instants[1].timestamp())
    before = datetime.fromtimestamp(lo, UTC).astimezone(tz).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(tz).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


def local_to_utc(wall: datetime, tz: ZoneInfo, *, not_before: datetime | None = None) -> datetime:
    """The first instant (UTC) the wall clock of `tz` shows `wall`, or passes it if it is skipped.

    A wall time that happens twice (clocks going back) gives the earlier instant, or the later
    one when the earlier is before `not_before`.
    """
    wall = wall.replace(tzinfo=None)
    instants: list[datetime] = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if _wall(instant, tz) == wall and instant not in instants:
            instants.append(instant)
    instants.sort()
    if not instants:
        return _gap_end(wall, tz)
    for instant in instants:
        if not_before is None or instant >= not_before:
            return instant
    return instants[-1]


def is_quiet(moment: datetime, tz: ZoneInfo, quiet_start: time, quiet_end: time) -> bool:
    _require_aware(moment, "moment")
    return QuietHours(quiet_start, quiet_end).contains(_wall(moment, tz).time())


def next_allowed_time(
    due_utc: datetime, tz: ZoneInfo, quiet_start: time, quiet_end: time
) -> datetime:
    """`due_utc` if it is outside quiet hours in `tz`, else the instant quiet hours end (UTC)."""
    _require_aware(due_utc, "due_at")
    quiet = QuietHours(quiet_start, quiet_end)
    local = _wall(due_utc, tz)
    if not quiet.contains(local.time()):
        return due_utc.astimezone(UTC)
    ends_tomorrow = quiet.wraps_midnight and local.time() >= quiet.start
    end_day = local.date() + timedelta(days=1 if ends_tomorrow else 0)
    return local_to_utc(datetime.combine(end_day, quiet.end), tz, not_before=due_utc)


def last_allowed_before(
    due_utc: datetime, tz: ZoneInfo, quiet_start: time, quiet_end: time
) -> datetime:
    """`due_utc` if outside quiet hours, else one minute before the quiet period around it began."""
    _require_aware(due_utc, "due_at")
    quiet = QuietHours(quiet_start, quiet_end)
    local = _wall(due_utc, tz)
    if not quiet.contains(local.time()):
        return due_utc.astimezone(UTC)
    began_yesterday = quiet.wraps_midnight and local.time() < quiet.end
    start_day = local.date() - timedelta(days=1 if began_yesterday else 0)
    return local_to_utc(datetime.combine(start_day, quiet.start), tz) - timedelta(minutes=1)


def release_time(
    kind: MessageKind, due_utc: datetime, tz: ZoneInfo, quiet: QuietHours | None
) -> datetime:
    """When a message may actually go out: urgent kinds are never held by quiet hours."""
    _require_aware(due_utc, "due_at")
    if quiet is None or kind_spec(kind).urgent:
        return due_utc.astimezone(UTC)
    return next_allowed_time(due_utc, tz, quiet.start, quiet.end)


SENT_AT_ONCE = (MessageKind.AFTERCARE, MessageKind.CONSULTATION_SUMMARY)
"""What tells about a session goes out when it is scheduled, whatever its clock said."""


def reminder_due(
    appointment_start: datetime, lead: timedelta, *, booked_at: datetime | None = None
) -> datetime | None:
    """`lead` before the start (UTC); None when booked so late that the moment has passed."""
    _require_aware(appointment_start, "appointment_start")
    due = appointment_start.astimezone(UTC) - lead
    if booked_at is not None and due <= _require_aware(booked_at, "booked_at"):
        return None
    return due


def reminder_send_time(
    appointment_start: datetime,
    lead: timedelta,
    tz: ZoneInfo,
    quiet: QuietHours | None,
    *,
    booked_at: datetime | None = None,
) -> datetime | None:
    """When to send an appointment reminder, keeping it out of quiet hours and before the start.

    A reminder due in quiet hours moves to the end of them if that still leaves at least half
    the lead before the appointment; otherwise it moves to just before they began (an evening
    reminder beats one minutes before an early appointment). None when no such time exists.
    """
    due = reminder_due(appointment_start, lead, booked_at=booked_at)
    if due is None or quiet is None:
        return due
    start = appointment_start.astimezone(UTC)
    later = next_allowed_time(due, tz, quiet.start, quiet.end)
    if later == due or start - later >= lead / 2:
        return later
    earlier = last_allowed_before(due, tz, quiet.start, quiet.end)
    if booked_at is None or earlier > booked_at:
        return earlier
    return later if later < start else None


def _on_local_date(day: date, at: time, tz: ZoneInfo) -> datetime:
    return local_to_utc(datetime.combine(day, at), tz)


def _checkin_at(
    done: datetime, patient_tz: ZoneInfo, policy: FollowUpPolicy, early: timedelta | None
) -> datetime:
    """`checkin_after` later on the patient's wall clock, or `early` later in elapsed time."""
    if early is not None:
        # Hours after an unsafe injection are hours of the patient's life, not of the clock
        # on the wall: a daylight-saving change must not stretch them.
        return done + early
    return local_to_utc(_wall(done, patient_tz) + policy.checkin_after, patient_tz)


def plan_after_session(
    completed_at: datetime,
    next_session_due: date | None,
    maintenance_due: date | None,
    patient_tz: ZoneInfo,
    *,
    injected: bool = True,
    early_checkin: timedelta | None = None,
    policy: FollowUpPolicy = DEFAULT_FOLLOW_UPS,
) -> list[PlannedMessage]:
    """The messages a completed session causes, in the order they fall due (UTC).

    Something injected: aftercare at once and the side-effect check-in `checkin_after` later on
    the patient's wall clock, or `early_checkin` later when given (after a contraindicated
    deviation). Nothing injected (a consultation, a follow-up that only looked): a consultation
    summary at once instead, and no check-in, since there is nothing to recover from. Either
    way, the next-session and maintenance reminders `*_lead_days` before their due dates at
    `reminder_local_time`, never before the session itself.
    """
    _require_aware(completed_at, "completed_at")
    done = completed_at.astimezone(UTC)
    if injected:
        planned = [
            PlannedMessage(MessageKind.AFTERCARE, done),
            PlannedMessage(
                MessageKind.SIDE_EFFECT_CHECKIN,
                _checkin_at(done, patient_tz, policy, early_checkin),
            ),
        ]
    else:
        planned = [PlannedMessage(MessageKind.CONSULTATION_SUMMARY, done)]
    for kind, due_day, lead_days in (
        (MessageKind.NEXT_SESSION_DUE, next_session_due, policy.next_session_lead_days),
        (MessageKind.MAINTENANCE_REMINDER, maintenance_due, policy.maintenance_lead_days),
    ):
        if due_day is not None:
            at = _on_local_date(
                due_day - timedelta(days=lead_days), policy.reminder_local_time, patient_tz
            )
            planned.append(PlannedMessage(kind, max(at, done)))
    order = list(MessageKind)
    return sorted(planned, key=lambda p: (p.due_at, order.index(p.kind)))
