"""How a message reaches its recipient: channel choice, failure classification, retries."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .kinds import MessageKind, kind_spec


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


_CHANNEL_NAMES = frozenset(c.value for c in Channel)
"""Opt-outs and preferences naming other channels (webhooks, ...) do not concern this choice."""


class SkipReason(StrEnum):
    NO_MARKETING_CONSENT = "no_marketing_consent"
    NO_CONTACT_DETAILS = "no_contact_details"
    OPTED_OUT = "opted_out"


@dataclass(frozen=True, slots=True)
class Skip:
    """A message deliberately not sent, recorded with why."""

    reason: SkipReason
    detail: str


def _present(value: str | None) -> bool:
    return bool(value and value.strip())


def choose_channel(
    preferred: Channel | str | None,
    email: str | None,
    phone: str | None,
    opted_out: Collection[Channel | str],
    kind: MessageKind | str,
    *,
    marketing_consent: bool = False,
) -> Channel | Skip:
    """The preferred channel if usable, else the other one, else a Skip saying why.

    A channel is usable when the recipient has its contact detail and has not opted out of it.
    Promotional kinds are skipped without marketing consent, whatever the channels.
    """
    spec = kind_spec(kind)
    if spec.needs_marketing_consent and not marketing_consent:
        return Skip(
            SkipReason.NO_MARKETING_CONSENT,
            f"{spec.kind} is promotional and the recipient has not given marketing consent",
        )
    refused = {Channel(c) for c in opted_out if str(c) in _CHANNEL_NAMES}
    contact = {Channel.EMAIL: email, Channel.SMS: phone}
    first = Channel(preferred) if preferred and str(preferred) in _CHANNEL_NAMES else Channel.EMAIL
    order = [first, *(c for c in Channel if c is not first)]
    for channel in order:
        if _present(contact[channel]) and channel not in refused:
            return channel

    why: list[str] = []
    for channel in order:
        if not _present(contact[channel]):
            missing = "no email address" if channel is Channel.EMAIL else "no phone number"
            why.append(f"{channel}: {missing}")
        else:
            why.append(f"{channel}: opted out")
    any_opt_out = any(_present(contact[c]) and c in refused for c in Channel)
    reason = SkipReason.OPTED_OUT if any_opt_out else SkipReason.NO_CONTACT_DETAILS
    return Skip(reason, "; ".join(why))


class FailureKind(StrEnum):
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


def classify_smtp_reply(code: int | None) -> FailureKind:
    """4xx replies are temporary, 5xx permanent; no reply at all (connection lost) is temporary."""
    if code is None or 400 <= code < 500:
        return FailureKind.TEMPORARY
    if 500 <= code < 600:
        return FailureKind.PERMANENT
    raise ValueError(f"SMTP reply {code} is not a failure")


_RETRYABLE_HTTP = frozenset({408, 425, 429})


def classify_http_status(status: int | None) -> FailureKind:
    """For the SMS provider and webhooks: 5xx, timeouts and rate limits are worth retrying."""
    if status is None or status >= 500 or status in _RETRYABLE_HTTP:
        return FailureKind.TEMPORARY
    if 400 <= status < 500:
        return FailureKind.PERMANENT
    raise ValueError(f"HTTP status {status} is not a failure")


MAX_ATTEMPTS = 8
RETRY_BASE_DELAY = timedelta(seconds=30)
RETRY_MAX_DELAY = timedelta(hours=1)


def retry_delay(
    attempt: int, *, base: timedelta = RETRY_BASE_DELAY, cap: timedelta = RETRY_MAX_DELAY
) -> timedelta:
    """How long to wait after failed attempt number `attempt` (1-based): base x 2^(n-1), capped.

    With the defaults: 30 s, 1, 2, 4, 8, 16, 32 min between the eight attempts (about an hour).
    """
    if attempt < 1:
        raise ValueError(f"attempt numbers start at 1, got {attempt}")
    # Past 2^40 the cap has long been reached; stopping there keeps timedelta from overflowing.
    return min(base * 2 ** min(attempt - 1, 40), cap)


@dataclass(frozen=True, slots=True)
class RetryAt:
    at: datetime


@dataclass(frozen=True, slots=True)
class GiveUp:
    """A permanent failure, recorded with its reason and shown in the message log."""

    reason: str


def after_failure(
    attempt: int,
    failure: FailureKind,
    failed_at: datetime,
    *,
    detail: str = "",
    max_attempts: int = MAX_ATTEMPTS,
) -> RetryAt | GiveUp:
    """What to do after attempt number `attempt` failed."""
    suffix = f": {detail}" if detail else ""
    if failure is FailureKind.PERMANENT:
        return GiveUp(f"permanent failure on attempt {attempt}{suffix}")
    if attempt >= max_attempts:
        return GiveUp(f"still failing after {attempt} attempts{suffix}")
    return RetryAt(failed_at + retry_delay(attempt))
