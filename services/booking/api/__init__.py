"""HTTP boundary of the booking service, one module per resource: parse, authorize, call the
domain and the repository, respond."""

from services.booking.api import (
    appointments,
    availability,
    catalog,
    clinics,
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
    )
]

__all__ = ["PREFIX", "routers"]
