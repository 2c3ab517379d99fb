"""Treatment plans: a course of sessions at an interval, then maintenance; progress and cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID, uuid4

from services.booking import domain, repository
from services.booking.clients.records import RecordsClient
from services.booking.domain import (
    CostEstimate,
    ExperienceTier,
    Indication,
    Money,
    PlanProgress,
    TreatmentPlan,
    estimate_cost,
    next_session_due,
    plan_progress,
    session_price,
)
from services.booking.policies import require_clinic
from services.booking.repository import Plan
from services.booking.schemas import TreatmentPlanCreate
from services.booking.usecases import patients
from services.booking.usecases.caller import Caller
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class PlanStanding:
    """A plan and where the patient stands in it: sessions done, next due, cost of the rest."""

    plan: Plan
    progress: PlanProgress
    next_session_due: date | None
    cost_estimate: CostEstimate | None
    """None when the plan names no clinic or the clinic has no untiered price."""


def treatment_plan(plan: Plan) -> TreatmentPlan:
    """The domain's plan of a stored one."""
    maintenance = plan.maintenance_interval_days
    return TreatmentPlan(
        id=plan.id,
        patient_id=plan.patient_id,
        indication=Indication(plan.indication),
        treatment_type_id=plan.treatment_type_id,
        sessions_planned=plan.sessions_planned,
        interval=timedelta(days=plan.interval_days),
        maintenance_interval=timedelta(days=maintenance) if maintenance else None,
    )


async def _price(uow: UnitOfWork, plan: Plan) -> Money | None:
    """The untiered price of a session of the plan's treatment at its clinic, if any."""
    if plan.clinic_id is None:
        return None
    prices = await repository.list_prices(
        uow.tx,
        network_id=plan.network_id,
        clinic_id=plan.clinic_id,
        treatment_type_id=plan.treatment_type_id,
    )
    return session_price(
        (
            domain.Price(
                clinic_id=p.clinic_id,
                treatment_type_id=p.treatment_type_id,
                amount=Money(p.amount_minor, p.currency),
                tier=ExperienceTier(p.tier) if p.tier else None,
            )
            for p in prices
        ),
        clinic_id=plan.clinic_id,
        treatment_type_id=plan.treatment_type_id,
        tier=None,
    )


async def _standing(uow: UnitOfWork, plan: Plan) -> PlanStanding:
    course = treatment_plan(plan)
    dates = await repository.plan_session_dates(uow.tx, network_id=plan.network_id, plan_id=plan.id)
    price = await _price(uow, plan)
    return PlanStanding(
        plan=plan,
        progress=plan_progress(course, len(dates)),
        next_session_due=next_session_due(course, dates),
        cost_estimate=(
            estimate_cost(course, completed_sessions=len(dates), price=price)
            if price is not None
            else None
        ),
    )


async def create(
    uow: UnitOfWork, caller: Caller, records: RecordsClient, cmd: TreatmentPlanCreate
) -> PlanStanding:
    """Plan a course of sessions for a patient; the indication is the treatment type's."""
    who = caller.who
    treatment = await repository.get_treatment_type(
        uow.tx, network_id=who.network_id, id=cmd.treatment_type_id
    )
    if treatment is None:
        raise Invalid(
            f"No treatment type {cmd.treatment_type_id} in your network.",
            field="treatment_type_id",
        )
    if cmd.clinic_id is not None:
        if await repository.get_clinic(uow.tx, network_id=who.network_id, id=cmd.clinic_id) is None:
            raise Invalid(f"No clinic {cmd.clinic_id} in your network.", field="clinic_id")
        require_clinic(who, cmd.clinic_id)
    await patients.confirm(uow, caller, records, cmd.patient_id)
    plan_id = uuid4()
    await repository.insert_plan(
        uow.tx,
        network_id=who.network_id,
        id=plan_id,
        patient_id=cmd.patient_id,
        indication=treatment.indication,
        treatment_type_id=cmd.treatment_type_id,
        clinic_id=cmd.clinic_id,
        sessions_planned=cmd.sessions_planned,
        interval_days=cmd.interval_days,
        maintenance_interval_days=cmd.maintenance_interval_days,
        created_by=who.sub,
    )
    return await get(uow, caller.who, plan_id)


async def for_patient(uow: UnitOfWork, who: Principal, patient_id: UUID) -> list[PlanStanding]:
    """A patient's plans, newest first, each with where the patient stands in it."""
    plans = await repository.list_plans(uow.tx, network_id=who.network_id, patient_id=patient_id)
    return [await _standing(uow, plan) for plan in plans]


async def get(uow: UnitOfWork, who: Principal, plan_id: UUID) -> PlanStanding:
    """A plan with its progress, next due date and cost estimate."""
    plan = await repository.get_plan(uow.tx, network_id=who.network_id, id=plan_id)
    if plan is None:
        raise NotFound(f"No treatment plan {plan_id} in your network.")
    return await _standing(uow, plan)
