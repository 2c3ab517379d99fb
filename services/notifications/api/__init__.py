"""HTTP boundary of the notifications service, one module per resource: parse, call one use case,
return its answer. Endpoints carry no docstring: FastAPI would publish it as the operation's
description; `summary` and `description` say it instead."""

from services.notifications.api import branding, messages, preferences, templates, webhooks

PREFIX = "/v1"
routers = [module.router for module in (messages, templates, preferences, branding, webhooks)]

__all__ = ["PREFIX", "routers"]
