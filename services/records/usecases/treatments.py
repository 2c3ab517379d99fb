"""Treatment history (appended from booking's SessionCompleted) and adverse events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, TypeVar
from uuid import UUID, uuid4

from services.records import domain
from services.records.policies import Permission, require_clinic
from services.records.repository import audit, patients, treatments
from services.records.repository.treatments import AdverseEvent, Treatment
from services.records.schemas import AdverseEventCreate
from services.records.usecases import paging
from services.records.usecases.access import Caller, open_chart
from services.records.usecases.paging import Page
from shared.db import Transaction
from shared.events.booking import SessionCompleted
from shared.events.records import AdverseEventReported
from shared.pagination import encode_cursor
from shared.uow import UnitOfWork

E = TypeVar("E")
Position = tuple[datetime, UUID]
"""Where an entry stands in a newest-first listing: its instant and id."""


class _Listing(Protocol[E]):
    """A repository listing of a patient's entries, newest first (`limit + 1` of them)."""

    async def __call__(
        self,
        tx: Transaction,
        *,
        network_id: UUID,
        patient_id: UUID,
        limit: int | None = ...,
        after: Position | None = ...,
    ) -> list[E]: ...


async def _newest_first(
    uow: UnitOfWork,
    caller: Caller,
    patient_id: UUID,
    action: str,
    listing: _Listing[E],
    position: Callable[[E], Position],
    *,
    limit: int,
    cursor: str | None,
) -> Page[E]:
    """A page of `listing`, read in an audited access as `action`; the next page starts after
    the `position` of this one's last entry."""
    async with open_chart(uow, caller, action, Permission.READ_CLINICAL, patient_id):
        found = await listing(
            uow.tx,
            network_id=caller.who.network_id,
            patient_id=patient_id,
            limit=limit,
            after=paging.after_instant(cursor),
        )

    def cursor_of(entry: E) -> str:
        instant, id = position(entry)
        return encode_cursor(instant.isoformat(), id)

    return paging.page(found, limit, cursor_of)


async def history(
    uow: UnitOfWork, caller: Caller, patient_id: UUID, *, limit: int, cursor: str | None = None
) -> Page[Treatment]:
    """The patient's treatment history, newest first."""
    return await _newest_first(
        uow,
        caller,
        patient_id,
        "treatments.read",
        treatments.treatments_of,
        lambda t: (t.completed_at, t.id),
        limit=limit,
        cursor=cursor,
    )


async def append_session(
    uow: UnitOfWork, session: SessionCompleted, *, event_id: UUID, source: str
) -> None:
    """Append a completed session to the patient's treatment history (once per appointment),
    note its clinic as visited, and audit the append."""
    if not await treatments.insert_treatment(uow.tx, _treatment(session, event_id)):
        return
    await patients.add_clinic_visited(
        uow.tx,
        network_id=session.network_id,
        patient_id=session.patient_id,
        clinic_id=session.clinic.clinic_id,
    )
    await audit.insert(
        uow.tx,
        network_id=session.network_id,
        patient_id=session.patient_id,
        actor_sub=session.completed_by,
        actor_roles=[],  # written by the consumer on the practitioner's completed session
        action="treatment.append",
        fields=["treatments"],
        outcome="ok",
        request_id=str(event_id),
        detail=f"SessionCompleted from {source}",
    )


def _treatment(session: SessionCompleted, event_id: UUID) -> Treatment:
    return Treatment(
        id=uuid4(),
        network_id=session.network_id,
        patient_id=session.patient_id,
        appointment_id=session.appointment_id,
        event_id=event_id,
        clinic_id=session.clinic.clinic_id,
        clinic_name=session.clinic.name,
        practitioner_id=session.practitioner.practitioner_id,
        practitioner_name=session.practitioner.name,
        treatment_name=session.treatment_name,
        kind=session.kind,
        indication=session.indication,
        areas=list(session.areas),
        blend_id=session.blend_id,
        blend_version=session.blend_version,
        blend_name=session.blend_name,
        ingredients=[i.model_dump(mode="json") for i in session.ingredients],
        technique=session.technique,
        depth_mm=session.depth_mm,
        injection_count=session.injection_count,
        disinfection=session.preparation.disinfection,
        numbing_cream=session.preparation.numbing_cream,
        numbing_product=session.preparation.numbing_product,
        immediate_reactions=list(session.immediate_reactions),
        notes=session.notes,
        started_at=session.starts_at,
        completed_at=session.completed_at,
        completed_by=session.completed_by,
        next_session_due=session.next_session_due,
        maintenance_due=session.maintenance_due,
        cross_check_verdict=session.cross_check_verdict,
        deviations=[d.model_dump(mode="json") for d in session.deviations],
        deviation_reason=session.deviation_reason,
    )


# -- adverse events -----------------------------------------------------------------------------


async def report_adverse_event(
    uow: UnitOfWork, caller: Caller, patient_id: UUID, cmd: AdverseEventCreate
) -> AdverseEvent:
    """Report an adverse event; clinic, practitioner and lots default to the session named."""
    who = caller.who
    async with open_chart(
        uow, caller, "adverse_event.report", Permission.REPORT_ADVERSE_EVENT, patient_id
    ) as chart:
        chart.fields = sorted(cmd.model_fields_set)
        session = None
        if cmd.appointment_id is not None:
            session = await treatments.session_facts(
                uow.tx, network_id=who.network_id, appointment_id=cmd.appointment_id
            )
        links = domain.link_adverse_event(
            patient_id=patient_id,
            clinic_id=cmd.clinic_id,
            practitioner_id=cmd.practitioner_id,
            lot_numbers=cmd.lot_numbers,
            session=session,
        )
        require_clinic(who, links.clinic_id)
        reported = AdverseEvent(
            id=uuid4(),
            network_id=who.network_id,
            patient_id=patient_id,
            kind=cmd.kind,
            severity=cmd.severity,
            onset_at=cmd.onset_at,
            description=cmd.description,
            appointment_id=cmd.appointment_id,
            clinic_id=links.clinic_id,
            practitioner_id=links.practitioner_id,
            lot_numbers=list(links.lot_numbers),
            reported_at=datetime.now(UTC),
            reported_by=who.sub,
        )
        await treatments.insert_adverse_event(uow.tx, reported)
        uow.emit(
            AdverseEventReported(
                network_id=who.network_id,
                adverse_event_id=reported.id,
                patient_id=patient_id,
                kind=cmd.kind,
                severity=cmd.severity,
                onset_at=cmd.onset_at,
                description=cmd.description,
                appointment_id=cmd.appointment_id,
                clinic_id=links.clinic_id,
                practitioner_id=links.practitioner_id,
                lot_numbers=list(links.lot_numbers),
                reported_by=who.sub,
            )
        )
        return reported


async def adverse_events(
    uow: UnitOfWork, caller: Caller, patient_id: UUID, *, limit: int, cursor: str | None = None
) -> Page[AdverseEvent]:
    """Adverse events reported for the patient, newest first."""
    return await _newest_first(
        uow,
        caller,
        patient_id,
        "adverse_events.read",
        treatments.adverse_events_of,
        lambda e: (e.reported_at, e.id),
        limit=limit,
        cursor=cursor,
    )
