"""The contact replica keeps the newest fact, whatever order the events arrive in."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from uuid import uuid4

from shared.events.base import Envelope
from shared.events.records import PatientContactChanged
from tests.integration.notifications.helpers import Stage, new_patient
from tests.support import eventually


class TestPatientContactReplica:
    async def test_an_older_contact_change_arriving_late_does_not_overwrite_a_newer_one(
        self, stage: Stage
    ) -> None:
        patient = new_patient(uuid4())
        newer = Envelope.wrap(patient.registered(), source="mesocare/records")
        stale_event = PatientContactChanged(**{**patient.__dict__, "email": "old@example.test"})
        stale = dataclasses.replace(
            Envelope.wrap(stale_event, source="mesocare/records"),
            time=newer.time - timedelta(hours=1),
        )

        await stage.publish(patient.registered(), envelope=newer)
        await stage.patient_known(patient)
        await stage.publish(stale_event, envelope=stale)
        marker = new_patient(patient.network_id)  # same key order does not apply: another patient
        await stage.register(marker)

        email = await stage.pool.fetchval(
            "SELECT email FROM patients WHERE patient_id = $1", patient.patient_id
        )
        handled = await eventually(
            lambda: stage.pool.fetchval("SELECT true FROM inbox WHERE event_id = $1", stale.id)
        )
        assert handled
        assert email == patient.email
