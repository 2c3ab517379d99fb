"""The catalog: allergen classes, ingredients and the approved lists (network and clinic)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from uuid import UUID

from services.formulary import repository
from services.formulary.domain import (
    AllergenClass,
    Category,
    Certainty,
    FieldError,
    Ingredient,
    IngredientStatus,
    InvalidCatalogEntry,
    UnknownCode,
    effective_approved_codes,
    validate_allergen_class,
    validate_new_ingredient,
)
from services.formulary.policies import require_clinic
from services.formulary.repository import AllergenClassEntry, IngredientEntry
from services.formulary.schemas import (
    AllergenClassCreate,
    AllergenClassUpdate,
    ApprovedList,
    IngredientCreate,
    IngredientUpdate,
)
from services.formulary.usecases.clinics import require_known
from shared import vocabulary
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.uow import UnitOfWork

# ---------------------------------------------------------------------------------------------
# Allergen classes


def _certainties(links: Mapping[str, str]) -> dict[str, Certainty]:
    return {code: Certainty(certainty) for code, certainty in links.items()}


async def add_allergen_class(
    uow: UnitOfWork, who: Principal, cmd: AllergenClassCreate
) -> AllergenClassEntry:
    """Add a class crossing only to classes the network has; 409 for a code it has already."""
    allergen_class = AllergenClass(cmd.code, cmd.name, _certainties(cmd.cross_reacts_with))
    known = await repository.allergen_classes(uow.tx, network_id=who.network_id)
    validate_allergen_class(allergen_class, allergen_classes=known)
    entry = await repository.insert_allergen_class(
        uow.tx, network_id=who.network_id, allergen_class=allergen_class
    )
    if entry is None:
        raise Conflict(f"Your network already has the allergen class {cmd.code!r}.")
    return entry


async def list_allergen_classes(
    uow: UnitOfWork, who: Principal, *, after: str | None, limit: int
) -> list[AllergenClassEntry]:
    """The network's allergen classes by code, after `after`."""
    return await repository.list_allergen_classes(
        uow.tx, network_id=who.network_id, after=after, limit=limit
    )


async def allergen_class(uow: UnitOfWork, who: Principal, code: str) -> AllergenClassEntry:
    """One allergen class of the network (404 otherwise)."""
    entry = await repository.get_allergen_class(uow.tx, network_id=who.network_id, code=code)
    if entry is None:
        raise NotFound(f"No allergen class {code!r} in your network.")
    return entry


async def change_allergen_class(
    uow: UnitOfWork, who: Principal, code: str, cmd: AllergenClassUpdate
) -> AllergenClassEntry:
    """Rename a class or replace its cross-reactivity; what is not sent stays."""
    current = (await allergen_class(uow, who, code)).allergen_class
    changed = AllergenClass(
        code,
        cmd.name if cmd.name is not None else current.name,
        (
            _certainties(cmd.cross_reacts_with)
            if cmd.cross_reacts_with is not None
            else dict(current.cross_reacts_with)
        ),
    )
    known = await repository.allergen_classes(uow.tx, network_id=who.network_id)
    validate_allergen_class(changed, allergen_classes=known)
    return await repository.update_allergen_class(
        uow.tx, network_id=who.network_id, allergen_class=changed
    )


# ---------------------------------------------------------------------------------------------
# Ingredients


@dataclass(frozen=True, slots=True)
class ListedIngredient:
    """An ingredient of the catalog, and whether it is on the network's approved list."""

    entry: IngredientEntry
    approved: bool


def _check_conditions(codes: Sequence[str], field: str) -> None:
    """Conditions are records' codes: a typo here would never match a patient's profile."""
    unknown: list[FieldError] = [
        {"field": f"{field}[{i}]", "message": f"No condition {code!r} in the shared vocabulary."}
        for i, code in enumerate(codes)
        if not vocabulary.is_condition(code)
    ]
    if unknown:
        raise UnknownCode("; ".join(e["message"] for e in unknown), errors=unknown)


async def add_ingredient(
    uow: UnitOfWork, who: Principal, cmd: IngredientCreate
) -> ListedIngredient:
    """Add an ingredient and, unless `approved` is false, approve it for the network."""
    _check_conditions(cmd.contraindicated_conditions, "contraindicated_conditions")
    ingredient = Ingredient(
        code=cmd.code,
        name=cmd.name,
        category=Category(cmd.category),
        allergen_classes=frozenset(cmd.allergen_classes),
        max_amount_per_session=cmd.max_amount_per_session,
        unit=cmd.unit,
        contraindicated_conditions=frozenset(cmd.contraindicated_conditions),
        pigmentation_risk=cmd.pigmentation_risk,
    )
    known = await repository.allergen_classes(uow.tx, network_id=who.network_id)
    validate_new_ingredient(ingredient, allergen_classes=known)
    entry = await repository.insert_ingredient(
        uow.tx, network_id=who.network_id, ingredient=ingredient
    )
    if entry is None:
        raise Conflict(f"Your network already has the ingredient {cmd.code!r}.")
    if cmd.approved:
        await repository.add_approved_codes(uow.tx, network_id=who.network_id, codes=[cmd.code])
    return ListedIngredient(entry, approved=cmd.approved)


async def list_ingredients(
    uow: UnitOfWork,
    who: Principal,
    *,
    category: Category | None,
    status: IngredientStatus | None,
    after: str | None,
    limit: int,
) -> list[ListedIngredient]:
    """The network's ingredients by code, after `after`."""
    entries = await repository.list_ingredients(
        uow.tx,
        network_id=who.network_id,
        after=after,
        limit=limit,
        category=category,
        status=status,
    )
    approved = await repository.approved_codes(uow.tx, network_id=who.network_id)
    return [ListedIngredient(e, approved=e.ingredient.code in approved) for e in entries]


async def _ingredient_entry(uow: UnitOfWork, who: Principal, code: str) -> IngredientEntry:
    entry = await repository.get_ingredient(uow.tx, network_id=who.network_id, code=code)
    if entry is None:
        raise NotFound(f"No ingredient {code!r} in your network.")
    return entry


async def ingredient(uow: UnitOfWork, who: Principal, code: str) -> ListedIngredient:
    """One ingredient of the network (404 otherwise)."""
    entry = await _ingredient_entry(uow, who, code)
    approved = await repository.approved_codes(uow.tx, network_id=who.network_id)
    return ListedIngredient(entry, approved=code in approved)


def _changed(current: Ingredient, cmd: IngredientUpdate) -> Ingredient:
    """`current` with the fields `cmd` sends; a field sent as null changes nothing."""
    sent = cmd.model_dump(exclude_none=True)
    for codes in ("allergen_classes", "contraindicated_conditions"):
        if codes in sent:
            sent[codes] = frozenset(sent[codes])
    return replace(current, **sent)


async def change_ingredient(
    uow: UnitOfWork, who: Principal, code: str, cmd: IngredientUpdate
) -> ListedIngredient:
    """Change an ingredient; withdrawing it also takes it off the network's approved list."""
    current = (await _ingredient_entry(uow, who, code)).ingredient
    if cmd.contraindicated_conditions is not None:
        _check_conditions(
            sorted(frozenset(cmd.contraindicated_conditions)), "contraindicated_conditions"
        )
    changed = _changed(current, cmd)
    known = await repository.allergen_classes(uow.tx, network_id=who.network_id)
    validate_new_ingredient(changed, allergen_classes=known)
    entry = await repository.update_ingredient(
        uow.tx, network_id=who.network_id, ingredient=changed
    )
    if changed.status == IngredientStatus.WITHDRAWN:
        await repository.remove_approved_code(uow.tx, network_id=who.network_id, code=code)
    approved = await repository.approved_codes(uow.tx, network_id=who.network_id)
    return ListedIngredient(entry, approved=code in approved)


# ---------------------------------------------------------------------------------------------
# Approved lists


@dataclass(frozen=True, slots=True)
class ApprovedCodes:
    """An approved list: the network's, or a clinic's and whether it narrows the network's."""

    ingredient_codes: list[str]
    effective_codes: list[str]
    """What may be used: for a clinic, the network's list ∩ its own."""
    clinic_id: UUID | None = None
    narrowed: bool = False


async def _checked_codes(uow: UnitOfWork, network_id: UUID, codes: list[str]) -> list[str]:
    """The codes, each an ingredient of the network that has not been withdrawn."""
    catalog = await repository.ingredients(uow.tx, network_id=network_id)
    unknown: list[FieldError] = [
        {"field": f"ingredient_codes[{i}]", "message": f"No ingredient {code!r}."}
        for i, code in enumerate(codes)
        if code not in catalog
    ]
    if unknown:
        raise UnknownCode("; ".join(e["message"] for e in unknown), errors=unknown)
    withdrawn: list[FieldError] = [
        {"field": f"ingredient_codes[{i}]", "message": f"{catalog[code].name} is withdrawn."}
        for i, code in enumerate(codes)
        if catalog[code].status == IngredientStatus.WITHDRAWN
    ]
    if withdrawn:
        raise InvalidCatalogEntry("; ".join(e["message"] for e in withdrawn), errors=withdrawn)
    return sorted(set(codes))


async def approved_list(uow: UnitOfWork, who: Principal) -> ApprovedCodes:
    """The network's approved ingredients."""
    codes = sorted(await repository.approved_codes(uow.tx, network_id=who.network_id))
    return ApprovedCodes(ingredient_codes=codes, effective_codes=codes)


async def replace_approved_list(
    uow: UnitOfWork, who: Principal, cmd: ApprovedList
) -> ApprovedCodes:
    """Replace the network's approved list."""
    codes = await _checked_codes(uow, who.network_id, cmd.ingredient_codes)
    await repository.replace_approved_codes(uow.tx, network_id=who.network_id, codes=codes)
    return ApprovedCodes(ingredient_codes=codes, effective_codes=codes)


async def _clinic_list(uow: UnitOfWork, network_id: UUID, clinic_id: UUID) -> ApprovedCodes:
    network = await repository.approved_codes(uow.tx, network_id=network_id)
    clinic = await repository.clinic_codes(uow.tx, network_id=network_id, clinic_id=clinic_id)
    return ApprovedCodes(
        clinic_id=clinic_id,
        ingredient_codes=sorted(clinic if clinic is not None else network),
        narrowed=clinic is not None,
        effective_codes=sorted(effective_approved_codes(network, clinic)),
    )


async def clinic_approved_list(uow: UnitOfWork, who: Principal, clinic_id: UUID) -> ApprovedCodes:
    """A clinic's list: the network's, narrowed when the clinic has its own (404 for a clinic
    that is not the network's, 403 outside the token's scope)."""
    await require_known(uow, who.network_id, clinic_id)
    require_clinic(who, clinic_id)
    return await _clinic_list(uow, who.network_id, clinic_id)


async def narrow_for_clinic(
    uow: UnitOfWork, who: Principal, clinic_id: UUID, cmd: ApprovedList
) -> ApprovedCodes:
    """Narrow the network's list for one of its clinics (404 otherwise); only codes also on the
    network's take effect."""
    await require_known(uow, who.network_id, clinic_id)
    require_clinic(who, clinic_id)
    codes = await _checked_codes(uow, who.network_id, cmd.ingredient_codes)
    await repository.set_clinic_codes(
        uow.tx, network_id=who.network_id, clinic_id=clinic_id, codes=codes, by=who.sub
    )
    return await _clinic_list(uow, who.network_id, clinic_id)


async def stop_narrowing(uow: UnitOfWork, who: Principal, clinic_id: UUID) -> ApprovedCodes:
    """The clinic uses the network's list again (404 when it is not the network's or did not
    narrow it)."""
    await require_known(uow, who.network_id, clinic_id)
    require_clinic(who, clinic_id)
    if not await repository.delete_clinic_codes(
        uow.tx, network_id=who.network_id, clinic_id=clinic_id
    ):
        raise NotFound("That clinic does not narrow the network's approved list.")
    return await _clinic_list(uow, who.network_id, clinic_id)
