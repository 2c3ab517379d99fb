"""booking's calendar helpers: local-day windows across DST, rows to domain values."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from uuid import uuid4
from zoneinfo import ZoneInfo

from services.booking.domain import Indication, local_window
from services.booking.repository.calendar import busy, practitioner_availability


def test_a_spring_forward_day_in_paris_is_23_hours_long() -> None:
    start, end = local_window(ZoneInfo("Europe/Paris"), date(2027, 3, 28), date(2027, 3, 28))
    assert start == datetime(2027, 3, 27, 23, 0, tzinfo=UTC)
    assert end == datetime(2027, 3, 28, 22, 0, tzinfo=UTC)


def test_a_fall_back_day_in_new_york_is_25_hours_long() -> None:
    start, end = local_window(ZoneInfo("America/New_York"), date(2027, 11, 7), date(2027, 11, 7))
    assert (end - start).total_seconds() == 25 * 3600


def test_a_practitioner_row_becomes_its_availability() -> None:
    pid = uuid4()
    off = (datetime(2027, 6, 7, 8, tzinfo=UTC), datetime(2027, 6, 7, 12, tzinfo=UTC))
    availability = practitioner_availability(
        {
            "id": pid,
            "weekdays": [0, 0],
            "starts": [time(9), time(14)],
            "ends": [time(12), time(18)],
            "off_starts": [off[0]],
            "off_ends": [off[1]],
            "licence_expires_on": date(2030, 1, 1),
            "indications": ["hair_loss"],
        }
    )
    assert availability.practitioner_id == pid
    assert [(h.start, h.end) for h in availability.working_hours] == [
        (time(9), time(12)),
        (time(14), time(18)),
    ]
    assert availability.indications == frozenset({Indication.hair_loss})
    assert (availability.time_off[0].start, availability.time_off[0].end) == off


def test_busy_rows_keep_the_buffer_in_their_end() -> None:
    pid, room = uuid4(), uuid4()
    start, until = datetime(2027, 6, 7, 8, tzinfo=UTC), datetime(2027, 6, 7, 8, 50, tzinfo=UTC)
    [entry] = busy([(pid, room, start, until)])
    assert (entry.practitioner_id, entry.room_id, entry.start, entry.end) == (
        pid,
        room,
        start,
        until,
    )
