"""Outgoing webhooks over the real broker and database, to a real HTTP receiver on loopback.

Every delivery is verified with the `standardwebhooks` package from PyPI, as a chain's receiver
would, never with the project's own signing code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import jsonschema
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from services.notifications.clients.webhooks import Poster, Receivers
from shared.asyncapi import asyncapi_document
from shared.events.base import Envelope
from shared.events.booking import AppointmentBooked
from tests.integration.notifications.helpers import (
    Stage,
    account,
    body_of,
    booked,
    cancelled,
    completed,
    kept,
    new_patient,
    new_visit,
    rescheduled,
)
from tests.support import eventually
from tests.webhook_receiver import Received, Receiver, receiving

BOOKED = "mesocare.booking.AppointmentBooked.v1"
CANCELLED = "mesocare.booking.AppointmentCancelled.v1"
RESCHEDULED = "mesocare.booking.AppointmentRescheduled.v1"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with receiving() as r:
        yield r


def admin(stage: Stage, network: UUID) -> dict[str, str]:
    return stage.auth(network, "network_admin")


async def register(
    stage: Stage, network: UUID, url: str, event_types: list[str] | None = None, **kw: Any
) -> dict[str, Any]:
    response = await stage.client.post(
        "/v1/webhook-endpoints",
        json={"url": url, "event_types": event_types or ["*"], **kw},
        headers=admin(stage, network),
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def a_booking(stage: Stage, network: UUID) -> AppointmentBooked:
    patient = new_patient(network)
    event = booked(patient, new_visit(), stage.clock.now() + timedelta(days=3))
    await stage.publish(event, envelope=Envelope.wrap(event, source="mesocare/booking"))
    return event


async def fanned_out(stage: Stage, event_id: UUID) -> None:
    """Once the webhook fan-out (its own consumer group) has handled the event."""
    consumer = f"{stage.settings.service}-webhooks"
    await eventually(
        lambda: stage.pool.fetchval(
            "SELECT true FROM inbox WHERE consumer = $1 AND event_id = $2", consumer, event_id
        )
    )


def verified(secret: str, got: Received) -> dict[str, Any]:
    """The delivery's body once `standardwebhooks` has checked its signature."""
    payload: dict[str, Any] = Webhook(secret).verify(got.body, got.headers)
    return payload


def as_documented(got: Received, message: str) -> None:
    """The delivery's body and headers match the AsyncAPI document's webhook `message`."""
    document = asyncapi_document()
    for part, value in (("payload", got.event), ("headers", got.headers)):
        schema = {**document, "$ref": f"#/components/messages/{message}/{part}"}
        jsonschema.validate(value, schema, cls=jsonschema.Draft202012Validator)


async def deliveries(stage: Stage, network: UUID, endpoint_id: str, **params: Any) -> list[dict]:
    response = await stage.client.get(
        f"/v1/webhook-endpoints/{endpoint_id}/deliveries",
        params=params,
        headers=admin(stage, network),
    )
    assert response.status_code == 200, response.text
    items: list[dict] = response.json()["items"]
    return items


async def settled(stage: Stage, network: UUID, endpoint_id: str, **where: Any) -> dict:
    """The one delivery of the endpoint matching `where` (e.g. status, attempts), once it does."""

    async def found() -> dict | None:
        for d in await deliveries(stage, network, endpoint_id):
            if (
                all(d.get(k) == v for k, v in where.items())
                and all(a["attempted_at"] for a in d["attempts_log"])
                and len(d["attempts_log"]) == d["attempts"]
            ):
                return d
        return None

    return await eventually(found)


class TestRegistering:
    async def test_the_secret_is_shown_once(self, stage: Stage, receiver: Receiver) -> None:
        network = uuid4()
        created = await register(stage, network, receiver.at("/a"), description="CRM")

        assert created["secret"].startswith("whsec_")
        assert created["status"] == "enabled"
        assert created["event_types"] == ["*"]
        one = await stage.client.get(
            f"/v1/webhook-endpoints/{created['id']}", headers=admin(stage, network)
        )
        listed = await stage.client.get("/v1/webhook-endpoints", headers=admin(stage, network))
        assert one.status_code == 200 and "secret" not in one.json()
        assert [e["id"] for e in listed.json()] == [created["id"]]
        assert "secret" not in listed.json()[0]

    async def test_integration_clients_manage_their_network_s_endpoints(
        self, stage: Stage, receiver: Receiver
    ) -> None:
        network = uuid4()
        response = await stage.client.post(
            "/v1/webhook-endpoints",
            json={"url": receiver.at("/i"), "event_types": [BOOKED]},
            headers=stage.auth(network, "integration"),
        )
        assert response.status_code == 201, response.text

    @pytest.mark.parametrize("role", ["receptionist", "practitioner", "clinic_manager"])
    async def test_other_roles_may_not(self, stage: Stage, receiver: Receiver, role: str) -> None:
        response = await stage.client.post(
            "/v1/webhook-endpoints",
            json={"url": receiver.at("/x"), "event_types": ["*"]},
            headers=stage.auth(uuid4(), role),
        )
        assert response.status_code == 403

    async def test_another_network_s_endpoint_is_not_found(
        self, stage: Stage, receiver: Receiver
    ) -> None:
        created = await register(stage, uuid4(), receiver.at("/mine"))
        other = admin(stage, uuid4())
        path = f"/v1/webhook-endpoints/{created['id']}"

        for method, url, body in [
            ("GET", path, None),
            ("PATCH", path, {"description": "taken"}),
            ("DELETE", path, None),
            ("POST", f"{path}/rotate-secret", None),
            ("POST", f"{path}/ping", None),
            ("GET", f"{path}/deliveries", None),
            ("POST", f"{path}/deliveries/{uuid4()}/retry", None),
        ]:
            response = await stage.client.request(method, url, json=body, headers=other)
            assert response.status_code == 404, (method, url, response.text)
            assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize(
        ("url", "says"),
        [
            ("ftp://127.0.0.1/hook", "https"),
            ("http://10.1.2.3/hook", "https"),
            ("https://10.1.2.3/hook", "private address"),
            ("https://169.254.169.254/latest/meta-data", "cloud metadata"),
            ("https://[fe80::1]/hook", "link-local"),
            ("https://user:pw@127.0.0.1/hook", "password"),
            ("https:///no-host", "no host"),
            ("not a url", "https"),
        ],
    )
    async def test_a_forbidden_url_is_a_422_naming_it(
        self, stage: Stage, url: str, says: str
    ) -> None:
        response = await stage.client.post(
            "/v1/webhook-endpoints",
            json={"url": url, "event_types": ["*"]},
            headers=admin(stage, uuid4()),
        )
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["errors"][0]["field"] == "url"
        assert says in problem["detail"]

    @pytest.mark.parametrize(
        ("event_types", "field"),
        [
            (["mesocare.booking.Nothing.v1"], "event_types[0]"),
            ([BOOKED, "nope"], "event_types[1]"),
            (["*", BOOKED], "event_types"),
        ],
    )
    async def test_an_unknown_event_type_is_a_422_naming_it(
        self, stage: Stage, receiver: Receiver, event_types: list[str], field: str
    ) -> None:
        response = await stage.client.post(
            "/v1/webhook-endpoints",
            json={"url": receiver.at("/t"), "event_types": event_types},
            headers=admin(stage, uuid4()),
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field


class TestDelivering:
    async def test_an_event_arrives_as_a_signed_cloudevent(
        self, stage: Stage, receiver: Receiver
    ) -> None:
        network = uuid4()
        endpoint = await register(stage, network, receiver.at("/crm"), [BOOKED])
        event = await a_booking(stage, network)

        [got] = await receiver.wait_for("/crm")

        body = verified(endpoint["secret"], got)
        as_documented(got, "AppointmentBookedWebhook")
        assert body["specversion"] == "1.0"
        assert body["type"] == BOOKED
        assert body["subject"] == str(event.appointment_id)
        assert body["source"] == "mesocare/booking"
        assert body["datacontenttype"] == "application/json"
        assert body["data"]["appointment_id"] == str(event.appointment_id)
        assert got.headers["webhook-id"] == body["id"]
        assert got.headers["content-type"] == "application/json"
        delivered = await settled(stage, network, endpoint["id"], status="delivered")
        assert delivered["event_id"] == body["id"]
        assert delivered["attempts_log"][0]["status_code"] == 204

    async def test_only_subscribed_events_of_the_network_arrive(
        self, stage: Stage, receiver: Receiver
    ) -> None:
        network = uuid4()
        await register(stage, network, receiver.at("/cancels"), [CANCELLED])
        await register(stage, network, receiver.at("/all"), ["*"])
        event = await a_booking(stage, network)
        await a_booking(stage, uuid4())  # another network's
        await stage.publish(cancelled(event))

        [got] = await receiver.wait_for("/cancels")
        assert got.event["type"] == CANCELLED
        everything = await receiver.wait_for("/all", 2)
        assert [r.event["type"] for r in everything] == [BOOKED, CANCELLED]

    async def test_a_failed_delivery_is_retried_with_the_same_id(
        self, stage: Stage, receiver: Receiver
    ) -> None:
        network = uuid4()
        endpoint = await register(stage, network, receiver.at("/flaky"), [BOOKED])
        receiver.answer("/flaky", 500)
        await a_booking(stage, network)

        await receiver.wait_for("/flaky")
        pending = await settled(stage, network, endpoint["id"], status="pending", attempts=1)
        assert pending["attempts_log"][0]["status_code"] == 500
        assert pending["attempts_log"][0]["error"].startswith("HTTP 500")
        assert pending["next_attempt_at"] is not None
        stage.advance(timedelta(seconds=10))  # past the first backoff (5 s ± 20 %)

        first, second = await receiver.wait_for("/flaky", 2)
        assert first.headers["webhook-id"] == second.headers["webhook-id"]
        verified(endpoint["secret"], second)
        done = await settled(stage, network, endpoint["id"], status="delivered")
        assert [a["status_code"] for a in done["attempts_log"]] == [500, 204]

    async def test_a_receiver_that_does_not_answer_in_time_is_retried(
        self, stage: Stage, receiver: Receiver
    ) -> None:
        network = uuid4()
        endpoint = await register(stage, network, receiver.at("/silent"), [BOOKED])
        release = receiver.hang("/silent")
        try:
            await a_booking(stage, network)
            pending = await settled(stage, network, endpoint["id"], status="pending", attempts=1)
        finally:
            release.set()
        [attempt] = pending["attempts_log"]
        assert attempt["status_code"] is None
        assert "no answer within 2 s" in attempt["error"]

    async def test_one_aggregate_s_events_arrive_in_order_even_after_a_failure(
        self, stage: Stage, receiver: Receiver
    ) -> None:
        network = uuid4()
        endpoint = await register(stage, network, receiver.at("/ordered"))
        receiver.answer("/ordered", 503)
        event = await a_booking(stage, network)
        moved = rescheduled(event, event.starts_at + timedelta(hours=1))
        await stage.publish(moved)
        await stage.publish(cancelled(event))

        await receiver.wait_for("/ordered")
        # The booking failed: what follows it waits behind its retry.
        await settled(stage, network, endpoint["id"], event_type=BOOKED, status="pending")
        waiting = await deliveries(stage, network, endpoint["id"], status="pending")
        assert len(receiver.to("/ordered")) == 1
        assert {d["event_type"] for d in waiting} >= {BOOKED}
        stage.advance(timedelta(seconds=10))

        got = await receiver.wait_for("/ordered", 4)
        assert [r.event["type"] for r in got] == [BOOKED, BOOKED, RESCHEDULED, CANCELLED]

    async def test_a_410_disables_the_endpoint(self, stage: Stage, receiver: Receiver) -> None:
        network = uuid4()
        ada = account(network, "network_admin", display_name="Ada Admin")
        await kept(stage, ada)
        endpoint = await register(stage, network, receiver.at("/gone"), [BOOKED])
        receiver.answer("/gone", 410)
        await a_booking(stage, network)

        failed = await settled(stage, network, endpoint["id"], status="failed")
        assert failed["attempts_log"][0]["status_code"] == 410
        read = await stage.client.get(
            f"/v1/webhook-endpoints/{endpoint['id']}", headers=admin(stage, network)
        )
        assert read.json()["status"] == "disabled"
        assert "410" in read.json()["disabled_reason"]
        [told] = await stage.mail_to(ada.email)
        assert told["Subject"] == f"Webhook endpoint disabled: {endpoint['url']}"
        assert "410 Gone" in body_of(told)
        await a_booking(stage, network)
        assert len(await deliveries(stage, network, endpoint["id"])) == 1

    async def test_after_24_hours_of_failures_the_endpoint_is_disabled(
        self, stage: Stage, receiver: Receiver
    ) -> None:
        network = uuid4()
        ada = account(network, "network_admin", display_name="Ada Admin")
        sam = account(network, "receptionist")
        await kept(stage, ada, sam)
        endpoint = await register(stage, network, receiver.at("/down"), [BOOKED])
        receiver.answer("/down", *[500] * 20)
        await a_booking(stage, network)

        attempts = 0
        while True:
            attempts += 1
            delivery = await settled(stage, network, endpoint["id"], attempts=attempts)
            if delivery["status"] != "pending":
                break
            stage.set_clock(_parse(delivery["next_attempt_at"]))

        # The package's other tests expect the clock at noon UTC, as it starts.
        stage.set_clock(_next_noon(stage.clock.now()))
        assert delivery["status"] == "failed"
        assert attempts >= 7  # 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h apart
        first, last = delivery["attempts_log"][0], delivery["attempts_log"][-1]
        assert _parse(last["attempted_at"]) - _parse(first["attempted_at"]) >= timedelta(hours=24)
        read = await stage.client.get(
            f"/v1/webhook-endpoints/{endpoint['id']}", headers=admin(stage, network)
        )
        assert read.json()["status"] == "disabled"
        assert "24 hours" in read.json()["disabled_reason"]
        [told] = await stage.mail_to(ada.email)
        text = body_of(told)
        assert "Every delivery failed for 24 hours" in text
        assert endpoint["id"] in text and "HTTP 500" in text
        assert stage.mails_to(sam.email) == []

    async def test_a_slow_receiver_delays_neither_another_nor_the_patients(
        self, stage: Stage, receiver: Receiver
    ) -> None:
        network = uuid4()
        await register(stage, network, receiver.at("/slow"), ["*"])
        await register(stage, network, receiver.at("/quick"), [BOOKED])
        release = receiver.hang("/slow")
        try:
            for _ in range(6):
                await a_booking(stage, network)
            # Six bookings reach the quick receiver while the slow one holds its sends.
            await receiver.wait_for("/quick", 6)
            assert len(receiver.to("/slow")) <= stage.settings.webhook_endpoint_concurrency
            # And a patient's aftercare goes out meanwhile.
            patient = await stage.register(new_patient(network))
            await stage.publish(completed(patient, new_visit(), stage.clock.now(), areas=["face"]))
            [aftercare] = await stage.mail_to(patient.email)
            assert "aftercare" in aftercare["Subject"].lower()
            assert not release.is_set()
        finally:
            release.set()


class TestManaging:
    async def test_a_rotated_secret_signs_beside_the_old_one_for_a_day(
        self, stage: Stage, receiver: Receiver
    ) -> None:
        network = uuid4()
        endpoint = await register(stage, network, receiver.at("/rotating"), [BOOKED])
        rotated = await stage.client.post(
            f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret", headers=admin(stage, network)
        )
        assert rotated.status_code == 200, rotated.text
        new_secret = rotated.json()["secret"]
        assert new_secret != endpoint["secret"]

        await a_booking(stage, network)
        [got] = await receiver.wait_for("/rotating")
        assert len(got.headers["webhook-signature"].split(" ")) == 2
        verified(endpoint["secret"], got)
        verified(new_secret, got)

        stage.advance(timedelta(hours=24, seconds=1))
        await a_booking(stage, network)
        _, later = await receiver.wait_for("/rotating", 2)
        verified(new_secret, later)
        with pytest.raises(WebhookVerificationError):
            verified(endpoint["secret"], later)

    async def test_ping_and_retry(self, stage: Stage, receiver: Receiver) -> None:
        network = uuid4()
        endpoint = await register(stage, network, receiver.at("/ping"), [BOOKED])
        pinged = await stage.client.post(
            f"/v1/webhook-endpoints/{endpoint['id']}/ping", headers=admin(stage, network)
        )
        assert pinged.status_code == 202, pinged.text

        [got] = await receiver.wait_for("/ping")
        body = verified(endpoint["secret"], got)
        as_documented(got, "PingWebhook")
        assert body["type"] == "mesocare.webhooks.Ping.v1"
        assert body["data"] == {"endpoint_id": endpoint["id"], "network_id": str(network)}
        delivery = await settled(stage, network, endpoint["id"], status="delivered")
        retried = await stage.client.post(
            f"/v1/webhook-endpoints/{endpoint['id']}/deliveries/{delivery['id']}/retry",
            headers=admin(stage, network),
        )
        assert retried.status_code == 202, retried.text
        _, again = await receiver.wait_for("/ping", 2)
        assert again.headers["webhook-id"] == got.headers["webhook-id"]

    async def test_disabled_endpoints_get_nothing_until_enabled(
        self, stage: Stage, receiver: Receiver
    ) -> None:
        network = uuid4()
        endpoint = await register(stage, network, receiver.at("/paused"), [BOOKED])
        path = f"/v1/webhook-endpoints/{endpoint['id']}"
        off = await stage.client.patch(path, json={"disabled": True}, headers=admin(stage, network))
        assert off.json()["status"] == "disabled"
        while_off = await stage.publish(booked(new_patient(network), new_visit(), _later(stage)))
        await fanned_out(stage, while_off.id)
        ping = await stage.client.post(f"{path}/ping", headers=admin(stage, network))
        assert ping.status_code == 409

        on = await stage.client.patch(path, json={"disabled": False}, headers=admin(stage, network))
        assert on.json()["status"] == "enabled"
        await a_booking(stage, network)
        [got] = await receiver.wait_for("/paused")
        assert got.event["type"] == BOOKED
        assert len(await deliveries(stage, network, endpoint["id"])) == 1

    async def test_change_and_delete(self, stage: Stage, receiver: Receiver) -> None:
        network = uuid4()
        endpoint = await register(stage, network, receiver.at("/old"), [BOOKED])
        path = f"/v1/webhook-endpoints/{endpoint['id']}"
        changed = await stage.client.patch(
            path,
            json={"url": receiver.at("/new"), "event_types": [CANCELLED], "description": None},
            headers=admin(stage, network),
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["url"].endswith("/new")
        assert changed.json()["event_types"] == [CANCELLED]
        refused = await stage.client.patch(
            path, json={"url": "https://192.168.0.10/x"}, headers=admin(stage, network)
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "url"

        deleted = await stage.client.delete(path, headers=admin(stage, network))
        assert deleted.status_code == 204
        gone = await stage.client.get(path, headers=admin(stage, network))
        assert gone.status_code == 404


class TestTheAddressCheckedAtEachDelivery:
    async def test_a_name_that_resolves_elsewhere_later_gets_nothing(
        self, receiver: Receiver
    ) -> None:
        """DNS rebinding: the name answered a public address when the endpoint was registered
        and answers loopback now; in production nothing is sent to it."""
        answers = {"hooks.example.com": ["93.184.216.34"]}

        async def resolve(host: str, port: int) -> list[str]:
            return answers[host]

        receivers = Receivers(allow_loopback=False, resolve=resolve)
        await receivers.check("https://hooks.example.com/in")
        answers["hooks.example.com"] = ["127.0.0.1"]
        poster = Poster(receivers, timeout=2)
        try:
            answer = await poster.post("https://hooks.example.com/in", b"{}", {})
        finally:
            await poster.close()

        assert answer.status_code is None
        assert answer.error is not None and "loopback" in answer.error
        assert receiver.received == []

    async def test_the_request_goes_to_the_checked_address_with_the_name_as_host(
        self, receiver: Receiver
    ) -> None:
        port = int(receiver.url.rsplit(":", 1)[1])

        async def resolve(host: str, port: int) -> list[str]:
            return ["127.0.0.1"]

        poster = Poster(Receivers(allow_loopback=True, resolve=resolve), timeout=2)
        try:
            answer = await poster.post(f"http://hooks.localhost:{port}/named", b"{}", {})
        finally:
            await poster.close()

        assert answer.delivered
        [got] = receiver.to("/named")
        assert got.headers["host"] == f"hooks.localhost:{port}"


def _later(stage: Stage) -> Any:
    return stage.clock.now() + timedelta(days=3)


def _next_noon(moment: Any) -> Any:
    noon = moment.replace(hour=12, minute=0, second=0, microsecond=0)
    return noon if noon >= moment else noon + timedelta(days=1)


def _parse(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)
