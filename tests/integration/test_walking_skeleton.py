"""One real event travels the whole way: booking → outbox → relay → Kafka → notifications."""

from __future__ import annotations

from uuid import UUID, uuid4

from tests.support import RunningService, bearer, eventually


async def _completion(notifications: RunningService, appointment_id: UUID) -> list[dict]:
    rows = await notifications.pool.fetch(
        "SELECT * FROM skeleton_session_completions WHERE appointment_id = $1", appointment_id
    )
    return [dict(r) for r in rows]


async def test_session_completed_in_booking_arrives_in_notifications(
    booking: RunningService, notifications: RunningService
) -> None:
    network = uuid4()
    headers = bearer(booking.settings.platform, network, "practitioner")
    body = {
        "patient_id": str(uuid4()),
        "clinic_id": str(uuid4()),
        "practitioner_id": str(uuid4()),
        "areas": ["scalp"],
    }

    response = await booking.client.post(
        "/v1/skeleton/completed-sessions", json=body, headers=headers
    )

    assert response.status_code == 201, response.text
    session_id = UUID(response.json()["id"])
    rows = await eventually(lambda: _completion(notifications, session_id))
    assert len(rows) == 1
    assert rows[0]["network_id"] == network
    assert rows[0]["areas"] == ["scalp"]
