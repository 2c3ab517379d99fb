"""Integration clients read their network's message log (`GET /v1/messages`, `GET
/v1/messages/{id}`), to follow what was sent for them; nothing else of notifications."""

from __future__ import annotations

from uuid import uuid4

from tests.integration.notifications.helpers import Stage
from tests.integration.notifications.test_admin_alerts import account, alert, kept
from tests.support import bearer


class TestIntegrationsReadTheLog:
    async def test_an_integration_reads_its_networks_log_and_not_another_networks(
        self, stage: Stage
    ) -> None:
        network = uuid4()
        admin = account(network)
        await kept(stage, admin)
        about = uuid4()
        await alert(stage, network, about)
        await stage.mail_to(admin.email)
        sent = await stage.message(event_id=about)
        integration = bearer(stage.settings.platform, network, "integration")
        stranger = bearer(stage.settings.platform, uuid4(), "integration")

        listed = await stage.client.get("/v1/messages", headers=integration)
        one = await stage.client.get(f"/v1/messages/{sent['id']}", headers=integration)
        not_theirs = await stage.client.get(f"/v1/messages/{sent['id']}", headers=stranger)
        strangers_log = await stage.client.get("/v1/messages", headers=stranger)

        assert listed.status_code == 200, listed.text
        assert [m["id"] for m in listed.json()["items"]] == [str(sent["id"])]
        assert one.status_code == 200
        assert one.json()["subject"].startswith("Webhook endpoint disabled")
        assert not_theirs.status_code == 404
        assert strangers_log.json()["items"] == []

    async def test_an_integration_may_read_nothing_else(self, stage: Stage) -> None:
        integration = bearer(stage.settings.platform, uuid4(), "integration")

        for path in ("/v1/scheduled", "/v1/templates/aftercare/en", "/v1/branding"):
            response = await stage.client.get(path, headers=integration)
            assert response.status_code == 403, path
        changed = await stage.client.put(
            "/v1/branding", json={"network_name": "Mine now"}, headers=integration
        )
        assert changed.status_code == 403
