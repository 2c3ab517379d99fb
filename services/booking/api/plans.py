"""Treatment plans: a course of sessions at an interval, then maintenance; progress and cost."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request, Response

from services.booking import repository
from services.booking.api.access import Booker, Reader, require_clinic
from services.booking.api.lookups import ensure_patient_known, price_for
from services.booking.domain import (
    Indication,
    TreatmentPlan,
    estimate_cost,
    next_session_due,
    plan_progress,
)
from services.booking.schemas import (
    CostEstimateRead,
    MoneyRead,
    PlanProgressRead,
    TreatmentPlanCreate,
    TreatmentPlanRead,
)
from shared import idempotency
from shared.db import Transaction, Tx
from shared.errors import Invalid, NotFound
from shared.idempotency import IdempotencyKey
from shared.service import problem

router = APIRouter(tags=["treatment plans"])


def domain_plan(row: dict[str, Any]) -> TreatmentPlan:
    maintenance = row["maintenance_interval_days"]
    return TreatmentPlan(
        id=row["id"],
        patient_id=row["patient_id"],
        indication=Indication(row["indication"]),
        treatment_type_id=row["treatment_type_id"],
        sessions_planned=row["sessions_planned"],
        interval=timedelta(days=row["interval_days"]),
        maintenance_interval=timedelta(days=maintenance) if maintenance else None,
    )


async def plan_view(tx: Transaction, row: dict[str, Any]) -> TreatmentPlanRead:
    plan = domain_plan(row)
    dates = await repository.plan_session_dates(tx, network_id=row["network_id"], plan_id=plan.id)
    progress = plan_progress(plan, len(dates))
    estimate = None
    if row["clinic_id"] is not None:
        price = await price_for(
            tx,
            network_id=row["network_id"],
            clinic_id=row["clinic_id"],
            treatment_type_id=plan.treatment_type_id,
            tier=None,
        )
        if price is not None:
            cost = estimate_cost(plan, completed_sessions=len(dates), price=price)
            estimate = CostEstimateRead(
                price_per_session=MoneyRead(**_money(cost.price_per_session)),
                sessions_remaining=cost.sessions_remaining,
                remaining=MoneyRead(**_money(cost.remaining)),
                course_total=MoneyRead(**_money(cost.course_total)),
            )
    return TreatmentPlanRead(
        id=plan.id,
        patient_id=plan.patient_id,
        indication=plan.indication,
        treatment_type_id=plan.treatment_type_id,
        clinic_id=row["clinic_id"],
        sessions_planned=plan.sessions_planned,
        interval_days=row["interval_days"],
        maintenance_interval_days=row["maintenance_interval_days"],
        progress=PlanProgressRead(
            completed=progress.completed,
            planned=progress.planned,
            remaining=progress.remaining,
            maintenance_completed=progress.maintenance_completed,
            course_complete=progress.course_complete,
        ),
        next_session_due=next_session_due(plan, dates),
        cost_estimate=estimate,
    )


def _money(value: Any) -> dict[str, Any]:
    return {"amount_minor": value.amount_minor, "currency": value.currency}


@router.post(
    "/treatment-plans",
    status_code=201,
    summary="Plan a course of sessions for a patient",
    description="The indication is the treatment type's. Emits no event.",
    responses={
        403: problem("Your role or clinic scope does not allow this"),
        409: problem("Idempotency-Key reused with another body"),
        503: problem("Records could not confirm the patient"),
    },
)
async def create_plan(
    body: TreatmentPlanCreate,
    tx: Tx,
    who: Booker,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> TreatmentPlanRead:
    prior = await idempotency.replay_or_claim(
        tx,
        network_id=who.network_id,
        key=idempotency_key,
        method="POST",
        path=request.url.path,
        body=body,
    )
    if prior is not None:
        return prior  # type: ignore[return-value]
    treatment = await repository.get_treatment_type(
        tx, network_id=who.network_id, id=body.treatment_type_id
    )
    if treatment is None:
        raise Invalid(
            f"No treatment type {body.treatment_type_id} in your network.",
            field="treatment_type_id",
        )
    if body.clinic_id is not None:
        if await repository.get_clinic(tx, network_id=who.network_id, id=body.clinic_id) is None:
            raise Invalid(f"No clinic {body.clinic_id} in your network.", field="clinic_id")
        require_clinic(who, body.clinic_id)
    await ensure_patient_known(tx, request, network_id=who.network_id, patient_id=body.patient_id)
    plan_id = uuid4()
    await repository.insert_plan(
        tx,
        network_id=who.network_id,
        id=plan_id,
        indication=treatment["indication"],
        created_by=who.sub,
        **body.model_dump(),
    )
    row = await repository.get_plan(tx, network_id=who.network_id, id=plan_id)
    assert row is not None
    created = await plan_view(tx, row)
    await idempotency.remember(
        tx, network_id=who.network_id, key=idempotency_key, status_code=201, response=created
    )
    response.headers["Location"] = f"/v1/treatment-plans/{plan_id}"
    return created


@router.get("/treatment-plans", summary="A patient's treatment plans, newest first")
async def list_plans(patient_id: UUID, tx: Tx, who: Reader) -> list[TreatmentPlanRead]:
    rows = await repository.list_plans(tx, network_id=who.network_id, patient_id=patient_id)
    return [await plan_view(tx, r) for r in rows]


@router.get(
    "/treatment-plans/{plan_id}",
    summary="A treatment plan with its progress, next due date and cost estimate",
    responses={404: problem("No such plan in your network")},
)
async def get_plan(plan_id: UUID, tx: Tx, who: Reader) -> TreatmentPlanRead:
    row = await repository.get_plan(tx, network_id=who.network_id, id=plan_id)
    if row is None:
        raise NotFound(f"No treatment plan {plan_id} in your network.")
    return await plan_view(tx, row)
