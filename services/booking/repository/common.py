"""What the repository modules share: the statuses that occupy the calendar and the names of
the exclusion constraints that guarantee it."""

from __future__ import annotations

from services.booking.domain import ACTIVE_STATUSES, PractitionerTaken, RoomTaken

ACTIVE = [s.value for s in ACTIVE_STATUSES]
MAX_OCCUPATION = "2 hours"  # longest treatment (60 min) + longest buffer (60 min)
CONSTRAINT_ERRORS = {
    "appointments_practitioner_free": PractitionerTaken,
    "appointments_room_free": RoomTaken,
}
