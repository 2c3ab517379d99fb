"""Event handlers of the records service, routed in one registry.

SessionCompleted appends a treatment record. The consumer runs each handler in one transaction
with its inbox row, so a redelivered event (same ce_id) is skipped; the unique appointment per
network also keeps a re-emitted completion (new ce_id, same appointment) to one record.
"""

from __future__ import annotations

from services.records.usecases import treatments
from shared.consumer import Delivery, Registry
from shared.events.booking import SessionCompleted
from shared.uow import UnitOfWork


async def on_session_completed(
    uow: UnitOfWork, event: SessionCompleted, delivery: Delivery
) -> None:
    """Append the session to the patient's treatment history; note the clinic as visited."""
    await treatments.append_session(
        uow, event, event_id=delivery.envelope.id, source=delivery.envelope.source
    )


HANDLERS: Registry = {SessionCompleted: on_session_completed}
