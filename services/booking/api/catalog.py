"""Treatment types and prices per clinic, treatment type and experience tier."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from services.booking.api import views
from services.booking.api.deps import Editor, Reader
from services.booking.schemas import (
    PriceCreate,
    PriceRead,
    PriceUpdate,
    TreatmentTypeCreate,
    TreatmentTypePage,
    TreatmentTypeRead,
)
from services.booking.usecases import catalog
from shared.openapi import problem
from shared.pagination import Cursor, Limit
from shared.uow import IdempotentUoW, UnitOfWorkRoute, UoW

router = APIRouter(route_class=UnitOfWorkRoute, tags=["treatment types and prices"])

FORBIDDEN = problem("Your role or clinic scope does not allow this")


@router.post(
    "/treatment-types",
    status_code=201,
    summary="Define a treatment type",
    description=(
        "Duration defaults from the kind and the size of the areas (a treatment 30-60 min), "
        "the cleaning buffer from the kind (15 min after a treatment, 5 after the others)."
    ),
    responses={403: FORBIDDEN, 409: problem("Idempotency-Key reused with another body")},
)
async def create_treatment_type(
    body: TreatmentTypeCreate, who: Editor, uow: IdempotentUoW, response: Response
) -> TreatmentTypeRead:
    defined = await catalog.define(uow, who, body)
    response.headers["Location"] = f"/v1/treatment-types/{defined.id}"
    return views.treatment_type(defined)


@router.get("/treatment-types", summary="The network's treatment types, by name")
async def list_treatment_types(
    who: Reader, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> TreatmentTypePage:
    found = await catalog.treatment_types(uow, who, limit=limit, cursor=cursor)
    return TreatmentTypePage(
        items=[views.treatment_type(t) for t in found.items], next_cursor=found.next_cursor
    )


@router.get(
    "/treatment-types/{treatment_type_id}",
    summary="A treatment type",
    responses={404: problem("No such treatment type in your network")},
)
async def get_treatment_type(treatment_type_id: UUID, who: Reader, uow: UoW) -> TreatmentTypeRead:
    return views.treatment_type(await catalog.treatment_type(uow, who, treatment_type_id))


@router.post(
    "/prices",
    status_code=201,
    summary="Price a treatment type at a clinic (for everyone, or for one experience tier)",
    responses={
        403: FORBIDDEN,
        409: problem("This clinic already prices this treatment type for this tier"),
    },
)
async def create_price(body: PriceCreate, who: Editor, uow: UoW) -> PriceRead:
    return views.price(await catalog.set_price(uow, who, body))


@router.patch(
    "/prices/{price_id}",
    summary="Change what a price costs",
    description="The clinic, treatment type, tier and currency stay; appointments already "
    "booked keep the price they were booked at.",
    responses={403: FORBIDDEN, 404: problem("No such price in your network")},
)
async def update_price(price_id: UUID, body: PriceUpdate, who: Editor, uow: UoW) -> PriceRead:
    return views.price(await catalog.change_price(uow, who, price_id, body))


@router.get("/prices", summary="Prices, optionally of one clinic or treatment type")
async def list_prices(
    who: Reader, uow: UoW, clinic_id: UUID | None = None, treatment_type_id: UUID | None = None
) -> list[PriceRead]:
    found = await catalog.prices(uow, who, clinic_id=clinic_id, treatment_type_id=treatment_type_id)
    return [views.price(p) for p in found]
