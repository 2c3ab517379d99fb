"""Free slots for a treatment at a clinic."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from services.booking import repository
from services.booking.api import calendar
from services.booking.api.access import Reader
from services.booking.domain import MAX_WINDOW_DAYS, Indication, free_slots
from services.booking.schemas import Availability, SlotRead
from shared.db import Tx
from shared.errors import Invalid, NotFound
from shared.service import problem

router = APIRouter(tags=["availability"])


@router.get(
    "/availability",
    summary="Free (practitioner, room) slots for a treatment type at a clinic",
    description=(
        "Dates are local dates in the clinic's timezone (at most 31 days). A slot lies inside "
        "the practitioner's working hours with its cleaning buffer, outside time off, clear of "
        "the practitioner's appointments anywhere and of the room's, for practitioners who "
        "treat the indication with a licence valid that day. Slots already past are left out."
    ),
    responses={404: problem("No such clinic in your network")},
)
async def availability(
    tx: Tx,
    who: Reader,
    clinic_id: UUID,
    treatment_type_id: UUID,
    date_from: Annotated[date, Query(alias="from", description="First local date")],
    date_to: Annotated[date | None, Query(alias="to", description="Last local date")] = None,
    practitioner_id: UUID | None = None,
) -> Availability:
    if date_to is not None and date_to < date_from:
        raise Invalid("to is before from.", field="to")
    last = date_to or date_from
    # The window is capped here only to bound the query; free_slots refuses a long one.
    window_last = min(last, date_from + timedelta(days=MAX_WINDOW_DAYS))
    # Timezones differ by at most a day from UTC: load a day either side, then know the clinic.
    start = datetime.combine(date_from - timedelta(days=1), time(), UTC)
    end = datetime.combine(window_last + timedelta(days=2), time(), UTC)
    ctx = await repository.availability_context(
        tx,
        network_id=who.network_id,
        clinic_id=clinic_id,
        treatment_type_id=treatment_type_id,
        start=start,
        end=end,
    )
    if ctx["clinic_id"] is None:
        raise NotFound(f"No clinic {clinic_id} in your network.")
    if ctx["type_id"] is None:
        raise Invalid(
            f"No treatment type {treatment_type_id} in your network.", field="treatment_type_id"
        )
    practitioners = [
        calendar.practitioner_availability(r)
        for r in await repository.availability_practitioners(
            tx,
            network_id=who.network_id,
            clinic_id=clinic_id,
            practitioner_id=practitioner_id,
            start=start,
            end=end,
        )
    ]
    slots = free_slots(
        tz=ZoneInfo(ctx["timezone"]),
        date_from=date_from,
        date_to=last,
        duration=timedelta(minutes=ctx["duration_minutes"]),
        buffer=timedelta(minutes=ctx["buffer_minutes"]),
        grid=timedelta(minutes=ctx["slot_grid_minutes"]),
        indication=Indication(ctx["indication"]),
        practitioners=practitioners,
        rooms=list(ctx["rooms"]),
        busy=calendar.busy(
            list(
                zip(
                    ctx["busy_practitioners"],
                    ctx["busy_rooms"],
                    ctx["busy_starts"],
                    ctx["busy_ends"],
                    strict=True,
                )
            )
        ),
        now=datetime.now(UTC),
    )
    return Availability(
        clinic_id=clinic_id,
        treatment_type_id=treatment_type_id,
        timezone=ctx["timezone"],
        slots=[
            SlotRead(start=s.start, end=s.end, practitioner_id=s.practitioner_id, room_id=s.room_id)
            for s in slots
        ],
    )
