"""Lots: receive, list, recall (with its events), and the patients exposed to a lot."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Query, Request

from services.formulary import recalls, repository
from services.formulary.api.views import (
    FORBIDDEN,
    NOT_FOUND,
    Admin,
    Reader,
    exposure_read,
    lot_read,
    today,
)
from services.formulary.domain import Lot, UnknownCode, validate_new_lot
from services.formulary.schemas import ExposurePage, LotCreate, LotPage, LotRead, RecallCreate
from shared import idempotency
from shared.db import Tx
from shared.errors import Conflict, Invalid, NotFound
from shared.idempotency import IdempotencyKey
from shared.pagination import Cursor, Limit, decode_cursor, encode_cursor, page_of
from shared.service import problem

router = APIRouter(tags=["lots"])


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
async def create_lot(
    body: LotCreate,
    tx: Tx,
    who: Admin,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> LotRead:
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
    if (
        await repository.get_ingredient(tx, network_id=who.network_id, code=body.ingredient_code)
        is None
    ):
        raise UnknownCode(f"No ingredient {body.ingredient_code!r}.", field="ingredient_code")
    validate_new_lot(body.expires_on, today())
    lot_number = body.lot_number.strip()
    row = await repository.insert_lot(
        tx,
        id=uuid4(),
        network_id=who.network_id,
        lot=Lot(lot_number, body.ingredient_code, body.expires_on, supplier=body.supplier),
        supplier=body.supplier,
        by=who.sub,
    )
    if row is None:
        raise Conflict(f"Your network already has lot {lot_number!r}.")
    created = lot_read(row)
    await idempotency.remember(
        tx, network_id=who.network_id, key=idempotency_key, status_code=201, response=created
    )
    return created


@router.get("/lots", summary="The network's lots, by lot number")
async def list_lots(
    tx: Tx,
    who: Reader,
    ingredient_code: Annotated[
        str | None, Query(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    ] = None,
    status: Literal["active", "recalled"] | None = None,
    lot_number: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> LotPage:
    after = decode_cursor(cursor, 2)
    try:
        after_key = (after[0], UUID(after[1])) if after else None
    except ValueError as exc:
        raise Invalid("The cursor is not one this API issued.", field="cursor") from exc
    rows = await repository.list_lots(
        tx,
        network_id=who.network_id,
        after=after_key,
        limit=limit + 1,
        ingredient_code=ingredient_code,
        status=status,
        lot_number=lot_number,
    )
    page, next_cursor = page_of(rows, limit, lambda r: encode_cursor(r["lot_number"], r["id"]))
    return LotPage(items=[lot_read(r) for r in page], next_cursor=next_cursor)


@router.get("/lots/{lot_id}", summary="One lot", responses={404: NOT_FOUND})
async def get_lot(lot_id: UUID, tx: Tx, who: Reader) -> LotRead:
    row = await repository.get_lot(tx, network_id=who.network_id, id=lot_id)
    if row is None:
        raise NotFound(f"No lot {lot_id} in your network.")
    return lot_read(row)


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
async def recall_lot(lot_id: UUID, body: RecallCreate, tx: Tx, who: Admin) -> LotRead:
    row = await recalls.recall(
        tx, network_id=who.network_id, lot_id=lot_id, reason=body.reason.strip(), by=who.sub
    )
    if row is None:
        raise NotFound(f"No lot {lot_id} in your network.")
    return lot_read(row)


@router.get(
    "/lots/{lot_id}/exposures",
    summary="Who received this lot, when (the lot ledger, from SessionCompleted)",
    responses={404: NOT_FOUND},
)
async def list_exposures(
    lot_id: UUID, tx: Tx, who: Reader, limit: Limit = 50, cursor: Cursor = None
) -> ExposurePage:
    lot = await repository.get_lot(tx, network_id=who.network_id, id=lot_id)
    if lot is None:
        raise NotFound(f"No lot {lot_id} in your network.")
    after = decode_cursor(cursor, 2)
    try:
        after_key = (datetime.fromisoformat(after[0]), int(after[1])) if after else None
    except ValueError as exc:
        raise Invalid("The cursor is not one this API issued.", field="cursor") from exc
    rows = await repository.list_exposures(
        tx,
        network_id=who.network_id,
        lot_number=lot["lot_number"],
        after=after_key,
        limit=limit + 1,
    )
    page, next_cursor = page_of(
        rows, limit, lambda r: encode_cursor(r["administered_at"].isoformat(), r["id"])
    )
    return ExposurePage(items=[exposure_read(r) for r in page], next_cursor=next_cursor)
