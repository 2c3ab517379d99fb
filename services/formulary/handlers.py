"""Event handlers of the formulary service, routed in one registry."""

from shared.consumer import Registry

HANDLERS: Registry = {}
