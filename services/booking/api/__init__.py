"""HTTP boundary of the booking service, one router per resource: parse the request, call one
use case, map its result to a response model (`views`). Each request's unit of work commits
after its response is built (`UnitOfWorkRoute`)."""

from services.booking.api import (
    appointments,
    availability,
    catalog,
    clinics,
    feeds,
    plans,
    practitioners,
)

PREFIX = "/v1"
# Included side by side, not nested under one prefix router: FastAPI matches a request against
# the routes in order, and a nested router costs more per route passed. Busiest first.
routers = [
    module.router
    for module in (
        appointments,
        availability,
        clinics,
        practitioners,
        catalog,
        plans,
        feeds,
    )
]
# Read by calendar apps without a token: the secret in its path is the key.
routers.append(feeds.public)

__all__ = ["PREFIX", "routers"]
