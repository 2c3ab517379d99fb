"""What may be injected in a session, from formulary: the catalog by code, the lots in stock,
the blends, and the plan of record as one component per ingredient."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from services.gateway.console.clients import formulary
from services.gateway.console.clients.booking import Appointment
from services.gateway.console.clients.calls import Caller
from services.gateway.console.clients.formulary import Blend, Component, Ingredient, Lot
from services.gateway.console.forms.session import IngredientRow, names_of
from services.gateway.console.words import label

TOPICAL = "anaesthetic"
"""The category of the numbing cream: applied before injecting (the preparation), not injected."""


@dataclass(frozen=True, slots=True)
class Catalog:
    """The network's ingredients by code (name, unit, status)."""

    ingredients: dict[str, Ingredient]
    problem: str | None = None

    @property
    def names(self) -> dict[str, str]:
        return names_of(self.ingredients)


@dataclass(frozen=True, slots=True)
class Stock:
    """For each ingredient, its lots that may be used today, soonest expiry first: what the
    completion form suggests."""

    lots: dict[str, list[Lot]]
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Planned:
    """The plan of record: the blend its check named, and one component per ingredient."""

    blend: Blend | None
    components: list[Component]
    problem: str | None = None


async def catalog(calls: Caller) -> Catalog:
    answer = await formulary.ingredients(calls)
    return Catalog({i.code: i for i in answer.value.items}, answer.problem)


async def stock(calls: Caller) -> Stock:
    answer = await formulary.lots(calls, status="active")
    lots: dict[str, list[Lot]] = {}
    for lot in sorted(answer.value.items, key=lambda lot: (lot.expires_on, lot.lot_number)):
        if lot.usable:
            lots.setdefault(lot.ingredient_code, []).append(lot)
    return Stock(lots, answer.problem)


def blends_for(blends: Sequence[Blend], indication: str) -> list[Blend]:
    """The network's blends, those for the appointment's indication first."""
    return sorted(blends, key=lambda b: (b.indication != indication, b.name))


def blends_fitting(
    blends: Sequence[Blend], indication: str, areas: Sequence[str]
) -> tuple[list[Blend], list[Blend]]:
    """(the blends formulary says are made for `indication` and every one of `areas`, the
    others): the start form offers the first, and the others apart (the safety check answers
    them with a caution), by name."""
    fitting: list[Blend] = []
    others: list[Blend] = []
    for blend in sorted(blends, key=lambda b: b.name.casefold()):
        made_for = blend.indication == indication and set(areas) <= set(blend.areas)
        (fitting if made_for else others).append(blend)
    return fitting, others


def only_lot(row: IngredientRow, lots: Mapping[str, list[Lot]]) -> IngredientRow:
    """The row with its lot filled in when exactly one valid lot of the ingredient is in stock
    (with several, the practitioner picks the vial's: they are offered soonest expiry first)."""
    usable = lots.get(row.code, [])
    if row.lot or len(usable) != 1:
        return row
    return replace(row, lot=usable[0].lot_number)


async def planned(calls: Caller, appointment: Appointment, known: Catalog) -> Planned:
    """The plan the last passing cross-check allowed to inject, one component per ingredient
    (its ingredients, or its blend's components)."""
    checked = appointment.cross_check
    blend, problem = None, None
    if checked and checked.blend_id:
        answer = await formulary.blend(calls, checked.blend_id, checked.blend_version)
        blend, problem = answer.value, answer.problem
    amounts = {c.ingredient_code: c for c in blend.components} if blend else {}
    codes = (checked.ingredient_codes if checked else None) or list(amounts)
    names = known.names
    return Planned(blend, [_component(c, amounts.get(c), known, names) for c in codes], problem)


def _component(
    code: str, in_blend: Component | None, known: Catalog, names: Mapping[str, str]
) -> Component:
    ingredient = known.ingredients.get(code)
    return Component(
        ingredient_code=code,
        ingredient_name=names.get(code)
        or (in_blend.ingredient_name if in_blend else None)
        or label(code),
        amount=in_blend.amount if in_blend else None,
        unit=(ingredient.unit if ingredient else None) or (in_blend.unit if in_blend else None),
    )


def ingredient_choice(
    ingredients: Mapping[str, Ingredient], *, withdrawn: bool
) -> list[tuple[str, str]]:
    """(code, label) of the ingredients one may choose, by name: injectables only (the numbing
    cream is the preparation); `withdrawn` ones too when recording what was given."""
    return [
        (i.code, f"{i.name} ({i.unit})" + (" · withdrawn" if i.status == "withdrawn" else ""))
        for i in sorted(ingredients.values(), key=lambda i: i.name.casefold())
        if i.category != TOPICAL and (withdrawn or i.status != "withdrawn")
    ]
