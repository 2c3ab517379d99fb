"""Event handlers of the booking service, routed in one registry."""

from shared.consumer import Registry

HANDLERS: Registry = {}
