"""Every chart access goes through here: role check, tenancy, and the audit row.

A granted access writes its audit row in the unit of work, so the row commits with the change
it describes. A refused or failed one (403, 404, 409, 422, 428) rolls its work back to a
savepoint taken when the chart was opened, writes the audit row, and sets the unit's
`commit_on_refusal`: the unit commits that row alone while the error goes to the client. One
connection per request: a burst of refusals cannot exhaust the pool waiting for a second
connection to audit them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from uuid import UUID

from services.records.policies import Permission, require
from services.records.repository import audit, patients
from services.records.repository.patients import Patient
from shared.auth import Principal
from shared.errors import NotFound, ProblemError
from shared.uow import UnitOfWork

log = logging.getLogger("mesocare.records.audit")

OUTCOMES = {403: "denied", 404: "not_found", 409: "conflict", 422: "invalid", 428: "invalid"}


@dataclass(frozen=True, slots=True)
class Caller:
    """Who opens a chart, and the request their audit rows name."""

    who: Principal
    request_id: str | None = None


@dataclass(slots=True)
class Chart:
    """A chart opened for one action: its patient, and the fields the action touches."""

    patient_id: UUID | None
    fields: list[str] = field(default_factory=list)
    loaded: Patient | None = None

    @property
    def patient(self) -> Patient:
        """The patient row (of an access that named a patient)."""
        assert self.loaded is not None
        return self.loaded


@asynccontextmanager
async def open_chart(
    uow: UnitOfWork,
    caller: Caller,
    action: str,
    permission: Permission,
    patient_id: UUID | None = None,
    *,
    lock: bool = False,
) -> AsyncIterator[Chart]:
    """Authorize, load the patient of the caller's network (404 otherwise), then audit."""
    who = caller.who
    chart = Chart(patient_id=patient_id)
    try:
        async with uow.savepoint():
            require(who, permission)
            if patient_id is not None:
                chart.loaded = await patients.get(
                    uow.tx, network_id=who.network_id, id=patient_id, for_update=lock
                )
                if chart.loaded is None:
                    await _note_other_network(uow, caller, patient_id, action)
                    raise NotFound(f"No patient {patient_id} in your network.")
            yield chart
    except ProblemError as refusal:
        outcome = OUTCOMES.get(refusal.status, "error")
        await _audit(uow, caller, chart, action, outcome, refusal.detail[:500])
        uow.commit_on_refusal = True
        raise
    await _audit(uow, caller, chart, action, "ok")


async def _audit(
    uow: UnitOfWork,
    caller: Caller,
    chart: Chart,
    action: str,
    outcome: str,
    detail: str | None = None,
) -> None:
    await audit.insert(
        uow.tx,
        network_id=caller.who.network_id,
        patient_id=chart.patient_id,
        actor_sub=caller.who.sub,
        actor_roles=sorted(caller.who.roles),
        action=action,
        fields=chart.fields,
        outcome=outcome,
        request_id=caller.request_id,
        detail=detail,
    )


async def _note_other_network(
    uow: UnitOfWork, caller: Caller, patient_id: UUID, action: str
) -> None:
    # The tenant sees a plain 404 (and its audit row says not_found, revealing nothing);
    # operators get a log line when the id is in fact another network's patient.
    other = await patients.network_of(uow.tx, patient_id)
    if other is not None:
        log.warning(
            "chart access across networks refused",
            extra={
                "patient_id": str(patient_id),
                "caller_network_id": str(caller.who.network_id),
                "action": action,
                "sub": caller.who.sub,
            },
        )


async def note_reads(
    uow: UnitOfWork, caller: Caller, action: str, patient_ids: Iterable[UUID]
) -> None:
    """Audit a read across the network once for each chart it showed (in the order shown)."""
    for patient_id in dict.fromkeys(patient_ids):
        await _audit(uow, caller, Chart(patient_id=patient_id), action, "ok")
