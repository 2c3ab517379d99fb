"""The treatment session: start, re-check a changed plan, complete — behind formulary's check.

Each use case reads the appointment in a short unit of work, asks formulary with no transaction
open (a slow formulary holds no row lock), then applies the answer in a second short unit that
locks the appointment and re-checks its status: a cancel that landed meanwhile wins cleanly
(409), and nothing of the refused action is written or emitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal, TypedDict
from uuid import UUID

from services.booking import repository
from services.booking.clients.formulary import (
    AdministeredItem,
    CheckRequest,
    FormularyClient,
)
from services.booking.domain import (
    Action,
    Area,
    Indication,
    Status,
    TreatmentKind,
    check_startable,
    next_session_due,
    next_status,
    requires_consultation,
)
from services.booking.domain.safety import (
    Acknowledgement,
    CrossCheck,
    Given,
    deviations,
    finding_facts,
    passing,
    require_acknowledged,
)
from services.booking.domain.safety import Deviation as DeviationFound
from services.booking.policies import require_clinic
from services.booking.repository import Appointment, StoredAcknowledgement, StoredCheck
from services.booking.schemas import Acknowledgement as AcknowledgementIn
from services.booking.schemas import DeviationRead, SessionCompletion, SessionRecord, SessionStart
from services.booking.usecases.appointments import facts
from services.booking.usecases.caller import Caller
from services.booking.usecases.plans import treatment_plan
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.events.booking import (
    AcknowledgedFinding,
    AdministeredIngredient,
    Deviation,
    PlanFacts,
    Preparation,
    SessionCompleted,
    SessionRechecked,
    SessionStarted,
)
from shared.uow import Database, UnitOfWork

NO_PREPARATION = Preparation(disinfection="not_applicable", numbing_cream=False)


async def _appointment(
    uow: UnitOfWork, who: Principal, id: UUID, *, lock: bool = False
) -> Appointment:
    assert uow.network_id is not None
    appointment = await repository.get_appointment(
        uow.tx, network_id=uow.network_id, id=id, for_update=lock
    )
    if appointment is None:
        raise NotFound(f"No appointment {id} in your network.")
    require_clinic(who, appointment.clinic_id)
    return appointment


async def _readable(db: Database, caller: Caller, id: UUID, action: Action) -> Appointment:
    """The appointment, if `action` is allowed now (an early, unlocked look)."""
    async with db.unit(caller.who.network_id) as uow:
        appointment = await _appointment(uow, caller.who, id)
        next_status(Status(appointment.status), action)
        if action is Action.start:
            await _check_consulted(uow, appointment)
    return appointment


async def _check_consulted(uow: UnitOfWork, appointment: Appointment) -> None:
    """A treatment starts once its indication's consultation is completed (a completed
    consultation stays completed, so this early look holds at the locked write)."""
    kind = TreatmentKind(appointment.kind)
    if not requires_consultation(kind):
        return
    check_startable(
        kind=kind,
        indication=Indication(appointment.indication),
        consultations=await repository.consultations_for(
            uow.tx,
            network_id=appointment.network_id,
            patient_id=appointment.patient_id,
            indication=appointment.indication,
        ),
    )


def _acknowledgement(given: AcknowledgementIn | None) -> Acknowledgement | None:
    if given is None:
        return None
    return Acknowledgement(given.reason, frozenset(given.finding_codes))


# -- before injecting: start and re-check ----------------------------------------------------


class CheckFacts(TypedDict):
    """What SessionStarted and SessionRechecked say about the check."""

    cross_check_verdict: Literal["ok", "caution"]
    profile_version: int
    blend_id: UUID | None
    blend_version: int | None
    ingredient_codes: list[str]
    lot_numbers: list[str]
    acknowledged_findings: list[AcknowledgedFinding]
    acknowledgement_reason: str | None


@dataclass(frozen=True, slots=True)
class PassedCheck:
    """A plan that passed: what was checked, the answer, and the acknowledgement it needed."""

    plan: SessionStart
    areas: list[str]
    check: CrossCheck
    acknowledgement: Acknowledgement | None

    @property
    def blend_version(self) -> int | None:
        """The version checked: the one named, else the one formulary checked (its current)."""
        return self.plan.blend_version or self.check.blend_version

    def as_record(self, *, at: datetime, by: str) -> StoredCheck:
        """As stored in the appointment's `cross_check` and `checks`."""
        return {
            "verdict": self.check.verdict,
            "profile_version": self.check.profile_version,
            "findings": finding_facts(self.check.findings),
            "blend_id": str(self.plan.blend_id) if self.plan.blend_id else None,
            "blend_version": self.blend_version,
            "ingredient_codes": self.plan.ingredient_codes,
            "lot_numbers": self.plan.lot_numbers,
            "areas": self.areas,
            "checked_at": at.isoformat(),
            "checked_by": by,
            "acknowledgement": (
                {
                    "reason": self.acknowledgement.reason,
                    "finding_codes": sorted(self.acknowledgement.finding_codes),
                }
                if self.acknowledgement
                else None
            ),
        }

    def event_facts(self) -> CheckFacts:
        """What SessionStarted and SessionRechecked say about the check."""
        verdict, profile_version = self.check.verdict, self.check.profile_version
        # `passing` lets only these verdicts through, and formulary names the profile version
        # of every other answer than `unknown_patient` (a plan injecting nothing is ok, 0).
        assert verdict in ("ok", "caution") and profile_version is not None
        codes = self.acknowledgement.finding_codes if self.acknowledgement else frozenset()
        return {
            "cross_check_verdict": verdict,
            "profile_version": profile_version,
            "blend_id": self.plan.blend_id,
            "blend_version": self.blend_version,
            "ingredient_codes": self.plan.ingredient_codes or [],
            "lot_numbers": self.plan.lot_numbers,
            "acknowledged_findings": [
                AcknowledgedFinding(
                    code=f.code, ingredient=f.ingredient, reason=f.reason, severity=f.severity
                )
                for f in self.check.findings
                if f.code in codes
            ],
            "acknowledgement_reason": (
                self.acknowledgement.reason if self.acknowledgement else None
            ),
        }


async def _check_plan(
    formulary: FormularyClient, caller: Caller, appointment: Appointment, plan: SessionStart
) -> PassedCheck:
    """formulary's check of the plan, which must pass; a plan injecting nothing passes as is."""
    planned = plan.blend_id is not None or plan.ingredient_codes is not None
    if appointment.kind == TreatmentKind.treatment.value and not planned:
        raise Invalid("Name what will be injected: blend_id or ingredient_codes.", field="blend_id")
    areas = [a.value for a in plan.areas] if plan.areas else list(appointment.treatment_areas)
    if not planned:
        return PassedCheck(plan, areas, CrossCheck("ok", 0, ()), None)
    check = await formulary.cross_check(
        CheckRequest(
            patient_id=appointment.patient_id,
            clinic_id=appointment.clinic_id,
            indication=appointment.indication,
            areas=areas,
            blend_id=plan.blend_id,
            blend_version=plan.blend_version,
            ingredient_codes=plan.ingredient_codes,
            lot_numbers=plan.lot_numbers,
        ),
        authorization=caller.authorization,
    )
    return PassedCheck(plan, areas, check, passing(check, _acknowledgement(plan.acknowledgement)))


async def start(
    db: Database, formulary: FormularyClient, caller: Caller, id: UUID, plan: SessionStart
) -> Appointment:
    """Start the session once what is planned passed formulary's cross-check."""
    return await _checked(db, formulary, caller, id, plan, Action.start)


async def recheck(
    db: Database, formulary: FormularyClient, caller: Caller, id: UUID, plan: SessionStart
) -> Appointment:
    """Re-check a changed plan during the session; the passing check becomes the one of record."""
    return await _checked(db, formulary, caller, id, plan, Action.cross_check)


async def _checked(
    db: Database,
    formulary: FormularyClient,
    caller: Caller,
    id: UUID,
    plan: SessionStart,
    action: Action,
) -> Appointment:
    appointment = await _readable(db, caller, id, action)
    passed = await _check_plan(formulary, caller, appointment, plan)
    return await _apply_check(db, caller, id, passed, action)


async def _apply_check(
    db: Database, caller: Caller, id: UUID, passed: PassedCheck, action: Action
) -> Appointment:
    who = caller.who
    async with db.unit(who.network_id) as uow:
        current = await _appointment(uow, who, id, lock=True)
        status = next_status(Status(current.status), action)
        now = datetime.now(UTC)
        record = passed.as_record(at=now, by=who.sub)
        starting = action is Action.start
        await repository.record_cross_check(
            uow.tx,
            network_id=who.network_id,
            id=id,
            status=status.value,
            check=record,
            checks=[*current.checks, record],
            started_at=now if starting else None,
            started_by=who.sub if starting else None,
        )
        said = facts(current, areas=passed.areas)
        if starting:
            uow.emit(
                SessionStarted(**said, **passed.event_facts(), started_at=now, started_by=who.sub)
            )
        else:
            # In progress: the session was started, by someone, at some time.
            assert current.started_at is not None and current.started_by is not None
            uow.emit(
                SessionRechecked(
                    **said,
                    **passed.event_facts(),
                    started_at=current.started_at,
                    started_by=current.started_by,
                    checked_at=now,
                    checked_by=who.sub,
                )
            )
        return await _appointment(uow, who, id)


# -- after injecting: complete ---------------------------------------------------------------


def _completion(appointment: Appointment, body: SessionCompletion) -> SessionCompletion:
    """The body with blend and areas defaulted to what the last passing check covered."""
    if appointment.kind == TreatmentKind.treatment.value:
        if body.preparation is None:
            raise Invalid("A treatment records its preparation.", field="preparation")
        if not body.ingredients:
            raise Invalid(
                "A treatment records each ingredient injected, with lot and amount.",
                field="ingredients",
            )
    checked: StoredCheck = appointment.cross_check or {}
    areas = body.areas or [Area(a) for a in checked.get("areas") or appointment.treatment_areas]
    checked_blend = checked.get("blend_id")
    blend_id = body.blend_id or (UUID(checked_blend) if checked_blend else None)
    return body.model_copy(
        update={
            "areas": areas,
            "blend_id": blend_id,
            "blend_version": body.blend_version
            or (checked.get("blend_version") if blend_id and not body.blend_id else None),
        }
    )


def _in_completion_terms(field: str) -> str:
    """formulary's `administered[i].x` is the completion's `ingredients[i].x`."""
    return field.replace("administered[", "ingredients[", 1)


async def _check_given(
    formulary: FormularyClient,
    caller: Caller,
    appointment: Appointment,
    completion: SessionCompletion,
) -> CrossCheck | None:
    """formulary's answer about exactly what was injected; None when nothing was."""
    if not completion.ingredients:
        return None
    return await formulary.cross_check(
        CheckRequest(
            patient_id=appointment.patient_id,
            clinic_id=appointment.clinic_id,
            indication=appointment.indication,
            areas=[a.value for a in completion.areas or []],
            blend_id=completion.blend_id,
            blend_version=completion.blend_version,
            administered=[
                AdministeredItem(i.ingredient_code, i.lot_number, i.amount, i.unit)
                for i in completion.ingredients
            ],
        ),
        authorization=caller.authorization,
        rename=_in_completion_terms,
    )


async def complete(
    db: Database,
    formulary: FormularyClient,
    caller: Caller,
    id: UUID,
    body: SessionCompletion,
) -> Appointment:
    """Record what was administered. Anything a check would not pass is a deviation: refused
    (409 `unchecked-administration`) until acknowledged, then recorded, flagged, escalated."""
    appointment = await _readable(db, caller, id, Action.complete)
    completion = _completion(appointment, body)
    check = await _check_given(formulary, caller, appointment, completion)
    return await _apply_completion(db, caller, id, completion, check)


async def _apply_completion(
    db: Database,
    caller: Caller,
    id: UUID,
    completion: SessionCompletion,
    check: CrossCheck | None,
) -> Appointment:
    who = caller.who
    async with db.unit(who.network_id) as uow:
        current = await _appointment(uow, who, id, lock=True)
        status = next_status(Status(current.status), Action.complete)
        found: tuple[DeviationFound, ...] = ()
        acknowledged = None
        if check is not None:
            # Compared with the check of record as it is now, under the lock: a re-check that
            # landed while formulary answered is taken into account.
            of_record: StoredCheck = current.cross_check or {}
            last: StoredAcknowledgement = of_record.get("acknowledgement") or {}
            found = deviations(
                check,
                covered=last.get("finding_codes") or [],
                given=[Given(i.ingredient_code, i.lot_number) for i in completion.ingredients],
            )
            acknowledged = require_acknowledged(found, _acknowledgement(completion.acknowledgement))
        record = SessionRecord(
            **completion.model_dump(exclude={"acknowledgement"}),
            acknowledgement=completion.acknowledgement if acknowledged else None,
            cross_check_verdict=check.verdict if check else None,
            profile_version=check.profile_version if check else None,
            deviations=[
                DeviationRead.model_validate(
                    {
                        "ingredient_code": d.ingredient_code,
                        "lot_numbers": list(d.lot_numbers),
                        "findings": finding_facts(d.findings),
                    }
                )
                for d in found
            ],
        )
        now = datetime.now(UTC)
        await repository.complete_appointment(
            uow.tx,
            network_id=who.network_id,
            id=id,
            status=status.value,
            completed_at=now,
            completed_by=who.sub,
            completion=record.model_dump(mode="json"),
        )
        completed = await _appointment(uow, who, id)
        uow.emit(await _session_completed(uow, completed, record, now=now, by=who.sub))
        return completed


async def _session_completed(
    uow: UnitOfWork, appointment: Appointment, record: SessionRecord, *, now: datetime, by: str
) -> SessionCompleted:
    next_due, maintenance_due = await _due_dates(uow, appointment)
    return SessionCompleted(
        **facts(appointment),
        completed_at=now,
        completed_by=by,
        preparation=(
            Preparation(**record.preparation.model_dump()) if record.preparation else NO_PREPARATION
        ),
        blend_id=record.blend_id,
        blend_version=record.blend_version,
        blend_name=record.blend_name,
        ingredients=[
            AdministeredIngredient(**i.model_dump(include=set(AdministeredIngredient.model_fields)))
            for i in record.ingredients
        ],
        technique=record.technique,
        depth_mm=record.depth_mm,
        injection_count=record.injection_count,
        immediate_reactions=record.immediate_reactions,
        notes=record.notes,
        treatment_plan_id=appointment.treatment_plan_id,
        treatment_plan=await _plan_facts(uow, appointment),
        next_session_due=next_due,
        maintenance_due=maintenance_due,
        cross_check_verdict=record.cross_check_verdict,
        profile_version=record.profile_version,
        deviations=[Deviation.model_validate(d.model_dump()) for d in record.deviations],
        deviation_reason=record.acknowledgement.reason if record.acknowledgement else None,
    )


async def _plan_facts(uow: UnitOfWork, appointment: Appointment) -> PlanFacts | None:
    """The appointment's plan; for a consultation, the plan agreed for its indication."""
    if appointment.treatment_plan_id is not None:
        plan = await repository.plan_with_treatment(
            uow.tx, network_id=appointment.network_id, plan_id=appointment.treatment_plan_id
        )
    elif appointment.kind == TreatmentKind.consultation.value:
        plan = await repository.plan_with_treatment(
            uow.tx,
            network_id=appointment.network_id,
            patient_id=appointment.patient_id,
            indication=appointment.indication,
        )
    else:
        plan = None
    if plan is None:
        return None
    return PlanFacts(
        treatment_plan_id=plan.id,
        treatment_type_id=plan.treatment_type_id,
        treatment_name=plan.treatment_name,
        indication=plan.indication,
        sessions_planned=plan.sessions_planned,
        interval_days=plan.interval_days,
        maintenance_interval_days=plan.maintenance_interval_days,
    )


async def _due_dates(uow: UnitOfWork, appointment: Appointment) -> tuple[date | None, date | None]:
    """(next course session due, next maintenance due) from the appointment's plan."""
    if appointment.treatment_plan_id is None:
        return None, None
    stored = await repository.get_plan(
        uow.tx, network_id=appointment.network_id, id=appointment.treatment_plan_id
    )
    assert stored is not None
    plan = treatment_plan(stored)
    dates = await repository.plan_session_dates(
        uow.tx, network_id=appointment.network_id, plan_id=plan.id
    )
    due = next_session_due(plan, dates)
    if len(dates) < plan.sessions_planned:
        return due, None
    return None, due
