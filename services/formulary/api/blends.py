"""Blends (cocktails): versioned; editing makes a new version, old versions stay readable."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Path, Query

from services.formulary.api import paging, views
from services.formulary.api.deps import Admin, Reader
from services.formulary.api.views import FORBIDDEN, NOT_FOUND
from services.formulary.domain import Indication
from services.formulary.schemas import BlendCreate, BlendPage, BlendRead
from services.formulary.usecases import blends
from shared.openapi import problem
from shared.pagination import Cursor, Limit, encode_cursor, page_of
from shared.uow import IdempotentUoW, UnitOfWorkRoute, UoW

router = APIRouter(tags=["blends"], route_class=UnitOfWorkRoute)

Version = int


@router.post(
    "/blends",
    status_code=201,
    summary="Create a blend (version 1)",
    responses={403: FORBIDDEN, 409: problem("Idempotency-Key reused with a different body")},
)
async def create_blend(body: BlendCreate, who: Admin, uow: IdempotentUoW) -> BlendRead:
    return views.blend_read(await blends.create(uow, who, body))


@router.get("/blends", summary="The network's blends, each at its current version")
async def list_blends(
    who: Reader,
    uow: UoW,
    indication: Indication | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> BlendPage:
    found = await blends.list_blends(
        uow, who, indication=indication, after=paging.after_id(cursor), limit=limit + 1
    )
    page, next_cursor = page_of(found, limit, lambda b: encode_cursor(b.version.id))
    return BlendPage(items=[views.blend_read(b) for b in page], next_cursor=next_cursor)


@router.get(
    "/blends/{blend_id}",
    summary="A blend at its current version (or at `version`)",
    responses={404: NOT_FOUND},
)
async def get_blend(
    blend_id: UUID,
    who: Reader,
    uow: UoW,
    version: Version | None = Query(None, ge=1, le=2**31 - 1),
) -> BlendRead:
    return views.blend_read(await blends.blend(uow, who, blend_id, version))


@router.put(
    "/blends/{blend_id}",
    summary="Edit a blend: saves a new version; earlier versions stay readable",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def edit_blend(blend_id: UUID, body: BlendCreate, who: Admin, uow: UoW) -> BlendRead:
    return views.blend_read(await blends.edit(uow, who, blend_id, body))


@router.get(
    "/blends/{blend_id}/versions",
    summary="Every version of a blend, oldest first",
    responses={404: NOT_FOUND},
)
async def list_blend_versions(blend_id: UUID, who: Reader, uow: UoW) -> list[BlendRead]:
    return [views.blend_read(b) for b in await blends.versions(uow, who, blend_id)]


@router.get(
    "/blends/{blend_id}/versions/{version}",
    summary="One version of a blend",
    responses={404: NOT_FOUND},
)
async def get_blend_version(
    blend_id: UUID,
    who: Reader,
    uow: UoW,
    version: Version = Path(ge=1, le=2**31 - 1),
) -> BlendRead:
    return views.blend_read(await blends.blend(uow, who, blend_id, version))
