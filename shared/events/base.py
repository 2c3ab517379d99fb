"""Event contracts and the CloudEvents 1.0 binary-mode envelope.

An event is a frozen pydantic model with an explicit `type` string, the topic it travels on and
the payload field that is its message key. On the wire (Kafka), the payload is the JSON value and
the envelope rides in headers: `ce_id`, `ce_type`, `ce_source`, `ce_time`, `ce_specversion`,
`content-type` and `traceparent`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, ValidationError

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"

EVENT_TYPES: dict[str, type[Event]] = {}
"""Every event contract, by its `ce_type` — consumers route on this string, never on class names."""


class Event(BaseModel):
    """Base of every integration event; payloads always carry the network they belong to."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    type: ClassVar[str]
    topic: ClassVar[str]
    key_field: ClassVar[str]

    network_id: UUID

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("type")
        if isinstance(event_type, str):
            if event_type in EVENT_TYPES:
                raise TypeError(f"event type {event_type} is declared twice")
            EVENT_TYPES[event_type] = cls

    @property
    def key(self) -> str:
        return str(getattr(self, self.key_field))


@dataclass(frozen=True, slots=True)
class Envelope:
    """What surrounds a payload in transit: the CloudEvents attributes and the trace context."""

    id: UUID
    type: str
    source: str
    time: datetime
    topic: str
    key: str
    payload: dict[str, Any]
    traceparent: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def wrap(cls, event: Event, *, source: str, traceparent: str | None = None) -> Envelope:
        return cls(
            id=uuid4(),
            type=event.type,
            source=source,
            time=datetime.now(UTC),
            topic=event.topic,
            key=event.key,
            payload=event.model_dump(mode="json"),
            traceparent=traceparent,
        )

    def headers(self) -> list[tuple[str, bytes]]:
        return cloudevent_headers(
            id=self.id,
            type=self.type,
            source=self.source,
            time=self.time,
            traceparent=self.traceparent,
            extra=self.extra_headers,
        )

    def value(self) -> bytes:
        return json.dumps(self.payload, separators=(",", ":")).encode()


def cloudevent_headers(
    *,
    id: UUID,
    type: str,
    source: str,
    time: datetime,
    traceparent: str | None,
    extra: dict[str, str] | None = None,
) -> list[tuple[str, bytes]]:
    """The Kafka headers of a CloudEvents 1.0 binary-mode message, with the trace context."""
    hs = {
        "ce_id": str(id),
        "ce_type": type,
        "ce_source": source,
        "ce_time": time.isoformat(),
        "ce_specversion": SPECVERSION,
        "content-type": CONTENT_TYPE,
        **(extra or {}),
    }
    if traceparent:
        hs["traceparent"] = traceparent
    return [(k, v.encode()) for k, v in hs.items()]


class MalformedMessage(ValueError):
    """A message on a topic that is not a MesoCare event we can read."""


def read_envelope(
    *, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
) -> Envelope:
    """Parse a Kafka record into an Envelope; raises MalformedMessage with the reason."""
    hs: dict[str, str] = {}
    for k, v in headers or []:
        try:
            hs[k] = v.decode() if v is not None else ""
        except UnicodeDecodeError as exc:
            raise MalformedMessage(f"header {k} is not UTF-8") from exc
    missing = [h for h in ("ce_id", "ce_type", "ce_source", "ce_specversion") if h not in hs]
    if missing:
        raise MalformedMessage(f"missing CloudEvents headers: {', '.join(missing)}")
    try:
        event_id = UUID(hs["ce_id"])
    except ValueError as exc:
        raise MalformedMessage("ce_id is not a UUID") from exc
    try:
        time = datetime.fromisoformat(hs["ce_time"]) if "ce_time" in hs else datetime.now(UTC)
    except ValueError as exc:
        raise MalformedMessage("ce_time is not an RFC 3339 timestamp") from exc
    try:
        payload = json.loads(value or b"")
    except ValueError as exc:
        raise MalformedMessage("value is not JSON") from exc
    if not isinstance(payload, dict):
        raise MalformedMessage("value is not a JSON object")
    return Envelope(
        id=event_id,
        type=hs["ce_type"],
        source=hs["ce_source"],
        time=time,
        topic=topic,
        key=(key or b"").decode(errors="replace"),
        payload=payload,
        traceparent=hs.get("traceparent"),
    )


def parse_event(envelope: Envelope) -> Event:
    """The typed event inside an envelope; raises MalformedMessage when it is not one we know."""
    model = EVENT_TYPES.get(envelope.type)
    if model is None:
        raise MalformedMessage(f"unknown event type {envelope.type}")
    try:
        return model.model_validate(envelope.payload)
    except ValidationError as exc:
        raise MalformedMessage(f"payload does not match {envelope.type}: {exc}") from exc
