"""The events records emits, read back from the broker as any consumer would."""

from __future__ import annotations

from uuid import uuid4

from shared.events.records import ADVERSE_EVENTS_TOPIC, PATIENTS_TOPIC
from tests.integration.records.support import an_email, auth, events_for, register
from tests.support import Parts, RunningService

REGISTERED = "mesocare.records.PatientRegistered.v1"
CONTACT_CHANGED = "mesocare.records.PatientContactChanged.v1"
PROFILE_CHANGED = "mesocare.records.PatientSafetyProfileChanged.v1"
ADVERSE = "mesocare.records.AdverseEventReported.v1"


class TestPatientEvents:
    async def test_registration_emits_the_contact_and_the_first_profile(
        self, parts: Parts, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(
            records,
            network,
            "practitioner",
            fitzpatrick_skin_type=6,
            quiet_hours_start="21:00:00",
            quiet_hours_end="08:00:00",
            consents=[{"kind": "marketing", "granted": True, "wording_version": "m-1"}],
        )

        events = await events_for(
            parts.kafka_bootstrap,
            PATIENTS_TOPIC,
            patient["id"],
            types={REGISTERED, PROFILE_CHANGED},
        )

        by_type = dict(events)
        registered = by_type[REGISTERED]
        assert registered["network_id"] == str(network)
        assert registered["email"] == patient["email"]
        assert registered["phone"] == patient["phone"]
        assert registered["timezone"] == "Europe/Paris"
        assert registered["quiet_hours_start"] == "21:00:00"
        assert registered["marketing_consent"] is True
        profile = by_type[PROFILE_CHANGED]
        assert (profile["version"], profile["fitzpatrick_skin_type"]) == (1, 6)

    async def test_a_contact_change_emits_contact_changed(
        self, parts: Parts, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        email = an_email()
        await records.client.patch(
            f"/v1/patients/{patient['id']}",
            json={"email": email, "channel_opt_outs": ["sms"], "timezone": "America/Sao_Paulo"},
            headers=auth(records, network, "receptionist"),
        )

        events = await events_for(
            parts.kafka_bootstrap, PATIENTS_TOPIC, patient["id"], types={CONTACT_CHANGED}
        )

        [changed] = [p for t, p in events if t == CONTACT_CHANGED]
        assert changed["email"] == email
        assert changed["channel_opt_outs"] == ["sms"]
        assert changed["timezone"] == "America/Sao_Paulo"

    async def test_withdrawing_marketing_consent_emits_contact_changed(
        self, parts: Parts, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(
            records,
            network,
            consents=[{"kind": "marketing", "granted": True, "wording_version": "m-1"}],
        )
        await records.client.post(
            f"/v1/patients/{patient['id']}/consents",
            json={"kind": "marketing", "granted": False, "wording_version": "m-1"},
            headers=auth(records, network, "receptionist"),
        )

        events = await events_for(
            parts.kafka_bootstrap, PATIENTS_TOPIC, patient["id"], types={CONTACT_CHANGED}
        )

        [changed] = [p for t, p in events if t == CONTACT_CHANGED]
        assert changed["marketing_consent"] is False

    async def test_a_profile_change_emits_the_whole_profile_with_its_version(
        self, parts: Parts, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        response = await records.client.put(
            f"/v1/patients/{patient['id']}/safety-profile",
            json={
                "fitzpatrick_skin_type": "II",
                "allergies": [{"code": "fabaceae", "reaction": "rash", "severity": "anaphylaxis"}],
                "conditions": [{"code": "pregnancy", "note": "week 12"}],
                "medications": [{"name": "Aspirin", "classes": ["antiplatelet", "nsaid"]}],
            },
            headers={**auth(records, network, "practitioner"), "If-Match": '"1"'},
        )
        assert response.status_code == 200, response.text

        events = await events_for(
            parts.kafka_bootstrap, PATIENTS_TOPIC, patient["id"], types={PROFILE_CHANGED}, count=2
        )

        profiles = [p for t, p in events if t == PROFILE_CHANGED]
        assert [p["version"] for p in profiles] == [1, 2]
        latest = profiles[-1]
        assert latest["fitzpatrick_skin_type"] == 2
        assert latest["allergies"] == [
            {"code": "fabaceae", "reaction": "rash", "severity": "anaphylaxis", "status": "active"}
        ]
        assert latest["conditions"] == ["pregnancy"]
        assert latest["medications"] == [{"name": "Aspirin", "classes": ["antiplatelet", "nsaid"]}]

    async def test_the_event_is_written_in_the_same_transaction_as_the_change(
        self, records: RunningService
    ) -> None:
        network = uuid4()
        patient = await register(records, network)
        bad = await records.client.put(
            f"/v1/patients/{patient['id']}/safety-profile",
            json={"allergies": [{"code": "b_vitamins"}]},
            headers={**auth(records, network, "practitioner"), "If-Match": '"7"'},
        )

        rows = await records.pool.fetch(
            "SELECT type FROM outbox WHERE key = $1 ORDER BY id", patient["id"]
        )

        assert bad.status_code == 409
        assert [r["type"] for r in rows] == [REGISTERED, PROFILE_CHANGED]


class TestAdverseEventEvents:
    async def test_a_report_emits_adverse_event_reported(
        self, parts: Parts, records: RunningService
    ) -> None:
        network, clinic = uuid4(), uuid4()
        patient = await register(records, network)
        response = await records.client.post(
            f"/v1/patients/{patient['id']}/adverse-events",
            json={
                "kind": "allergic_reaction",
                "severity": "severe",
                "onset_at": "2026-11-24T18:30:00+01:00",
                "description": "Hives on the neck two hours after the session.",
                "clinic_id": str(clinic),
                "lot_numbers": ["HA-2026-07"],
            },
            headers=auth(records, network, "practitioner", sub="dr.blanc@clinic.test"),
        )
        assert response.status_code == 201, response.text

        events = await events_for(
            parts.kafka_bootstrap, ADVERSE_EVENTS_TOPIC, patient["id"], types={ADVERSE}
        )

        [(_, payload)] = events
        assert payload["adverse_event_id"] == response.json()["id"]
        assert payload["kind"] == "allergic_reaction"
        assert payload["severity"] == "severe"
        assert payload["clinic_id"] == str(clinic)
        assert payload["lot_numbers"] == ["HA-2026-07"]
        assert payload["reported_by"] == "dr.blanc@clinic.test"
