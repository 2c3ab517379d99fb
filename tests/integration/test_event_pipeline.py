"""A real treatment's SessionCompleted travels the whole way: booking → outbox → relay → Kafka →
notifications.

Against real PostgreSQL, a real Kafka-protocol broker and the real formulary (it cross-checks the
treatment at its start and completion): the event arrives (notifications schedules the session's
aftercare and check-in), a redelivery has no second effect, one trace id spans the completing
HTTP request and the handler.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from shared.events.booking import TOPIC as APPOINTMENTS
from tests.integration.booking.helpers import Stage
from tests.integration.formulary.helpers import demo_lot
from tests.integration.lifecycle import SESSION_COMPLETED, completed_treatment
from tests.support import (
    Parts,
    RunningService,
    bearer,
    committed_offset,
    eventually,
    header,
    produce,
    read_topic,
)

AFTER_A_SESSION = ["aftercare", "side_effect_checkin"]
"""The messages a completed treatment without plan dates schedules for the patient."""


async def completions(notifications: RunningService, appointment_id: UUID) -> list[dict]:
    """The messages notifications recorded for the appointment's completed session."""
    rows = await notifications.pool.fetch(
        "SELECT * FROM messages WHERE appointment_id = $1 AND event_type = $2 ORDER BY kind",
        appointment_id,
        SESSION_COMPLETED,
    )
    return [dict(r) for r in rows]


class TestSessionCompletedTravelsToNotifications:
    async def test_it_arrives_with_its_facts(
        self, treating: Stage, formulary: RunningService, notifications: RunningService
    ) -> None:
        done = await completed_treatment(treating, formulary, areas=["scalp"])

        rows = await eventually(lambda: completions(notifications, done.appointment_id))

        assert [r["kind"] for r in rows] == AFTER_A_SESSION
        assert {r["network_id"] for r in rows} == {done.network}
        assert {r["patient_id"] for r in rows} == {done.patient}
        assert {r["event_id"] for r in rows} == {done.event_id}
        assert rows[0]["facts"]["areas"] == ["scalp"]
        # The clinic's staff see them in the appointment's message log, caused by the event.
        log = await notifications.client.get(
            "/v1/messages",
            params={"appointment_id": str(done.appointment_id)},
            headers=bearer(notifications.settings.platform, done.network, "receptionist"),
        )
        assert log.status_code == 200, log.text
        of_completion = [m for m in log.json()["items"] if m["event_type"] == SESSION_COMPLETED]
        assert sorted(m["kind"] for m in of_completion) == AFTER_A_SESSION
        assert {m["event_id"] for m in of_completion} == {str(done.event_id)}

    async def test_the_completion_and_its_event_are_written_together(
        self, treating: Stage, formulary: RunningService
    ) -> None:
        done = await completed_treatment(treating, formulary)

        appointment = await treating.client.get(
            f"/v1/appointments/{done.appointment_id}",
            headers=treating.auth(done.network, "receptionist"),
        )
        events = await treating.svc.pool.fetch(
            "SELECT event_id, payload FROM outbox WHERE key = $1 AND type = $2",
            str(done.appointment_id),
            SESSION_COMPLETED,
        )

        assert appointment.json()["status"] == "completed"
        [event] = events  # one SessionCompleted, the one of this completion
        payload = event["payload"]
        assert datetime.fromisoformat(payload["completed_at"]) == datetime.fromisoformat(
            appointment.json()["completed_at"]
        )
        assert [i["lot_number"] for i in payload["ingredients"]] == [demo_lot("hyaluronic_acid")]

    async def test_a_duplicate_delivery_has_no_second_effect(
        self,
        parts: Parts,
        treating: Stage,
        formulary: RunningService,
        notifications: RunningService,
    ) -> None:
        done = await completed_treatment(treating, formulary)
        await eventually(lambda: completions(notifications, done.appointment_id))

        def is_it(r: object) -> bool:
            return header(r, "ce_id") == str(done.event_id)

        records = await read_topic(
            parts.kafka_bootstrap, APPOINTMENTS, until=lambda recs: any(map(is_it, recs))
        )
        [original] = [r for r in records if is_it(r)]

        # The broker delivers the very same event again (same ce_id), as at-least-once allows.
        again = await produce(
            parts.kafka_bootstrap,
            APPOINTMENTS,
            value=original.value,
            key=original.key,
            headers=list(original.headers),
        )

        async def consumed() -> bool:
            group = notifications.settings.service
            offset = await committed_offset(
                parts.kafka_bootstrap, group, APPOINTMENTS, again.partition
            )
            return offset > again.offset

        await eventually(consumed, within=30)
        rows = await completions(notifications, done.appointment_id)
        assert [r["kind"] for r in rows] == AFTER_A_SESSION
        assert {r["event_id"] for r in rows} == {done.event_id}

    async def test_one_trace_spans_the_request_and_the_handler(
        self, treating: Stage, formulary: RunningService, notifications: RunningService
    ) -> None:
        trace_id = uuid4().hex
        traceparent = f"00-{trace_id}-{uuid4().hex[:16]}-01"

        done = await completed_treatment(
            treating, formulary, complete_headers={"traceparent": traceparent}
        )

        rows = await eventually(lambda: completions(notifications, done.appointment_id))
        assert [r["trace_id"] for r in rows] == [trace_id, trace_id]
