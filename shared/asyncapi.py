"""The AsyncAPI 3 document of MesoCare's events, generated from the contracts in shared/events/.

Channels are the topics of shared/topics.py; each event is a message with its CloudEvents
headers and its payload schema (from the pydantic model); the relay's publish is the `send`
operation and each consuming service's handler a `receive` operation.
"""

from __future__ import annotations

from typing import Any

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


def _producer(model: type[Event]) -> str:
    return model.__module__.rsplit(".", 1)[-1]


def asyncapi_document(version: str = "1.0.0") -> dict[str, Any]:
    models = sorted(EVENT_TYPES.values(), key=lambda m: (m.topic, m.__name__))
    _, schema = models_json_schema(
        [(m, "serialization") for m in models], ref_template="#/components/schemas/{model}"
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
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "MesoCare events",
            "version": version,
            "description": "Integration events between MesoCare services, on Kafka. At least "
            "once from the broker; consumers de-duplicate by `ce_id`.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
