"""The formulary's vocabulary: categories, statuses, reasons, severities, verdicts."""

from __future__ import annotations

import re
from enum import StrEnum

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
    INDICATION_MISMATCH = "indication_mismatch"
    AREA_MISMATCH = "area_mismatch"


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
