"""What the repository modules share: the statuses that occupy the calendar, the names of the
exclusion constraints that guarantee it, and a page of a network's rows by name."""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from services.booking.domain import ACTIVE_STATUSES, PractitionerTaken, RoomTaken
from shared.db import Transaction, records_of

R = TypeVar("R")

ACTIVE = [s.value for s in ACTIVE_STATUSES]
MAX_OCCUPATION = "2 hours"  # longest treatment (60 min) + longest buffer (60 min)
CONSTRAINT_ERRORS = {
    "appointments_practitioner_free": PractitionerTaken,
    "appointments_room_free": RoomTaken,
}


async def by_name(
    tx: Transaction,
    record: type[R],
    table: str,
    *,
    network_id: UUID,
    limit: int,
    after: tuple[str, UUID] | None,
) -> list[R]:
    """The network's rows of `table` by name (then id), after `after`; `limit + 1` of them so
    the caller knows whether there is a next page."""
    rows = await tx.fetch(
        f"""SELECT * FROM {table} WHERE network_id = $1
             AND ($2::text IS NULL OR (name, id) > ($2, $3::uuid))
           ORDER BY name, id LIMIT $4""",
        network_id,
        after[0] if after else None,
        after[1] if after else None,
        limit + 1,
    )
    return records_of(record, rows)
