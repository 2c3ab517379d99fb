"""One real event travels the whole way: booking → outbox → relay → Kafka → notifications.

Against real PostgreSQL and a real Kafka-protocol broker: the event arrives (notifications
schedules the session's aftercare and check-in), a redelivery has no second effect, one trace id
spans the HTTP request and the handler.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from shared.events.booking import TOPIC as APPOINTMENTS
from tests.support import Parts, RunningService, bearer, eventually, produce, read_topic

AFTER_A_SESSION = ["aftercare", "side_effect_checkin"]
"""The messages a SessionCompleted without plan dates schedules for the patient."""


async def completions(notifications: RunningService, appointment_id: UUID) -> list[dict]:
    """The messages notifications recorded for the appointment's completed session."""
    rows = await notifications.pool.fetch(
        "SELECT * FROM messages WHERE appointment_id = $1 AND event_type = $2 ORDER BY kind",
        appointment_id,
        "mesocare.booking.SessionCompleted.v1",
    )
    return [dict(r) for r in rows]


def session_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "patient_id": str(uuid4()),
        "clinic_id": str(uuid4()),
        "practitioner_id": str(uuid4()),
        "areas": ["face"],
    }
    body.update(overrides)
    return body


async def complete_session(
    booking: RunningService, network: UUID, headers: dict[str, str] | None = None, **body: Any
) -> dict[str, Any]:
    response = await booking.client.post(
        "/v1/skeleton/completed-sessions",
        json=session_body(**body),
        headers={**bearer(booking.settings.platform, network, "practitioner"), **(headers or {})},
    )
    assert response.status_code == 201, response.text
    return response.json()


class TestSessionCompletedTravelsToNotifications:
    async def test_it_arrives_with_its_facts(
        self, booking: RunningService, notifications: RunningService
    ) -> None:
        network = uuid4()
        session = await complete_session(booking, network, areas=["scalp"])

        rows = await eventually(lambda: completions(notifications, UUID(session["id"])))

        assert [r["kind"] for r in rows] == AFTER_A_SESSION
        assert {r["network_id"] for r in rows} == {network}
        assert {r["event_id"] for r in rows} == {UUID(session["event_id"])}
        assert rows[0]["facts"]["areas"] == ["scalp"]

    async def test_the_row_and_its_event_are_written_together(
        self, booking: RunningService
    ) -> None:
        session = await complete_session(booking, uuid4())

        outbox = await booking.pool.fetchrow(
            "SELECT type, key FROM outbox WHERE event_id = $1", UUID(session["event_id"])
        )

        assert outbox["type"] == "mesocare.booking.SessionCompleted.v1"
        assert outbox["key"] == session["id"]

    async def test_a_duplicate_delivery_has_no_second_effect(
        self, parts: Parts, booking: RunningService, notifications: RunningService
    ) -> None:
        session = await complete_session(booking, uuid4())
        appointment = UUID(session["id"])
        await eventually(lambda: completions(notifications, appointment))
        key = session["id"].encode()
        records = await read_topic(
            parts.kafka_bootstrap, APPOINTMENTS, until=lambda recs: any(r.key == key for r in recs)
        )
        [original] = [r for r in records if r.key == key]

        # The broker delivers the very same event again (same ce_id), as at-least-once allows.
        await produce(
            parts.kafka_bootstrap,
            APPOINTMENTS,
            value=original.value,
            key=original.key,
            headers=list(original.headers),
        )
        marker = await complete_session(booking, uuid4())  # proves the redelivery was consumed
        await eventually(lambda: completions(notifications, UUID(marker["id"])))

        assert [r["kind"] for r in await completions(notifications, appointment)] == (
            AFTER_A_SESSION
        )

    async def test_one_trace_spans_the_request_and_the_handler(
        self, booking: RunningService, notifications: RunningService
    ) -> None:
        trace_id = uuid4().hex
        traceparent = f"00-{trace_id}-{uuid4().hex[:16]}-01"

        session = await complete_session(booking, uuid4(), headers={"traceparent": traceparent})

        rows = await eventually(lambda: completions(notifications, UUID(session["id"])))
        assert [r["trace_id"] for r in rows] == [trace_id, trace_id]
