"""The appointment page's session forms read into the booking API's bodies, and the
cross-check's findings put in plain words. Pure functions: a posted form (and what the page
offered) in, a body and per-field messages out."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

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
}

REACTIONS = ("swelling", "redness", "bruising", "itching", "soreness", "allergic_reaction")
"""Immediate reactions offered when completing: the guide's common side effects."""


def finding_rows(
    findings: list[dict[str, Any]], ingredient_names: dict[str, str]
) -> list[dict[str, str]]:
    """Each finding as a row a practitioner reads: the ingredient, the allergen class,
    condition or medication it concerns, how serious it is, and why."""
    rows = []
    for finding in findings:
        code = str(finding.get("code") or "")
        reason = str(finding.get("reason") or "")
        detail = code.split(".", 1)[1] if "." in code else ""
        ingredient = finding.get("ingredient")
        severity = finding.get("severity")
        certainty = finding.get("certainty")
        rows.append(
            {
                "code": code,
                "ingredient": (
                    ingredient_names.get(ingredient)
                    or vocabulary.label(ingredient)
                    or ingredient.replace("_", " ")
                    if ingredient
                    else "The whole session"
                ),
                "reason": REASONS.get(reason, reason.replace("_", " ").capitalize()),
                "concerns": (vocabulary.label(detail) or detail.replace("_", " "))
                if detail
                else "",
                "severity": "Blocks the session" if severity == "contraindicated" else "Caution",
                "severity_code": str(severity or ""),
                "certainty": str(certainty or ""),
                "explanation": str(finding.get("explanation") or ""),
            }
        )
    return rows


def chosen_areas(form: dict[str, str], offered: list[str]) -> list[str]:
    """The ticked areas (each a checkbox named `area_<code>`), in the order offered."""
    return [area for area in offered if form.get(f"area_{area}")]


def start_body(
    form: dict[str, str], *, needs_blend: bool, offered_areas: list[str]
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(body for POST start, errors that stop the form, errors of the acknowledgement).

    A form answering a `caution` carries the finding codes it showed; the acknowledgement is
    added only when it is ticked and has a reason. Otherwise the start is sent without it, so
    the page shows the findings as they stand now, with the message next to the fields."""
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if needs_blend:
        try:
            body["blend_id"] = str(UUID(form.get("blend_id", "")))
        except ValueError:
            errors["blend_id"] = "Choose the blend you plan to inject."
        areas = chosen_areas(form, offered_areas)
        if offered_areas and not areas:
            errors["areas"] = "Choose at least one area to treat."
        if areas:
            body["areas"] = areas
    ack_errors: dict[str, str] = {}
    codes = [c for c in form.get("finding_codes", "").split(",") if c]
    if codes:
        reason = form.get("ack_reason", "").strip()
        if not form.get("acknowledge"):
            ack_errors["acknowledge"] = "Tick this box to confirm you have weighed each finding."
        if len(reason) < 3:
            ack_errors["ack_reason"] = "Say why the session goes ahead (at least 3 characters)."
        elif len(reason) > 1000:
            ack_errors["ack_reason"] = "Keep the reason under 1000 characters."
        if not ack_errors:
            body["acknowledgement"] = {"reason": reason, "finding_codes": codes}
    return body, errors, ack_errors


def _amount(text: str, unit: str) -> tuple[str | None, str | None]:
    """(the amount as a decimal string, or an error message)."""
    example = f"Enter the amount in {unit}, e.g. 0.5." if unit else "Enter an amount, e.g. 0.5."
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


def completion_body(
    form: dict[str, str],
    *,
    is_treatment: bool,
    components: list[dict[str, Any]],
    lots: dict[str, list[dict[str, Any]]],
    offered_areas: list[str],
    blend: dict[str, Any] | None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """(body for POST complete, per-field messages). Lots must be among those offered."""
    errors: dict[str, str] = {}
    body: dict[str, Any] = {
        "immediate_reactions": [r for r in REACTIONS if form.get(f"reaction_{r}")]
    }
    if is_treatment:
        if not form.get("disinfected"):
            errors["disinfected"] = "Confirm the area was cleaned and disinfected."
        product = form.get("numbing_product", "").strip()
        antiseptic = form.get("antiseptic", "").strip()
        if len(antiseptic) > 200:
            errors["antiseptic"] = "Keep this under 200 characters."
        if len(product) > 200:
            errors["numbing_product"] = "Keep this under 200 characters."
        body["preparation"] = {
            "disinfection": antiseptic or "done",
            "numbing_cream": bool(form.get("numbing_cream")),
            "numbing_product": product or None,
        }
        body["ingredients"] = _ingredients(form, components, lots, errors)
        if not components:
            errors["ingredients"] = "No ingredient is planned for this session."
        if blend:
            body["blend_id"] = blend["id"]
            body["blend_version"] = blend["version"]
            body["blend_name"] = blend["name"]
        areas = chosen_areas(form, offered_areas)
        if offered_areas and not areas:
            errors["areas"] = "Choose at least one treated area."
        if areas:
            body["areas"] = areas
        technique = form.get("technique", "").strip()
        if len(technique) > 200:
            errors["technique"] = "Keep the technique under 200 characters."
        body["technique"] = technique or None
        depth, message = _optional_number(
            form.get("depth_mm", ""),
            integer=False,
            low=Decimal("0.001"),
            high=Decimal(20),
            message="Enter the depth in millimetres, from 0.1 to 20, e.g. 1.5.",
        )
        if message:
            errors["depth_mm"] = message
        body["depth_mm"] = depth
        count, message = _optional_number(
            form.get("injection_count", ""),
            integer=True,
            low=Decimal(0),
            high=Decimal(10000),
            message="Enter a whole number of injections, from 0 to 10000.",
        )
        if message:
            errors["injection_count"] = message
        body["injection_count"] = count
    notes = form.get("notes", "").strip()
    if len(notes) > 4000:
        errors["notes"] = "Keep the notes under 4000 characters."
    body["notes"] = notes or None
    return body, errors


def _ingredients(
    form: dict[str, str],
    components: list[dict[str, Any]],
    lots: dict[str, list[dict[str, Any]]],
    errors: dict[str, str],
) -> list[dict[str, Any]]:
    administered = []
    for component in components:
        code = component["ingredient_code"]
        unit = component.get("unit") or ""
        lot = form.get(f"lot_{code}", "")
        offered = {item["lot_number"] for item in lots.get(code, [])}
        if not lot:
            errors[f"lot_{code}"] = (
                "Choose the lot used."
                if offered
                else "No valid lot of this ingredient is in stock."
            )
        elif lot not in offered:
            errors[f"lot_{code}"] = (
                "Choose a lot from the list: expired or recalled lots cannot be used."
            )
        amount, message = _amount(form.get(f"amount_{code}", ""), unit)
        if message:
            errors[f"amount_{code}"] = message
        administered.append(
            {
                "ingredient_code": code,
                "ingredient_name": component.get("ingredient_name") or code,
                "lot_number": lot,
                "amount": amount,
                "unit": unit or "unit",
            }
        )
    return administered
