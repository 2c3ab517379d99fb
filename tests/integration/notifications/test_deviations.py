"""Injections outside a passing cross-check alert the clinic and the practitioner at once; a
contraindicated one brings the patient's side-effect check-in forward to within hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from shared.events.booking import SessionCompleted
from tests.integration.notifications.helpers import (
    CHAMOMILE,
    HYALURONIC_ACID,
    Patient,
    Stage,
    Visit,
    body_of,
    completed,
    deviation,
    new_patient,
    new_visit,
)
from tests.support import eventually

REASON = "Blend changed mid-session; patient informed and consented"
MADRID = ZoneInfo("Europe/Madrid")


def with_deviation(
    patient: Patient, visit: Visit, at: datetime, severity: str = "contraindicated"
) -> SessionCompleted:
    """A session in which chamomile went in for a patient allergic to its family."""
    return completed(
        patient,
        visit,
        at,
        areas=["face"],
        ingredients=[HYALURONIC_ACID, CHAMOMILE],
        deviations=[deviation(CHAMOMILE, "allergy.compositae", "allergy", severity)],
        deviation_reason=REASON,
        cross_check_verdict=severity,
    )


async def scheduled_check_in(stage: Stage, event: SessionCompleted) -> dict[str, Any]:
    response = await stage.client.get(
        "/v1/scheduled",
        params={"appointment_id": str(event.appointment_id), "kind": "side_effect_checkin"},
        headers=stage.auth(event.network_id),
    )
    [item] = response.json()["items"]
    return item  # type: ignore[no-any-return]


class TestTheStaffAlert:
    async def test_reaches_the_clinic_and_the_practitioner_at_once_even_in_quiet_hours(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(
            new_patient(uuid4(), quiet_hours_start=time(0, 0), quiet_hours_end=time(23, 59))
        )
        visit = new_visit()
        event = with_deviation(patient, visit, stage.clock.now())

        await stage.publish(event)

        [to_practitioner] = await stage.mail_to(visit.practitioner.email)
        [to_clinic] = await stage.mail_to(visit.clinic.email)
        for mail in (to_practitioner, to_clinic):
            body = body_of(mail)
            assert mail["Subject"] == (
                "URGENT: injected without a passing cross-check (contraindicated) for patient "
                f"{patient.patient_id}"
            )
            for fact in (
                f"Ana García ({patient.patient_id})",
                "Chamomile extract, lots CH-2026-0007",
                "contraindicated: allergy (allergy.compositae)",
                "Completed by: practitioner@example.test",
                f"Reason given: {REASON}",
                "check-in goes out within hours",
            ):
                assert fact in body
            assert "Hyaluronic acid" not in body  # it passed the check: not a deviation
        assert "Dr Marta Ruiz" in body_of(to_practitioner)
        assert f"{visit.clinic.name} team" in body_of(to_clinic)

    async def test_a_session_without_deviations_alerts_nobody(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4()))
        event = completed(patient, new_visit(), stage.clock.now(), areas=["face"])

        await stage.publish(event)

        await stage.mail_to(patient.email)
        alerts = await stage.client.get(
            "/v1/messages",
            params={
                "appointment_id": str(event.appointment_id),
                "kind": "unchecked_administration_alert",
            },
            headers=stage.auth(patient.network_id),
        )
        assert alerts.json()["items"] == []


class TestThePatientAfterADeviation:
    async def test_still_gets_aftercare_and_the_check_in_within_hours(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4()))
        event = with_deviation(patient, new_visit(), stage.clock.now())
        hours = timedelta(hours=stage.settings.contraindicated_checkin_after_hours)

        await stage.publish(event)

        [aftercare] = await stage.mail_to(patient.email)
        assert aftercare["Subject"].startswith("Your aftercare instructions")
        check_in = await scheduled_check_in(stage, event)
        assert datetime.fromisoformat(check_in["send_at"]) == event.completed_at + hours
        stage.advance(hours)
        mails = await stage.mail_to(patient.email, count=2)
        assert mails[1]["Subject"] == "How are you feeling after your treatment?"
        assert "about a day" not in body_of(mails[1])

    async def test_a_caution_deviation_keeps_the_check_in_about_a_day_later(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4(), timezone="UTC"))
        visit = new_visit()
        event = with_deviation(patient, visit, stage.clock.now(), severity="caution")

        await stage.publish(event)

        [alert] = await stage.mail_to(visit.clinic.email)
        assert "(caution)" in alert["Subject"]
        check_in = await scheduled_check_in(stage, event)
        assert datetime.fromisoformat(check_in["send_at"]) == event.completed_at + timedelta(days=1)

    async def test_the_early_check_in_waits_for_the_end_of_quiet_hours(self, stage: Stage) -> None:
        patient = await stage.register(
            new_patient(uuid4(), quiet_hours_start=time(21, 0), quiet_hours_end=time(8, 0))
        )
        day = (stage.clock.now() + timedelta(days=1)).date()
        evening = datetime.combine(day, time(19, 0), MADRID)
        morning = datetime.combine(day + timedelta(days=1), time(8, 0), MADRID)
        stage.set_clock(evening)
        event = with_deviation(patient, new_visit(), evening)
        await stage.publish(event)
        await stage.mail_to(patient.email)  # the aftercare, before quiet hours

        stage.set_clock(evening + timedelta(hours=4))  # 23:00 in Madrid: quiet hours

        async def held_until_morning() -> dict[str, Any] | None:
            item = await scheduled_check_in(stage, event)
            return item if datetime.fromisoformat(item["send_at"]) == morning else None

        await eventually(held_until_morning)
        assert len(stage.mails_to(patient.email)) == 1
        stage.set_clock(morning)
        mails = await stage.mail_to(patient.email, count=2)
        assert mails[1]["Subject"] == "How are you feeling after your treatment?"
