"""Outgoing webhooks: a network's endpoints, the fan-out of every event to them, and the
sender's steps (take what is due, record each answer).

Network admins and integration clients manage their own network's endpoints; another
network's endpoint is not found (404). An event reaches an endpoint once, as a delivery that
is tried until a 2xx, a 410 (which disables the endpoint) or 24 h of failures; an endpoint
failing for 24 h is disabled and the network's admins are told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4, uuid5

from services.notifications.clients.webhooks import Answer, Receivers
from services.notifications.domain import MessageKind, webhooks
from services.notifications.repository import webhooks as repo
from services.notifications.schemas import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpointChange,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointRead,
    WebhookPingSent,
    WebhookSecretRotated,
)
from services.notifications.usecases.admin_alerts import alert_network_admins
from shared.asyncapi import PING_SOURCE, PING_TYPE
from shared.auth import Principal
from shared.errors import Conflict, Invalid, NotFound
from shared.events import EVENT_TYPES
from shared.events.base import Envelope
from shared.pagination import Page, decode_cursor, encode_cursor, page_of
from shared.uow import UnitOfWork

MAX_ENDPOINTS = 20
"""Endpoints a network may have: enough for every system of a chain, few enough that one event
does not fan out without bound."""


def subscribable() -> list[str]:
    """Every event type of the AsyncAPI document."""
    return sorted(EVENT_TYPES)


# --- endpoints -----------------------------------------------------------------------------------


async def create_endpoint(
    uow: UnitOfWork,
    who: Principal,
    body: WebhookEndpointCreate,
    *,
    receivers: Receivers,
    now: datetime,
) -> WebhookEndpointCreated:
    """A new endpoint, enabled; its secret is in this answer only."""
    event_types = webhooks.check_event_types(body.event_types, subscribable())
    await receivers.check(body.url)
    if await repo.count_endpoints(uow.tx, who.network_id) >= MAX_ENDPOINTS:
        raise Conflict(
            f"Your network has {MAX_ENDPOINTS} webhook endpoints, the most it may have; delete "
            "one, or subscribe an existing one to more event types."
        )
    endpoint = await repo.insert_endpoint(
        uow.tx,
        network_id=who.network_id,
        url=body.url,
        event_types=event_types,
        description=body.description,
        secret=webhooks.new_secret(),
        now=now,
        by=who.sub,
    )
    return WebhookEndpointCreated(**_read(endpoint).model_dump(), secret=endpoint.secret)


async def endpoints(uow: UnitOfWork, who: Principal) -> list[WebhookEndpointRead]:
    return [_read(e) for e in await repo.list_endpoints(uow.tx, who.network_id)]


async def endpoint(uow: UnitOfWork, who: Principal, endpoint_id: UUID) -> WebhookEndpointRead:
    return _read(await _endpoint(uow, who, endpoint_id))


async def change_endpoint(
    uow: UnitOfWork,
    who: Principal,
    endpoint_id: UUID,
    change: WebhookEndpointChange,
    *,
    receivers: Receivers,
    now: datetime,
) -> WebhookEndpointRead:
    """Change the URL, the subscription, the description, or enable/disable it."""
    found = await _endpoint(uow, who, endpoint_id, for_update=True)
    given = change.model_fields_set
    url = change.url if change.url is not None else found.url
    if change.url is not None:
        await receivers.check(change.url)
    event_types = (
        webhooks.check_event_types(change.event_types, subscribable())
        if change.event_types is not None
        else found.event_types
    )
    description = change.description if "description" in given else found.description
    status, reason, disabled_at, failing_since = (
        found.status,
        found.disabled_reason,
        found.disabled_at,
        found.failing_since,
    )
    if change.disabled is True and found.status == "enabled":
        status, reason, disabled_at = "disabled", f"disabled by {who.sub}", now
    elif change.disabled is False and found.status == "disabled":
        # A fresh start: the failures that disabled it are not held against it again.
        status, reason, disabled_at, failing_since = "enabled", None, None, None
    updated = await repo.update_endpoint(
        uow.tx,
        found,
        url=url,
        event_types=event_types,
        description=description,
        status=status,
        disabled_reason=reason,
        disabled_at=disabled_at,
        failing_since=failing_since,
        now=now,
    )
    return _read(updated)


async def delete_endpoint(uow: UnitOfWork, who: Principal, endpoint_id: UUID) -> None:
    """The endpoint goes, with its deliveries; nothing more is sent to it."""
    if not await repo.delete_endpoint(uow.tx, who.network_id, endpoint_id):
        raise _no_endpoint(endpoint_id)


async def rotate_secret(
    uow: UnitOfWork, who: Principal, endpoint_id: UUID, *, now: datetime
) -> WebhookSecretRotated:
    """A new secret; the previous one signs beside it for 24 h, so a receiver can switch over."""
    found = await _endpoint(uow, who, endpoint_id, for_update=True)
    until = now + webhooks.ROTATION_OVERLAP
    rotated = await repo.rotate_secret(
        uow.tx, found, secret=webhooks.new_secret(), previous_until=until, now=now
    )
    return WebhookSecretRotated(secret=rotated.secret, previous_secret_expires_at=until)


async def ping(
    uow: UnitOfWork, who: Principal, endpoint_id: UUID, *, now: datetime
) -> WebhookPingSent:
    """A `mesocare.webhooks.Ping.v1` delivery, queued like any other (its answer shows in the
    endpoint's deliveries)."""
    found = await _endpoint(uow, who, endpoint_id)
    if found.status != "enabled":
        raise Conflict("The endpoint is disabled; enable it (PATCH disabled: false) to ping it.")
    event_id = uuid4()
    body = webhooks.cloudevent(
        event_id=event_id,
        type=PING_TYPE,
        source=PING_SOURCE,
        time=now,
        subject=str(found.id),
        data={"endpoint_id": str(found.id), "network_id": str(found.network_id)},
    )
    await repo.insert_deliveries(
        uow.tx,
        who.network_id,
        [repo.NewDelivery(found.id, event_id, PING_TYPE, f"ping:{found.id}", body)],
        now=now,
    )
    delivery = await repo.delivery_of_event(uow.tx, who.network_id, found.id, event_id)
    assert delivery is not None
    return WebhookPingSent(delivery_id=delivery.id, event_id=event_id)


# --- deliveries ----------------------------------------------------------------------------------


async def deliveries(
    uow: UnitOfWork,
    who: Principal,
    endpoint_id: UUID,
    *,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> Page[WebhookDelivery]:
    """The endpoint's deliveries, newest first, each with every attempt."""
    await _endpoint(uow, who, endpoint_id)
    rows = await repo.list_deliveries(
        uow.tx,
        who.network_id,
        endpoint_id,
        status=status,
        after=_after(cursor),
        limit=limit + 1,
    )
    items, next_cursor = page_of(
        rows, limit, lambda d: encode_cursor("deliveries", d.created_at.isoformat(), d.id)
    )
    attempts = await repo.attempts_of(uow.tx, [d.id for d in items])
    return Page[WebhookDelivery](
        items=[_delivery(d, attempts) for d in items], next_cursor=next_cursor
    )


async def retry(
    uow: UnitOfWork, who: Principal, endpoint_id: UUID, delivery_id: UUID, *, now: datetime
) -> WebhookDelivery:
    """Send a delivery again now, whatever became of it (receivers deduplicate on webhook-id)."""
    found = await _endpoint(uow, who, endpoint_id)
    if found.status != "enabled":
        raise Conflict("The endpoint is disabled; enable it (PATCH disabled: false), then retry.")
    delivery = await repo.requeue(uow.tx, who.network_id, endpoint_id, delivery_id, now=now)
    if delivery is None:
        raise NotFound(f"No delivery {delivery_id} of webhook endpoint {endpoint_id}.")
    return _delivery(delivery, await repo.attempts_of(uow.tx, [delivery.id]))


# --- the fan-out of events -----------------------------------------------------------------------


async def fan_out(uow: UnitOfWork, envelope: Envelope, network_id: UUID, *, now: datetime) -> int:
    """Queue `envelope` for every enabled endpoint of its network subscribed to its type; how
    many deliveries were queued."""
    endpoint_ids = await repo.subscribers(uow.tx, network_id, envelope.type)
    if not endpoint_ids:
        return 0
    body = webhooks.cloudevent(
        event_id=envelope.id,
        type=envelope.type,
        source=envelope.source,
        time=envelope.time,
        subject=envelope.key,
        data=envelope.payload,
    )
    return await repo.insert_deliveries(
        uow.tx,
        network_id,
        [
            repo.NewDelivery(
                e, envelope.id, envelope.type, f"{envelope.topic}:{envelope.key}", body
            )
            for e in endpoint_ids
        ],
        now=now,
    )


# --- the sender's steps --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Disabled:
    """An endpoint the sender just disabled, and why: its network's admins are told."""

    network_id: UUID
    endpoint_id: UUID
    url: str
    description: str | None
    reason: str
    failing_since: datetime | None


async def record(
    uow: UnitOfWork, taken: repo.Taken, answer: Answer, *, attempted_at: datetime, now: datetime
) -> Disabled | None:
    """Write one attempt and what follows from it: delivered; retried later; given up; and the
    endpoint disabled on a 410 or after 24 h of failures."""
    await repo.record_attempt(
        uow.tx,
        taken,
        attempted_at=attempted_at,
        status_code=answer.status_code,
        duration_ms=answer.duration_ms,
        error=answer.error,
    )
    endpoint = await repo.get_endpoint(uow.tx, taken.network_id, taken.endpoint_id, for_update=True)
    if answer.delivered:
        await repo.finish_delivery(uow.tx, taken, status="delivered", now=now)
        if endpoint is not None and endpoint.failing_since is not None:
            await _set_state(uow, endpoint, failing_since=None, now=now)
        return None
    first_failed_at = taken.first_failed_at or now
    if answer.gone or webhooks.given_up(taken.first_failed_at, now):
        await repo.finish_delivery(uow.tx, taken, status="failed", now=now)
    else:
        await repo.retry_later(
            uow.tx,
            taken,
            at=webhooks.next_attempt(taken.attempts, now=now),
            first_failed_at=first_failed_at,
        )
    if endpoint is None or endpoint.status != "enabled":
        return None
    failing_since = endpoint.failing_since or now
    if answer.gone:
        reason = "The receiver answered 410 Gone: it asked for no more deliveries."
    elif webhooks.given_up(failing_since, now):
        reason = (
            f"Every delivery failed for 24 hours (since {failing_since.isoformat()}); the last "
            f"attempt: {answer.error or answer.status_code}."
        )
    else:
        await _set_state(uow, endpoint, failing_since=failing_since, now=now)
        return None
    await _set_state(uow, endpoint, failing_since=failing_since, now=now, disabled_reason=reason)
    return Disabled(
        endpoint.network_id, endpoint.id, endpoint.url, endpoint.description, reason, failing_since
    )


async def tell_admins(uow: UnitOfWork, disabled: Disabled, *, now: datetime) -> int:
    """An email to each of the network's admins: which endpoint, why, since when; how many
    admins it goes to. Each disabling is its own alert (an endpoint enabled again and disabled
    again is told again)."""
    return await alert_network_admins(
        uow,
        network_id=disabled.network_id,
        kind=MessageKind.WEBHOOK_ENDPOINT_DISABLED,
        about_id=uuid5(disabled.endpoint_id, now.isoformat()),
        variables={
            "endpoint_url": disabled.url,
            "endpoint_id": str(disabled.endpoint_id),
            "endpoint_description": disabled.description or "",
            "reason": disabled.reason,
            "failing_since": (
                disabled.failing_since.strftime("%Y-%m-%d %H:%M UTC")
                if disabled.failing_since
                else "its last attempt"
            ),
        },
        now=now,
    )


async def _set_state(
    uow: UnitOfWork,
    endpoint: repo.Endpoint,
    *,
    failing_since: datetime | None,
    now: datetime,
    disabled_reason: str | None = None,
) -> None:
    disabling = disabled_reason is not None
    await repo.update_endpoint(
        uow.tx,
        endpoint,
        url=endpoint.url,
        event_types=endpoint.event_types,
        description=endpoint.description,
        status="disabled" if disabling else endpoint.status,
        disabled_reason=disabled_reason if disabling else endpoint.disabled_reason,
        disabled_at=now if disabling else endpoint.disabled_at,
        failing_since=failing_since,
        now=now,
    )


# --- reading -------------------------------------------------------------------------------------


async def _endpoint(
    uow: UnitOfWork, who: Principal, endpoint_id: UUID, *, for_update: bool = False
) -> repo.Endpoint:
    found = await repo.get_endpoint(uow.tx, who.network_id, endpoint_id, for_update=for_update)
    if found is None:
        raise _no_endpoint(endpoint_id)
    return found


def _no_endpoint(endpoint_id: UUID) -> NotFound:
    return NotFound(f"No webhook endpoint {endpoint_id} in your network.")


def _read(endpoint: repo.Endpoint) -> WebhookEndpointRead:
    return WebhookEndpointRead.model_validate(endpoint, from_attributes=True)


def _delivery(delivery: repo.Delivery, attempts: list[repo.Attempt]) -> WebhookDelivery:
    return WebhookDelivery(
        id=delivery.id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        status=delivery.status,  # type: ignore[arg-type]
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at if delivery.status == "pending" else None,
        created_at=delivery.created_at,
        finished_at=delivery.finished_at,
        attempts_log=[
            WebhookAttempt.model_validate(a, from_attributes=True)
            for a in attempts
            if a.delivery_id == delivery.id
        ],
    )


def _after(cursor: str | None) -> tuple[datetime, UUID] | None:
    values = decode_cursor(cursor, 3)
    if values is None:
        return None
    if values[0] != "deliveries":
        raise Invalid("The cursor belongs to another listing.", field="cursor")
    try:
        return datetime.fromisoformat(values[1]), UUID(values[2])
    except ValueError as exc:
        raise Invalid("The cursor is not one this API issued.", field="cursor") from exc
