"""Lots: receive, list, recall (with its events), and the patients exposed to a lot."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from services.formulary.api import paging, views
from services.formulary.api.deps import Admin, Reader
from services.formulary.api.views import FORBIDDEN, NOT_FOUND
from services.formulary.domain import LotStatus
from services.formulary.schemas import (
    ExposurePage,
    LotCreate,
    LotPage,
    LotRead,
    LotStatusName,
    RecallCreate,
)
from services.formulary.usecases import lots, recalls
from shared.openapi import problem
from shared.pagination import Cursor, Limit, encode_cursor, page_of
from shared.uow import IdempotentUoW, UnitOfWorkRoute, UoW

router = APIRouter(tags=["lots"], route_class=UnitOfWorkRoute)


@router.post(
    "/lots",
    status_code=201,
    summary="Receive a lot of an ingredient",
    description="A lot that has already expired is refused (422 naming `expires_on`).",
    responses={
        403: FORBIDDEN,
        409: problem("Your network already has a lot with that number, or Idempotency-Key reused"),
    },
)
async def create_lot(body: LotCreate, who: Admin, uow: IdempotentUoW) -> LotRead:
    return views.lot_read(await lots.receive(uow, who, body))


@router.get("/lots", summary="The network's lots, by lot number")
async def list_lots(
    who: Reader,
    uow: UoW,
    ingredient_code: Annotated[
        str | None, Query(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    ] = None,
    status: LotStatusName | None = None,
    lot_number: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> LotPage:
    found = await lots.list_lots(
        uow,
        who,
        ingredient_code=ingredient_code,
        status=LotStatus(status) if status is not None else None,
        lot_number=lot_number,
        after=paging.after_lot(cursor),
        limit=limit + 1,
    )
    page, next_cursor = page_of(found, limit, lambda lot: encode_cursor(lot.lot_number, lot.id))
    return LotPage(items=[views.lot_read(lot) for lot in page], next_cursor=next_cursor)


@router.get("/lots/{lot_id}", summary="One lot", responses={404: NOT_FOUND})
async def get_lot(lot_id: UUID, who: Reader, uow: UoW) -> LotRead:
    return views.lot_read(await lots.lot(uow, who, lot_id))


@router.post(
    "/lots/{lot_id}/recall",
    summary="Recall a lot: emits LotRecalled and one RecalledLotExposure per exposed session",
    description=(
        "Every patient session the lot ledger knows for this lot number gets one "
        "`RecalledLotExposure`; the events are written in the same transaction as the recall. "
        "Recalling a lot that is already recalled changes nothing and emits nothing: the answer "
        "is the existing recall (its first reason), again 200."
    ),
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def recall_lot(lot_id: UUID, body: RecallCreate, who: Admin, uow: UoW) -> LotRead:
    return views.lot_read(await recalls.recall(uow, who, lot_id, body))


@router.get(
    "/lots/{lot_id}/exposures",
    summary="Who received this lot, when (the lot ledger, from SessionCompleted)",
    responses={404: NOT_FOUND},
)
async def list_exposures(
    lot_id: UUID, who: Reader, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> ExposurePage:
    found = await lots.exposures(
        uow, who, lot_id, after=paging.after_exposure(cursor), limit=limit + 1
    )
    page, next_cursor = page_of(
        found, limit, lambda e: encode_cursor(e.administered_at.isoformat(), e.id)
    )
    return ExposurePage(items=[views.exposure_read(e) for e in page], next_cursor=next_cursor)
