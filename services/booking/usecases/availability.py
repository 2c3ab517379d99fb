"""Free slots for a treatment at a clinic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from services.booking import repository
from services.booking.domain import MAX_WINDOW_DAYS, Indication, Slot, free_slots
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class FreeSlots:
    """The bookable (practitioner, room) slots, and the clinic's timezone they are local to."""

    timezone: str
    slots: list[Slot]


def _loaded(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC instants to load the calendar between, before the clinic's timezone is known."""
    # The window is capped here only to bound the query; free_slots refuses a long one.
    window_last = min(last, first + timedelta(days=MAX_WINDOW_DAYS))
    # Timezones differ by at most a day from UTC: load a day either side.
    return (
        datetime.combine(first - timedelta(days=1), time(), UTC),
        datetime.combine(window_last + timedelta(days=2), time(), UTC),
    )


async def free(
    uow: UnitOfWork,
    who: Principal,
    *,
    clinic_id: UUID,
    treatment_type_id: UUID,
    first: date,
    last: date | None = None,
    practitioner_id: UUID | None = None,
) -> FreeSlots:
    """The free slots for the treatment on the clinic's local dates first..last (≤ 31 days)."""
    if last is not None and last < first:
        raise Invalid("to is before from.", field="to")
    last = last or first
    start, end = _loaded(first, last)
    ctx = await repository.availability_context(
        uow.tx,
        network_id=who.network_id,
        clinic_id=clinic_id,
        treatment_type_id=treatment_type_id,
        start=start,
        end=end,
    )
    if ctx.clinic is None:
        raise NotFound(f"No clinic {clinic_id} in your network.")
    if ctx.treatment is None:
        raise Invalid(
            f"No treatment type {treatment_type_id} in your network.", field="treatment_type_id"
        )
    practitioners = await repository.availability_practitioners(
        uow.tx,
        network_id=who.network_id,
        clinic_id=clinic_id,
        practitioner_id=practitioner_id,
        start=start,
        end=end,
    )
    slots = free_slots(
        tz=ZoneInfo(ctx.clinic.timezone),
        date_from=first,
        date_to=last,
        duration=timedelta(minutes=ctx.treatment.duration_minutes),
        buffer=timedelta(minutes=ctx.treatment.buffer_minutes),
        grid=timedelta(minutes=ctx.clinic.slot_grid_minutes),
        indication=Indication(ctx.treatment.indication),
        practitioners=practitioners,
        rooms=ctx.rooms,
        busy=ctx.busy,
        now=datetime.now(UTC),
    )
    return FreeSlots(ctx.clinic.timezone, slots)
