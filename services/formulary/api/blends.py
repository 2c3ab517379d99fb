"""Blends (cocktails): versioned; editing makes a new version, old versions stay readable."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, Path, Query, Request

from services.formulary import repository
from services.formulary.api.views import FORBIDDEN, NOT_FOUND, Admin, Reader, blend_read
from services.formulary.domain import Blend, Indication, PlannedComponent, validate_blend
from services.formulary.schemas import BlendCreate, BlendPage, BlendRead
from shared import idempotency
from shared.db import Transaction, Tx
from shared.errors import Invalid, NotFound
from shared.idempotency import IdempotencyKey
from shared.pagination import Cursor, Limit, decode_cursor, encode_cursor, page_of
from shared.service import problem

router = APIRouter(tags=["blends"])

Version = int


def _blend(body: BlendCreate) -> Blend:
    return Blend(
        name=body.name,
        indication=Indication(body.indication),
        areas=tuple(body.areas),
        components=tuple(PlannedComponent(c.ingredient_code, c.amount) for c in body.components),
    )


async def _validated(tx: Transaction, network_id: UUID, body: BlendCreate) -> Blend:
    """Only the network's approved ingredients, each within its limit (422 naming fields)."""
    blend = _blend(body)
    validate_blend(
        blend,
        ingredients=await repository.ingredients(tx, network_id=network_id),
        approved_codes=await repository.approved_codes(tx, network_id=network_id),
    )
    return blend


async def _read(tx: Transaction, network_id: UUID, row: repository.Row) -> BlendRead:
    return blend_read(row, await repository.ingredients(tx, network_id=network_id))


@router.post(
    "/blends",
    status_code=201,
    summary="Create a blend (version 1)",
    responses={403: FORBIDDEN, 409: problem("Idempotency-Key reused with a different body")},
)
async def create_blend(
    body: BlendCreate,
    tx: Tx,
    who: Admin,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> BlendRead:
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
    blend = await _validated(tx, who.network_id, body)
    row = await repository.insert_blend(
        tx, id=uuid4(), network_id=who.network_id, blend=blend, by=who.sub
    )
    assert row is not None  # a fresh uuid4
    created = await _read(tx, who.network_id, row)
    await idempotency.remember(
        tx, network_id=who.network_id, key=idempotency_key, status_code=201, response=created
    )
    return created


@router.get("/blends", summary="The network's blends, each at its current version")
async def list_blends(
    tx: Tx,
    who: Reader,
    indication: Indication | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> BlendPage:
    after = decode_cursor(cursor, 1)
    try:
        after_id = UUID(after[0]) if after else None
    except ValueError as exc:
        raise Invalid("The cursor is not one this API issued.", field="cursor") from exc
    rows = await repository.list_blends(
        tx, network_id=who.network_id, after=after_id, limit=limit + 1, indication=indication
    )
    page, next_cursor = page_of(rows, limit, lambda r: encode_cursor(r["id"]))
    ingredients = await repository.ingredients(tx, network_id=who.network_id)
    return BlendPage(items=[blend_read(r, ingredients) for r in page], next_cursor=next_cursor)


@router.get(
    "/blends/{blend_id}",
    summary="A blend at its current version (or at `version`)",
    responses={404: NOT_FOUND},
)
async def get_blend(
    blend_id: UUID,
    tx: Tx,
    who: Reader,
    version: Version | None = Query(None, ge=1, le=2**31 - 1),
) -> BlendRead:
    row = await repository.get_blend(tx, network_id=who.network_id, id=blend_id, version=version)
    if row is None:
        raise NotFound(f"No blend {blend_id}{_at(version)} in your network.")
    return await _read(tx, who.network_id, row)


@router.put(
    "/blends/{blend_id}",
    summary="Edit a blend: saves a new version; earlier versions stay readable",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def edit_blend(blend_id: UUID, body: BlendCreate, tx: Tx, who: Admin) -> BlendRead:
    if await repository.get_blend(tx, network_id=who.network_id, id=blend_id) is None:
        raise NotFound(f"No blend {blend_id} in your network.")
    blend = await _validated(tx, who.network_id, body)
    row = await repository.add_blend_version(
        tx, network_id=who.network_id, id=blend_id, blend=blend, by=who.sub
    )
    if row is None:
        raise NotFound(f"No blend {blend_id} in your network.")
    return await _read(tx, who.network_id, row)


@router.get(
    "/blends/{blend_id}/versions",
    summary="Every version of a blend, oldest first",
    responses={404: NOT_FOUND},
)
async def list_blend_versions(blend_id: UUID, tx: Tx, who: Reader) -> list[BlendRead]:
    rows = await repository.list_blend_versions(tx, network_id=who.network_id, id=blend_id)
    if not rows:
        raise NotFound(f"No blend {blend_id} in your network.")
    ingredients = await repository.ingredients(tx, network_id=who.network_id)
    return [blend_read(r, ingredients) for r in rows]


@router.get(
    "/blends/{blend_id}/versions/{version}",
    summary="One version of a blend",
    responses={404: NOT_FOUND},
)
async def get_blend_version(
    blend_id: UUID,
    tx: Tx,
    who: Reader,
    version: Version = Path(ge=1, le=2**31 - 1),
) -> BlendRead:
    row = await repository.get_blend(tx, network_id=who.network_id, id=blend_id, version=version)
    if row is None:
        raise NotFound(f"No blend {blend_id}{_at(version)} in your network.")
    return await _read(tx, who.network_id, row)


def _at(version: int | None) -> str:
    return f" at version {version}" if version is not None else ""
