"""Treatment types and prices per clinic, treatment type and experience tier."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request, Response

from services.booking import repository
from services.booking.api import views
from services.booking.api.access import Editor, Reader, require_clinic
from services.booking.api.paging import cursor_uuid
from services.booking.domain import define_treatment_type
from services.booking.schemas import (
    PriceCreate,
    PriceRead,
    TreatmentTypeCreate,
    TreatmentTypePage,
    TreatmentTypeRead,
)
from shared import idempotency
from shared.db import Tx
from shared.errors import Invalid, NotFound
from shared.idempotency import IdempotencyKey
from shared.pagination import Cursor, Limit, decode_cursor, encode_cursor, page_of
from shared.service import problem

router = APIRouter(tags=["treatment types and prices"])

FORBIDDEN = problem("Your role or clinic scope does not allow this")


async def treatment_type_or_404(tx: Tx, network_id: UUID, type_id: UUID) -> dict[str, Any]:
    row = await repository.get_treatment_type(tx, network_id=network_id, id=type_id)
    if row is None:
        raise NotFound(f"No treatment type {type_id} in your network.")
    return row


def _minutes(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(minutes=value)


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
    body: TreatmentTypeCreate,
    tx: Tx,
    who: Editor,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> TreatmentTypeRead:
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
    defined = define_treatment_type(
        id=uuid4(),
        kind=body.kind,
        indication=body.indication,
        areas=body.areas,
        duration=_minutes(body.duration_minutes),
        buffer=_minutes(body.buffer_minutes),
    )
    created = TreatmentTypeRead(
        id=defined.id,
        name=body.name,
        kind=defined.kind,
        indication=defined.indication,
        areas=sorted(defined.areas),
        duration_minutes=int(defined.duration.total_seconds() // 60),
        buffer_minutes=int(defined.buffer.total_seconds() // 60),
    )
    await repository.insert_treatment_type(
        tx, network_id=who.network_id, **created.model_dump(mode="json") | {"id": defined.id}
    )
    await idempotency.remember(
        tx, network_id=who.network_id, key=idempotency_key, status_code=201, response=created
    )
    response.headers["Location"] = f"/v1/treatment-types/{defined.id}"
    return created


@router.get("/treatment-types", summary="The network's treatment types, by name")
async def list_treatment_types(
    tx: Tx, who: Reader, limit: Limit = 50, cursor: Cursor = None
) -> TreatmentTypePage:
    after = decode_cursor(cursor, 2)
    rows = await repository.list_treatment_types(
        tx,
        network_id=who.network_id,
        limit=limit,
        after=(after[0], cursor_uuid(after[1])) if after else None,
    )
    page, next_cursor = page_of(rows, limit, lambda r: encode_cursor(r["name"], r["id"]))
    return TreatmentTypePage(items=[views.treatment_type(r) for r in page], next_cursor=next_cursor)


@router.get(
    "/treatment-types/{treatment_type_id}",
    summary="A treatment type",
    responses={404: problem("No such treatment type in your network")},
)
async def get_treatment_type(treatment_type_id: UUID, tx: Tx, who: Reader) -> TreatmentTypeRead:
    return views.treatment_type(await treatment_type_or_404(tx, who.network_id, treatment_type_id))


@router.post(
    "/prices",
    status_code=201,
    summary="Price a treatment type at a clinic (for everyone, or for one experience tier)",
    responses={
        403: FORBIDDEN,
        409: problem("This clinic already prices this treatment type for this tier"),
    },
)
async def create_price(body: PriceCreate, tx: Tx, who: Editor) -> PriceRead:
    clinic = await repository.get_clinic(tx, network_id=who.network_id, id=body.clinic_id)
    if clinic is None:
        raise Invalid(f"No clinic {body.clinic_id} in your network.", field="clinic_id")
    require_clinic(who, body.clinic_id)
    if (
        await repository.get_treatment_type(
            tx, network_id=who.network_id, id=body.treatment_type_id
        )
        is None
    ):
        raise Invalid(
            f"No treatment type {body.treatment_type_id} in your network.",
            field="treatment_type_id",
        )
    if body.currency != clinic["currency"]:
        raise Invalid(
            f"Clinic {body.clinic_id} prices in {clinic['currency']}, not {body.currency}.",
            field="currency",
        )
    price_id = uuid4()
    await repository.insert_price(tx, network_id=who.network_id, id=price_id, **body.model_dump())
    return PriceRead(id=price_id, **body.model_dump())


@router.get("/prices", summary="Prices, optionally of one clinic or treatment type")
async def list_prices(
    tx: Tx, who: Reader, clinic_id: UUID | None = None, treatment_type_id: UUID | None = None
) -> list[PriceRead]:
    rows = await repository.list_prices(
        tx, network_id=who.network_id, clinic_id=clinic_id, treatment_type_id=treatment_type_id
    )
    return [views.price(r) for r in rows]
