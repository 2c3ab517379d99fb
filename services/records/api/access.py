"""Every chart access goes through here: role check, tenancy, and the audit row.

A granted access writes its audit row in the request's transaction, so the row commits with the
change it describes. A refused or failed one (403, 404, 409, 422, 428) rolls its work back to a
savepoint taken when the chart was opened, writes the audit row, and the transaction commits
that row alone while the error goes to the client. One connection per request: a burst of
refusals cannot exhaust the pool waiting for a second connection to audit them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request

from services.records import repository
from services.records.domain import Permission, allowed, roles_needed
from shared.auth import CurrentPrincipal, Principal
from shared.db import Transaction
from shared.errors import Forbidden, NotFound, ProblemError

log = logging.getLogger("mesocare.records.audit")

OUTCOMES = {403: "denied", 404: "not_found", 409: "conflict", 422: "invalid", 428: "invalid"}


@dataclass
class Opened:
    """A chart opened for one action: the patient row and the fields the action touches."""

    patient_id: UUID | None
    patient: dict[str, Any] | None = None
    fields: list[str] = field(default_factory=list)

    @property
    def row(self) -> dict[str, Any]:
        assert self.patient is not None
        return self.patient


@dataclass
class ChartAccess:
    tx: Transaction
    who: Principal
    request: Request

    @property
    def request_id(self) -> str | None:
        return getattr(self.request.state, "request_id", None)

    def require(self, permission: Permission) -> None:
        if not allowed(self.who.roles, permission):
            raise Forbidden(f"This needs one of the roles: {roles_needed(permission)}.")

    def require_clinic(self, clinic_id: UUID | None) -> None:
        if clinic_id is not None and not self.who.may_act_in(clinic_id):
            raise Forbidden(f"Your token does not cover clinic {clinic_id}.")

    @asynccontextmanager
    async def open(
        self,
        patient_id: UUID | None,
        action: str,
        permission: Permission,
        *,
        lock: bool = False,
    ) -> AsyncIterator[Opened]:
        """Authorize, load the patient of the caller's network (404 otherwise), then audit."""
        opened = Opened(patient_id=patient_id)
        savepoint = self.tx.transaction()
        await savepoint.start()
        try:
            self.require(permission)
            if patient_id is not None:
                opened.patient = await repository.get_patient(
                    self.tx, network_id=self.who.network_id, id=patient_id, for_update=lock
                )
                if opened.patient is None:
                    await self._note_other_network(patient_id, action)
                    raise NotFound(f"No patient {patient_id} in your network.")
            yield opened
        except ProblemError as exc:
            await savepoint.rollback()
            await self._audit(opened, action, OUTCOMES.get(exc.status, "error"), exc.detail[:500])
            exc.commit_audit = True  # type: ignore[attr-defined]
            raise
        except BaseException:
            await savepoint.rollback()
            raise
        else:
            await savepoint.commit()
            await repository.insert_audit(
                self.tx,
                network_id=self.who.network_id,
                patient_id=opened.patient_id,
                actor_sub=self.who.sub,
                actor_roles=sorted(self.who.roles),
                action=action,
                fields=opened.fields,
                outcome="ok",
                request_id=self.request_id,
            )

    async def _audit(self, opened: Opened, action: str, outcome: str, detail: str) -> None:
        await repository.insert_audit(
            self.tx,
            network_id=self.who.network_id,
            patient_id=opened.patient_id,
            actor_sub=self.who.sub,
            actor_roles=sorted(self.who.roles),
            action=action,
            fields=opened.fields,
            outcome=outcome,
            request_id=self.request_id,
            detail=detail,
        )

    async def _note_other_network(self, patient_id: UUID, action: str) -> None:
        # The tenant sees a plain 404 (and its audit row says not_found, revealing nothing);
        # operators get a log line when the id is in fact another network's patient.
        other = await repository.network_of_patient(self.tx, patient_id)
        if other is not None:
            log.warning(
                "chart access across networks refused",
                extra={
                    "patient_id": str(patient_id),
                    "caller_network_id": str(self.who.network_id),
                    "action": action,
                    "sub": self.who.sub,
                },
            )


async def chart_transaction(request: Request) -> AsyncIterator[Transaction]:
    """Like `shared.db.Tx` (one transaction per request, committed before the response), and
    also committed when the error raised is a refusal whose audit row must stay."""
    pool = request.app.state.pool
    async with pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            yield conn
        except ProblemError as exc:
            if getattr(exc, "commit_audit", False):
                await transaction.commit()
            else:
                await transaction.rollback()
            raise
        except BaseException:
            await transaction.rollback()
            raise
        else:
            await transaction.commit()


ChartTx = Annotated[Transaction, Depends(chart_transaction, scope="function")]


async def chart_access(tx: ChartTx, who: CurrentPrincipal, request: Request) -> ChartAccess:
    return ChartAccess(tx=tx, who=who, request=request)


Chart = Annotated[ChartAccess, Depends(chart_access)]
