"""Event handlers of the records service, routed in one registry.

SessionCompleted appends a treatment record. The consumer runs each handler in one transaction
with its inbox row, so a redelivered event (same ce_id) is skipped; the unique appointment per
network also keeps a re-emitted completion (new ce_id, same appointment) to one record.
"""

from __future__ import annotations

from uuid import uuid4

from services.records import repository
from shared.consumer import Delivery, Registry
from shared.events.booking import SessionCompleted
from shared.uow import UnitOfWork


async def on_session_completed(
    uow: UnitOfWork, event: SessionCompleted, delivery: Delivery
) -> None:
    """Append the session to the patient's treatment history; note the clinic as visited."""
    tx = uow.tx
    appended = await repository.insert_treatment(
        tx,
        {
            "id": uuid4(),
            "network_id": event.network_id,
            "patient_id": event.patient_id,
            "appointment_id": event.appointment_id,
            "event_id": delivery.envelope.id,
            "clinic_id": event.clinic.clinic_id,
            "clinic_name": event.clinic.name,
            "practitioner_id": event.practitioner.practitioner_id,
            "practitioner_name": event.practitioner.name,
            "treatment_name": event.treatment_name,
            "kind": event.kind,
            "indication": event.indication,
            "areas": list(event.areas),
            "blend_id": event.blend_id,
            "blend_version": event.blend_version,
            "blend_name": event.blend_name,
            "ingredients": [i.model_dump(mode="json") for i in event.ingredients],
            "technique": event.technique,
            "depth_mm": event.depth_mm,
            "injection_count": event.injection_count,
            "disinfection": event.preparation.disinfection,
            "numbing_cream": event.preparation.numbing_cream,
            "numbing_product": event.preparation.numbing_product,
            "immediate_reactions": list(event.immediate_reactions),
            "notes": event.notes,
            "started_at": event.starts_at,
            "completed_at": event.completed_at,
            "completed_by": event.completed_by,
            "next_session_due": event.next_session_due,
            "maintenance_due": event.maintenance_due,
            "cross_check_verdict": event.cross_check_verdict,
            "deviations": [d.model_dump(mode="json") for d in event.deviations],
            "deviation_reason": event.deviation_reason,
        },
    )
    if not appended:
        return
    await repository.add_clinic_visited(
        tx,
        network_id=event.network_id,
        patient_id=event.patient_id,
        clinic_id=event.clinic.clinic_id,
    )
    await repository.insert_audit(
        tx,
        network_id=event.network_id,
        patient_id=event.patient_id,
        actor_sub=event.completed_by,
        actor_roles=[],  # written by the consumer on the practitioner's completed session
        action="treatment.append",
        fields=["treatments"],
        outcome="ok",
        request_id=str(delivery.envelope.id),
        detail=f"SessionCompleted from {delivery.envelope.source}",
    )


HANDLERS: Registry = {SessionCompleted: on_session_completed}
