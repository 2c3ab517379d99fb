"""Booked → confirmation and a reminder; rescheduled → update; cancelled → reminder withdrawn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from tests.integration.notifications.helpers import (
    Stage,
    body_of,
    booked,
    cancelled,
    new_patient,
    new_visit,
    rescheduled,
)

LEAD = timedelta(hours=24)


def in_days(stage: Stage, days: int, hour_utc: int = 9) -> datetime:
    """A start time `days` after the tests' clock, at 10:00 in Madrid (09:00 UTC in winter)."""
    day = (stage.clock.now() + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour_utc, tzinfo=UTC)


class TestABookedAppointment:
    async def test_is_confirmed_at_once_with_date_clinic_practitioner_and_preparation(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))
        visit = new_visit()
        event = booked(patient, visit, in_days(stage, 3))

        await stage.publish(event)

        [mail] = await stage.mail_to(patient.email)
        body = body_of(mail)
        assert "10:00" in body  # the clinic's wall clock, not UTC
        assert visit.clinic.name in body
        assert visit.practitioner.name in body
        assert "allergies" in body

    async def test_gets_a_reminder_the_configured_lead_before(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4()))
        starts = in_days(stage, 3)
        event = booked(patient, new_visit(), starts)
        await stage.publish(event)
        await stage.mail_to(patient.email)

        reminder = await stage.message(
            appointment_id=event.appointment_id, kind="appointment_reminder", settled=False
        )
        assert reminder["status"] == "scheduled"
        assert reminder["send_at"] == starts - LEAD

        stage.set_clock(starts - LEAD)

        mails = await stage.mail_to(patient.email, count=2)
        assert "reminder" in mails[1]["Subject"].lower()


class TestACancelledAppointment:
    async def test_has_its_reminder_withdrawn_and_the_patient_told(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4()))
        starts = in_days(stage, 4)
        event = booked(patient, new_visit(), starts)
        await stage.publish(event)
        await stage.mail_to(patient.email)

        await stage.publish(cancelled(event))

        mails = await stage.mail_to(patient.email, count=2)
        assert "cancel" in mails[1]["Subject"].lower()
        reminder = await stage.message(
            appointment_id=event.appointment_id, kind="appointment_reminder"
        )
        assert reminder["status"] == "withdrawn"
        assert reminder["status_reason"] == "appointment cancelled"

        stage.set_clock(starts - LEAD + timedelta(minutes=1))
        marker = await stage.register(new_patient(uuid4()))
        await stage.publish(booked(marker, new_visit(), in_days(stage, 5)))
        await stage.mail_to(marker.email)  # the worker has run since the reminder fell due
        assert len(stage.mails_to(patient.email)) == 2


class TestARescheduledAppointment:
    async def test_moves_its_reminder_and_tells_the_new_time(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4()))
        first = booked(patient, new_visit(), in_days(stage, 3))
        await stage.publish(first)
        await stage.mail_to(patient.email)
        new_start = in_days(stage, 6, hour_utc=15)  # 16:00 in Madrid

        await stage.publish(rescheduled(first, new_start))

        mails = await stage.mail_to(patient.email, count=2)
        assert "16:00" in body_of(mails[1])
        assert "10:00" in body_of(mails[1])  # where it was moved from
        reminders = await stage.messages(
            appointment_id=first.appointment_id, kind="appointment_reminder"
        )
        assert sorted((r["status"], r["send_at"]) for r in reminders) == [
            ("scheduled", new_start - LEAD),
            ("withdrawn", first.starts_at - LEAD),
        ]
