"""HTTP boundary of the formulary service: thin routers that parse, call one use case, respond."""

from services.formulary.api import blends, catalog, cross_checks, lots

PREFIX = "/v1"
# Side by side rather than nested under one prefix router (see services/booking/api).
routers = [module.router for module in (cross_checks, catalog, blends, lots)]
