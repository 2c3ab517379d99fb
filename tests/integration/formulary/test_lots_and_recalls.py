"""Lots, the lot ledger from SessionCompleted, and recalls with their events."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from shared.events.base import Envelope
from tests.integration.formulary.helpers import (
    admin,
    auth,
    emitted,
    error_fields,
    lot_events,
    publish,
    seeded_network,
    send,
    session_completed,
    today,
)
from tests.support import RunningService, eventually

RECALLED = "mesocare.formulary.LotRecalled.v1"
EXPOSURE = "mesocare.formulary.RecalledLotExposure.v1"


async def _lot(formulary: RunningService, network, number: str, code: str = "caffeine") -> dict:
    response = await formulary.client.post(
        "/v1/lots",
        json={
            "ingredient_code": code,
            "supplier": "Acme Pharma",
            "lot_number": number,
            "expires_on": str(today() + timedelta(days=90)),
        },
        headers=admin(formulary, network),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _exposures(formulary: RunningService, network, lot_id: str, count: int) -> list[dict]:
    async def probe() -> list[dict] | None:
        response = await formulary.client.get(
            f"/v1/lots/{lot_id}/exposures?limit=200",
            headers=auth(formulary, network, "practitioner"),
        )
        items = response.json()["items"]
        return items if len(items) >= count else None

    return await eventually(probe)


class TestLots:
    async def test_a_lot_that_has_already_expired_is_refused_naming_expires_on(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        response = await formulary.client.post(
            "/v1/lots",
            json={
                "ingredient_code": "caffeine",
                "supplier": "Acme",
                "lot_number": "OLD-1",
                "expires_on": str(today() - timedelta(days=1)),
            },
            headers=admin(formulary, network),
        )
        assert (response.status_code, error_fields(response)) == (422, ["expires_on"])

    async def test_a_lot_of_an_unknown_ingredient_is_422_and_a_repeated_number_409(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        unknown = await formulary.client.post(
            "/v1/lots",
            json={
                "ingredient_code": "unicorn_dust",
                "supplier": "Acme",
                "lot_number": "U-1",
                "expires_on": str(today() + timedelta(days=9)),
            },
            headers=admin(formulary, network),
        )
        assert (unknown.status_code, error_fields(unknown)) == (422, ["ingredient_code"])
        await _lot(formulary, network, "L-1")
        again = await formulary.client.post(
            "/v1/lots",
            json={
                "ingredient_code": "biotin",
                "supplier": "Acme",
                "lot_number": "L-1",
                "expires_on": str(today() + timedelta(days=9)),
            },
            headers=admin(formulary, network),
        )
        assert again.status_code == 409

    async def test_staff_list_lots_and_another_network_gets_404(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        lot = await _lot(formulary, network, "L-LIST")
        listed = await formulary.client.get(
            "/v1/lots?lot_number=L-LIST", headers=auth(formulary, network, "receptionist")
        )
        assert [item["id"] for item in listed.json()["items"]] == [lot["id"]]
        expired = await formulary.client.get(
            "/v1/lots?lot_number=DEMO-EXPIRED-001", headers=auth(formulary, network, "receptionist")
        )
        assert expired.json()["items"][0]["expired"] is True
        stranger = admin(formulary, uuid4())
        for path in (f"/v1/lots/{lot['id']}", f"/v1/lots/{lot['id']}/exposures"):
            assert (await formulary.client.get(path, headers=stranger)).status_code == 404
        recall = await formulary.client.post(
            f"/v1/lots/{lot['id']}/recall", json={"reason": "contamination"}, headers=stranger
        )
        assert recall.status_code == 404


class TestLedger:
    async def test_a_completed_session_records_who_received_the_lot_once(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        lot = await _lot(formulary, network, "L-LEDGER")
        patient = uuid4()
        event = session_completed(network, patient, [("L-LEDGER", "caffeine")])
        envelope = await publish(formulary, event, "mesocare/booking")
        await send(formulary, envelope)  # redelivered: same event id
        await send(  # the same session under another event id
            formulary, Envelope.wrap(event, source="mesocare/booking")
        )
        [exposure] = await _exposures(formulary, network, lot["id"], 1)
        assert (exposure["patient_id"], exposure["appointment_id"]) == (
            str(patient),
            str(event.appointment_id),
        )
        # A later session of the same network proves the duplicates were handled before it.
        later = session_completed(network, uuid4(), [("L-LEDGER", "caffeine")])
        await publish(formulary, later, "mesocare/booking")
        items = await _exposures(formulary, network, lot["id"], 2)
        assert len(items) == 2


class TestRecall:
    async def test_a_recall_tells_every_exposed_patient_once_and_a_second_recall_nothing(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        lot = await _lot(formulary, network, "L-RECALL")
        patients = [uuid4() for _ in range(3)]
        sessions = [session_completed(network, p, [("L-RECALL", "caffeine")]) for p in patients]
        sessions.append(session_completed(network, uuid4(), [("DEMO-001", "ascorbic_acid")]))
        for event in sessions:
            await publish(formulary, event, "mesocare/booking")
        await _exposures(formulary, network, lot["id"], 3)

        first = await formulary.client.post(
            f"/v1/lots/{lot['id']}/recall",
            json={"reason": "Sterility not assured"},
            headers=admin(formulary, network),
        )
        assert first.status_code == 200, first.text
        assert first.json()["status"] == "recalled"
        assert first.json()["recall"]["exposed_patients"] == 3

        events = await lot_events(formulary, network, expect=4)
        assert sorted(t for t, _ in events) == [RECALLED, EXPOSURE, EXPOSURE, EXPOSURE]
        exposures = [p for t, p in events if t == EXPOSURE]
        assert {e["patient_id"] for e in exposures} == {str(p) for p in patients}
        assert {e["appointment_id"] for e in exposures} == {
            str(s.appointment_id) for s in sessions[:3]
        }
        assert all(e["reason"] == "Sterility not assured" for e in exposures)
        recalled = next(p for t, p in events if t == RECALLED)
        assert (
            recalled["lot_number"],
            recalled["exposed_patients"],
            recalled["ingredient_name"],
        ) == (
            "L-RECALL",
            3,
            "Caffeine",
        )

        second = await formulary.client.post(
            f"/v1/lots/{lot['id']}/recall",
            json={"reason": "Another reason"},
            headers=admin(formulary, network),
        )
        assert second.status_code == 200
        assert second.json()["recall"] == first.json()["recall"]
        # Nothing more was emitted for this network: the outbox holds exactly the four.
        assert sorted(await emitted(formulary, network)) == [RECALLED, EXPOSURE, EXPOSURE, EXPOSURE]

    async def test_a_session_recorded_after_the_recall_is_told_at_once(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        lot = await _lot(formulary, network, "L-LATE")
        recall = await formulary.client.post(
            f"/v1/lots/{lot['id']}/recall",
            json={"reason": "Late news"},
            headers=admin(formulary, network),
        )
        assert recall.json()["recall"]["exposed_patients"] == 0
        patient = uuid4()
        await publish(
            formulary,
            session_completed(network, patient, [("L-LATE", "caffeine")]),
            "mesocare/booking",
        )
        events = await lot_events(formulary, network, expect=2)
        assert [t for t, _ in events] == [RECALLED, EXPOSURE]
        assert events[1][1]["patient_id"] == str(patient)

    async def test_only_a_network_admin_recalls_and_a_reason_is_required(
        self, formulary: RunningService
    ) -> None:
        network = await seeded_network(formulary)
        lot = await _lot(formulary, network, "L-ROLE")
        refused = await formulary.client.post(
            f"/v1/lots/{lot['id']}/recall",
            json={"reason": "contamination"},
            headers=auth(formulary, network, "practitioner"),
        )
        no_reason = await formulary.client.post(
            f"/v1/lots/{lot['id']}/recall", json={}, headers=admin(formulary, network)
        )
        assert refused.status_code == 403
        assert (no_reason.status_code, error_fields(no_reason)) == (422, ["reason"])


class TestConcurrentRecalls:
    async def test_two_recalls_at_once_emit_one_set_of_events(
        self, formulary: RunningService
    ) -> None:
        import asyncio

        network = await seeded_network(formulary)
        lot = await _lot(formulary, network, "L-RACE")
        for _ in range(2):
            await publish(
                formulary,
                session_completed(network, uuid4(), [("L-RACE", "caffeine")]),
                "mesocare/booking",
            )
        await _exposures(formulary, network, lot["id"], 2)
        answers = await asyncio.gather(
            *(
                formulary.client.post(
                    f"/v1/lots/{lot['id']}/recall",
                    json={"reason": reason},
                    headers=admin(formulary, network),
                )
                for reason in ("first reason", "second reason")
            )
        )
        assert [a.status_code for a in answers] == [200, 200]
        assert answers[0].json()["recall"] == answers[1].json()["recall"]
        events = await lot_events(formulary, network, expect=3)
        assert sorted(t for t, _ in events) == [RECALLED, EXPOSURE, EXPOSURE]
        assert sorted(await emitted(formulary, network)) == [RECALLED, EXPOSURE, EXPOSURE]
