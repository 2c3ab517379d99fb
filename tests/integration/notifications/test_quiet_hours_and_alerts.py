"""Quiet hours hold patient messages to the next allowed local time; urgent staff alerts go."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from uuid import uuid4

from tests.integration.notifications.helpers import (
    Stage,
    adverse_event,
    body_of,
    booked,
    completed,
    lot_exposure,
    new_patient,
    new_visit,
)
from tests.support import eventually


def next_evening(stage: Stage) -> datetime:
    """22:30 in Madrid (21:30 UTC, winter time) on the day after the tests' clock."""
    day = (stage.clock.now() + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, 21, 30, tzinfo=UTC)


class TestQuietHours:
    async def test_aftercare_due_at_night_goes_out_when_quiet_hours_end_locally(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(
            new_patient(uuid4(), quiet_hours_start=time(21, 0), quiet_hours_end=time(8, 0))
        )
        evening = next_evening(stage)
        morning = evening + timedelta(hours=9, minutes=30)  # 08:00 in Madrid
        stage.set_clock(evening)
        event = completed(patient, new_visit(), evening, areas=["face"])

        await stage.publish(event)

        async def held() -> dict | None:
            rows = await stage.messages(appointment_id=event.appointment_id, kind="aftercare")
            return rows[0] if rows and rows[0]["send_at"] == morning else None

        row = await eventually(held)
        assert row["status"] == "scheduled"
        assert row["due_at"] == evening
        assert stage.mails_to(patient.email) == []
        listed = await stage.client.get(
            "/v1/scheduled",
            params={"patient_id": str(patient.patient_id), "kind": "aftercare"},
            headers=stage.auth(patient.network_id),
        )
        assert [datetime.fromisoformat(m["send_at"]) for m in listed.json()["items"]] == [morning]

        stage.set_clock(morning)

        await stage.mail_to(patient.email)
        sent = await stage.message(appointment_id=event.appointment_id, kind="aftercare")
        assert (sent["status"], sent["sent_at"]) == ("sent", morning)

    async def test_the_staff_alert_for_an_adverse_event_is_not_held(self, stage: Stage) -> None:
        patient = await stage.register(
            new_patient(uuid4(), quiet_hours_start=time(0, 0), quiet_hours_end=time(23, 59))
        )
        visit = new_visit()
        await stage.publish(booked(patient, visit, stage.clock.now() + timedelta(days=2)))
        await eventually(
            lambda: stage.pool.fetchval(
                "SELECT true FROM practitioners WHERE practitioner_id = $1",
                visit.practitioner.practitioner_id,
            )
        )
        stage.set_clock(next_evening(stage))

        await stage.publish(adverse_event(patient, visit, stage.clock.now()))

        [to_practitioner] = await stage.mail_to(visit.practitioner.email)
        [to_clinic] = await stage.mail_to(visit.clinic.email)
        for mail in (to_practitioner, to_clinic):
            assert mail["Subject"].startswith("URGENT")
            assert "Ana García" in body_of(mail)
            assert "allergic reaction" in body_of(mail)
            assert "HA-2026-0142" in body_of(mail)


class TestARecalledLot:
    async def test_tells_the_exposed_patient_and_their_practitioner(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4()))
        visit = new_visit()
        await stage.publish(booked(patient, visit, stage.clock.now() + timedelta(days=2)))
        await stage.mail_to(patient.email)

        await stage.publish(lot_exposure(patient, visit, stage.clock.now() - timedelta(days=20)))

        mails = await stage.mail_to(patient.email, count=2)
        assert "HA-2026-0142" in body_of(mails[1])
        [to_practitioner] = await stage.mail_to(visit.practitioner.email)
        assert "sterility not assured" in body_of(to_practitioner)
        assert "Ana García" in body_of(to_practitioner)
