"""The patients booking knows of: a replica of records' ids (and names, for calendar feeds), fed
by PatientRegistered and PatientContactChanged and by records' answers when the replica misses."""

from __future__ import annotations

from uuid import UUID

from services.booking import repository
from services.booking.clients.records import RecordsClient
from services.booking.usecases.caller import Caller
from shared.uow import UnitOfWork


async def confirm(
    uow: UnitOfWork, caller: Caller, records: RecordsClient, patient_id: UUID
) -> None:
    """Pass when the replica knows the patient, else when records does (remembered then).

    Records answering 404 → UnknownPatient (422); records unreachable or answering anything
    else → Unavailable (503).
    """
    network_id = caller.who.network_id
    if await repository.patient_known(uow.tx, network_id=network_id, patient_id=patient_id):
        return
    await records.confirm_patient(patient_id, authorization=caller.authorization)
    await repository.remember_patient(
        uow.tx, network_id=network_id, patient_id=patient_id, source="records-check"
    )


async def registered(
    uow: UnitOfWork,
    *,
    network_id: UUID,
    patient_id: UUID,
    given_name: str | None = None,
    family_name: str | None = None,
    source: str = "PatientRegistered",
) -> None:
    """Remember that records registered the patient, so booking can check ids without asking,
    and their name (as records last told it), which calendar feeds show."""
    await repository.remember_patient(
        uow.tx,
        network_id=network_id,
        patient_id=patient_id,
        source=source,
        given_name=given_name,
        family_name=family_name,
    )
