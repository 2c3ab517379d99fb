"""Formulary rules: what may be injected, and into whom.

Pure: values in, values out or a domain error raised. No I/O, no FastAPI, no asyncpg.

The heart is `cross_check`, the safety gate booking calls before a session starts. Its rules
come from the domain guide (allergies to plant extracts, amino acids, vitamins or any other
class; skin infections and blood coagulation disorders: consult a doctor first; a slight risk
of pigmentation changes for darker skin types) and from the catalog (approved list, dose limit
per session, lot expiry and recalls).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from uuid import UUID

from shared.errors import Invalid

# ---------------------------------------------------------------------------------------------
# Vocabulary


class Category(StrEnum):
    VITAMIN = "vitamin"
    MINERAL = "mineral"
    AMINO_ACID = "amino_acid"
    ENZYME = "enzyme"
    HORMONE = "hormone"
    PLANT_EXTRACT = "plant_extract"
    HYALURONIC_ACID = "hyaluronic_acid"
    ANTIOXIDANT = "antioxidant"
    LIPOLYTIC = "lipolytic"
    PEPTIDE = "peptide"
    ANAESTHETIC = "anaesthetic"


class IngredientStatus(StrEnum):
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"


class Certainty(StrEnum):
    """How sure a finding is: the substance itself, or reached through cross-reactivity."""

    DEFINITE = "definite"
    PROBABLE = "probable"
    POSSIBLE = "possible"


class AllergySeverity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class AllergyStatus(StrEnum):
    ACTIVE = "active"
    RESOLVED = "resolved"


class LotStatus(StrEnum):
    ACTIVE = "active"
    RECALLED = "recalled"


class Indication(StrEnum):
    SKIN_REJUVENATION = "skin_rejuvenation"
    HAIR_LOSS = "hair_loss"
    FAT_REDUCTION = "fat_reduction"
    CELLULITE = "cellulite"
    SCARS_STRETCH_MARKS = "scars_stretch_marks"
    PIGMENTATION = "pigmentation"


class Condition(StrEnum):
    """Condition codes the rules know by name; a profile may carry others (open vocabulary)."""

    ACTIVE_SKIN_INFECTION = "active_skin_infection"
    BLOOD_COAGULATION_DISORDER = "blood_coagulation_disorder"
    PREGNANCY = "pregnancy"


class MedicationClass(StrEnum):
    ANTICOAGULANT = "anticoagulant"


class Reason(StrEnum):
    """Why a finding was raised; the declaration order is the order findings are listed in."""

    ALLERGY = "allergy"
    CROSS_REACTIVITY = "cross_reactivity"
    CONTRAINDICATED_CONDITION = "contraindicated_condition"
    MEDICATION_INTERACTION = "medication_interaction"
    NOT_APPROVED = "not_approved"
    DOSE_LIMIT = "dose_limit"
    EXPIRED_LOT = "expired_lot"
    RECALLED_LOT = "recalled_lot"
    SKIN_TYPE_RISK = "skin_type_risk"


class Severity(StrEnum):
    CONTRAINDICATED = "contraindicated"
    CAUTION = "caution"


class Verdict(StrEnum):
    OK = "ok"
    CAUTION = "caution"
    CONTRAINDICATED = "contraindicated"
    UNKNOWN_PATIENT = "unknown_patient"


DARKER_SKIN_TYPES = frozenset({4, 5, 6})
"""Fitzpatrick IV-VI: the guide's "darker skin types" with a slight risk of pigmentation change."""

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
"""Catalog codes: lower snake case, so finding codes (`reason.code`) stay unambiguous."""

_CERTAINTY_RANK = {Certainty.POSSIBLE: 1, Certainty.PROBABLE: 2, Certainty.DEFINITE: 3}
_SEVERITY_RANK = {Severity.CAUTION: 1, Severity.CONTRAINDICATED: 2}
_REASON_ORDER = {reason: position for position, reason in enumerate(Reason)}
_CONDITION_WORDS: dict[str, str] = {
    Condition.ACTIVE_SKIN_INFECTION: "an active skin infection",
    Condition.BLOOD_COAGULATION_DISORDER: "a blood coagulation disorder",
    Condition.PREGNANCY: "pregnancy",
}
_ROMAN = ("I", "II", "III", "IV", "V", "VI")

# ---------------------------------------------------------------------------------------------
# Errors (422 problems naming the offending fields; see shared/errors.py)


class UnknownCode(Invalid):
    """A code the network's catalog does not have."""

    type = "unknown-code"
    title = "Unknown code"


class InvalidPlan(Invalid):
    """A cross-check request that cannot be evaluated as given."""

    type = "invalid-plan"
    title = "Planned treatment is not valid"


class InvalidBlend(Invalid):
    """A blend that may not be saved: every offending field is listed in `errors`."""

    type = "invalid-blend"
    title = "Blend is not valid"


class InvalidCatalogEntry(Invalid):
    """An ingredient or allergen class definition that may not be saved."""

    type = "invalid-catalog-entry"
    title = "Catalog entry is not valid"


class InvalidSafetyProfile(Invalid):
    type = "invalid-safety-profile"
    title = "Safety profile is not valid"


class ExpiredLot(Invalid):
    type = "expired-lot"
    title = "Lot has already expired"


FieldError = dict[str, str]


def _raise_for(errors: list[FieldError], error: type[Invalid]) -> None:
    if errors:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise error(detail, errors=errors)


def _field_error(field_name: str, message: str) -> FieldError:
    return {"field": field_name, "message": message}


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


@dataclass(frozen=True, slots=True)
class Blend:
    """A cocktail of approved ingredients for one indication and the areas it may be used on."""

    name: str
    indication: Indication
    areas: tuple[str, ...]
    components: tuple[PlannedComponent, ...]


# ---------------------------------------------------------------------------------------------
# The patient's safety profile (a replica of records' PatientSafetyProfileChanged)


@dataclass(frozen=True, slots=True)
class Allergy:
    """An allergy to an ingredient code or to an allergen class code.

    Only active allergies count. The severity is quoted in the explanation but never softens a
    finding: the check fails towards safety. A code that is neither in the catalog nor a known
    class (say "penicillin") concerns no ingredient the formulary has, and flags nothing.
    """

    code: str
    reaction: str
    severity: AllergySeverity
    status: AllergyStatus = AllergyStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class Medication:
    name: str
    classes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SafetyProfile:
    """What records knows about a patient's safety; `version` orders the replica's updates.

    An unrecorded skin type (None) is not assumed light: pigmentation-risk ingredients then get
    a `skin_type_risk` caution asking for it.
    """

    patient_id: UUID
    version: int
    fitzpatrick_skin_type: int | None
    allergies: tuple[Allergy, ...] = ()
    conditions: frozenset[str] = frozenset()
    medications: tuple[Medication, ...] = ()

    def __post_init__(self) -> None:
        skin_type = self.fitzpatrick_skin_type
        if skin_type is not None and not 1 <= skin_type <= 6:
            raise InvalidSafetyProfile(
                "Fitzpatrick skin type is 1 to 6 (I to VI).", field="fitzpatrick_skin_type"
            )


def supersedes_stored_profile(*, incoming_version: int, stored_version: int | None) -> bool:
    """Whether an arriving profile replaces the replica's; a late older or repeated one does not."""
    return stored_version is None or incoming_version > stored_version


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
    today: date,
) -> CrossCheckResult:
    """Check a planned session against the catalog and the patient's safety profile.

    The verdict is the most severe finding (`ok` when there is none). Without a profile the
    verdict is `unknown_patient` whatever else is found (the contract's answer for a patient the
    replica does not know; it is not a pass): no patient rule is evaluated, but the catalog
    findings (approval, dose, lots) are still listed so they can be fixed at the same time.
    A component listed twice counts once, with its amounts added (the limit is per session).
    `areas` are validated but no rule depends on them: which areas a blend may treat is checked
    against the blend with `validate_planned_areas`.
    Raises UnknownCode for codes the catalog does not have and InvalidPlan for unusable input.
    """
    planned = _planned_amounts(components, ingredients)
    _check_lots_and_areas(lots, areas, planned)
    findings: list[Finding] = []
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
        earlier = planned.get(component.ingredient_code)
        if component.amount is None:
            planned.setdefault(component.ingredient_code, None)
        else:
            planned[component.ingredient_code] = (earlier or Decimal(0)) + component.amount
    _raise_for(errors, InvalidPlan)
    return planned


def _amount_problem(amount: Decimal | None) -> str | None:
    if amount is None:
        return None
    if not amount.is_finite():
        return "The amount must be a finite number."
    if amount <= 0:
        return "The amount must be more than zero."
    return None


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
