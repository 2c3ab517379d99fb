"""The catalog: ingredients, allergen classes, lots, blends, and their validation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from services.formulary.domain.codes import (
    CODE_PATTERN,
    Category,
    Certainty,
    Indication,
    IngredientStatus,
    LotStatus,
)
from services.formulary.domain.errors import (
    ExpiredLot,
    FieldError,
    InvalidBlend,
    InvalidCatalogEntry,
    InvalidPlan,
    UnknownCode,
    _field_error,
    _raise_for,
)

# ---------------------------------------------------------------------------------------------
# Catalog


@dataclass(frozen=True, slots=True)
class Ingredient:
    """An injectable (or, for anaesthetics, topical) substance; amounts are in `unit`."""

    code: str
    name: str
    category: Category
    allergen_classes: frozenset[str]
    max_amount_per_session: Decimal
    unit: str
    contraindicated_conditions: frozenset[str] = frozenset()
    pigmentation_risk: bool = False
    status: IngredientStatus = IngredientStatus.APPROVED


@dataclass(frozen=True, slots=True)
class AllergenClass:
    """An allergen family (a plant family, a drug class) and the classes an allergy crosses to.

    Cross-reactivity is read symmetrically: if A lists B, an allergy to A flags B *and* an
    allergy to B flags A, with the same certainty. Cross-reactivity is a shared-allergen
    relationship, so it is mutual by nature, and a catalog admin who records only one direction
    must not leave the other direction silently unchecked (the check fails towards safety).
    Where A and B both list each other with different certainties, the stronger one counts.
    Crossing is one hop only: A→B and B→C do not make A→C, because certainty does not compose.
    """

    code: str
    name: str
    cross_reacts_with: Mapping[str, Certainty] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        links: dict[str, Certainty] = {}
        for other, certainty in self.cross_reacts_with.items():
            where = f"cross_reacts_with.{other}"
            if other == self.code:
                raise InvalidCatalogEntry("A class cannot cross-react with itself.", field=where)
            if certainty not in (Certainty.PROBABLE, Certainty.POSSIBLE):
                raise InvalidCatalogEntry(
                    "Cross-reactivity is either 'probable' or 'possible'.", field=where
                )
            links[other] = Certainty(certainty)
        object.__setattr__(self, "cross_reacts_with", MappingProxyType(links))


@dataclass(frozen=True, slots=True)
class Lot:
    """A supplier's lot of one ingredient; usable through its expiry day."""

    lot_number: str
    ingredient_code: str
    expires_on: date
    status: LotStatus = LotStatus.ACTIVE
    supplier: str | None = None


@dataclass(frozen=True, slots=True)
class PlannedComponent:
    """One ingredient of a planned session or blend; `amount` is in the ingredient's unit."""

    ingredient_code: str
    amount: Decimal | None = None
    unit: str | None = None
    """The unit `amount` was recorded in; it must be the ingredient's own (no conversion)."""


@dataclass(frozen=True, slots=True)
class Blend:
    """A cocktail of approved ingredients for one indication and the areas it may be used on."""

    name: str
    indication: Indication
    areas: tuple[str, ...]
    components: tuple[PlannedComponent, ...]


def _amount_problem(amount: Decimal | None) -> str | None:
    if amount is None:
        return None
    if not amount.is_finite():
        return "The amount must be a finite number."
    if amount <= 0:
        return "The amount must be more than zero."
    return None


def _quantity(amount: Decimal) -> str:
    return f"{amount.normalize():f}"


# ---------------------------------------------------------------------------------------------
# Catalog validation (for the catalog API)


def effective_approved_codes(
    network_codes: frozenset[str], clinic_codes: frozenset[str] | None
) -> frozenset[str]:
    """The clinic's approved list: the network's, narrowed by the clinic's when it has one."""
    return network_codes if clinic_codes is None else network_codes & clinic_codes


def validate_blend_components(
    components: Sequence[PlannedComponent],
    ingredients: Mapping[str, Ingredient],
    approved_codes: frozenset[str],
) -> None:
    """Only approved ingredients, each once, each with an amount within its limit.

    Raises InvalidBlend listing every offending `components[i].ingredient_code` or
    `components[i].amount`.
    """
    _raise_for(_component_errors(components, ingredients, approved_codes), InvalidBlend)


def validate_blend(
    blend: Blend, *, ingredients: Mapping[str, Ingredient], approved_codes: frozenset[str]
) -> None:
    """A blend may be saved: a name, at least one area (each once), valid components."""
    errors: list[FieldError] = []
    if not blend.name.strip():
        errors.append(_field_error("name", "A blend needs a name."))
    if not blend.areas:
        errors.append(_field_error("areas", "Name at least one area the blend may treat."))
    seen: set[str] = set()
    for i, area in enumerate(blend.areas):
        if not area.strip():
            errors.append(_field_error(f"areas[{i}]", "An area must be named."))
        elif area in seen:
            errors.append(_field_error(f"areas[{i}]", f"Area {area!r} is listed twice."))
        seen.add(area)
    errors += _component_errors(blend.components, ingredients, approved_codes)
    _raise_for(errors, InvalidBlend)


def validate_planned_areas(areas: Sequence[str], *, allowed_areas: Iterable[str]) -> None:
    """Every planned area is one the blend may treat; raises InvalidPlan naming `areas[i]`."""
    allowed = frozenset(allowed_areas)
    errors = [
        _field_error(f"areas[{i}]", f"This blend is not for the {area!r} area.")
        for i, area in enumerate(areas)
        if area not in allowed
    ]
    _raise_for(errors, InvalidPlan)


def _component_errors(
    components: Sequence[PlannedComponent],
    ingredients: Mapping[str, Ingredient],
    approved_codes: frozenset[str],
) -> list[FieldError]:
    if not components:
        return [_field_error("components", "A blend needs at least one ingredient.")]
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, component in enumerate(components):
        code_field, amount_field = f"components[{i}].ingredient_code", f"components[{i}].amount"
        code = component.ingredient_code
        ingredient = ingredients.get(code)
        if ingredient is None:
            errors.append(_field_error(code_field, f"No ingredient {code!r}."))
        elif code in seen:
            errors.append(_field_error(code_field, f"{ingredient.name} is listed twice."))
        elif ingredient.status == IngredientStatus.WITHDRAWN:
            errors.append(_field_error(code_field, f"{ingredient.name} has been withdrawn."))
        elif code not in approved_codes:
            errors.append(_field_error(code_field, f"{ingredient.name} is not approved here."))
        seen.add(code)
        amount = component.amount
        if amount is None:
            errors.append(_field_error(amount_field, "Each ingredient of a blend needs an amount."))
        elif (problem := _amount_problem(amount)) is not None:
            errors.append(_field_error(amount_field, problem))
        elif ingredient is not None and amount > ingredient.max_amount_per_session:
            limit = f"{_quantity(ingredient.max_amount_per_session)} {ingredient.unit}"
            errors.append(_field_error(amount_field, f"More than the {limit} per session."))
    return errors


def validate_new_ingredient(
    ingredient: Ingredient, *, allergen_classes: Mapping[str, AllergenClass]
) -> None:
    """An ingredient may be added: a well-formed code, a positive limit, known allergen classes."""
    errors: list[FieldError] = []
    if not CODE_PATTERN.match(ingredient.code):
        errors.append(_field_error("code", "Use lower snake case: a-z, 0-9 and _."))
    if not ingredient.name.strip():
        errors.append(_field_error("name", "An ingredient needs a name."))
    if _amount_problem(ingredient.max_amount_per_session) is not None:
        errors.append(_field_error("max_amount_per_session", "The limit must be more than zero."))
    if not ingredient.unit.strip():
        errors.append(_field_error("unit", "Name the unit of the limit (e.g. mg, ml)."))
    _raise_for(errors, InvalidCatalogEntry)
    unknown = sorted(ingredient.allergen_classes - allergen_classes.keys())
    _raise_for(
        [_field_error("allergen_classes", f"No allergen class {code!r}.") for code in unknown],
        UnknownCode,
    )


def validate_allergen_class(
    allergen_class: AllergenClass, *, allergen_classes: Mapping[str, AllergenClass]
) -> None:
    """An allergen class may be saved: a well-formed code, crossing only to known classes."""
    errors: list[FieldError] = []
    if not CODE_PATTERN.match(allergen_class.code):
        errors.append(_field_error("code", "Use lower snake case: a-z, 0-9 and _."))
    if not allergen_class.name.strip():
        errors.append(_field_error("name", "An allergen class needs a name."))
    _raise_for(errors, InvalidCatalogEntry)
    unknown = sorted(allergen_class.cross_reacts_with.keys() - allergen_classes.keys())
    _raise_for(
        [_field_error(f"cross_reacts_with.{c}", f"No allergen class {c!r}.") for c in unknown],
        UnknownCode,
    )


def validate_new_lot(expires_on: date, today: date) -> None:
    """A lot can be received through its expiry day; raises ExpiredLot naming `expires_on`."""
    if expires_on < today:
        raise ExpiredLot(
            f"The lot expired on {expires_on.isoformat()} and cannot be received.",
            field="expires_on",
        )


def recall_lot(lot: Lot) -> tuple[Lot, bool]:
    """The lot as recalled, and whether this recall changed it (a second recall has no effect)."""
    if lot.status == LotStatus.RECALLED:
        return lot, False
    return replace(lot, status=LotStatus.RECALLED), True
