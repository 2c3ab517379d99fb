"""Channel choice, skips with their reasons, retries with backoff and permanent failure."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from tests.integration.notifications.helpers import (
    Patient,
    Stage,
    body_of,
    completed,
    new_patient,
    new_visit,
)
from tests.support import eventually


async def aftercare_of(stage: Stage, patient: Patient, **kw: object) -> UUID:
    event = completed(patient, new_visit(), stage.clock.now(), areas=["face"], **kw)  # type: ignore[arg-type]
    await stage.publish(event)
    return event.appointment_id


class TestChannels:
    async def test_a_patient_who_prefers_sms_gets_an_sms(self, stage: Stage) -> None:
        patient = await stage.register(
            new_patient(uuid4(), phone="+34600111222", preferred_channel="sms")
        )

        appointment = await aftercare_of(stage, patient)

        row = await stage.message(appointment_id=appointment, kind="aftercare")
        assert (row["status"], row["channel"], row["address"]) == ("sent", "sms", "+34600111222")
        [sms] = stage.sms_to("+34600111222")
        assert "aftercare" in sms["body"]
        assert sms["reference"] == str(row["id"])
        assert stage.mails_to(patient.email) == []

    async def test_an_email_opt_out_falls_back_to_sms(self, stage: Stage) -> None:
        patient = await stage.register(
            new_patient(uuid4(), phone="+34600333444", channel_opt_outs=["email"])
        )

        appointment = await aftercare_of(stage, patient)

        row = await stage.message(appointment_id=appointment, kind="aftercare")
        assert (row["status"], row["channel"]) == ("sent", "sms")
        assert len(stage.sms_to("+34600333444")) == 1


class TestSkips:
    async def test_no_contact_details_is_recorded_as_skipped_with_the_reason(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4(), email=None, phone=None))

        appointment = await aftercare_of(stage, patient)

        row = await stage.message(appointment_id=appointment, kind="aftercare")
        assert row["status"] == "skipped"
        assert row["status_reason"] == (
            "no_contact_details: email: no email address; sms: no phone number"
        )

    async def test_opting_out_of_every_channel_is_recorded_as_skipped(self, stage: Stage) -> None:
        patient = await stage.register(
            new_patient(uuid4(), phone="+34600555666", channel_opt_outs=["email", "sms"])
        )

        appointment = await aftercare_of(stage, patient)

        row = await stage.message(appointment_id=appointment, kind="aftercare")
        assert row["status"] == "skipped"
        assert row["status_reason"].startswith("opted_out:")

    async def test_a_maintenance_reminder_is_care_and_needs_no_marketing_consent(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4(), marketing_consent=False))
        soon = (stage.clock.now() + timedelta(days=2)).date()  # inside the lead: due at once

        appointment = await aftercare_of(stage, patient, maintenance_due=soon)

        row = await stage.message(appointment_id=appointment, kind="maintenance_reminder")
        assert (row["status"], row["status_reason"]) == ("sent", None)
        mails = await stage.mail_to(patient.email, count=2)
        reminder = next(m for m in mails if "maintenance session is due" in m["Subject"])
        assert "part of the treatment plan you agreed" in body_of(reminder)
        assert "agreed to hear from" not in body_of(reminder)

    async def test_a_maintenance_reminder_still_respects_a_channel_opt_out(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(
            new_patient(uuid4(), phone="+34600777888", channel_opt_outs=["email", "sms"])
        )
        soon = (stage.clock.now() + timedelta(days=2)).date()

        appointment = await aftercare_of(stage, patient, maintenance_due=soon)

        row = await stage.message(appointment_id=appointment, kind="maintenance_reminder")
        assert row["status"] == "skipped"
        assert row["status_reason"].startswith("opted_out:")
        assert stage.sms_to("+34600777888") == []

    async def test_a_patient_never_heard_of_is_skipped_after_the_grace_period(
        self, stage: Stage
    ) -> None:
        stranger = new_patient(uuid4())  # no PatientRegistered published

        appointment = await aftercare_of(stage, stranger)

        held = await stage.message(appointment_id=appointment, kind="aftercare", settled=False)
        assert held["status"] == "scheduled"
        stage.advance(timedelta(seconds=stage.settings.unknown_recipient_grace_seconds + 1))

        async def skipped() -> dict | None:
            row = await stage.message(appointment_id=appointment, kind="aftercare")
            return row if row["status"] == "skipped" else None

        row = await eventually(skipped)
        assert "is not known to notifications" in row["status_reason"]


class TestSmtpFailures:
    async def test_a_temporary_failure_is_retried_after_the_backoff(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4()))
        stage.mail.refuse_next = 1

        appointment = await aftercare_of(stage, patient)

        first = await _attempted(stage, appointment, 1)
        assert first["status"] == "scheduled"
        assert first["send_at"] == stage.clock.now() + timedelta(seconds=30)
        stage.advance(timedelta(seconds=30))
        await stage.mail_to(patient.email)
        row = await stage.message(appointment_id=appointment, kind="aftercare")
        assert (row["status"], row["attempts"]) == ("sent", 2)

    async def test_failing_on_every_attempt_is_recorded_as_failed_with_the_reason(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))
        stage.mail.refuse_next = 3  # max_attempts is 3 for these tests

        appointment = await aftercare_of(stage, patient)

        await _attempted(stage, appointment, 1)
        stage.advance(timedelta(seconds=30))
        await _attempted(stage, appointment, 2)
        stage.advance(timedelta(seconds=60))
        row = await _attempted(stage, appointment, 3)
        assert row["status"] == "failed"
        assert row["status_reason"].startswith("still failing after 3 attempts: SMTP 451")
        assert stage.mails_to(patient.email) == []

        shown = await stage.client.get(
            f"/v1/messages/{row['id']}", headers=stage.auth(patient.network_id)
        )
        assert shown.status_code == 200
        body = shown.json()
        assert body["status"] == "failed"
        assert [a["outcome"] for a in body["attempts_log"]] == ["temporary_failure"] * 3
        assert body["subject"].startswith("Your aftercare instructions")


async def _attempted(stage: Stage, appointment: UUID, attempts: int) -> dict:
    async def done() -> dict | None:
        rows = await stage.messages(appointment_id=appointment, kind="aftercare")
        if rows and rows[0]["attempts"] == attempts and rows[0]["status"] != "sending":
            return rows[0]
        return None

    return await eventually(done)


class TestAWorkerStoppedMidSend:
    async def test_a_message_left_sending_past_its_lease_fails_as_unknown_and_is_not_resent(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))
        appointment = await aftercare_of(stage, patient)
        await stage.message(appointment_id=appointment, kind="aftercare")
        checkin = await stage.message(
            appointment_id=appointment, kind="side_effect_checkin", settled=False
        )
        assert checkin["status"] == "scheduled"
        # A worker marked the check-in `sending`, opened its attempt, and was stopped.
        async with stage.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                """UPDATE messages SET status = 'sending', sending_since = $2, attempts = 1,
                       channel = 'email', address = $3
                   WHERE id = $1""",
                checkin["id"],
                stage.clock.now(),
                patient.email,
            )
            await conn.execute(
                """INSERT INTO message_attempts (message_id, number, channel, address, started_at)
                   VALUES ($1, 1, 'email', $2, $3)""",
                checkin["id"],
                patient.email,
                stage.clock.now(),
            )
        mails_before = len(stage.mails_to(patient.email))

        stage.advance(timedelta(seconds=stage.settings.sending_lease_seconds + 1))

        async def expired() -> dict | None:
            [row] = await stage.messages(id=checkin["id"])
            return row if row["status"] == "failed" else None

        row = await eventually(expired)
        assert row["status_reason"].startswith("delivery outcome unknown")
        outcome = await stage.pool.fetchval(
            "SELECT outcome FROM message_attempts WHERE message_id = $1 AND number = 1",
            checkin["id"],
        )
        assert outcome == "outcome_unknown"
        assert len(stage.mails_to(patient.email)) == mails_before
