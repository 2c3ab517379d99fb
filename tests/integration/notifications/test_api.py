"""The notifications API: message log, templates, preferences, branding; tenancy and roles."""

from __future__ import annotations

from uuid import UUID, uuid4

from tests.integration.notifications.helpers import (
    Stage,
    body_of,
    completed,
    new_patient,
    new_visit,
)
from tests.support import bearer


async def a_sent_aftercare(stage: Stage, network: UUID | None = None) -> dict:
    patient = await stage.register(new_patient(network or uuid4()))
    event = completed(patient, new_visit(), stage.clock.now(), areas=["face"])
    await stage.publish(event)
    await stage.mail_to(patient.email)
    return await stage.message(appointment_id=event.appointment_id, kind="aftercare")


class TestTheMessageLog:
    async def test_lists_a_network_s_messages_with_filters(self, stage: Stage) -> None:
        row = await a_sent_aftercare(stage)
        network = row["network_id"]

        response = await stage.client.get(
            "/v1/messages",
            params={"patient_id": str(row["patient_id"]), "status": "sent", "kind": "aftercare"},
            headers=stage.auth(network),
        )

        assert response.status_code == 200
        [item] = response.json()["items"]
        assert item["id"] == str(row["id"])
        assert item["channel"] == "email"

    async def test_pages_with_a_cursor(self, stage: Stage) -> None:
        row = await a_sent_aftercare(stage)
        network = row["network_id"]
        query = {"appointment_id": str(row["appointment_id"]), "limit": 1}

        first = await stage.client.get("/v1/messages", params=query, headers=stage.auth(network))
        second = await stage.client.get(
            "/v1/messages",
            params={**query, "cursor": first.json()["next_cursor"]},
            headers=stage.auth(network),
        )

        assert first.json()["next_cursor"]
        ids = [m["id"] for m in first.json()["items"] + second.json()["items"]]
        assert len(set(ids)) == 2  # aftercare and the check-in, one per page
        bad = await stage.client.get(
            "/v1/messages", params={"cursor": "nonsense"}, headers=stage.auth(network)
        )
        assert bad.status_code == 400
        assert bad.json()["type"].endswith("/invalid-cursor")

    async def test_one_message_shows_its_content_and_attempts(self, stage: Stage) -> None:
        row = await a_sent_aftercare(stage)

        response = await stage.client.get(
            f"/v1/messages/{row['id']}", headers=stage.auth(row["network_id"])
        )

        body = response.json()
        assert body["status"] == "sent"
        assert "Also important" in body["body"]
        assert [a["outcome"] for a in body["attempts_log"]] == ["sent"]


class TestTenancy:
    async def test_another_network_sees_nothing_and_gets_404(self, stage: Stage) -> None:
        row = await a_sent_aftercare(stage)
        stranger = stage.auth(uuid4(), "network_admin")

        listed = await stage.client.get(
            "/v1/messages", params={"patient_id": str(row["patient_id"])}, headers=stranger
        )
        one = await stage.client.get(f"/v1/messages/{row['id']}", headers=stranger)
        prefs = await stage.client.get(
            f"/v1/patients/{row['patient_id']}/preferences", headers=stranger
        )
        scheduled = await stage.client.get(
            "/v1/scheduled", params={"patient_id": str(row["patient_id"])}, headers=stranger
        )

        assert listed.json()["items"] == []
        assert scheduled.json()["items"] == []
        assert one.status_code == 404
        assert prefs.status_code == 404

    async def test_staff_of_other_clinics_do_not_see_the_message(self, stage: Stage) -> None:
        row = await a_sent_aftercare(stage)
        elsewhere = bearer(
            stage.settings.platform, row["network_id"], "receptionist", clinic_ids=(uuid4(),)
        )

        one = await stage.client.get(f"/v1/messages/{row['id']}", headers=elsewhere)

        assert one.status_code == 404

    async def test_a_token_without_a_staff_role_is_refused_all_but_the_log(
        self, stage: Stage
    ) -> None:
        # An integration reads the message log (test_admin_alerts.py), nothing else.
        response = await stage.client.get(
            "/v1/scheduled", headers=stage.auth(uuid4(), "integration")
        )
        assert response.status_code == 403
        assert (await stage.client.get("/v1/messages")).status_code == 401


class TestTemplates:
    async def test_a_template_with_an_unknown_variable_is_refused_naming_the_line(
        self, stage: Stage
    ) -> None:
        response = await stage.client.put(
            "/v1/templates/aftercare/en",
            json={"text": "Hello {{ recipient_name }},\n{{ favourite_colour }}\n"},
            headers=stage.auth(uuid4(), "network_admin"),
        )

        assert response.status_code == 422
        problem = response.json()
        assert "line 2: unknown variable 'favourite_colour'" in problem["detail"]
        assert problem["errors"][0]["line"] == 2

    async def test_a_template_that_does_not_parse_is_refused_naming_the_line(
        self, stage: Stage
    ) -> None:
        response = await stage.client.put(
            "/v1/templates/aftercare/en",
            json={"subject": "ok", "sms": "line one\n{% for x in %}\n"},
            headers=stage.auth(uuid4(), "network_admin"),
        )

        assert response.status_code == 422
        assert response.json()["errors"][0]["line"] == 2

    async def test_only_network_admins_change_templates(self, stage: Stage) -> None:
        response = await stage.client.put(
            "/v1/templates/aftercare/en",
            json={"subject": "Aftercare"},
            headers=stage.auth(uuid4(), "clinic_manager"),
        )
        assert response.status_code == 403

    async def test_an_unknown_kind_is_refused(self, stage: Stage) -> None:
        response = await stage.client.get(
            "/v1/templates/newsletter/en", headers=stage.auth(uuid4())
        )
        assert response.status_code == 422

    async def test_a_network_s_own_wording_is_used_for_its_mail_only(self, stage: Stage) -> None:
        network = uuid4()
        put = await stage.client.put(
            "/v1/templates/aftercare/en",
            json={"subject": "Caring for your {{ treated_areas | join(', ') }} after today"},
            headers=stage.auth(network, "network_admin"),
        )
        assert put.status_code == 200, put.text
        assert put.json()["subject"]["origin"] == "network"
        assert put.json()["text"]["origin"] == "default"

        row = await a_sent_aftercare(stage, network)
        other = await a_sent_aftercare(stage)

        assert row["subject"] == "Caring for your face after today"
        assert other["subject"].startswith("Your aftercare instructions")
        shown = await stage.client.get("/v1/templates/aftercare/en", headers=stage.auth(network))
        assert shown.json()["subject"]["source"].startswith("Caring for your")


class TestPreferences:
    async def test_staff_change_how_a_patient_is_reached(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4(), phone="+34600777888"))
        prefs = {
            "preferred_channel": "sms",
            "channel_opt_outs": [],
            "marketing_consent": True,
            "locale": "es",
            "timezone": "Europe/Madrid",
            "quiet_hours_start": "21:00:00",
            "quiet_hours_end": "08:00:00",
        }

        put = await stage.client.put(
            f"/v1/patients/{patient.patient_id}/preferences",
            json=prefs,
            headers=stage.auth(patient.network_id),
        )
        got = await stage.client.get(
            f"/v1/patients/{patient.patient_id}/preferences",
            headers=stage.auth(patient.network_id),
        )

        assert put.status_code == 200, put.text
        assert got.json()["preferred_channel"] == "sms"
        assert got.json()["locale"] == "es"
        assert got.json()["phone"] == "+34600777888"

    async def test_an_unknown_timezone_or_half_quiet_hours_are_refused(self, stage: Stage) -> None:
        patient = await stage.register(new_patient(uuid4()))
        url = f"/v1/patients/{patient.patient_id}/preferences"
        headers = stage.auth(patient.network_id)

        tz = await stage.client.put(url, json={"timezone": "Mars/Olympus"}, headers=headers)
        half = await stage.client.put(url, json={"quiet_hours_start": "21:00"}, headers=headers)

        assert tz.status_code == 422
        assert tz.json()["errors"][0]["field"] == "timezone"
        assert half.status_code == 422


class TestBranding:
    async def test_the_network_s_name_and_signature_appear_in_its_mail(self, stage: Stage) -> None:
        network = uuid4()
        put = await stage.client.put(
            "/v1/branding",
            json={"network_name": "Lumina Clinics", "signature": "With care, Lumina"},
            headers=stage.auth(network, "network_admin"),
        )
        assert put.status_code == 200

        row = await a_sent_aftercare(stage, network)

        mail = stage.mails_to(row["address"])[0]
        assert body_of(mail).rstrip().endswith("With care, Lumina")


class TestMetrics:
    async def test_sent_messages_are_counted_per_channel(self, stage: Stage) -> None:
        await a_sent_aftercare(stage)

        metrics = (await stage.client.get("/metrics")).text

        [sent] = [
            line
            for line in metrics.splitlines()
            if line.startswith("notifications_messages_total{")
            and 'channel="email"' in line
            and 'outcome="sent"' in line
        ]
        assert float(sent.rsplit(" ", 1)[1]) >= 1
