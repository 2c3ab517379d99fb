"""Event handlers of the records service, routed in one registry."""

from shared.consumer import Registry

HANDLERS: Registry = {}
