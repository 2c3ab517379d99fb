"""A visit that injects nothing gets a summary and what comes next, never aftercare or a check-in;
every session, however often its event arrives, gets its messages once."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from tests.integration.notifications.helpers import (
    Stage,
    body_of,
    completed,
    consultation,
    new_patient,
    new_visit,
    plan_facts,
)


async def listed(stage: Stage, path: str, network: UUID, appointment: UUID) -> list[dict[str, Any]]:
    """What staff see in `/v1/messages` or `/v1/scheduled` for one appointment, settled."""
    return await stage.listed(path, network, appointment_id=appointment)


class TestAConsultationThatInjectedNothing:
    async def test_gets_a_summary_with_the_plan_and_the_preparation_advice_and_no_aftercare(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))
        visit = new_visit()
        event = consultation(patient, visit, stage.clock.now(), treatment_plan=plan_facts())

        await stage.publish(event)

        [mail] = await stage.mail_to(patient.email)
        body = body_of(mail)
        assert mail["Subject"].startswith(f"Your visit to {visit.clinic.name}")
        for fact in (
            "No injections were given during this visit",
            "Treatment: Hair loss, scalp",
            "Sessions:  4, one every 14 days",
            "a maintenance session every 90 days",
            "for example to plant extracts, amino acids or vitamins",
            "If you have a skin infection or a blood coagulation disorder, consult your doctor",
            "The practitioner cleans and disinfects the area to be treated.",
        ):
            assert fact in body
        for aftercare_only in ("look after the treated area", "What you may notice"):
            assert aftercare_only not in body
        network, appointment = patient.network_id, event.appointment_id
        messages = await listed(stage, "/v1/messages", network, appointment)
        assert [(m["kind"], m["status"]) for m in messages] == [("consultation_summary", "sent")]
        assert await listed(stage, "/v1/scheduled", network, appointment) == []

    async def test_without_a_plan_says_none_is_agreed_yet(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4()))

        await stage.publish(consultation(patient, new_visit(), stage.clock.now()))

        [mail] = await stage.mail_to(patient.email)
        assert "No treatment plan has been agreed yet" in body_of(mail)
        assert "Sessions:" not in body_of(mail)

    async def test_reaches_a_spanish_patient_in_spanish(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4(), locale="es"))
        event = consultation(patient, new_visit(), stage.clock.now(), treatment_plan=plan_facts())

        await stage.publish(event)

        [mail] = await stage.mail_to(patient.email)
        assert mail["Subject"].startswith("Su visita a")
        assert "Sesiones:    4, una cada 14 días" in body_of(mail)
        assert "extractos de plantas, aminoácidos o vitaminas" in body_of(mail)


class TestWhatWasInjectedDecides:
    @pytest.mark.parametrize("kind", ["follow_up", "consultation"])
    async def test_a_visit_that_injected_something_gets_aftercare_and_a_check_in(
        self, stage: Stage, kind: str
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))
        event = completed(patient, new_visit(), stage.clock.now(), areas=["face"], kind=kind)

        await stage.publish(event)

        [mail] = await stage.mail_to(patient.email)
        assert mail["Subject"].startswith("Your aftercare instructions")
        network, appointment = patient.network_id, event.appointment_id
        scheduled = await listed(stage, "/v1/scheduled", network, appointment)
        assert [m["kind"] for m in scheduled] == ["side_effect_checkin"]
        kinds = {m["kind"] for m in await listed(stage, "/v1/messages", network, appointment)}
        assert kinds == {"aftercare", "side_effect_checkin"}

    async def test_a_follow_up_that_injected_nothing_gets_only_the_summary(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))
        event = consultation(
            patient, new_visit(), stage.clock.now(), kind="follow_up", treatment_name="Follow-up"
        )

        await stage.publish(event)

        [mail] = await stage.mail_to(patient.email)
        assert "(Follow-up with Dr Marta Ruiz)" in body_of(mail)
        messages = await listed(stage, "/v1/messages", patient.network_id, event.appointment_id)
        assert [m["kind"] for m in messages] == ["consultation_summary"]


class TestEachSessionIsAnsweredOnce:
    async def test_a_redelivered_treatment_has_one_aftercare_and_one_check_in(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))
        event = completed(patient, new_visit(), stage.clock.now(), areas=["scalp"])
        first = await stage.publish(event)
        await stage.mail_to(patient.email)

        await stage.publish(event, envelope=first)  # the very same ce_id, as the broker may
        marker = await stage.register(new_patient(uuid4()))  # consumed after the redelivery
        await stage.publish(consultation(marker, new_visit(), stage.clock.now()))
        await stage.mail_to(marker.email)

        messages = await listed(stage, "/v1/messages", patient.network_id, event.appointment_id)
        assert sorted(m["kind"] for m in messages) == ["aftercare", "side_effect_checkin"]
        assert len(stage.mails_to(patient.email)) == 1

    async def test_a_redelivered_consultation_has_one_summary_and_nothing_else(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))
        event = consultation(patient, new_visit(), stage.clock.now(), treatment_plan=plan_facts())
        first = await stage.publish(event)
        await stage.mail_to(patient.email)

        await stage.publish(event, envelope=first)
        marker = await stage.register(new_patient(uuid4()))
        await stage.publish(consultation(marker, new_visit(), stage.clock.now()))
        await stage.mail_to(marker.email)

        messages = await listed(stage, "/v1/messages", patient.network_id, event.appointment_id)
        assert [m["kind"] for m in messages] == ["consultation_summary"]
        assert len(stage.mails_to(patient.email)) == 1
