"""The cross-check engine: a planned session against the catalog and the safety profile."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.formulary.domain.catalog import (
    AllergenClass,
    Blend,
    Ingredient,
    Lot,
    PlannedComponent,
    _amount_problem,
    _quantity,
)
from services.formulary.domain.codes import (
    _CERTAINTY_RANK,
    _CONDITION_WORDS,
    _REASON_ORDER,
    _ROMAN,
    _SEVERITY_RANK,
    DARKER_SKIN_TYPES,
    AllergyStatus,
    Certainty,
    Condition,
    IngredientStatus,
    LotStatus,
    MedicationClass,
    Reason,
    Severity,
    Verdict,
)
from services.formulary.domain.errors import (
    FieldError,
    InvalidPlan,
    UnknownCode,
    _field_error,
    _raise_for,
)
from services.formulary.domain.profile import Allergy, SafetyProfile

# ---------------------------------------------------------------------------------------------
# The cross-check


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason to stop or to take care; `ingredient` is None when it concerns every injection."""

    code: str
    ingredient: str | None
    reason: Reason
    severity: Severity
    certainty: Certainty
    explanation: str


@dataclass(frozen=True, slots=True)
class CrossCheckResult:
    verdict: Verdict
    profile_version: int | None
    findings: tuple[Finding, ...]


def cross_check(
    *,
    profile: SafetyProfile | None,
    components: Sequence[PlannedComponent],
    ingredients: Mapping[str, Ingredient],
    allergen_classes: Mapping[str, AllergenClass],
    approved_codes: frozenset[str],
    lots: Sequence[Lot] = (),
    areas: Sequence[str] = (),
    blend: Blend | None = None,
    indication: str | None = None,
    today: date,
) -> CrossCheckResult:
    """Check a planned session against the catalog and the patient's safety profile.

    The verdict is the most severe finding (`ok` when there is none). Without a profile the
    verdict is `unknown_patient` whatever else is found (the contract's answer for a patient the
    replica does not know; it is not a pass): no patient rule is evaluated, but the catalog
    findings (approval, dose, lots) are still listed so they can be fixed at the same time.
    A component listed twice counts once, with its amounts added (the limit is per session).
    With a `blend`, a blend made for another `indication` than the one treated, or planned on
    `areas` it is not made for, is a caution: the practitioner confirms it is the blend meant.
    Raises UnknownCode for codes the catalog does not have and InvalidPlan for unusable input.
    """
    planned = _planned_amounts(components, ingredients)
    _check_lots_and_areas(lots, areas, planned)
    findings: list[Finding] = []
    if blend is not None:
        findings.extend(_blend_findings(blend, indication, areas))
    for code, amount in planned.items():
        findings.extend(_catalog_findings(ingredients[code], amount, approved_codes))
    for lot in lots:
        findings.extend(_lot_findings(lot, ingredients[lot.ingredient_code], today))
    if profile is None:
        return CrossCheckResult(Verdict.UNKNOWN_PATIENT, None, _ordered(findings))
    planned_ingredients = [ingredients[code] for code in planned]
    findings.extend(_allergy_findings(profile, planned_ingredients, ingredients, allergen_classes))
    findings.extend(_profile_findings(profile, planned_ingredients))
    ordered = _ordered(findings)
    return CrossCheckResult(verdict_of(ordered), profile.version, ordered)


def verdict_of(findings: Iterable[Finding]) -> Verdict:
    """The most severe finding decides; no finding is `ok`."""
    severities = {finding.severity for finding in findings}
    if Severity.CONTRAINDICATED in severities:
        return Verdict.CONTRAINDICATED
    if Severity.CAUTION in severities:
        return Verdict.CAUTION
    return Verdict.OK


def cross_reactions(
    allergen_classes: Mapping[str, AllergenClass],
) -> dict[str, dict[str, Certainty]]:
    """Every class's cross-reacting classes, in both directions (see AllergenClass)."""
    index: dict[str, dict[str, Certainty]] = {}
    for allergen_class in allergen_classes.values():
        for other, certainty in allergen_class.cross_reacts_with.items():
            for one, two in ((allergen_class.code, other), (other, allergen_class.code)):
                _flag(index.setdefault(one, {}), two, certainty)
    return index


def classes_flagged_by(
    allergy_code: str,
    *,
    ingredients: Mapping[str, Ingredient],
    allergen_classes: Mapping[str, AllergenClass],
) -> dict[str, Certainty]:
    """The allergen classes an allergy flags, each with how certain (for the chart and the API).

    An allergy to a class flags the class itself (definite) and the classes it crosses to
    (probable or possible). An allergy recorded against one ingredient flags that ingredient
    itself (definite, matched by code in `cross_check`) and its allergen classes as possible:
    other members of the family may be the culprit, but nobody has confirmed the family.
    """
    return _flagged_classes(allergy_code, ingredients, cross_reactions(allergen_classes))


def _flag(flagged: dict[str, Certainty], code: str, certainty: Certainty) -> None:
    current = flagged.get(code)
    if current is None or _CERTAINTY_RANK[certainty] > _CERTAINTY_RANK[current]:
        flagged[code] = certainty


def _flagged_classes(
    allergy_code: str,
    ingredients: Mapping[str, Ingredient],
    crosses: Mapping[str, Mapping[str, Certainty]],
) -> dict[str, Certainty]:
    flagged: dict[str, Certainty] = {}
    allergen_itself = ingredients.get(allergy_code)
    if allergen_itself is not None:
        for class_code in allergen_itself.allergen_classes:
            _flag(flagged, class_code, Certainty.POSSIBLE)
    for class_code, certainty in crosses.get(allergy_code, {}).items():
        _flag(flagged, class_code, certainty)
    # Any allergy code may name a class, even one the catalog has not defined yet: fail closed.
    flagged[allergy_code] = Certainty.DEFINITE
    return flagged


def _planned_amounts(
    components: Sequence[PlannedComponent], ingredients: Mapping[str, Ingredient]
) -> dict[str, Decimal | None]:
    if not components:
        raise InvalidPlan("Plan at least one ingredient.", field="components")
    unknown = [
        _field_error(f"components[{i}].ingredient_code", f"No ingredient {c.ingredient_code!r}.")
        for i, c in enumerate(components)
        if c.ingredient_code not in ingredients
    ]
    _raise_for(unknown, UnknownCode)
    errors: list[FieldError] = []
    planned: dict[str, Decimal | None] = {}
    for i, component in enumerate(components):
        message = _amount_problem(component.amount)
        if message is not None:
            errors.append(_field_error(f"components[{i}].amount", message))
            continue
        unit = ingredients[component.ingredient_code].unit
        if component.unit is not None and component.unit.strip().lower() != unit.lower():
            errors.append(
                _field_error(
                    f"components[{i}].unit",
                    f"{ingredients[component.ingredient_code].name} is measured in {unit}, "
                    f"not {component.unit}; record the amount in {unit}.",
                )
            )
            continue
        earlier = planned.get(component.ingredient_code)
        if component.amount is None:
            planned.setdefault(component.ingredient_code, None)
        else:
            planned[component.ingredient_code] = (earlier or Decimal(0)) + component.amount
    _raise_for(errors, InvalidPlan)
    return planned


def _check_lots_and_areas(
    lots: Sequence[Lot], areas: Sequence[str], planned: Mapping[str, Decimal | None]
) -> None:
    errors = [
        _field_error(
            f"lots[{i}].ingredient_code",
            f"Lot {lot.lot_number} is of {lot.ingredient_code!r}, which is not planned.",
        )
        for i, lot in enumerate(lots)
        if lot.ingredient_code not in planned
    ]
    errors += [
        _field_error(f"areas[{i}]", "An area must be named.")
        for i, area in enumerate(areas)
        if not area.strip()
    ]
    _raise_for(errors, InvalidPlan)


def _finding(
    code: str,
    ingredient: str | None,
    reason: Reason,
    severity: Severity,
    explanation: str,
    certainty: Certainty = Certainty.DEFINITE,
) -> Finding:
    return Finding(code, ingredient, reason, severity, certainty, explanation)


def _catalog_findings(
    ingredient: Ingredient, amount: Decimal | None, approved_codes: frozenset[str]
) -> list[Finding]:
    findings: list[Finding] = []
    if ingredient.status == IngredientStatus.WITHDRAWN:
        findings.append(
            _finding(
                "not_approved.withdrawn",
                ingredient.code,
                Reason.NOT_APPROVED,
                Severity.CONTRAINDICATED,
                f"{ingredient.name} has been withdrawn from the formulary; "
                "leave it out and choose an approved ingredient.",
            )
        )
    elif ingredient.code not in approved_codes:
        findings.append(
            _finding(
                "not_approved.not_on_approved_list",
                ingredient.code,
                Reason.NOT_APPROVED,
                Severity.CONTRAINDICATED,
                f"{ingredient.name} is not on the approved list for this clinic; "
                "leave it out or choose an approved ingredient.",
            )
        )
    if amount is not None and amount > ingredient.max_amount_per_session:
        unit = ingredient.unit
        findings.append(
            _finding(
                "dose_limit.max_amount_per_session",
                ingredient.code,
                Reason.DOSE_LIMIT,
                Severity.CONTRAINDICATED,
                f"The planned {_quantity(amount)} {unit} of {ingredient.name} is more than the "
                f"maximum of {_quantity(ingredient.max_amount_per_session)} {unit} per session; "
                "reduce the amount.",
            )
        )
    return findings


def check_lots_given(ingredient_codes: Sequence[str], lots: Sequence[Lot]) -> None:
    """Each ingredient given came from a lot of that ingredient; InvalidPlan names `lots[i]`.

    A lot of another substance is a wrong record, not a finding: what was injected is what the
    lot holds, so the record must be corrected rather than acknowledged.
    """
    offset = len(lots) - len(ingredient_codes)
    errors = [
        _field_error(
            f"lots[{offset + i}].lot_number",
            f"Lot {lot.lot_number} is a lot of {lot.ingredient_code!r}, not of {code!r}.",
        )
        for i, (code, lot) in enumerate(zip(ingredient_codes, lots[offset:], strict=True))
        if lot.ingredient_code != code
    ]
    _raise_for(errors, InvalidPlan)


def _blend_findings(blend: Blend, indication: str | None, areas: Sequence[str]) -> list[Finding]:
    """A blend used for another indication, or on areas it is not made for (cautions)."""
    findings: list[Finding] = []
    if indication is not None and indication != blend.indication:
        findings.append(
            _finding(
                "indication_mismatch",
                None,
                Reason.INDICATION_MISMATCH,
                Severity.CAUTION,
                f"The blend {blend.name} is made for {_words(blend.indication)}, but this "
                f"session treats {_words(indication)}; confirm it is the blend you mean and "
                "acknowledge it before injecting, or choose a blend for this indication.",
            )
        )
    made_for = ", ".join(_words(a) for a in blend.areas) or "no area"
    for area in dict.fromkeys(areas):
        if area not in blend.areas:
            findings.append(
                _finding(
                    f"area_mismatch.{area}",
                    None,
                    Reason.AREA_MISMATCH,
                    Severity.CAUTION,
                    f"The blend {blend.name} is not made for the {_words(area)} (it is for "
                    f"{made_for}); confirm and acknowledge before injecting it there.",
                )
            )
    return findings


def _words(code: str) -> str:
    return code.replace("_", " ")


def _lot_findings(lot: Lot, ingredient: Ingredient, today: date) -> list[Finding]:
    findings: list[Finding] = []
    if lot.expires_on < today:
        findings.append(
            _finding(
                f"expired_lot.{lot.lot_number}",
                ingredient.code,
                Reason.EXPIRED_LOT,
                Severity.CONTRAINDICATED,
                f"Lot {lot.lot_number} of {ingredient.name} expired on "
                f"{lot.expires_on.isoformat()}; use an unexpired lot.",
            )
        )
    if lot.status == LotStatus.RECALLED:
        findings.append(
            _finding(
                f"recalled_lot.{lot.lot_number}",
                ingredient.code,
                Reason.RECALLED_LOT,
                Severity.CONTRAINDICATED,
                f"Lot {lot.lot_number} of {ingredient.name} has been recalled; "
                "do not use it and take another lot.",
            )
        )
    return findings


def _allergy_findings(
    profile: SafetyProfile,
    planned: Sequence[Ingredient],
    ingredients: Mapping[str, Ingredient],
    allergen_classes: Mapping[str, AllergenClass],
) -> list[Finding]:
    """One finding per active allergy and ingredient, from the strongest link between them."""
    active = [a for a in profile.allergies if a.status == AllergyStatus.ACTIVE]
    if not active:
        return []
    crosses = cross_reactions(allergen_classes)
    findings: list[Finding] = []
    for allergy in active:
        flagged = _flagged_classes(allergy.code, ingredients, crosses)
        for ingredient in planned:
            if allergy.code == ingredient.code or not ingredient.allergen_classes.isdisjoint(
                flagged
            ):
                findings.append(
                    _allergy_finding(
                        allergy, ingredient, flagged, crosses, ingredients, allergen_classes
                    )
                )
    return findings


def _allergy_finding(
    allergy: Allergy,
    ingredient: Ingredient,
    flagged: Mapping[str, Certainty],
    crosses: Mapping[str, Mapping[str, Certainty]],
    ingredients: Mapping[str, Ingredient],
    allergen_classes: Mapping[str, AllergenClass],
) -> Finding:
    """The finding for an allergy known to reach the ingredient, by its strongest link."""
    allergen = _display_name(allergy.code, ingredients, allergen_classes)
    had = f"active {allergy.severity} allergy to {allergen}{_in_brackets(allergy.reaction)}"
    if allergy.code == ingredient.code:
        return _finding(
            f"allergy.{allergy.code}",
            ingredient.code,
            Reason.ALLERGY,
            Severity.CONTRAINDICATED,
            f"The patient has an {had}; do not inject {ingredient.name}.",
        )
    via, certainty = min(
        ((c, flagged[c]) for c in ingredient.allergen_classes if c in flagged),
        key=lambda link: (-_CERTAINTY_RANK[link[1]], link[0]),
    )
    if certainty == Certainty.DEFINITE:
        return _finding(
            f"allergy.{allergy.code}",
            ingredient.code,
            Reason.ALLERGY,
            Severity.CONTRAINDICATED,
            f"The patient has an {had}, which {ingredient.name} contains; do not inject it.",
        )
    via_name = _display_name(via, {}, allergen_classes)
    link = (
        f"cross-reacts with {via_name} in {ingredient.name}"
        if via in crosses.get(allergy.code, {})
        else f"extends to {ingredient.name}, which shares the {via_name} allergen class"
    )
    if certainty == Certainty.PROBABLE:
        severity = Severity.CONTRAINDICATED
        sentence = f"The patient's {had} probably {link}; do not inject it."
    else:
        severity = Severity.CAUTION
        sentence = (
            f"The patient's {had} possibly {link}; confirm with the patient and "
            "acknowledge the risk before injecting, or leave it out."
        )
    return _finding(
        f"cross_reactivity.{allergy.code}",
        ingredient.code,
        Reason.CROSS_REACTIVITY,
        severity,
        sentence,
        certainty,
    )


def _profile_findings(profile: SafetyProfile, planned: Sequence[Ingredient]) -> list[Finding]:
    """Conditions, medications and skin type: session-wide first, then per ingredient."""
    findings: list[Finding] = []
    blocked_conditions: set[str] = set()
    if Condition.ACTIVE_SKIN_INFECTION in profile.conditions:
        blocked_conditions.add(Condition.ACTIVE_SKIN_INFECTION)
        findings.append(
            _finding(
                f"contraindicated_condition.{Condition.ACTIVE_SKIN_INFECTION}",
                None,
                Reason.CONTRAINDICATED_CONDITION,
                Severity.CONTRAINDICATED,
                "The patient has an active skin infection and injecting risks infection; "
                "postpone the session until the patient has consulted their doctor.",
            )
        )
    if Condition.BLOOD_COAGULATION_DISORDER in profile.conditions:
        findings.append(
            _finding(
                f"contraindicated_condition.{Condition.BLOOD_COAGULATION_DISORDER}",
                None,
                Reason.CONTRAINDICATED_CONDITION,
                Severity.CAUTION,
                "The patient has a blood coagulation disorder, which raises the risk of "
                "bruising and bleeding; confirm they have consulted their doctor and "
                "acknowledge the risk before injecting.",
            )
        )
    anticoagulants = sorted(
        m.name for m in profile.medications if MedicationClass.ANTICOAGULANT in m.classes
    )
    if anticoagulants:
        findings.append(
            _finding(
                f"medication_interaction.{MedicationClass.ANTICOAGULANT}",
                None,
                Reason.MEDICATION_INTERACTION,
                Severity.CAUTION,
                f"The patient takes {', '.join(anticoagulants)} (anticoagulant), which raises "
                "the risk of bruising and bleeding at the injection sites; acknowledge the risk "
                "before injecting.",
            )
        )
    for ingredient in planned:
        present = ingredient.contraindicated_conditions & profile.conditions
        for condition in sorted(present - blocked_conditions):
            findings.append(
                _finding(
                    f"contraindicated_condition.{condition}",
                    ingredient.code,
                    Reason.CONTRAINDICATED_CONDITION,
                    Severity.CONTRAINDICATED,
                    f"{ingredient.name} is contraindicated in {_condition_words(condition)}, "
                    "which the patient's profile records; leave it out.",
                )
            )
        if ingredient.pigmentation_risk:
            findings.extend(_skin_type_findings(profile.fitzpatrick_skin_type, ingredient))
    return findings


def _skin_type_findings(skin_type: int | None, ingredient: Ingredient) -> list[Finding]:
    risk = "carries a slight risk of pigmentation changes for darker skin types"
    if skin_type is None:
        # Unknown is not safe: ask for the fact rather than assume the lighter types.
        return [
            _finding(
                "skin_type_risk.unrecorded",
                ingredient.code,
                Reason.SKIN_TYPE_RISK,
                Severity.CAUTION,
                f"{ingredient.name} {risk} and the patient's skin type is not recorded; "
                "record it and acknowledge the risk before injecting.",
                Certainty.POSSIBLE,
            )
        ]
    if skin_type in DARKER_SKIN_TYPES:
        return [
            _finding(
                "skin_type_risk.pigmentation",
                ingredient.code,
                Reason.SKIN_TYPE_RISK,
                Severity.CAUTION,
                f"{ingredient.name} {risk} and the patient is Fitzpatrick type "
                f"{_ROMAN[skin_type - 1]}; acknowledge the risk before injecting.",
            )
        ]
    return []


def _ordered(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Most severe first, then by reason, ingredient and code; one finding per code+ingredient.

    A code+ingredient pair always has the same severity, so a repeat (the same lot or allergy
    given twice) is dropped.
    """
    kept: dict[tuple[str, str | None], Finding] = {}
    for finding in findings:
        kept.setdefault((finding.code, finding.ingredient), finding)
    return tuple(
        sorted(
            kept.values(),
            key=lambda f: (
                -_SEVERITY_RANK[f.severity],
                _REASON_ORDER[f.reason],
                f.ingredient or "",
                f.code,
            ),
        )
    )


def _display_name(
    code: str, ingredients: Mapping[str, Ingredient], allergen_classes: Mapping[str, AllergenClass]
) -> str:
    if code in allergen_classes:
        return allergen_classes[code].name
    if code in ingredients:
        return ingredients[code].name
    return code.replace("_", " ")


def _condition_words(condition: str) -> str:
    return _CONDITION_WORDS.get(condition, condition.replace("_", " "))


def _in_brackets(text: str) -> str:
    return f" ({text.strip()})" if text.strip() else ""
