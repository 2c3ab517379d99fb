"""What the console reads from notifications and sends to it: the delivery log and each message
as it went out, with every attempt to send it; the network's webhook endpoints and their
deliveries (notifications lets network admins and integration clients)."""

from __future__ import annotations

from uuid import UUID

from services.gateway.console.clients.calls import Answer, Body, Caller, Items
from services.gateway.console.clients.model import Model

SERVICE = "notifications"


class MessageSummary(Model):
    id: str
    kind: str
    status: str
    status_reason: str | None = None
    recipient_type: str
    patient_id: str | None = None
    clinic_id: str | None = None
    channel: str | None = None
    address: str | None = None
    send_at: str
    created_at: str
    sent_at: str | None = None


class Attempt(Model):
    number: int
    channel: str
    address: str
    started_at: str
    finished_at: str | None = None
    outcome: str | None = None
    detail: str | None = None


class Message(MessageSummary):
    """A message with its text (once written) and every attempt to send it."""

    locale: str | None = None
    subject: str | None = None
    body: str | None = None
    sms: str | None = None
    attempts_log: list[Attempt] = []


async def messages(
    calls: Caller,
    *,
    limit: int,
    patient_id: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    cursor: str | None = None,
) -> Answer[Items[MessageSummary]]:
    """A page of the delivery log, newest first."""
    return await calls.read_page(
        SERVICE,
        "/v1/messages",
        MessageSummary,
        {
            "patient_id": patient_id,
            "status": status,
            "kind": kind,
            "cursor": cursor,
            "limit": limit,
        },
    )


async def message(calls: Caller, message_id: UUID) -> Answer[Message | None]:
    return await calls.read(SERVICE, f"/v1/messages/{message_id}", Message)


class WebhookEndpoint(Model):
    id: str
    url: str
    event_types: list[str]
    description: str | None = None
    status: str
    disabled_reason: str | None = None
    disabled_at: str | None = None
    failing_since: str | None = None
    created_at: str
    updated_at: str


class CreatedWebhookEndpoint(WebhookEndpoint):
    secret: str
    """The signing secret: in this answer only."""


class RotatedSecret(Model):
    secret: str
    previous_secret_expires_at: str


class PingSent(Model):
    delivery_id: str
    event_id: str


class WebhookAttempt(Model):
    attempted_at: str
    status_code: int | None = None
    duration_ms: int
    error: str | None = None


class WebhookDelivery(Model):
    id: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: str | None = None
    created_at: str
    finished_at: str | None = None
    attempts_log: list[WebhookAttempt] = []


class NewWebhookEndpoint(Body):
    url: str
    event_types: list[str]
    description: str | None = None


class WebhookEndpointSwitch(Body):
    disabled: bool


async def webhook_endpoints(calls: Caller) -> Answer[Items[WebhookEndpoint]]:
    """The network's endpoints, oldest first (at most 20: one list, no pages)."""
    return await calls.read_list(SERVICE, "/v1/webhook-endpoints", WebhookEndpoint)


async def webhook_endpoint(calls: Caller, endpoint_id: UUID) -> Answer[WebhookEndpoint | None]:
    return await calls.read(SERVICE, f"/v1/webhook-endpoints/{endpoint_id}", WebhookEndpoint)


async def create_webhook_endpoint(
    calls: Caller, endpoint: NewWebhookEndpoint, *, idempotency_key: str
) -> Answer[CreatedWebhookEndpoint | None]:
    """Register an endpoint; the answer holds its secret, which is never shown again."""
    return await calls.post(
        SERVICE,
        "/v1/webhook-endpoints",
        CreatedWebhookEndpoint,
        endpoint,
        idempotency_key=idempotency_key,
    )


async def switch_webhook_endpoint(
    calls: Caller, endpoint_id: UUID, switch: WebhookEndpointSwitch
) -> Answer[None]:
    """Disable an endpoint, or enable it again (what waited for it then goes)."""
    return await calls.send(SERVICE, "PATCH", f"/v1/webhook-endpoints/{endpoint_id}", switch)


async def delete_webhook_endpoint(calls: Caller, endpoint_id: UUID) -> Answer[None]:
    return await calls.send(SERVICE, "DELETE", f"/v1/webhook-endpoints/{endpoint_id}")


async def rotate_webhook_secret(calls: Caller, endpoint_id: UUID) -> Answer[RotatedSecret | None]:
    """A new secret; the previous one keeps signing beside it until the time in the answer."""
    return await calls.post(
        SERVICE, f"/v1/webhook-endpoints/{endpoint_id}/rotate-secret", RotatedSecret
    )


async def ping_webhook_endpoint(calls: Caller, endpoint_id: UUID) -> Answer[PingSent | None]:
    return await calls.post(SERVICE, f"/v1/webhook-endpoints/{endpoint_id}/ping", PingSent)


async def webhook_deliveries(
    calls: Caller, endpoint_id: UUID, *, limit: int, cursor: str | None
) -> Answer[Items[WebhookDelivery]]:
    """A page of the endpoint's deliveries, newest first, each with every attempt."""
    return await calls.read_page(
        SERVICE,
        f"/v1/webhook-endpoints/{endpoint_id}/deliveries",
        WebhookDelivery,
        {"limit": limit, "cursor": cursor},
    )


async def retry_webhook_delivery(
    calls: Caller, endpoint_id: UUID, delivery_id: UUID
) -> Answer[None]:
    """Send a delivery again now (it keeps its event id)."""
    return await calls.send(
        SERVICE, "POST", f"/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/retry"
    )
