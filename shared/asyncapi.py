"""The AsyncAPI 3 document of MesoCare's events, generated from the contracts in shared/events/.

Channels are the topics of shared/topics.py; each event is a message with its CloudEvents
headers and its payload schema (from the pydantic model); the relay's publish is the `send`
operation and each consuming service's handler a `receive` operation.

The same events leave the platform as webhooks: the `webhooks` channel on the `webhooks` server
(each subscriber's own URL) carries every event, and a ping, as a CloudEvent 1.0 in structured
JSON mode whose `data` is the event's payload schema, with the Standard Webhooks headers;
notifications' delivery is the `deliverWebhook` operation.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic.json_schema import models_json_schema

from shared.events import EVENT_TYPES
from shared.events.base import Event
from shared.topics import TOPICS

CONSUMERS: dict[str, tuple[str, ...]] = {
    "ClinicOpened": ("formulary",),
    "ClinicChanged": ("formulary",),
    "AppointmentBooked": ("notifications",),
    "AppointmentRescheduled": ("notifications",),
    "AppointmentCancelled": ("notifications",),
    "AppointmentNoShow": ("notifications",),
    "SessionStarted": (),
    "SessionRechecked": (),
    "SessionCompleted": ("records", "formulary", "notifications"),
    "PatientRegistered": ("booking", "notifications"),
    "PatientContactChanged": ("booking", "notifications"),
    "PatientSafetyProfileChanged": ("formulary", "notifications"),
    "AdverseEventReported": ("notifications",),
    "LotRecalled": ("notifications",),
    "RecalledLotExposure": ("notifications",),
    "StaffAccountChanged": ("notifications",),
}
"""Who consumes each event (DESIGN §7); the producer is the module the contract lives in."""

HEADERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 binary mode, as Kafka headers",
    "required": ["ce_id", "ce_type", "ce_source", "ce_time", "ce_specversion"],
    "properties": {
        "ce_id": {"type": "string", "format": "uuid", "description": "Event id (inbox key)"},
        "ce_type": {"type": "string", "description": "mesocare.<service>.<EventName>.v1"},
        "ce_source": {"type": "string", "description": "mesocare/<service>"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_specversion": {"type": "string", "const": "1.0"},
        "content-type": {"type": "string", "const": "application/json"},
        "traceparent": {"type": "string", "description": "W3C trace context of the cause"},
    },
}


PING_TYPE = "mesocare.webhooks.Ping.v1"
PING_SOURCE = "mesocare/notifications"


class Ping(BaseModel):
    """The `data` of a ping delivery: the endpoint pinged and its network."""

    model_config = ConfigDict(frozen=True)

    endpoint_id: UUID
    network_id: UUID


WEBHOOK_DELIVERY = (
    "Each delivery is a POST of one CloudEvent 1.0 in structured JSON mode (`Content-Type: "
    "application/json`), signed as Standard Webhooks sign: `webhook-signature` is `v1,` and the "
    "base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` under the endpoint's "
    "secret (the bytes of the base64 after `whsec_`); while a secret is rotated the old one "
    "signs beside the new one for 24 h, space-separated. Any 2xx answer is delivered; 410 Gone "
    "disables the endpoint; any other answer, or none within 10 s, is retried with exponential "
    "backoff and jitter for at least 24 h. At least once: a retry keeps its `webhook-id` (the "
    "event id), on which receivers de-duplicate. One aggregate's events (one `subject`) reach "
    "an endpoint in order."
)
"""The delivery rules, told in the document's description and its `deliverWebhook` operation."""

WEBHOOK_HEADERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Standard Webhooks headers: verify the signature before trusting the body",
    "required": ["webhook-id", "webhook-timestamp", "webhook-signature"],
    "properties": {
        "webhook-id": {
            "type": "string",
            "format": "uuid",
            "description": "The event id (the body's `id`), the same on every retry: "
            "de-duplicate on it",
        },
        "webhook-timestamp": {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": "Unix time in seconds of this attempt; refuse one far from your clock "
            "(a replay)",
        },
        "webhook-signature": {
            "type": "string",
            "pattern": "^v1,[A-Za-z0-9+/]+={0,2}( v1,[A-Za-z0-9+/]+={0,2})*$",
            "description": "`v1,<base64 HMAC-SHA256 of {webhook-id}.{webhook-timestamp}.{body}>` "
            "under the endpoint's secret (the bytes of the base64 after `whsec_`); several, "
            "space-separated, while a secret is rotated: accept the request if one matches",
        },
        "content-type": {"type": "string", "const": "application/json"},
    },
}


def webhook_payload_schema(
    *, ce_type: str, source: str, subject_is: str, data: str
) -> dict[str, Any]:
    """The body of a webhook: a CloudEvent 1.0 in structured JSON mode whose `data` is the
    document's schema named `data` (an event's is its Kafka payload's)."""
    return {
        "type": "object",
        "description": f"CloudEvents 1.0, structured JSON mode: {ce_type}",
        "required": [
            "specversion",
            "id",
            "type",
            "source",
            "time",
            "subject",
            "datacontenttype",
            "data",
        ],
        "properties": {
            "specversion": {"type": "string", "const": "1.0"},
            "id": {
                "type": "string",
                "format": "uuid",
                "description": "Event id, also the `webhook-id` header (an event's `ce_id`)",
            },
            "type": {"type": "string", "const": ce_type},
            "source": {"type": "string", "const": source},
            "time": {"type": "string", "format": "date-time", "description": "RFC 3339"},
            "subject": {"type": "string", "description": subject_is},
            "datacontenttype": {"type": "string", "const": "application/json"},
            "data": {"$ref": f"#/components/schemas/{data}"},
        },
    }


def _producer(model: type[Event]) -> str:
    return model.__module__.rsplit(".", 1)[-1]


def _webhook_message(name: str, ce_type: str, summary: str) -> dict[str, Any]:
    return {
        "name": f"{name}Webhook",
        "title": f"{name} (webhook)",
        "summary": summary,
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/WebhookHeaders"},
        "payload": {"$ref": f"#/components/schemas/{name}Webhook"},
        "x-ce-type": ce_type,
    }


def asyncapi_document(version: str = "1.0.0") -> dict[str, Any]:
    models = sorted(EVENT_TYPES.values(), key=lambda m: (m.topic, m.__name__))
    documented: list[type[BaseModel]] = [*models, Ping]
    _, schema = models_json_schema(
        [(m, "serialization") for m in documented], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = dict(schema.get("$defs", {}))
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in TOPICS:
        channel_id = topic.name.replace(".", "_").replace("-", "_")
        channel_messages = {}
        for model in (m for m in models if m.topic == topic.name):
            name = model.__name__
            messages[name] = {
                "name": name,
                "title": name,
                "summary": (model.__doc__ or name).strip().splitlines()[0],
                "contentType": "application/json",
                "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
                "payload": {"$ref": f"#/components/schemas/{name}"},
                "bindings": {
                    "kafka": {"key": {"type": "string", "description": f"the {topic.key}"}}
                },
                "x-ce-type": model.type,
                "x-consumers": list(CONSUMERS.get(name, ())),
            }
            channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
        channels[channel_id] = {
            "address": topic.name,
            "description": f"Keyed by {topic.key}; {topic.partitions} partitions; "
            f"failed deliveries go to {topic.dlq}.",
            "messages": channel_messages,
            "servers": [{"$ref": "#/servers/kafka"}],
            "bindings": {"kafka": {"topic": topic.name, "partitions": topic.partitions}},
        }
        producers = sorted({_producer(m) for m in models if m.topic == topic.name})
        for producer in producers:
            operations[f"{producer}_publishes_{channel_id}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "summary": f"{producer} publishes through its outbox relay",
                "messages": [
                    {"$ref": f"#/channels/{channel_id}/messages/{m.__name__}"}
                    for m in models
                    if m.topic == topic.name and _producer(m) == producer
                ],
            }
        consumers = sorted(
            {c for m in models if m.topic == topic.name for c in CONSUMERS.get(m.__name__, ())}
        )
        for consumer in consumers:
            operations[f"{consumer}_receives_{channel_id}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "summary": f"{consumer} handles these in its consumer group `{consumer}`",
                "messages": [
                    {"$ref": f"#/channels/{channel_id}/messages/{m.__name__}"}
                    for m in models
                    if m.topic == topic.name and consumer in CONSUMERS.get(m.__name__, ())
                ],
            }
    schemas["CloudEventHeaders"] = HEADERS_SCHEMA
    channels["webhooks"], operations["deliverWebhook"] = _webhooks(models, schemas, messages)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "MesoCare events",
            "version": version,
            "description": "Integration events between MesoCare services, on Kafka. At least "
            "once from the broker; consumers de-duplicate by `ce_id`.\n\n"
            "The same events reach integrators as webhooks (the `webhooks` channel): "
            "notifications POSTs each event an endpoint subscribed to (`POST "
            "/api/notifications/v1/webhook-endpoints`) to its URL. " + WEBHOOK_DELIVERY,
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": "{bootstrap}",
                "protocol": "kafka",
                "description": "The platform's brokers, between its services",
                "variables": {
                    "bootstrap": {
                        "default": "127.0.0.1:9092",
                        "description": "The brokers' host:port (KAFKA_BOOTSTRAP_SERVERS)",
                    }
                },
            },
            "webhooks": {
                "host": "{receiver}",
                "protocol": "https",
                "description": "The subscriber's own server: the host of the URL it registered "
                "for a webhook endpoint",
                "variables": {
                    "receiver": {
                        "description": "Host (and port) of the endpoint's registered `url`",
                        "examples": ["crm.clinic.example", "hooks.clinic.example:8443"],
                    }
                },
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def _webhooks(
    models: list[type[Event]], schemas: dict[str, Any], messages: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The webhook channel and its `deliverWebhook` operation; adds their messages and schemas."""
    channel_messages: dict[str, Any] = {}
    for model in models:
        name = model.__name__
        key = next(t.key for t in TOPICS if t.name == model.topic)
        schemas[f"{name}Webhook"] = webhook_payload_schema(
            ce_type=model.type,
            source=f"mesocare/{_producer(model)}",
            subject_is=f"The {key}: the aggregate id, the event's Kafka key",
            data=name,
        )
        summary = (model.__doc__ or name).strip().splitlines()[0]
        messages[f"{name}Webhook"] = _webhook_message(name, model.type, summary)
        channel_messages[f"{name}Webhook"] = {"$ref": f"#/components/messages/{name}Webhook"}
    schemas["PingWebhook"] = webhook_payload_schema(
        ce_type=PING_TYPE,
        source=PING_SOURCE,
        subject_is="The pinged endpoint's id",
        data=Ping.__name__,
    )
    messages["PingWebhook"] = _webhook_message(
        "Ping",
        PING_TYPE,
        "A test delivery: POST /api/notifications/v1/webhook-endpoints/{id}/ping",
    )
    channel_messages["PingWebhook"] = {"$ref": "#/components/messages/PingWebhook"}
    schemas["WebhookHeaders"] = WEBHOOK_HEADERS_SCHEMA
    channel = {
        "address": None,
        "title": "Webhook endpoint",
        "description": "The `url` a subscriber registered for an endpoint (POST "
        '/api/notifications/v1/webhook-endpoints with `event_types`: `ce_type`s or `["*"]`); '
        "each endpoint receives the events it subscribed to, and its pings.",
        "servers": [{"$ref": "#/servers/webhooks"}],
        "messages": channel_messages,
    }
    operation = {
        "action": "send",
        "channel": {"$ref": "#/channels/webhooks"},
        "title": "Deliver a webhook",
        "summary": "notifications POSTs each subscribed event, or a ping, to the endpoint",
        "description": WEBHOOK_DELIVERY,
        "bindings": {"http": {"method": "POST", "bindingVersion": "0.3.0"}},
        "messages": [{"$ref": f"#/channels/webhooks/messages/{m}"} for m in channel_messages],
    }
    return channel, operation
