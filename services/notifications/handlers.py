"""Event handlers of the notifications service, routed in one registry."""

from __future__ import annotations

from services.notifications import repository
from shared import telemetry
from shared.consumer import Delivery, Registry
from shared.db import Transaction
from shared.events.booking import SessionCompleted


async def on_session_completed(tx: Transaction, event: SessionCompleted, d: Delivery) -> None:
    """Walking skeleton: record that the session's completion reached notifications."""
    await repository.record_session_completion(
        tx,
        event_id=d.envelope.id,
        network_id=event.network_id,
        appointment_id=event.appointment_id,
        patient_id=event.patient_id,
        areas=event.areas,
        trace_id=telemetry.current_trace_id(),
    )


HANDLERS: Registry = {SessionCompleted: on_session_completed}
