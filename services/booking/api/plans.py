"""Treatment plans: a course of sessions at an interval, then maintenance; progress and cost."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from services.booking.api import views
from services.booking.api.deps import Authorization, Booker, Reader, Records
from services.booking.schemas import TreatmentPlanCreate, TreatmentPlanRead
from services.booking.usecases import plans
from services.booking.usecases.caller import Caller
from shared.openapi import problem
from shared.uow import IdempotentUoW, UnitOfWorkRoute, UoW

router = APIRouter(route_class=UnitOfWorkRoute, tags=["treatment plans"])


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
    who: Booker,
    authorization: Authorization,
    records: Records,
    uow: IdempotentUoW,
    response: Response,
) -> TreatmentPlanRead:
    created = await plans.create(uow, Caller(who, authorization), records, body)
    response.headers["Location"] = f"/v1/treatment-plans/{created.plan.id}"
    return views.plan(created)


@router.get("/treatment-plans", summary="A patient's treatment plans, newest first")
async def list_plans(patient_id: UUID, who: Reader, uow: UoW) -> list[TreatmentPlanRead]:
    return [views.plan(p) for p in await plans.for_patient(uow, who, patient_id)]


@router.get(
    "/treatment-plans/{plan_id}",
    summary="A treatment plan with its progress, next due date and cost estimate",
    responses={404: problem("No such plan in your network")},
)
async def get_plan(plan_id: UUID, who: Reader, uow: UoW) -> TreatmentPlanRead:
    return views.plan(await plans.get(uow, who, plan_id))
