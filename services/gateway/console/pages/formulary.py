"""The Formulary pages: the catalog (ingredients, blends, lots) narrowed by a search, and one
lot with its recall and every session that used it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode
from uuid import UUID

from services.gateway import policies
from services.gateway.console.clients import booking, formulary, records
from services.gateway.console.clients.booking import Clinic
from services.gateway.console.clients.calls import Caller
from services.gateway.console.clients.formulary import (
    AllergenClass,
    Blend,
    Exposure,
    Ingredient,
    Lot,
    RecallOrder,
)
from services.gateway.console.pages.clinics import clinic_zone, reader_zone
from services.gateway.console.pages.outcomes import Done
from services.gateway.console.rendering import Refusal, View, refusal
from services.gateway.console.sessions import StaffSession
from services.gateway.console.words import words

EXPOSURES_PER_PAGE = 100
"""Sessions per page of a lot's ledger (each row is one audited read of its patient); the rest
is one "next" link away, so a recall of any size shows every exposed patient."""
MAX_SEARCH = 200
RECALL_REASON = (3, 1000)


@dataclass(frozen=True, slots=True)
class IngredientLine:
    name: str
    code: str
    category: str
    classes: list[str]
    """Its allergen classes, by name."""
    status: str
    approved: bool


@dataclass(frozen=True, slots=True)
class ComponentLine:
    name: str
    amount: str


@dataclass(frozen=True, slots=True)
class BlendLine:
    name: str
    version: int
    ingredients: list[ComponentLine]
    indication: str
    areas: list[str]


@dataclass(frozen=True, slots=True)
class LotLine:
    id: str
    lot_number: str
    ingredient: str
    supplier: str
    expires_on: str
    state: str


@dataclass(frozen=True, slots=True)
class ExposureLine:
    """Who received the lot: the patient (when the role may read them), the clinic and the
    practitioner, in the zone of the session's clinic."""

    patient_id: str
    patient: str | None
    administered_at: str
    tz: str
    clinic: str
    practitioner: str
    amount: str
    unit: str
    recall_notified_at: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FormularyPage(View):
    template = "formulary.html"
    title: str = "Formulary"
    q: str
    lot: str
    searched: bool
    ingredients: list[IngredientLine]
    blends: list[BlendLine]
    lots: list[LotLine]


@dataclass(frozen=True, slots=True, kw_only=True)
class LotPage(View):
    lot: Lot | None
    tz: str
    ingredient: Ingredient | None
    exposures: list[ExposureLine]
    later: str | None
    first: str | None
    may_recall: bool
    form: Mapping[str, str] = field(default_factory=dict)
    recalled: bool = False
    template = "formulary_lot.html"


def not_found(what: str, back: str, label: str) -> Refusal:
    return refusal(
        404,
        f"{what} not found",
        f"There is no such {what.lower()} in your network. It may have been mistyped, "
        "or it belongs to another network.",
        back=back,
        back_label=label,
    )


def _lot_not_found() -> Refusal:
    return not_found("Lot", "/console/formulary", "Back to the formulary")


def matches(needle: str, *haystack: str | None) -> bool:
    needle = needle.casefold()
    return any(needle in (text or "").casefold() for text in haystack)


# -- the catalog -------------------------------------------------------------------------------


async def catalog(calls: Caller, *, q: str, lot: str) -> FormularyPage:
    """Ingredients, blends and lots, narrowed by a text and a lot number."""
    q, lot = q.strip(), lot.strip()
    errors = _search_errors(q, lot)
    classes, ingredients, blends, lots = await asyncio.gather(
        formulary.allergen_classes(calls),
        formulary.ingredients(calls),
        formulary.blends(calls),
        formulary.lots(calls),
    )
    problems = (a.problem for a in (classes, ingredients, blends, lots) if a.problem)
    if errors:
        q = lot = ""
    names = {i.code: i.name for i in ingredients.value.items}
    return FormularyPage(
        q=q,
        lot=lot,
        searched=bool(q or lot),
        ingredients=_ingredients(ingredients.value.items, classes.value.items, q),
        blends=[_blend(b) for b in blends.value.items if _blend_matches(b, q)],
        lots=[
            _lot(x, names)
            for x in lots.value.items
            if matches(lot, x.lot_number)
            and matches(q, x.ingredient_code, names.get(x.ingredient_code))
        ],
        errors=errors,
        problem=" ".join(dict.fromkeys(problems)) or None,
    )


def _search_errors(q: str, lot: str) -> dict[str, str]:
    errors = {}
    if len(q) > MAX_SEARCH:
        errors["q"] = f"Search with at most {MAX_SEARCH} characters."
    if len(lot) > 100:
        errors["lot"] = "A lot number has at most 100 characters."
    return errors


def _ingredients(
    ingredients: Sequence[Ingredient], classes: Sequence[AllergenClass], q: str
) -> list[IngredientLine]:
    class_names = {c.code: c.name for c in classes}
    return [
        IngredientLine(
            name=i.name,
            code=i.code,
            category=i.category,
            classes=[class_names.get(c, words(c)) for c in i.allergen_classes],
            status=i.status,
            approved=i.approved,
        )
        for i in ingredients
        if matches(q, i.name, i.code, words(i.category))
    ]


def _blend_matches(blend: Blend, q: str) -> bool:
    components = (c.ingredient_name or c.ingredient_code for c in blend.components)
    return matches(q, blend.name, words(blend.indication), *components)


def _blend(blend: Blend) -> BlendLine:
    components = [
        ComponentLine(
            name=c.ingredient_name or c.ingredient_code,
            amount=f"{c.amount} {c.unit or ''}".strip() if c.amount else "",
        )
        for c in blend.components
    ]
    return BlendLine(blend.name, blend.version, components, blend.indication, blend.areas)


def _lot(lot: Lot, names: Mapping[str, str]) -> LotLine:
    ingredient = names.get(lot.ingredient_code, lot.ingredient_code)
    return LotLine(lot.id, lot.lot_number, ingredient, lot.supplier, lot.expires_on, lot.state)


# -- one lot -----------------------------------------------------------------------------------


async def lot_page(
    calls: Caller,
    staff: StaffSession,
    lot_id: str,
    *,
    recalled: bool = False,
    cursor: str | None = None,
) -> LotPage | Refusal:
    """One lot: its data, its recall (or the form to recall it), and who received it, a page
    of sessions at a time from `cursor` with a link to the next."""
    try:
        chosen = UUID(lot_id)
    except ValueError:
        return _lot_not_found()
    return await _lot_page(calls, staff, chosen, recalled=recalled, cursor=cursor)


async def _lot_page(
    calls: Caller,
    staff: StaffSession,
    lot_id: UUID,
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    problem: str | None = None,
    form: Mapping[str, str] | None = None,
    recalled: bool = False,
    cursor: str | None = None,
) -> LotPage | Refusal:
    found = await formulary.lot(calls, lot_id)
    if found.status == 404:
        return _lot_not_found()
    lot, ingredient, clinics = found.value, None, []
    exposures: list[ExposureLine] = []
    following = None
    if lot:
        got, listed, network = await asyncio.gather(
            formulary.ingredient(calls, lot.ingredient_code),
            formulary.exposures(calls, lot_id, limit=EXPOSURES_PER_PAGE, cursor=cursor),
            booking.clinics(calls),
        )
        ingredient, clinics = got.value, network.value.items
        exposures = await _exposures(calls, staff, listed.value.items, clinics)
        problem = problem or listed.problem
        following = listed.value.next_cursor if listed.ok else None
    base = f"/console/formulary/lots/{lot_id}"
    return LotPage(
        status_code=status_code,
        title=f"Lot {lot.lot_number}" if lot else "Lot",
        lot=lot,
        tz=reader_zone(staff, clinics),
        ingredient=ingredient,
        exposures=exposures,
        later=f"{base}?{urlencode({'cursor': following})}#exposures-heading" if following else None,
        first=f"{base}#exposures-heading" if cursor else None,
        may_recall=staff.has_any(policies.RECALLERS),
        form=form or {},
        recalled=recalled,
        errors=errors or {},
        problem=problem or found.problem,
    )


async def _exposures(
    calls: Caller, staff: StaffSession, exposures: Sequence[Exposure], clinics: Sequence[Clinic]
) -> list[ExposureLine]:
    """Who received the lot, with the patient's name (when the role may read it), the clinic
    and the practitioner, and the zone of the session's clinic."""
    if not exposures:
        return []
    practitioners, patients = await asyncio.gather(
        booking.practitioners(calls),
        records.names(calls, {e.patient_id for e in exposures}),
    )
    by_id = {c.id: c for c in clinics}
    staffed = {p.id: p.name for p in practitioners.value.items}
    fallback = reader_zone(staff, clinics)
    return [
        ExposureLine(
            patient_id=e.patient_id,
            patient=patients.get(e.patient_id),
            administered_at=e.administered_at,
            tz=clinic_zone(e.clinic_id, clinics, fallback),
            clinic=by_id[e.clinic_id].name if e.clinic_id in by_id else "Clinic",
            practitioner=staffed.get(e.practitioner_id, "Practitioner"),
            amount=e.amount,
            unit=e.unit,
            recall_notified_at=e.recall_notified_at,
        )
        for e in exposures
    ]


async def recall(
    calls: Caller, staff: StaffSession, lot_id: str, form: Mapping[str, str]
) -> LotPage | Refusal | Done:
    """Recall the lot: formulary refuses anyone but a network admin (shown as a message)."""
    try:
        chosen = UUID(lot_id)
    except ValueError:
        return _lot_not_found()
    reason = form.get("reason", "").strip()
    kept = {"reason": reason, "confirm": form.get("confirm", "")}
    errors = _recall_errors(reason, form.get("confirm") == "yes")
    if errors:
        return await _lot_page(calls, staff, chosen, status_code=422, errors=errors, form=kept)
    answer = await formulary.recall(calls, chosen, RecallOrder(reason=reason))
    if answer.status == 404:
        return _lot_not_found()
    if not answer.ok:
        return await _lot_page(
            calls,
            staff,
            chosen,
            status_code=answer.status or 503,
            errors=answer.errors,
            problem=answer.problem,
            form=kept,
        )
    return Done(f"/console/formulary/lots/{chosen}?recalled=true")


def _recall_errors(reason: str, confirmed: bool) -> dict[str, str]:
    shortest, longest = RECALL_REASON
    errors = {}
    if not reason:
        errors["reason"] = "Give the reason for the recall."
    elif len(reason) < shortest:
        errors["reason"] = f"Give a reason of at least {shortest} characters."
    elif len(reason) > longest:
        errors["reason"] = f"Keep the reason to at most {longest} characters."
    if not confirmed:
        errors["confirm"] = "Confirm that this lot is to be recalled."
    return errors
