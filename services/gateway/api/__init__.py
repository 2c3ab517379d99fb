"""HTTP boundary of the gateway: tokens, staff and client management, the service proxy."""

from services.gateway.api import clients, docs, fhir, proxy, staff, tokens

# Side by side rather than nested under one router (see services/booking/api); the proxy
# carries the integrations' traffic, so it is matched first.
routers = [module.router for module in (proxy, fhir, tokens, docs, staff, clients)]
