"""What the console reads from notifications: the delivery log and each message as it went
out, with every attempt to send it."""

from __future__ import annotations

from uuid import UUID

from services.gateway.console.clients.calls import Answer, Caller, Items
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
