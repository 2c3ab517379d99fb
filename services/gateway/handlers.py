"""Event handlers of the gateway service, routed in one registry."""

from shared.consumer import Registry

HANDLERS: Registry = {}
