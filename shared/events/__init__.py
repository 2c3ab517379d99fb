"""Event contracts (one module per producing service) and the CloudEvents envelope."""

from shared.events import booking, formulary, gateway, records
from shared.events.base import (
    EVENT_TYPES,
    Envelope,
    Event,
    MalformedMessage,
    parse_event,
    read_envelope,
)

__all__ = [
    "EVENT_TYPES",
    "Envelope",
    "Event",
    "MalformedMessage",
    "booking",
    "formulary",
    "gateway",
    "parse_event",
    "read_envelope",
    "records",
]
