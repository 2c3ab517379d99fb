"""The catalog: allergen classes, ingredients and the approved lists (network and clinic)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request

from services.formulary import repository
from services.formulary.api.views import (
    FORBIDDEN,
    NOT_FOUND,
    Admin,
    Reader,
    allergen_class_read,
    ingredient_read,
)
from services.formulary.domain import (
    AllergenClass,
    Category,
    Certainty,
    Ingredient,
    IngredientStatus,
    InvalidCatalogEntry,
    UnknownCode,
    effective_approved_codes,
    validate_allergen_class,
    validate_new_ingredient,
)
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
from shared import idempotency, vocabulary
from shared.db import Transaction, Tx
from shared.errors import Conflict, Forbidden, NotFound
from shared.idempotency import IdempotencyKey
from shared.pagination import Cursor, Limit, decode_cursor, encode_cursor, page_of
from shared.service import problem

CodeParam = Annotated[str, Path(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]

router = APIRouter(tags=["catalog"])

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
    body: AllergenClassCreate,
    tx: Tx,
    who: Admin,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> AllergenClassRead:
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
    allergen_class = AllergenClass(
        body.code, body.name, {k: Certainty(v) for k, v in body.cross_reacts_with.items()}
    )
    known = await repository.allergen_classes(tx, network_id=who.network_id)
    validate_allergen_class(allergen_class, allergen_classes=known)
    row = await repository.insert_allergen_class(
        tx, network_id=who.network_id, allergen_class=allergen_class
    )
    if row is None:
        raise Conflict(f"Your network already has the allergen class {body.code!r}.")
    created = allergen_class_read(row)
    await idempotency.remember(
        tx, network_id=who.network_id, key=idempotency_key, status_code=201, response=created
    )
    return created


@router.get("/allergen-classes", summary="The network's allergen classes, by code")
async def list_allergen_classes(
    tx: Tx, who: Reader, limit: Limit = 50, cursor: Cursor = None
) -> AllergenClassPage:
    after = decode_cursor(cursor, 1)
    rows = await repository.list_allergen_classes(
        tx, network_id=who.network_id, after=after[0] if after else None, limit=limit + 1
    )
    page, next_cursor = page_of(rows, limit, lambda r: encode_cursor(r["code"]))
    return AllergenClassPage(items=[allergen_class_read(r) for r in page], next_cursor=next_cursor)


@router.get("/allergen-classes/{code}", summary="One allergen class", responses={404: NOT_FOUND})
async def get_allergen_class(code: CodeParam, tx: Tx, who: Reader) -> AllergenClassRead:
    row = await repository.get_allergen_class(tx, network_id=who.network_id, code=code)
    if row is None:
        raise NotFound(f"No allergen class {code!r} in your network.")
    return allergen_class_read(row)


@router.patch(
    "/allergen-classes/{code}",
    summary="Rename an allergen class or replace its cross-reactivity",
    responses={403: FORBIDDEN, 404: NOT_FOUND},
)
async def update_allergen_class(
    code: CodeParam, body: AllergenClassUpdate, tx: Tx, who: Admin
) -> AllergenClassRead:
    row = await repository.get_allergen_class(tx, network_id=who.network_id, code=code)
    if row is None:
        raise NotFound(f"No allergen class {code!r} in your network.")
    current = repository.allergen_class_of(row)
    links = (
        {k: Certainty(v) for k, v in body.cross_reacts_with.items()}
        if body.cross_reacts_with is not None
        else dict(current.cross_reacts_with)
    )
    updated = AllergenClass(code, body.name if body.name is not None else current.name, links)
    known = await repository.allergen_classes(tx, network_id=who.network_id)
    validate_allergen_class(updated, allergen_classes=known)
    row = await repository.update_allergen_class(
        tx, network_id=who.network_id, allergen_class=updated
    )
    return allergen_class_read(row)


# ---------------------------------------------------------------------------------------------
# Ingredients


def _check_conditions(codes: list[str], field: str) -> None:
    """Conditions are records' codes: a typo here would never match a patient's profile."""
    unknown = [
        {"field": f"{field}[{i}]", "message": f"No condition {code!r} in the shared vocabulary."}
        for i, code in enumerate(codes)
        if not vocabulary.is_condition(code)
    ]
    if unknown:
        raise UnknownCode("; ".join(e["message"] for e in unknown), errors=unknown)


@router.post(
    "/ingredients",
    status_code=201,
    summary="Add an ingredient (and, unless `approved` is false, approve it for the network)",
    responses={403: FORBIDDEN, 409: EXISTS},
)
async def create_ingredient(
    body: IngredientCreate,
    tx: Tx,
    who: Admin,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> IngredientRead:
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
    _check_conditions(body.contraindicated_conditions, "contraindicated_conditions")
    ingredient = Ingredient(
        code=body.code,
        name=body.name,
        category=Category(body.category),
        allergen_classes=frozenset(body.allergen_classes),
        max_amount_per_session=body.max_amount_per_session,
        unit=body.unit,
        contraindicated_conditions=frozenset(body.contraindicated_conditions),
        pigmentation_risk=body.pigmentation_risk,
    )
    known = await repository.allergen_classes(tx, network_id=who.network_id)
    validate_new_ingredient(ingredient, allergen_classes=known)
    row = await repository.insert_ingredient(tx, network_id=who.network_id, ingredient=ingredient)
    if row is None:
        raise Conflict(f"Your network already has the ingredient {body.code!r}.")
    if body.approved:
        await repository.add_approved_codes(tx, network_id=who.network_id, codes=[body.code])
    created = ingredient_read(row, approved=body.approved)
    await idempotency.remember(
        tx, network_id=who.network_id, key=idempotency_key, status_code=201, response=created
    )
    return created


@router.get("/ingredients", summary="The network's ingredients, by code")
async def list_ingredients(
    tx: Tx,
    who: Reader,
    category: Category | None = None,
    status: IngredientStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> IngredientPage:
    after = decode_cursor(cursor, 1)
    rows = await repository.list_ingredients(
        tx,
        network_id=who.network_id,
        after=after[0] if after else None,
        limit=limit + 1,
        category=category,
        status=status,
    )
    approved = await repository.approved_codes(tx, network_id=who.network_id)
    page, next_cursor = page_of(rows, limit, lambda r: encode_cursor(r["code"]))
    return IngredientPage(
        items=[ingredient_read(r, approved=r["code"] in approved) for r in page],
        next_cursor=next_cursor,
    )


async def _ingredient_row(tx: Transaction, network_id: UUID, code: str) -> Any:
    row = await repository.get_ingredient(tx, network_id=network_id, code=code)
    if row is None:
        raise NotFound(f"No ingredient {code!r} in your network.")
    return row


@router.get("/ingredients/{code}", summary="One ingredient", responses={404: NOT_FOUND})
async def get_ingredient(code: CodeParam, tx: Tx, who: Reader) -> IngredientRead:
    row = await _ingredient_row(tx, who.network_id, code)
    approved = await repository.approved_codes(tx, network_id=who.network_id)
    return ingredient_read(row, approved=code in approved)


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
    code: CodeParam, body: IngredientUpdate, tx: Tx, who: Admin
) -> IngredientRead:
    current = repository.ingredient_of(await _ingredient_row(tx, who.network_id, code))
    changes: dict[str, Any] = {}
    for name in body.model_fields_set:
        value = getattr(body, name)
        if value is None:
            continue
        if name in ("allergen_classes", "contraindicated_conditions"):
            value = frozenset(value)
        changes[name] = value
    if "contraindicated_conditions" in changes:
        _check_conditions(
            sorted(changes["contraindicated_conditions"]), "contraindicated_conditions"
        )
    updated = replace(current, **changes)
    known = await repository.allergen_classes(tx, network_id=who.network_id)
    validate_new_ingredient(updated, allergen_classes=known)
    row = await repository.update_ingredient(tx, network_id=who.network_id, ingredient=updated)
    if updated.status == IngredientStatus.WITHDRAWN:
        await repository.remove_approved_code(tx, network_id=who.network_id, code=code)
    approved = await repository.approved_codes(tx, network_id=who.network_id)
    return ingredient_read(row, approved=code in approved)


# ---------------------------------------------------------------------------------------------
# Approved lists


async def _checked_codes(tx: Transaction, network_id: UUID, codes: list[str]) -> list[str]:
    """The codes, each an ingredient of the network that has not been withdrawn."""
    catalog = await repository.ingredients(tx, network_id=network_id)
    unknown = [
        {"field": f"ingredient_codes[{i}]", "message": f"No ingredient {code!r}."}
        for i, code in enumerate(codes)
        if code not in catalog
    ]
    if unknown:
        raise UnknownCode("; ".join(e["message"] for e in unknown), errors=unknown)
    withdrawn = [
        {"field": f"ingredient_codes[{i}]", "message": f"{catalog[code].name} is withdrawn."}
        for i, code in enumerate(codes)
        if catalog[code].status == IngredientStatus.WITHDRAWN
    ]
    if withdrawn:
        raise InvalidCatalogEntry("; ".join(e["message"] for e in withdrawn), errors=withdrawn)
    return sorted(set(codes))


@router.get("/approved-list", summary="The network's approved ingredients")
async def get_approved_list(tx: Tx, who: Reader) -> ApprovedListRead:
    codes = sorted(await repository.approved_codes(tx, network_id=who.network_id))
    return ApprovedListRead(ingredient_codes=codes, effective_codes=codes)


@router.put(
    "/approved-list",
    summary="Replace the network's approved list",
    responses={403: FORBIDDEN},
)
async def put_approved_list(body: ApprovedList, tx: Tx, who: Admin) -> ApprovedListRead:
    codes = await _checked_codes(tx, who.network_id, body.ingredient_codes)
    await repository.replace_approved_codes(tx, network_id=who.network_id, codes=codes)
    return ApprovedListRead(ingredient_codes=codes, effective_codes=codes)


async def _clinic_list(tx: Transaction, network_id: UUID, clinic_id: UUID) -> ApprovedListRead:
    network = await repository.approved_codes(tx, network_id=network_id)
    clinic = await repository.clinic_codes(tx, network_id=network_id, clinic_id=clinic_id)
    return ApprovedListRead(
        clinic_id=clinic_id,
        ingredient_codes=sorted(clinic if clinic is not None else network),
        narrowed=clinic is not None,
        effective_codes=sorted(effective_approved_codes(network, clinic)),
    )


@router.get(
    "/clinics/{clinic_id}/approved-list",
    summary="A clinic's approved list: the network's, narrowed when the clinic has its own",
    responses={403: problem("You may not act in that clinic")},
)
async def get_clinic_approved_list(clinic_id: UUID, tx: Tx, who: Reader) -> ApprovedListRead:
    if not who.may_act_in(clinic_id):
        raise Forbidden("Your token does not cover that clinic.")
    return await _clinic_list(tx, who.network_id, clinic_id)


@router.put(
    "/clinics/{clinic_id}/approved-list",
    summary="Narrow the network's approved list for one clinic",
    description="Only codes also on the network's list take effect (`effective_codes`).",
    responses={403: FORBIDDEN},
)
async def put_clinic_approved_list(
    clinic_id: UUID, body: ApprovedList, tx: Tx, who: Admin
) -> ApprovedListRead:
    codes = await _checked_codes(tx, who.network_id, body.ingredient_codes)
    await repository.set_clinic_codes(
        tx, network_id=who.network_id, clinic_id=clinic_id, codes=codes, by=who.sub
    )
    return await _clinic_list(tx, who.network_id, clinic_id)


@router.delete(
    "/clinics/{clinic_id}/approved-list",
    summary="Stop narrowing: the clinic uses the network's list again",
    responses={403: FORBIDDEN, 404: problem("The clinic does not narrow the list")},
)
async def delete_clinic_approved_list(clinic_id: UUID, tx: Tx, who: Admin) -> ApprovedListRead:
    if not await repository.delete_clinic_codes(tx, network_id=who.network_id, clinic_id=clinic_id):
        raise NotFound("That clinic does not narrow the network's approved list.")
    return await _clinic_list(tx, who.network_id, clinic_id)
