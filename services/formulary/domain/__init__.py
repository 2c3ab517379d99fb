"""Formulary rules: what may be injected, and into whom.

Pure: values in, values out or a domain error raised. No I/O, no FastAPI, no asyncpg.

The heart is `cross_check`, the safety gate booking calls before a session starts. Its rules
come from the domain guide (allergies to plant extracts, amino acids, vitamins or any other
class; skin infections and blood coagulation disorders: consult a doctor first; a slight risk
of pigmentation changes for darker skin types) and from the catalog (approved list, dose limit
per session, lot expiry and recalls).

A package split by concern (`codes`, `errors`, `catalog`, `profile`, `engine`); every name
is re-exported here, so `from services.formulary.domain import cross_check` keeps working.
"""

from __future__ import annotations

from services.formulary.domain.catalog import (
    AllergenClass,
    Blend,
    Ingredient,
    Lot,
    PlannedComponent,
    effective_approved_codes,
    recall_lot,
    validate_allergen_class,
    validate_blend,
    validate_blend_components,
    validate_new_ingredient,
    validate_new_lot,
    validate_planned_areas,
)
from services.formulary.domain.codes import (
    CODE_PATTERN,
    DARKER_SKIN_TYPES,
    AllergySeverity,
    AllergyStatus,
    Category,
    Certainty,
    Condition,
    Indication,
    IngredientStatus,
    LotStatus,
    MedicationClass,
    Reason,
    Severity,
    Verdict,
)
from services.formulary.domain.engine import (
    CrossCheckResult,
    Finding,
    check_lots_given,
    classes_flagged_by,
    cross_check,
    cross_reactions,
    verdict_of,
)
from services.formulary.domain.errors import (
    ExpiredLot,
    FieldError,
    InvalidBlend,
    InvalidCatalogEntry,
    InvalidPlan,
    InvalidSafetyProfile,
    UnknownCode,
)
from services.formulary.domain.profile import (
    Allergy,
    Medication,
    SafetyProfile,
    supersedes_stored_profile,
)

__all__ = [
    "CODE_PATTERN",
    "DARKER_SKIN_TYPES",
    "AllergenClass",
    "Allergy",
    "AllergySeverity",
    "AllergyStatus",
    "Blend",
    "Category",
    "Certainty",
    "Condition",
    "CrossCheckResult",
    "ExpiredLot",
    "FieldError",
    "Finding",
    "Indication",
    "Ingredient",
    "IngredientStatus",
    "InvalidBlend",
    "InvalidCatalogEntry",
    "InvalidPlan",
    "InvalidSafetyProfile",
    "Lot",
    "LotStatus",
    "Medication",
    "MedicationClass",
    "PlannedComponent",
    "Reason",
    "SafetyProfile",
    "Severity",
    "UnknownCode",
    "Verdict",
    "check_lots_given",
    "classes_flagged_by",
    "cross_check",
    "cross_reactions",
    "effective_approved_codes",
    "recall_lot",
    "supersedes_stored_profile",
    "validate_allergen_class",
    "validate_blend",
    "validate_blend_components",
    "validate_new_ingredient",
    "validate_new_lot",
    "validate_planned_areas",
    "verdict_of",
]
