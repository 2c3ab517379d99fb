"""Request and response models of the notifications API.

Request bodies are `shared.inputs.Strict` (unknown fields and NUL characters refused); the
network's name and a patient's timezone follow the shared rules (not blank; canonical IANA).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from services.notifications.domain import MessageKind
from shared.inputs import Flag, NotBlank, Omittable, Strict, Timezone

MessageStatus = Literal["scheduled", "sending", "sent", "failed", "skipped", "withdrawn"]
RecipientType = Literal["patient", "practitioner", "clinic", "staff"]


class MessageSummary(BaseModel):
    """One message of the log: what, to whom, and where it stands."""

    id: UUID
    kind: MessageKind
    status: MessageStatus
    status_reason: str | None = Field(
        None, description="Why it was skipped, withdrawn or failed, or why it is being retried"
    )
    recipient_type: RecipientType
    recipient_id: UUID
    patient_id: UUID | None
    appointment_id: UUID | None
    clinic_id: UUID | None
    event_id: UUID = Field(
        description="The event that caused it (ce_id); for an alert to the network's admins "
        "(event_type mesocare.notifications.AdminAlert), what the alert is about"
    )
    event_type: str
    channel: Literal["email", "sms"] | None
    address: str | None
    due_at: datetime = Field(description="When it fell due, before quiet hours")
    send_at: datetime = Field(description="When it goes (or went) out at the earliest")
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    trace_id: str | None = Field(None, description="Trace of the event handler that created it")


class Attempt(BaseModel):
    number: int
    channel: Literal["email", "sms"]
    address: str
    started_at: datetime
    finished_at: datetime | None
    outcome: Literal["sent", "temporary_failure", "permanent_failure", "outcome_unknown"] | None
    detail: str | None


class MessageRead(MessageSummary):
    """A message with its rendered content (once rendered) and every attempt."""

    locale: str | None
    subject: str | None
    body: str | None
    sms: str | None
    attempts_log: list[Attempt]


class TemplatePart(BaseModel):
    source: str
    origin: Literal["network", "default"] = Field(
        description="The network's own wording, or the one shipped with the service"
    )
    locale: str = Field(description="The locale the source is for, after falling back")


class TemplateRead(BaseModel):
    kind: MessageKind
    locale: str
    subject: TemplatePart
    text: TemplatePart
    sms: TemplatePart
    variables: dict[str, str] = Field(description="Variables this kind's templates may use")


class TemplateUpdate(Strict):
    """The parts to set for this kind and locale; parts left out keep their current wording."""

    subject: str | None = Field(None, min_length=1)
    text: str | None = Field(None, min_length=1)
    sms: str | None = Field(None, min_length=1)


class Preferences(Strict):
    """How a patient wants to be reached."""

    preferred_channel: Literal["email", "sms"] = "email"
    channel_opt_outs: list[Literal["email", "sms"]] = Field(default_factory=list)
    marketing_consent: bool = False
    locale: str = Field("en", max_length=35)
    timezone: Timezone = Field(
        "UTC", description="Canonical IANA timezone (Area/Location, or UTC), e.g. Europe/Madrid"
    )
    quiet_hours_start: time | None = Field(None, description="Local time, e.g. 21:00")
    quiet_hours_end: time | None = Field(None, description="Local time, e.g. 08:00")


class PreferencesRead(Preferences):
    patient_id: UUID
    timezone: str = Field(description="IANA timezone, as records or a preference last set it")
    email: str | None
    phone: str | None


class BrandingUpdate(Strict):
    network_name: Annotated[str, Field(min_length=1, max_length=120), NotBlank]
    signature: str | None = Field(None, max_length=500)


class BrandingRead(BrandingUpdate):
    network_name: str
    updated_at: datetime | None = None


# --- webhooks ------------------------------------------------------------------------------------

WebhookStatus = Literal["enabled", "disabled"]
DeliveryStatus = Literal["pending", "delivered", "failed"]
EventTypes = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=120)]],
    Field(
        min_length=1,
        max_length=100,
        description=(
            "Event types (`ce_type`s of the AsyncAPI document, e.g. "
            '"mesocare.booking.AppointmentBooked.v1"), or ["*"] for every event'
        ),
    ),
]
WebhookUrl = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2048,
        description=(
            "Where deliveries are POSTed: https, resolving only to public addresses (plain http "
            "to a loopback address in development)"
        ),
    ),
]


class WebhookEndpointCreate(Strict):
    url: WebhookUrl
    event_types: EventTypes
    description: str | None = Field(None, max_length=500)


class WebhookEndpointChange(Strict):
    """What to change; what is left out stays. `disabled: false` enables a disabled endpoint
    (its waiting deliveries then go), `true` stops deliveries to it."""

    url: Omittable[WebhookUrl] = None
    event_types: Omittable[EventTypes] = None
    description: str | None = Field(None, max_length=500)
    disabled: Omittable[Flag] = None


class WebhookEndpointRead(BaseModel):
    id: UUID
    url: str
    event_types: list[str]
    description: str | None
    status: WebhookStatus
    disabled_reason: str | None = Field(
        None, description="Why it was disabled: by whom, by a 410 answer, or after 24 h of failures"
    )
    disabled_at: datetime | None
    failing_since: datetime | None = Field(
        None, description="Set by a failed attempt, cleared by a delivered one"
    )
    created_at: datetime
    updated_at: datetime


class WebhookEndpointCreated(WebhookEndpointRead):
    secret: str = Field(
        description="The signing secret (`whsec_` + base64); shown only in this answer"
    )


class WebhookSecretRotated(BaseModel):
    secret: str = Field(description="The new signing secret; shown only in this answer")
    previous_secret_expires_at: datetime = Field(
        description="Until then the previous secret signs too, beside the new one"
    )


class WebhookAttempt(BaseModel):
    attempted_at: datetime
    status_code: int | None = Field(description="The receiver's answer; none if it gave none")
    duration_ms: int
    error: str | None


class WebhookDelivery(BaseModel):
    id: UUID
    event_id: UUID = Field(description="The event (the `webhook-id` header), the same on retries")
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="When a pending delivery goes next")
    created_at: datetime
    finished_at: datetime | None
    attempts_log: list[WebhookAttempt]


class WebhookPingSent(BaseModel):
    delivery_id: UUID
    event_id: UUID
