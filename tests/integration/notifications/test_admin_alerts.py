"""Notifications knows a network's admins from the gateway's StaffAccountChanged (the newest fact
wins), and `alert_network_admins` emails each active admin once: not deactivated admins, not
other roles, not another network's admins, and not twice when called again."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from uuid import UUID, uuid4

from services.notifications.domain import MessageKind
from services.notifications.usecases.admin_alerts import alert_network_admins
from shared.events.base import Envelope
from tests.integration.notifications.helpers import Stage, account, body_of, kept
from tests.support import eventually

KIND = MessageKind.WEBHOOK_ENDPOINT_DISABLED
DISABLED = {
    "endpoint_url": "https://crm.example.test/hooks/mesocare",
    "endpoint_id": "0b9f3c1e-8d2a-4c55-9a61-2f7e4d1b6a90",
    "endpoint_description": "",
    "reason": "Every delivery for 24 hours failed; the last answer was HTTP 503.",
    "failing_since": "Monday 2 March 2026 09:00 UTC",
}


async def alert(stage: Stage, network: UUID, about: UUID) -> int:
    db = stage.app.state.database
    async with db.unit(network) as uow:
        return await alert_network_admins(
            uow,
            network_id=network,
            kind=KIND,
            about_id=about,
            variables=DISABLED,
            now=stage.clock.now(),
        )


class TestStaffReplica:
    async def test_an_older_fact_arriving_late_does_not_overwrite_a_newer_one(
        self, stage: Stage
    ) -> None:
        admin = account(uuid4(), display_name="Ada Admin")
        newer = Envelope.wrap(admin, source="mesocare/gateway")
        stale_event = admin.model_copy(update={"active": False, "display_name": "Old Name"})
        stale = dataclasses.replace(
            Envelope.wrap(stale_event, source="mesocare/gateway"),
            time=newer.time - timedelta(hours=1),
        )

        await stage.publish(admin, envelope=newer)
        await kept(stage, admin)
        await stage.publish(stale_event, envelope=stale)
        await eventually(
            lambda: stage.pool.fetchval("SELECT true FROM inbox WHERE event_id = $1", stale.id)
        )

        row = await stage.pool.fetchrow("SELECT * FROM staff WHERE staff_id = $1", admin.staff_id)
        assert (row["display_name"], row["active"], row["roles"]) == (
            "Ada Admin",
            True,
            ["network_admin"],
        )

    async def test_a_newer_deactivation_is_kept(self, stage: Stage) -> None:
        admin = account(uuid4())
        await kept(stage, admin)

        await stage.publish(admin.model_copy(update={"active": False}))

        assert await eventually(
            lambda: stage.pool.fetchval(
                "SELECT NOT active FROM staff WHERE staff_id = $1", admin.staff_id
            )
        )


class TestAlertToTheNetworksAdmins:
    async def test_each_active_admin_gets_one_email_and_nobody_else_any(self, stage: Stage) -> None:
        network = uuid4()
        ada = account(network, display_name="Ada Admin")
        bea = account(network, "clinic_manager", "network_admin", display_name="Bea Boss")
        gone = account(network, active=False)
        practitioner = account(network, "practitioner")
        elsewhere = account(uuid4())
        await kept(stage, ada, bea, gone, practitioner, elsewhere)
        about = uuid4()

        addressed = await alert(stage, network, about)
        [to_ada] = await stage.mail_to(ada.email)
        [to_bea] = await stage.mail_to(bea.email)
        again = await alert(stage, network, about)

        assert (addressed, again) == (2, 2)
        assert to_ada["Subject"] == f"Webhook endpoint disabled: {DISABLED['endpoint_url']}"
        text = body_of(to_ada)
        assert text.startswith("Ada Admin,")
        for fact in (DISABLED["reason"], DISABLED["failing_since"], "Admin → Webhooks"):
            assert fact in text
        assert body_of(to_bea).startswith("Bea Boss,")
        logged = await stage.listed("/v1/messages", network, kind=str(KIND))
        assert sorted((m["recipient_id"], m["status"], m["channel"]) for m in logged) == sorted(
            [(str(ada.staff_id), "sent", "email"), (str(bea.staff_id), "sent", "email")]
        )
        assert {(m["recipient_type"], m["event_id"]) for m in logged} == {("staff", str(about))}
        for other in (gone, practitioner, elsewhere):
            assert stage.mails_to(other.email) == []
        assert len(stage.mails_to(ada.email)) == len(stage.mails_to(bea.email)) == 1

    async def test_another_occurrence_is_another_email(self, stage: Stage) -> None:
        network = uuid4()
        admin = account(network)
        await kept(stage, admin)

        await alert(stage, network, uuid4())
        await stage.mail_to(admin.email)
        await alert(stage, network, uuid4())

        assert len(await stage.mail_to(admin.email, count=2)) == 2

    async def test_an_admin_deactivated_before_it_goes_out_is_not_emailed(
        self, stage: Stage
    ) -> None:
        network = uuid4()
        admin = account(network)
        await kept(stage, admin)
        db = stage.app.state.database
        about = uuid4()

        async with db.unit(network) as uow:
            await alert_network_admins(
                uow,
                network_id=network,
                kind=KIND,
                about_id=about,
                variables=DISABLED,
                now=stage.clock.now() + timedelta(days=3650),  # not due yet
            )
        await stage.publish(admin.model_copy(update={"active": False}))
        await eventually(
            lambda: stage.pool.fetchval(
                "SELECT NOT active FROM staff WHERE staff_id = $1", admin.staff_id
            )
        )
        await stage.pool.execute(
            "UPDATE messages SET send_at = $2 WHERE event_id = $1", about, stage.clock.now()
        )
        stage.advance(timedelta(seconds=1))

        message = await stage.message(event_id=about)
        assert (message["status"], message["status_reason"]) == (
            "withdrawn",
            f"staff account {admin.staff_id} deactivated",
        )
        assert stage.mails_to(admin.email) == []

    async def test_with_no_admin_known_the_alert_is_still_logged_as_skipped(
        self, stage: Stage
    ) -> None:
        network = uuid4()
        about = uuid4()

        assert await alert(stage, network, about) == 0
        stage.advance(timedelta(seconds=stage.settings.unknown_recipient_grace_seconds + 1))

        message = await stage.message(event_id=about)
        assert message["status"] == "skipped"
        assert message["status_reason"].startswith("no_contact_details")
