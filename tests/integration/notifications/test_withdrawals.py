"""Messages that no longer apply do not go out: each change of an appointment withdraws exactly
the pending messages it makes wrong, and a reminder to book is dropped once the booking exists."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from tests.integration.notifications.helpers import (
    Patient,
    Stage,
    booked,
    cancelled,
    completed,
    new_patient,
    new_visit,
    no_show,
    plan_facts,
)
from tests.support import eventually


async def listed(stage: Stage, path: str, network: UUID, **params: Any) -> list[dict[str, Any]]:
    """What staff see in `/v1/messages` or `/v1/scheduled`, settled."""
    return await stage.listed(path, network, **params)


async def logged(stage: Stage, network: UUID, status: str, **params: Any) -> dict[str, Any]:
    """The one message of the log matching `params` once it has `status`."""

    async def found() -> dict[str, Any] | None:
        items = await listed(stage, "/v1/messages", network, **params)
        return items[0] if len(items) == 1 and items[0]["status"] == status else None

    return await eventually(found)


class TestAppointmentChanges:
    async def test_a_no_show_withdraws_the_pending_reminder_and_tells_the_patient_nothing(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))
        event = booked(patient, new_visit(), stage.clock.now() + timedelta(days=3))
        await stage.publish(event)
        await stage.mail_to(patient.email)

        await stage.publish(no_show(event))

        network, appointment = patient.network_id, event.appointment_id
        reminder = await logged(
            stage, network, "withdrawn", appointment_id=appointment, kind="appointment_reminder"
        )
        assert reminder["status_reason"] == "appointment missed (no-show)"
        assert await listed(stage, "/v1/scheduled", network, appointment_id=appointment) == []
        log = await listed(stage, "/v1/messages", network, appointment_id=appointment)
        assert sorted(m["kind"] for m in log) == [
            "appointment_confirmation",
            "appointment_reminder",
        ]

    async def test_a_session_completed_early_withdraws_its_reminder(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4()))
        visit = new_visit()
        event = booked(patient, visit, stage.clock.now() + timedelta(days=3))
        await stage.publish(event)
        await stage.mail_to(patient.email)

        await stage.publish(
            completed(
                patient,
                visit,
                stage.clock.now(),
                areas=["face"],
                appointment_id=event.appointment_id,
                treatment_type_id=event.treatment_type_id,
            )
        )

        network, appointment = patient.network_id, event.appointment_id
        reminder = await logged(
            stage, network, "withdrawn", appointment_id=appointment, kind="appointment_reminder"
        )
        assert reminder["status_reason"] == "session completed"
        await stage.mail_to(patient.email, count=2)  # the aftercare still goes
        scheduled = await listed(stage, "/v1/scheduled", network, appointment_id=appointment)
        assert [m["kind"] for m in scheduled] == ["side_effect_checkin"]

    async def test_cancelling_one_appointment_leaves_the_patient_s_other_messages_alone(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))
        visit = new_visit()
        earlier = completed(patient, visit, stage.clock.now(), areas=["face"])
        first = booked(patient, visit, stage.clock.now() + timedelta(days=3))
        second = booked(patient, visit, stage.clock.now() + timedelta(days=5))
        for event in (earlier, first, second):
            await stage.publish(event)
        await stage.mail_to(patient.email, count=3)

        await stage.publish(cancelled(first))

        network = patient.network_id
        await logged(
            stage,
            network,
            "withdrawn",
            appointment_id=first.appointment_id,
            kind="appointment_reminder",
        )
        scheduled = await listed(stage, "/v1/scheduled", network, patient_id=patient.patient_id)
        assert sorted((m["kind"], m["appointment_id"]) for m in scheduled) == sorted(
            [
                ("side_effect_checkin", str(earlier.appointment_id)),
                ("appointment_reminder", str(second.appointment_id)),
            ]
        )


async def a_session_with_a_reminder_to_book(
    stage: Stage, patient: Patient, treatment_type: UUID, kind: str = "next_session_due"
) -> tuple[UUID, datetime]:
    """A completed session of `treatment_type` whose plan has the next session (or maintenance)
    due a day after its reminder's lead: its appointment id and when the reminder goes out."""
    lead = 3 if kind == "next_session_due" else 7
    due = (stage.clock.now() + timedelta(days=lead + 1)).date()
    dates = {"next_session_due": due} if kind == "next_session_due" else {"maintenance_due": due}
    event = completed(
        patient,
        new_visit(),
        stage.clock.now(),
        areas=["scalp"],
        treatment_type_id=treatment_type,
        treatment_plan=plan_facts(treatment_type),
        **dates,  # type: ignore[arg-type]
    )
    await stage.publish(event)
    await stage.mail_to(patient.email)

    async def scheduled() -> list[dict[str, Any]] | None:
        return await listed(
            stage,
            "/v1/scheduled",
            patient.network_id,
            appointment_id=event.appointment_id,
            kind=kind,
        )

    [reminder] = await eventually(scheduled)
    return event.appointment_id, datetime.fromisoformat(reminder["send_at"])


class TestAReminderToBook:
    async def test_is_withdrawn_when_the_next_session_of_that_treatment_is_booked(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))
        treatment = uuid4()
        session, send_at = await a_session_with_a_reminder_to_book(stage, patient, treatment)
        next_one = booked(
            patient, new_visit(), send_at + timedelta(days=3), treatment_type_id=treatment
        )
        await stage.publish(next_one)
        await stage.mail_to(patient.email, count=2)

        stage.set_clock(send_at)

        reminder = await logged(
            stage,
            patient.network_id,
            "withdrawn",
            appointment_id=session,
            kind="next_session_due",
        )
        assert reminder["status_reason"].startswith(
            f"next_session_booked: appointment {next_one.appointment_id} on "
        )
        assert reminder["status_reason"].endswith(" is booked")
        assert len(stage.mails_to(patient.email)) == 2

    async def test_goes_out_when_that_booking_was_cancelled_before_it_was_due(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))
        treatment = uuid4()
        session, send_at = await a_session_with_a_reminder_to_book(stage, patient, treatment)
        next_one = booked(
            patient, new_visit(), send_at + timedelta(days=3), treatment_type_id=treatment
        )
        await stage.publish(next_one)
        await stage.publish(cancelled(next_one))
        await stage.mail_to(patient.email, count=3)

        stage.set_clock(send_at)

        await logged(
            stage, patient.network_id, "sent", appointment_id=session, kind="next_session_due"
        )
        subjects = [m["Subject"] for m in stage.mails_to(patient.email)]
        assert "Time to book your next Skin rejuvenation session" in subjects

    async def test_a_booking_of_another_treatment_does_not_hold_it_back(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4()))
        session, send_at = await a_session_with_a_reminder_to_book(stage, patient, uuid4())
        other = booked(patient, new_visit(), send_at + timedelta(days=3), treatment_type_id=uuid4())
        await stage.publish(other)
        await stage.mail_to(patient.email, count=2)

        stage.set_clock(send_at)

        await logged(
            stage, patient.network_id, "sent", appointment_id=session, kind="next_session_due"
        )

    async def test_a_maintenance_reminder_is_withdrawn_once_maintenance_is_booked(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))
        treatment = uuid4()
        session, send_at = await a_session_with_a_reminder_to_book(
            stage, patient, treatment, kind="maintenance_reminder"
        )
        await stage.publish(
            booked(patient, new_visit(), send_at + timedelta(days=7), treatment_type_id=treatment)
        )
        await stage.mail_to(patient.email, count=2)

        stage.set_clock(send_at)

        reminder = await logged(
            stage,
            patient.network_id,
            "withdrawn",
            appointment_id=session,
            kind="maintenance_reminder",
        )
        assert reminder["status_reason"].startswith("next_session_booked: ")
