"""What booking's FHIR resources are named by: derived schedule and slot ids, and the FHIR
Appointment.status of each booking status."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

from services.booking.domain import Status
from services.booking.domain.fhir import (
    APPOINTMENT_STATUS,
    parse_slot_id,
    schedule_id,
    slot_id,
    slot_key,
    statuses_of,
)

FHIR_ID = re.compile(r"^[A-Za-z0-9\-\.]{1,64}$")


class TestIds:
    def test_a_schedule_id_is_the_same_for_the_same_practitioner_and_clinic(self) -> None:
        practitioner, clinic = uuid4(), uuid4()
        assert schedule_id(practitioner, clinic) == schedule_id(practitioner, clinic)
        assert schedule_id(practitioner, clinic) != schedule_id(clinic, practitioner)

    def test_a_slot_id_is_a_fhir_id_that_gives_back_its_key_and_start(self) -> None:
        schedule, treatment = uuid4(), uuid4()
        start = datetime(2027, 3, 28, 9, 15, tzinfo=ZoneInfo("Europe/Paris"))
        made = slot_id(schedule, treatment, start)
        assert FHIR_ID.match(made)
        assert parse_slot_id(made) == (slot_key(schedule, treatment), start.astimezone(UTC))
        assert slot_id(schedule, treatment, start.astimezone(UTC)) == made

    def test_what_is_not_a_slot_id_is_none(self) -> None:
        key = slot_key(uuid4(), uuid4())
        for text in ("", "nonsense", f"{key}-202713010000", f"{key}-2027010100", key):
            assert parse_slot_id(text) is None


class TestStatuses:
    def test_every_booking_status_has_a_fhir_code(self) -> None:
        assert set(APPOINTMENT_STATUS) == set(Status)
        assert APPOINTMENT_STATUS[Status.completed] == "fulfilled"
        assert APPOINTMENT_STATUS[Status.no_show] == "noshow"

    def test_a_fhir_code_stands_for_booking_statuses(self) -> None:
        assert statuses_of("arrived") == [Status.checked_in, Status.in_progress]
        assert statuses_of("waitlist") == []
        assert statuses_of("late") is None
