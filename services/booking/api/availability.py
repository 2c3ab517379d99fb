"""Free slots for a treatment at a clinic."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from services.booking.api import views
from services.booking.api.deps import Reader
from services.booking.schemas import Availability
from services.booking.usecases import availability as slots
from shared.inputs import Day
from shared.openapi import problem, rules
from shared.uow import UnitOfWorkRoute, UoW

router = APIRouter(route_class=UnitOfWorkRoute, tags=["availability"])


@router.get(
    "/availability",
    summary="Free (practitioner, room) slots for a treatment type at a clinic",
    description=(
        "Dates are local dates in the clinic's timezone (at most 31 days). A slot lies inside "
        "the practitioner's working hours with its cleaning buffer, outside time off, clear of "
        "the practitioner's appointments anywhere and of the room's, for practitioners who "
        "treat the indication with a licence valid that day. Slots already past are left out."
    ),
    responses={
        404: problem("No such clinic in your network"),
        422: rules(
            "The request is not valid; `errors` names the fields",
            "`to` is not before `from`, at most 31 days after it",
            "The treatment type is of your network",
        ),
    },
)
async def availability(
    who: Reader,
    uow: UoW,
    clinic_id: UUID,
    treatment_type_id: UUID,
    date_from: Annotated[Day, Query(alias="from", description="First local date")],
    date_to: Annotated[Day | None, Query(alias="to", description="Last local date")] = None,
    practitioner_id: UUID | None = None,
) -> Availability:
    found = await slots.free(
        uow,
        who,
        clinic_id=clinic_id,
        treatment_type_id=treatment_type_id,
        first=date_from,
        last=date_to,
        practitioner_id=practitioner_id,
    )
    return Availability(
        clinic_id=clinic_id,
        treatment_type_id=treatment_type_id,
        timezone=found.timezone,
        slots=[views.slot(s) for s in found.slots],
    )
