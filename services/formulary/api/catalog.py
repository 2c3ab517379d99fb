"""The catalog: allergen classes, ingredients and the approved lists (network and clinic)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path

from services.formulary.api import paging, views
from services.formulary.api.deps import Admin, Reader
from services.formulary.api.views import FORBIDDEN, NOT_FOUND
from services.formulary.domain import Category, IngredientStatus
from services.formulary.schemas import (
    AllergenClassCreate,
    AllergenClassPage,
    AllergenClassRead,
    AllergenClassUpdate,
    ApprovedList,
    ApprovedListRead,
    IngredientCreate,
    IngredientPage,
    IngredientRead,
    IngredientUpdate,
)
from services.formulary.usecases import catalog
from shared.openapi import problem
from shared.pagination import Cursor, Limit, encode_cursor, page_of
from shared.uow import IdempotentUoW, UnitOfWorkRoute, UoW

CodeParam = Annotated[str, Path(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]

router = APIRouter(tags=["catalog"], route_class=UnitOfWorkRoute)

EXISTS = problem("That code exists already in your network, or the Idempotency-Key was reused")

# ---------------------------------------------------------------------------------------------
# Allergen classes


@router.post(
    "/allergen-classes",
    status_code=201,
    summary="Add an allergen class, with the classes it cross-reacts with",
    responses={403: FORBIDDEN, 409: EXISTS},
)
async def create_allergen_class(
    body: AllergenClassCreate, who: Admin, uow: IdempotentUoW
) -> AllergenClassRead:
    return views.allergen_class_read(await catalog.add_allergen_class(uow, who, body))


@router.get("/allergen-classes", summary="The network's allergen classes, by code")
async def list_allergen_classes(
    who: Reader, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> AllergenClassPage:
    found = await catalog.list_allergen_classes(
        uow, who, after=paging.after_code(cursor), limit=limit + 1
    )
    page, next_cursor = page_of(found, limit, lambda e: encode_cursor(e.allergen_class.code))
    return AllergenClassPage(
        items=[views.allergen_class_read(e) for e in page], next_cursor=next_cursor
    )


@router.get("/allergen-classes/{code}", summary="One allergen class", responses={404: NOT_FOUND})
async def get_allergen_class(code: CodeParam, who: Reader, uow: UoW) -> AllergenClassRead:
    return views.allergen_class_read(await catalog.allergen_class(uow, who, code))


@router.patch(
    "/allergen-classes/{code}",
    summary="Rename an allergen class or replace its cross-reactivity",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def update_allergen_class(
    code: CodeParam, body: AllergenClassUpdate, who: Admin, uow: UoW
) -> AllergenClassRead:
    return views.allergen_class_read(await catalog.change_allergen_class(uow, who, code, body))


# ---------------------------------------------------------------------------------------------
# Ingredients


@router.post(
    "/ingredients",
    status_code=201,
    summary="Add an ingredient (and, unless `approved` is false, approve it for the network)",
    responses={403: FORBIDDEN, 409: EXISTS},
)
async def create_ingredient(
    body: IngredientCreate, who: Admin, uow: IdempotentUoW
) -> IngredientRead:
    return views.ingredient_read(await catalog.add_ingredient(uow, who, body))


@router.get("/ingredients", summary="The network's ingredients, by code")
async def list_ingredients(
    who: Reader,
    uow: UoW,
    category: Category | None = None,
    status: IngredientStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> IngredientPage:
    found = await catalog.list_ingredients(
        uow,
        who,
        category=category,
        status=status,
        after=paging.after_code(cursor),
        limit=limit + 1,
    )
    page, next_cursor = page_of(found, limit, lambda i: encode_cursor(i.entry.ingredient.code))
    return IngredientPage(items=[views.ingredient_read(i) for i in page], next_cursor=next_cursor)


@router.get("/ingredients/{code}", summary="One ingredient", responses={404: NOT_FOUND})
async def get_ingredient(code: CodeParam, who: Reader, uow: UoW) -> IngredientRead:
    return views.ingredient_read(await catalog.ingredient(uow, who, code))


@router.patch(
    "/ingredients/{code}",
    summary="Change an ingredient; `status: withdrawn` takes it off the approved list",
    description=(
        "Blends that contain a withdrawn ingredient keep their versions, and a cross-check of "
        "them answers `contraindicated` with a `not_approved` finding."
    ),
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def update_ingredient(
    code: CodeParam, body: IngredientUpdate, who: Admin, uow: UoW
) -> IngredientRead:
    return views.ingredient_read(await catalog.change_ingredient(uow, who, code, body))


# ---------------------------------------------------------------------------------------------
# Approved lists


@router.get("/approved-list", summary="The network's approved ingredients")
async def get_approved_list(who: Reader, uow: UoW) -> ApprovedListRead:
    return views.approved_list_read(await catalog.approved_list(uow, who))


@router.put(
    "/approved-list",
    summary="Replace the network's approved list",
    responses={403: FORBIDDEN},
)
async def put_approved_list(body: ApprovedList, who: Admin, uow: UoW) -> ApprovedListRead:
    return views.approved_list_read(await catalog.replace_approved_list(uow, who, body))


UNKNOWN_CLINIC = problem(
    "No such clinic in your network (formulary knows a clinic once booking's ClinicOpened "
    "has arrived, a moment after it is created)"
)


@router.get(
    "/clinics/{clinic_id}/approved-list",
    summary="A clinic's approved list: the network's, narrowed when the clinic has its own",
    responses={403: problem("You may not act in that clinic"), 404: UNKNOWN_CLINIC},
)
async def get_clinic_approved_list(clinic_id: UUID, who: Reader, uow: UoW) -> ApprovedListRead:
    return views.approved_list_read(await catalog.clinic_approved_list(uow, who, clinic_id))


@router.put(
    "/clinics/{clinic_id}/approved-list",
    summary="Narrow the network's approved list for one clinic",
    description="Only codes also on the network's list take effect (`effective_codes`).",
    responses={403: FORBIDDEN, 404: UNKNOWN_CLINIC},
)
async def put_clinic_approved_list(
    clinic_id: UUID, body: ApprovedList, who: Admin, uow: UoW
) -> ApprovedListRead:
    return views.approved_list_read(await catalog.narrow_for_clinic(uow, who, clinic_id, body))


@router.delete(
    "/clinics/{clinic_id}/approved-list",
    summary="Stop narrowing: the clinic uses the network's list again",
    responses={
        403: FORBIDDEN,
        404: problem("No such clinic in your network, or it does not narrow the list"),
    },
)
async def delete_clinic_approved_list(clinic_id: UUID, who: Admin, uow: UoW) -> ApprovedListRead:
    return views.approved_list_read(await catalog.stop_narrowing(uow, who, clinic_id))
