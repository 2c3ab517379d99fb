"""Outgoing webhooks, the pure part: which URLs may receive, how a delivery is signed and shaped,
and when a failed one is tried again.

- **Format** (Standard Webhooks): a POST whose body is the event as a CloudEvent 1.0 in
  structured JSON; headers `webhook-id` (the event id, the same on every retry),
  `webhook-timestamp` (Unix seconds of the attempt) and `webhook-signature`
  (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` with the secret's bytes; during a
  rotation the old secret signs beside the new one).
- **Receivers** (server-side request forgery): in production a URL is https and every address
  its host resolves to is a public one; in development and tests a loopback address may receive
  over http as well, so the local stack and the tests can. The addresses are checked when the
  URL is set and again at every delivery (a name may resolve elsewhere later).
- **Retries**: exponential backoff with jitter for at least 24 h after the first failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import random
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from shared.errors import Invalid

SECRET_PREFIX = "whsec_"
ALL_EVENTS = "*"

TIMEOUT_SECONDS = 10.0
"""A receiver that has not answered in this long has failed this attempt."""
GIVE_UP_AFTER = timedelta(hours=24)
"""A delivery failing this long after its first failure is given up; an endpoint whose
deliveries have failed this long (with no success between) is disabled."""
ROTATION_OVERLAP = timedelta(hours=24)
"""How long the previous secret keeps signing beside a new one."""
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)
"""The wait after the 1st, 2nd, … failed attempt; the last repeats (about 27.5 h in all)."""
JITTER = 0.2
"""Each wait is drawn from ±20 % of its step, so receivers that failed together do not all
come back at once."""
MAX_URL_LENGTH = 2048


class ForbiddenWebhookUrl(Invalid):
    type = "forbidden-webhook-url"
    title = "This URL may not receive webhooks"


# --- secrets and signatures ------------------------------------------------------------------


def new_secret() -> str:
    """A signing secret: `whsec_` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, *, webhook_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64>` signature of a delivery."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def secrets_in_use(
    secret: str, previous: str | None, previous_until: datetime | None, *, now: datetime
) -> list[str]:
    """The secrets that sign at `now`: the current one, and the previous one while its overlap
    after a rotation lasts."""
    if previous and previous_until and now < previous_until:
        return [secret, previous]
    return [secret]


def signed_headers(
    secrets_in_use: Sequence[str], *, webhook_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt, signed with every secret in use."""
    return {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(s, webhook_id=webhook_id, timestamp=timestamp, body=body)
            for s in secrets_in_use
        ),
    }


# --- the body --------------------------------------------------------------------------------


def cloudevent(
    *,
    event_id: UUID,
    type: str,
    source: str,
    time: datetime,
    subject: str,
    data: Mapping[str, Any],
) -> str:
    """The delivery's body: the event as a CloudEvent 1.0 in structured JSON, kept as the exact
    text every attempt sends (so a receiver's deduplication and signature see the same bytes)."""
    return json.dumps(
        {
            "specversion": "1.0",
            "id": str(event_id),
            "type": type,
            "source": source,
            "time": time.isoformat(),
            "subject": subject,
            "datacontenttype": "application/json",
            "data": data,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def check_event_types(event_types: Sequence[str], known: Iterable[str]) -> list[str]:
    """The subscription as stored: `["*"]`, or known event types without repeats."""
    known = set(known)
    if ALL_EVENTS in event_types:
        if len(event_types) > 1:
            raise Invalid('"*" subscribes to every event; send it alone.', field="event_types")
        return [ALL_EVENTS]
    for i, event_type in enumerate(event_types):
        if event_type not in known:
            raise Invalid(
                f"{event_type!r} is not an event type of the AsyncAPI document "
                "(/asyncapi.json lists them, e.g. mesocare.booking.AppointmentBooked.v1).",
                field=f"event_types[{i}]",
            )
    return list(dict.fromkeys(event_types))


# --- receivers -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Receiver:
    """A webhook URL taken apart: what is connected to and what the request names."""

    url: str
    scheme: str
    host: str
    port: int


def parse_url(url: str, *, allow_loopback: bool) -> Receiver:
    """The URL's parts, or ForbiddenWebhookUrl naming what is wrong with it (its addresses are
    checked apart, by `check_addresses`, once resolved)."""
    if len(url) > MAX_URL_LENGTH:
        raise ForbiddenWebhookUrl(
            f"The URL is longer than {MAX_URL_LENGTH} characters.", field="url"
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ForbiddenWebhookUrl(f"The URL cannot be read: {exc}.", field="url") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise ForbiddenWebhookUrl("The URL must start with https://.", field="url")
    if not parts.hostname:
        raise ForbiddenWebhookUrl("The URL names no host.", field="url")
    if parts.username is not None or parts.password is not None:
        raise ForbiddenWebhookUrl(
            "The URL carries a user name or password; receivers authenticate deliveries by "
            "their signature.",
            field="url",
        )
    if parts.fragment:
        raise ForbiddenWebhookUrl("The URL has a #fragment, which is never sent.", field="url")
    host = parts.hostname.rstrip(".").lower()
    if scheme == "http" and not (allow_loopback and _names_loopback(host)):
        raise ForbiddenWebhookUrl(
            "The URL must be https (plain http only reaches a loopback address, in development).",
            field="url",
        )
    return Receiver(
        url=url, scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80)
    )


def _names_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def literal_address(host: str) -> str | None:
    """The host when it is an IP address (no name to resolve)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def check_addresses(host: str, addresses: Sequence[str], *, allow_loopback: bool) -> str:
    """The address to connect to, if every address `host` resolves to may receive; else
    ForbiddenWebhookUrl naming the first that may not (a name resolving to a private address
    among public ones could be reached through it)."""
    if not addresses:
        raise ForbiddenWebhookUrl(f"{host} does not resolve to any address.", field="url")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.is_loopback and allow_loopback:
            continue
        if not address.is_global or address.is_multicast:
            raise ForbiddenWebhookUrl(
                f"{host} resolves to {text}, {_kind_of(address)}; webhooks go only to public "
                "addresses.",
                field="url",
            )
    return addresses[0]


def _kind_of(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:
        return "the unspecified address"
    if str(address) in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"):
        return "a cloud metadata address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    if address.is_multicast:
        return "a multicast address"
    return "not a public address"


# --- retries ---------------------------------------------------------------------------------


def next_attempt(
    failed_attempts: int, *, now: datetime, rng: random.Random | None = None
) -> datetime:
    """When to try again after the `failed_attempts`-th failure in a row."""
    step = RETRY_DELAYS[min(failed_attempts, len(RETRY_DELAYS)) - 1]
    factor = 1 + (rng or random).uniform(-JITTER, JITTER)
    return now + step * factor


def given_up(first_failed_at: datetime | None, now: datetime) -> bool:
    """Whether a delivery that just failed again is past its 24 h of retries."""
    return first_failed_at is not None and now - first_failed_at >= GIVE_UP_AFTER
