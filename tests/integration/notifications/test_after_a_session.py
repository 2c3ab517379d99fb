"""SessionCompleted → aftercare for the treated areas now, then the follow-ups, exactly once."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from services.notifications.domain import (
    EVERYONE_INSTRUCTIONS,
    GROUP_INSTRUCTIONS,
    AreaGroup,
)
from services.notifications.domain.aftercare_text import EN
from tests.integration.notifications.helpers import (
    Stage,
    body_of,
    completed,
    new_patient,
    new_visit,
)


def texts(codes: tuple[str, ...] | list[str]) -> set[str]:
    return {EN[c] for c in codes}


ALL_AREA_INSTRUCTIONS = texts([c for group in AreaGroup for c in GROUP_INSTRUCTIONS[group]])


def instruction_lines(body: str) -> set[str]:
    """The bullet lines of the mail that are aftercare instructions (not side effects)."""
    bullets = {line.removeprefix("- ") for line in body.splitlines() if line.startswith("- ")}
    return bullets & (ALL_AREA_INSTRUCTIONS | texts(EVERYONE_INSTRUCTIONS))


class TestAftercareIsTailoredToTheTreatedArea:
    async def test_a_face_session_gets_the_face_instructions_and_no_others(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))

        await stage.publish(completed(patient, new_visit(), stage.clock.now(), areas=["face"]))

        [mail] = await stage.mail_to(patient.email)
        assert mail["Subject"].startswith("Your aftercare instructions")
        assert instruction_lines(body_of(mail)) == texts(
            GROUP_INSTRUCTIONS[AreaGroup.FACE] + EVERYONE_INSTRUCTIONS
        )
        assert EN["face.no_makeup_24h"] in body_of(mail)
        assert EN["hair.gentle_shampoo"] not in body_of(mail)

    async def test_a_scalp_session_gets_the_hair_instructions_and_no_skin_ones(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))

        await stage.publish(completed(patient, new_visit(), stage.clock.now(), areas=["scalp"]))

        [mail] = await stage.mail_to(patient.email)
        assert instruction_lines(body_of(mail)) == texts(
            GROUP_INSTRUCTIONS[AreaGroup.SCALP] + EVERYONE_INSTRUCTIONS
        )
        assert EN["face.no_makeup_24h"] not in body_of(mail)
        assert EN["skin.mild_products"] not in body_of(mail)

    async def test_the_mail_says_what_is_common_and_when_to_call_the_clinic(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))
        visit = new_visit()

        await stage.publish(completed(patient, visit, stage.clock.now(), areas=["abdomen"]))

        [mail] = await stage.mail_to(patient.email)
        body = body_of(mail)
        assert EN["side_effect.bruising"] in body
        assert EN["call.allergic_reaction"] in body
        assert visit.clinic.phone in body
        assert "Hello Ana," in body


class TestASessionIsAnsweredOnce:
    async def test_a_redelivered_session_completed_sends_one_mail(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4()))
        event = completed(patient, new_visit(), stage.clock.now(), areas=["face"])
        first = await stage.publish(event)
        await stage.mail_to(patient.email)

        await stage.publish(event, envelope=first)  # the very same ce_id, as the broker may
        marker = await stage.register(new_patient(uuid4()))  # consumed after the redelivery
        await stage.publish(completed(marker, new_visit(), stage.clock.now(), areas=["face"]))
        await stage.mail_to(marker.email)

        assert len(stage.mails_to(patient.email)) == 1
        rows = await stage.messages(appointment_id=event.appointment_id, kind="aftercare")
        assert [(r["status"], r["attempts"]) for r in rows] == [("sent", 1)]

    async def test_the_follow_ups_are_scheduled_from_the_plan(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4(), marketing_consent=True))
        now = stage.clock.now()
        event = completed(
            patient,
            new_visit(),
            now,
            areas=["face"],
            next_session_due=(now + timedelta(days=14)).date(),
            maintenance_due=(now + timedelta(days=180)).date(),
        )

        await stage.publish(event)

        await stage.mail_to(patient.email)
        scheduled = await stage.listed(
            "/v1/scheduled", patient.network_id, appointment_id=event.appointment_id
        )
        assert [m["kind"] for m in scheduled] == [
            "side_effect_checkin",
            "next_session_due",
            "maintenance_reminder",
        ]

    async def test_the_check_in_goes_out_about_a_day_later(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4()))
        event = completed(patient, new_visit(), stage.clock.now(), areas=["scalp"])
        await stage.publish(event)
        await stage.mail_to(patient.email)

        stage.advance(timedelta(days=1, minutes=1))

        mails = await stage.mail_to(patient.email, count=2)
        assert mails[1]["Subject"] == "How are you feeling after your treatment?"
        row = await stage.message(appointment_id=event.appointment_id, kind="side_effect_checkin")
        assert row["status"] == "sent"
        assert row["sent_at"] == stage.clock.now()
