"""Aftercare and the check-in name every side effect the guide names; pigmentation changes only
to patients whose skin type (kept from records' safety profile) is Fitzpatrick IV-VI."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from services.notifications.domain.aftercare_text import EN, ES
from shared.events.base import Envelope
from tests.integration.notifications.helpers import (
    Patient,
    Stage,
    body_of,
    completed,
    new_patient,
    new_visit,
)
from tests.support import eventually

NODULES = EN["side_effect.nodules"]
PIGMENTATION = EN["side_effect.pigmentation_changes"]


async def profile_kept(stage: Stage, patient: Patient, version: int) -> None:
    """Wait until the service has taken in the safety profile of `version`."""
    await eventually(
        lambda: stage.pool.fetchval(
            "SELECT true FROM patient_skin_types WHERE patient_id = $1 AND profile_version = $2",
            patient.patient_id,
            version,
        )
    )


async def with_skin_type(stage: Stage, skin_type: int | None, **kw: object) -> Patient:
    patient = await stage.register(new_patient(uuid4(), **kw))  # type: ignore[arg-type]
    await stage.publish(patient.safety_profile(1, skin_type))
    await profile_kept(stage, patient, 1)
    return patient


async def aftercare_body(stage: Stage, patient: Patient) -> str:
    await stage.publish(completed(patient, new_visit(), stage.clock.now(), areas=["face"]))
    [mail] = await stage.mail_to(patient.email)
    return body_of(mail)


class TestEveryPatientIsTold:
    async def test_of_nodules_that_go_away_over_time_and_not_of_pigmentation_when_unknown(
        self, stage: Stage
    ) -> None:
        patient = await stage.register(new_patient(uuid4()))  # no safety profile heard of

        body = await aftercare_body(stage, patient)

        assert NODULES in body
        assert EN["side_effect.redness_swelling"] in body
        assert "pigmentation" not in body
        calls = body.split("if you notice:")[1]
        assert EN["call.allergic_reaction"] in calls
        assert EN["call.infection"] in calls


class TestTheSkinType:
    async def test_fitzpatrick_v_is_told_of_pigmentation_changes_in_aftercare_and_check_in(
        self, stage: Stage
    ) -> None:
        patient = await with_skin_type(stage, 5)

        body = await aftercare_body(stage, patient)
        stage.advance(timedelta(days=1, minutes=1))
        check_in = body_of((await stage.mail_to(patient.email, count=2))[1])

        for text in (body, check_in):
            assert PIGMENTATION in text
            assert NODULES in text

    async def test_fitzpatrick_ii_is_not_told_of_pigmentation_changes(self, stage: Stage) -> None:
        patient = await with_skin_type(stage, 2)

        body = await aftercare_body(stage, patient)

        assert "pigmentation" not in body
        assert NODULES in body

    async def test_a_spanish_patient_reads_them_in_spanish(self, stage: Stage) -> None:
        patient = await with_skin_type(stage, 6, locale="es")

        body = await aftercare_body(stage, patient)

        assert "Lo que puede notar" in body
        assert ES["side_effect.nodules"] in body
        assert ES["side_effect.pigmentation_changes"] in body

    async def test_the_newest_profile_version_wins_whatever_the_order(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4()))
        await stage.publish(patient.safety_profile(2, 4))
        await profile_kept(stage, patient, 2)
        stale = patient.safety_profile(1, 2)
        envelope = Envelope.wrap(stale, source="mesocare/records")

        await stage.publish(stale, envelope=envelope)
        await eventually(
            lambda: stage.pool.fetchval("SELECT true FROM inbox WHERE event_id = $1", envelope.id)
        )

        assert PIGMENTATION in await aftercare_body(stage, patient)

    async def test_a_newer_profile_without_a_skin_type_withdraws_what_was_known(
        self, stage: Stage
    ) -> None:
        patient = await with_skin_type(stage, 6)
        await stage.publish(patient.safety_profile(2, None))
        await profile_kept(stage, patient, 2)

        assert "pigmentation" not in await aftercare_body(stage, patient)

    async def test_the_skin_type_may_come_before_the_contact_data(self, stage: Stage) -> None:
        patient = new_patient(uuid4())
        await stage.publish(patient.safety_profile(1, 5))
        await profile_kept(stage, patient, 1)
        await stage.register(patient)

        assert PIGMENTATION in await aftercare_body(stage, patient)
