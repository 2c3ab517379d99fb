"""HTTP boundary of the booking service, one module per resource: parse, authorize, call the
domain and the repository, respond."""

from fastapi import APIRouter

from services.booking.api import (
    appointments,
    availability,
    catalog,
    clinics,
    plans,
    practitioners,
    skeleton,
)

router = APIRouter(prefix="/v1")
for module in (
    clinics,
    practitioners,
    catalog,
    plans,
    availability,
    appointments,
    skeleton,
):
    router.include_router(module.router)

__all__ = ["router"]
