"""The appointment page's session forms read into booking's bodies, and the safety check's
findings put in plain words.

Three forms send a plan or a record to booking:

- **start** (`blend_id`, `area_<code>`) and **change what will be injected** (the same with the
  prefix `plan_`, plus `plan_ingredient_<code>` and `plan_lots`): the plan formulary checks
  before anything is injected. A `caution` comes back with its finding codes, which the form
  then carries (`finding_codes`) with the acknowledgement's box and reason.
- **complete**: one row per ingredient given (`ingredient_<i>`, `lot_<i>`, `amount_<i>`,
  `unit_<i>`; `planned_<i>` marks the plan's rows), the preparation, areas and technique. A
  deviation (409 `unchecked-administration`) comes back with its codes, which the form then
  carries (`deviation_codes`) with one box per code (`ack_code_<n>`) and the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar
from uuid import UUID

from pydantic import ValidationError

from services.gateway.console.clients.booking import (
    Acknowledgement,
    Given,
    Preparation,
    SessionCompletion,
    SessionPlan,
)
from services.gateway.console.clients.calls import FieldError
from services.gateway.console.clients.formulary import Blend, Component, Ingredient, Lot
from services.gateway.console.clients.model import Model
from services.gateway.console.clients.safety import Deviation, Finding
from services.gateway.console.forms import Form
from shared import vocabulary

REASONS = {
    "allergy": "Allergy",
    "cross_reactivity": "Cross-reactivity",
    "contraindicated_condition": "Condition",
    "medication_interaction": "Medication",
    "not_approved": "Not approved in this network",
    "dose_limit": "Over the dose limit",
    "expired_lot": "Expired lot",
    "recalled_lot": "Recalled lot",
    "skin_type_risk": "Skin type",
    "indication_mismatch": "Blend made for another indication",
    "area_mismatch": "Blend not made for this area",
    "unknown_patient": "No safety profile",
}

REACTIONS = ("swelling", "redness", "bruising", "itching", "soreness", "allergic_reaction")
"""Immediate reactions offered when completing: the guide's common side effects."""

MAX_ROWS = 50
"""Ingredients one completion may record (booking's limit)."""
MAX_CARRIED = 50
"""Findings or deviations a form carries back (booking's limit on acknowledged codes)."""
LOT_NUMBER_MAX = 100

Carried = TypeVar("Carried", Finding, Deviation)


@dataclass(frozen=True, slots=True)
class FindingRow:
    """A finding as a practitioner reads it."""

    code: str
    ingredient: str
    reason: str
    concerns: str
    """The allergen class, condition, medication or area it concerns."""
    severity: str
    severity_code: str
    certainty: str
    explanation: str


@dataclass(frozen=True, slots=True)
class IngredientRow:
    """A row of the completion form: an ingredient given, its lot and amount, in its unit."""

    code: str
    name: str
    unit: str
    planned: bool
    planned_amount: str | None
    lot: str
    amount: str


def finding_rows(
    findings: Sequence[Finding], ingredient_names: Mapping[str, str], *, given: bool = False
) -> list[FindingRow]:
    """Each finding as a row a practitioner reads: the ingredient, the allergen class,
    condition, medication or area it concerns, how serious it is, and why. `given`: findings
    about what was already injected (a contraindicated one no longer "blocks" anything)."""
    rows = []
    for finding in findings:
        detail = finding.code.split(".", 1)[1] if "." in finding.code else ""
        if finding.severity == "contraindicated":
            severity_text = "Contraindicated" if given else "Blocks the session"
        else:
            severity_text = "Caution"
        rows.append(
            FindingRow(
                code=finding.code,
                ingredient=ingredient_name(finding.ingredient, ingredient_names)
                if finding.ingredient
                else "The whole session",
                reason=REASONS.get(finding.reason, finding.reason.replace("_", " ").capitalize()),
                concerns=(vocabulary.label(detail) or detail.replace("_", " ")) if detail else "",
                severity=severity_text,
                severity_code=finding.severity or "",
                certainty=finding.certainty or "",
                explanation=finding.explanation or "",
            )
        )
    return rows


def ingredient_name(code: str | None, names: Mapping[str, str]) -> str:
    """The ingredient's name in the formulary, else the shared vocabulary's, else its code."""
    if not code:
        return ""
    return names.get(code) or vocabulary.label(code) or code.replace("_", " ")


def carried(form: Form, name: str, kind: type[Carried]) -> list[Carried]:
    """Findings or deviations a form carries back as JSON (what the page showed when it asked
    for the acknowledgement), so a refusal that brings no new ones (e.g. formulary away) shows
    them again with the acknowledgement as typed. Only shown back: booking re-checks."""
    try:
        value = json.loads(form.get(name) or "[]")
    except ValueError:
        return []
    if not isinstance(value, list):
        return []
    found = []
    for item in value[:MAX_CARRIED]:
        try:
            found.append(kind.model_validate(item))
        except ValidationError:
            continue
    return found


def as_carried(items: Sequence[Model]) -> str:
    return json.dumps(
        [item.model_dump(mode="json") for item in items[:MAX_CARRIED]], separators=(",", ":")
    )


# -- before injecting: start, and a changed plan ------------------------------------------------


def chosen_areas(form: Form, offered: Sequence[str], prefix: str = "") -> list[str]:
    """The ticked areas (each a checkbox named `<prefix>area_<code>`), in the order offered."""
    return [area for area in offered if form.get(f"{prefix}area_{area}")]


def lot_numbers(text: str) -> list[str]:
    """Lot numbers typed one after another, separated by commas or new lines."""
    return [n.strip() for n in re.split(r"[,\n]", text) if n.strip()]


def plan_body(
    form: Form,
    *,
    needs_blend: bool,
    offered_areas: Sequence[str],
    prefix: str = "",
    ingredient_choice: Sequence[str] | None = None,
) -> tuple[SessionPlan, dict[str, str], dict[str, str]]:
    """(body for POST start / cross-check, errors that stop the form, errors of the
    acknowledgement). Field names carry `prefix` (the change form's is `plan_`).

    With `ingredient_choice` (the change form), the plan is a blend, ticked ingredients, or
    both (the ingredients are checked, and the blend's indication and areas compared), with
    lots typed. A form answering a `caution` carries the finding codes it showed; the
    acknowledgement is added only when it is ticked and has a reason. Otherwise the plan is
    sent without it, so the page shows the findings as they stand now, with the message next
    to the fields."""
    errors: dict[str, str] = {}
    plan = SessionPlan()
    if needs_blend:
        plan = _plan(form, offered_areas, prefix, ingredient_choice, errors)
    acknowledgement, ack_errors = _plan_acknowledgement(form, prefix)
    return plan.model_copy(update={"acknowledgement": acknowledgement}), errors, ack_errors


def _plan(
    form: Form,
    offered_areas: Sequence[str],
    prefix: str,
    ingredient_choice: Sequence[str] | None,
    errors: dict[str, str],
) -> SessionPlan:
    """The blend, ingredients, lots and areas of a plan."""
    blend = form.get(f"{prefix}blend_id", "")
    codes = [c for c in ingredient_choice or [] if form.get(f"{prefix}ingredient_{c}")]
    blend_id = None
    if blend or ingredient_choice is None:
        try:
            blend_id = str(UUID(blend))
        except ValueError:
            errors[f"{prefix}blend_id"] = (
                "Choose the blend you plan to inject."
                if ingredient_choice is None
                else "Choose a blend from the list."
            )
    if ingredient_choice is not None and not blend and not codes:
        errors[f"{prefix}blend_id"] = "Choose a blend, or tick the ingredients you will inject."
    lots: list[str] = []
    if ingredient_choice is not None:
        lots = lot_numbers(form.get(f"{prefix}lots", ""))
        if len(lots) > MAX_ROWS or any(len(n) > LOT_NUMBER_MAX for n in lots):
            errors[f"{prefix}lots"] = (
                f"Name at most {MAX_ROWS} lots, each under {LOT_NUMBER_MAX} characters."
            )
            lots = []
    areas = chosen_areas(form, offered_areas, prefix)
    if offered_areas and not areas:
        errors[f"{prefix}areas"] = "Choose at least one area to treat."
    return SessionPlan(
        blend_id=blend_id,
        ingredient_codes=codes or None,
        lot_numbers=lots or None,
        areas=areas or None,
    )


def _plan_acknowledgement(form: Form, prefix: str) -> tuple[Acknowledgement | None, dict[str, str]]:
    """The acknowledgement of a caution's findings, once ticked with a reason."""
    codes = [c for c in form.get(f"{prefix}finding_codes", "").split(",") if c]
    if not codes:
        return None, {}
    what = "the changed plan" if prefix else "the session"
    errors: dict[str, str] = {}
    reason = form.get(f"{prefix}ack_reason", "").strip()
    if not form.get(f"{prefix}acknowledge"):
        errors[f"{prefix}acknowledge"] = "Tick this box to confirm you have weighed each finding."
    if len(reason) < 3:
        errors[f"{prefix}ack_reason"] = f"Say why {what} goes ahead (at least 3 characters)."
    elif len(reason) > 1000:
        errors[f"{prefix}ack_reason"] = "Keep the reason under 1000 characters."
    if errors:
        return None, errors
    return Acknowledgement(reason=reason, finding_codes=codes), {}


# -- after injecting: what was given ------------------------------------------------------------


def _amount(text: str, unit: str) -> tuple[str | None, str | None]:
    """(the amount as a decimal string, or an error message)."""
    example = f"Enter the amount in {unit}, e.g. 0.5." if unit else "Enter an amount, e.g. 0.5."
    if not text.strip():
        return None, example
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None, example
    if not value.is_finite() or value <= 0:
        return None, "Enter an amount greater than 0."
    if value.as_tuple().exponent < -3 or value >= Decimal("10000000"):  # type: ignore[operator]
        return None, "Enter at most 3 decimals, e.g. 0.125."
    return str(value), None


def _optional_number(
    text: str, *, integer: bool, low: Decimal, high: Decimal, message: str
) -> tuple[str | int | None, str | None]:
    text = text.strip().replace(",", ".")
    if not text:
        return None, None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, message
    if not value.is_finite() or not low <= value <= high:
        return None, message
    if integer:
        if value != value.to_integral_value():
            return None, message
        return int(value), None
    return str(value), None


def ingredient_rows(
    form: Form,
    planned: Sequence[Component],
    catalog: Mapping[str, Ingredient],
    *,
    as_posted: bool = False,
) -> list[IngredientRow]:
    """The completion form's ingredient rows: as posted (what the practitioner typed, blank
    extra rows left out), else one per planned ingredient.

    A row's unit is the ingredient's own in the formulary (`catalog`), as the page shows it.
    `as_posted` (the record sent to booking): a row of the plan keeps the unit the page showed
    when the practitioner typed the amount; a row added for another ingredient takes the unit
    of the ingredient chosen (the practitioner saw none before choosing it)."""
    if "rows" not in form:
        return [_planned_row(c, catalog) for c in planned]
    amounts = {c.ingredient_code: c.amount for c in planned}
    try:
        count = min(max(int(form["rows"]), 0), MAX_ROWS + 1)
    except ValueError:
        count = 0
    rows = []
    for i in range(count):
        code = form.get(f"ingredient_{i}", "").strip()
        is_planned = form.get(f"planned_{i}") == "1"
        lot = form.get(f"lot_{i}", "").strip()
        amount = form.get(f"amount_{i}", "").strip()
        if not is_planned and not (code or lot or amount):
            continue
        known = catalog[code].unit if code in catalog else None
        shown = form.get(f"unit_{i}", "").strip() if is_planned else ""
        unit = (shown or known) if as_posted else (known or shown)
        rows.append(
            IngredientRow(
                code=code,
                name=ingredient_name(code, names_of(catalog)) if code else "",
                unit=unit or "",
                planned=is_planned,
                planned_amount=amounts.get(code) if is_planned else None,
                lot=lot,
                amount=amount,
            )
        )
    return rows


def _planned_row(component: Component, catalog: Mapping[str, Ingredient]) -> IngredientRow:
    """A row for an ingredient of the plan, its planned amount typed in."""
    code = component.ingredient_code
    # The component's own name stands in when the catalog could not be read.
    given = {code: component.ingredient_name} if component.ingredient_name else {}
    known = catalog.get(code)
    return IngredientRow(
        code=code,
        name=ingredient_name(code, given | names_of(catalog)),
        unit=(known.unit if known else None) or component.unit or "",
        planned=True,
        planned_amount=component.amount,
        lot="",
        amount=component.amount if component.amount is not None else "",
    )


def names_of(catalog: Mapping[str, Ingredient]) -> dict[str, str]:
    """Each ingredient's name by code."""
    return {code: i.name or code for code, i in catalog.items()}


def completion_body(
    form: Form,
    *,
    is_treatment: bool,
    rows: Sequence[IngredientRow],
    stock: Mapping[str, Sequence[Lot]],
    offered_areas: Sequence[str],
    blend: Blend | None,
) -> tuple[SessionCompletion, dict[str, str]]:
    """(body for POST complete, per-field messages). `rows` are ingredient_rows(): the body's
    `ingredients[i]` is row i, so booking's field errors land on the row they name.

    Any lot number may be recorded (the one on the vial used): booking and formulary say
    whether it is known, of that ingredient, expired or recalled."""
    errors: dict[str, str] = {}
    notes = form.get("notes", "").strip()
    if len(notes) > 4000:
        errors["notes"] = "Keep the notes under 4000 characters."
    reactions = [r for r in REACTIONS if form.get(f"reaction_{r}")]
    if not is_treatment:
        return SessionCompletion(immediate_reactions=reactions, notes=notes or None), errors
    preparation = _preparation(form, errors)
    ingredients = _ingredients(rows, stock, errors)
    areas = chosen_areas(form, offered_areas)
    if offered_areas and not areas:
        errors["areas"] = "Choose at least one treated area."
    technique = form.get("technique", "").strip()
    if len(technique) > 200:
        errors["technique"] = "Keep the technique under 200 characters."
    depth, count = _technique_numbers(form, errors)
    record = SessionCompletion(
        preparation=preparation,
        blend_id=blend.id if blend else None,
        blend_version=blend.version if blend else None,
        blend_name=blend.name if blend else None,
        ingredients=ingredients,
        areas=areas or None,
        technique=technique or None,
        depth_mm=depth,
        injection_count=count,
        immediate_reactions=reactions,
        notes=notes or None,
    )
    return record, errors


def _preparation(form: Form, errors: dict[str, str]) -> Preparation:
    """How the area was prepared: disinfected (required), and any numbing cream."""
    if not form.get("disinfected"):
        errors["disinfected"] = "Confirm the area was cleaned and disinfected."
    product = form.get("numbing_product", "").strip()
    antiseptic = form.get("antiseptic", "").strip()
    if len(antiseptic) > 200:
        errors["antiseptic"] = "Keep this under 200 characters."
    if len(product) > 200:
        errors["numbing_product"] = "Keep this under 200 characters."
    return Preparation(
        disinfection=antiseptic or "done",
        numbing_cream=bool(form.get("numbing_cream")),
        numbing_product=product or None,
    )


def _technique_numbers(form: Form, errors: dict[str, str]) -> tuple[str | None, int | None]:
    """The depth (a decimal text) and the number of injections, when typed."""
    depth, message = _optional_number(
        form.get("depth_mm", ""),
        integer=False,
        low=Decimal("0.001"),
        high=Decimal(20),
        message="Enter the depth in millimetres, from 0.1 to 20, e.g. 1.5.",
    )
    if message:
        errors["depth_mm"] = message
    count, message = _optional_number(
        form.get("injection_count", ""),
        integer=True,
        low=Decimal(0),
        high=Decimal(10000),
        message="Enter a whole number of injections, from 0 to 10000.",
    )
    if message:
        errors["injection_count"] = message
    return (str(depth) if depth is not None else None), (int(count) if count is not None else None)


def _ingredients(
    rows: Sequence[IngredientRow], stock: Mapping[str, Sequence[Lot]], errors: dict[str, str]
) -> list[Given]:
    """Each row as given: its lot and amount, in its unit; a message next to what is missing."""
    if not rows:
        errors["ingredients"] = "Record each ingredient injected, with its lot and amount."
    elif len(rows) > MAX_ROWS:
        errors["ingredients"] = f"Record at most {MAX_ROWS} ingredients."
    administered = []
    for i, row in enumerate(rows):
        if not row.code:
            errors[f"ingredient_{i}"] = "Choose the ingredient given."
        if not row.lot:
            errors[f"lot_{i}"] = (
                "Enter the lot number on the vial used."
                if stock.get(row.code) or not row.code
                else "No valid lot of this ingredient is in stock: enter the lot number on "
                "the vial used."
            )
        elif len(row.lot) > LOT_NUMBER_MAX:
            errors[f"lot_{i}"] = f"Keep the lot number under {LOT_NUMBER_MAX} characters."
        amount, message = _amount(row.amount, row.unit)
        if message:
            errors[f"amount_{i}"] = message
        if row.code and not row.unit:
            errors[f"unit_{i}"] = (
                "The formulary did not say this ingredient's unit: try again in a moment."
            )
        administered.append(
            Given(
                ingredient_code=row.code,
                ingredient_name=row.name or row.code,
                lot_number=row.lot,
                amount=amount,
                unit=row.unit,
            )
        )
    return administered


ROW_FIELDS = {
    "lot_number": "lot",
    "unit": "unit",
    "amount": "amount",
    "ingredient_code": "ingredient",
    "ingredient_name": "ingredient",
}
_ROW_FIELD = re.compile(r"^ingredients(?:\[(\d+)\]|\.(\d+))(?:\.(\w+))?")


def completion_field_errors(
    problem_errors: Sequence[FieldError], form_fields: set[str]
) -> dict[str, str]:
    """booking's field errors (`ingredients[1].unit`, `ingredients.1.amount`, `areas.0`,
    `depth_mm`) keyed by the completion form's fields (`unit_1`, `amount_1`, `areas`)."""
    errors: dict[str, str] = {}
    for item in problem_errors:
        match = _ROW_FIELD.match(item.field)
        if match:
            index = match[1] or match[2]
            name = ROW_FIELDS.get(match[3] or "", "lot" if not match[3] else match[3])
            errors.setdefault(f"{name}_{index}", item.message)
            continue
        head = re.split(r"[.\[]", item.field, maxsplit=1)[0]
        if head == "areas" or head in form_fields:
            errors.setdefault(head, item.message)
    return errors


def deviation_acknowledgement(
    form: Form,
) -> tuple[Acknowledgement | None, list[str], dict[str, str]]:
    """(the acknowledgement to send, the codes ticked, per-code and reason messages) for a
    completion form that showed deviations (`deviation_codes`). None when it showed none, or
    when not every code is ticked with a reason: then the completion is sent without it, and
    booking's answer (deviations as they stand now) decides what the page shows again."""
    codes = [c for c in form.get("deviation_codes", "").split(",") if c][:MAX_CARRIED]
    if not codes:
        return None, [], {}
    ticked = [c for n, c in enumerate(codes) if form.get(f"ack_code_{n}") == c]
    errors = {
        f"code:{c}": "Tick to acknowledge this finding, or correct the record above."
        for c in codes
        if c not in ticked
    }
    reason = form.get("deviation_reason", "").strip()
    if len(reason) < 3:
        errors["deviation_reason"] = (
            "Say why this was given outside a passing safety check (at least 3 characters)."
        )
    elif len(reason) > 1000:
        errors["deviation_reason"] = "Keep the reason under 1000 characters."
    if errors:
        return None, ticked, errors
    return Acknowledgement(reason=reason, finding_codes=codes), ticked, {}
