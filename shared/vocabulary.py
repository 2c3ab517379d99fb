"""The coded vocabulary records and formulary share: allergen classes, ingredient codes,
conditions, medication classes, adverse event kinds, indications and treatment areas; and the
timezones every service accepts.

Plain data and small lookups, no I/O. Codes are lower snake case and never change meaning; a
label may be reworded. Records refuses a safety profile naming a code that is not here, so a
typo cannot slip past the cross-check; formulary uses the same codes for its catalog.

The allergen classes include every class of `services/formulary/demo_catalog.py`. The ingredient
codes are substances used in mesotherapy blends; an allergy may name one of them or a class.
Nothing here is clinical guidance: it names things, it does not say what is safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Literal
from zoneinfo import available_timezones

AllergenKind = Literal["allergen_class", "ingredient"]

CLINICAL_ROLES: frozenset[str] = frozenset({"network_admin", "clinic_manager", "practitioner"})
"""Roles accountable for care, who may read a patient's safety profile and clinical details
(allergens, reactions, conditions). The front desk and machine credentials (integrations) may
not: minimum necessary."""

# The rules a service enforces that another caller must know before it asks: the staff console
# shows a form only to whom the service will accept it from, and never asks a read that records
# would audit as a denied access. The owning service uses the same set.
SESSION_ROLES: frozenset[str] = frozenset({"practitioner"})
"""booking: start, re-check and complete a session; acknowledge cautions and deviations."""
SAFETY_PROFILE_WRITERS: frozenset[str] = frozenset({"practitioner"})
"""records: change a patient's safety profile, report adverse events."""
AUDIT_READERS: frozenset[str] = frozenset({"network_admin", "clinic_manager"})
"""records: read a chart's audit trail."""
FORMULARY_ADMINS: frozenset[str] = frozenset({"network_admin"})
"""formulary: change the catalog, approved lists and blends; receive and recall lots."""
CALENDAR_FEED_ROLES: frozenset[str] = frozenset({"network_admin", "clinic_manager", "practitioner"})
"""booking: make, list and revoke a practitioner's calendar feeds (within the token's clinics)."""

SETUP_EDITORS: frozenset[str] = frozenset({"network_admin", "clinic_manager"})
"""booking: change setup data (clinics, rooms, practitioners, hours, time off, treatment types,
prices); a clinic manager only within the token's clinics."""

WEBHOOK_MANAGERS: frozenset[str] = frozenset({"network_admin", "integration"})
"""notifications: register, change and delete the network's webhook endpoints; read their
deliveries."""

ALLERGEN_CLASSES: Mapping[str, str] = MappingProxyType(
    {
        # plant families (the guide: "tell your practitioner if you are allergic to plant
        # extracts, amino acids, or vitamins")
        "compositae": "Asteraceae (Compositae) plant family",
        "sesquiterpene_lactones": "Sesquiterpene lactones",
        "apiaceae": "Apiaceae (Umbelliferae) plant family",
        "fabaceae": "Fabaceae (legume) plant family, soy included",
        "ginkgoaceae": "Ginkgo (Ginkgoaceae)",
        "rosaceae": "Rosaceae plant family",
        "rutaceae": "Rutaceae (citrus) plant family",
        "lamiaceae": "Lamiaceae (mint) plant family",
        "plant_extracts": "Plant extracts (any)",
        # vitamins
        "b_vitamins": "B vitamins",
        "ascorbic_acid": "Vitamin C (ascorbic acid)",
        "retinoids": "Vitamin A and retinoids",
        "tocopherols": "Vitamin E (tocopherols)",
        "vitamins": "Vitamins (any)",
        # amino acids, peptides, proteins
        "amino_acids": "Amino acids",
        "peptides": "Synthetic peptides",
        "hyaluronic_acid": "Hyaluronic acid",
        "animal_derived_enzymes": "Animal-derived enzymes",
        "bovine_derived": "Bovine-derived material",
        "porcine_derived": "Porcine-derived material",
        "egg_derived": "Egg-derived material",
        # minerals and metals
        "copper_compounds": "Copper compounds",
        "zinc_compounds": "Zinc compounds",
        # lipolytics
        "xanthines": "Xanthines (caffeine, aminophylline, theophylline)",
        "deoxycholates": "Deoxycholates",
        # anaesthetics
        "amide_local_anaesthetics": "Amide local anaesthetics",
        "ester_local_anaesthetics": "Ester local anaesthetics",
        # preservatives, excipients, disinfectants and materials used during a session
        "parabens": "Parabens",
        "benzyl_alcohol": "Benzyl alcohol",
        "phenoxyethanol": "Phenoxyethanol",
        "sulfites": "Sulfites",
        "chlorhexidine": "Chlorhexidine",
        "povidone_iodine": "Povidone-iodine",
        "alcohol_disinfectants": "Alcohol-based disinfectants",
        "latex": "Natural rubber latex",
        "nickel": "Nickel (needles)",
    }
)

# code -> (label, allergen classes it belongs to)
INGREDIENTS: Mapping[str, tuple[str, tuple[str, ...]]] = MappingProxyType(
    {
        # the demo catalog's ingredients, with its class memberships
        "ascorbic_acid": ("Vitamin C (ascorbic acid)", ("ascorbic_acid",)),
        "biotin": ("Biotin (vitamin B7)", ("b_vitamins",)),
        "dexpanthenol": ("Dexpanthenol (pro-vitamin B5)", ("b_vitamins",)),
        "organic_silicon": ("Organic silicon", ()),
        "zinc_gluconate": ("Zinc gluconate", ("zinc_compounds",)),
        "amino_acid_complex": ("Amino acid complex (glycine, proline, lysine)", ("amino_acids",)),
        "l_carnitine": ("L-carnitine", ("amino_acids",)),
        "tranexamic_acid": ("Tranexamic acid", ()),
        "hyaluronidase": ("Hyaluronidase", ("animal_derived_enzymes",)),
        "collagenase": ("Collagenase", ("animal_derived_enzymes",)),
        "melatonin": ("Melatonin", ()),
        "arnica_montana": ("Arnica montana extract", ("compositae", "sesquiterpene_lactones")),
        "chamomile": ("Chamomile (Matricaria) extract", ("compositae",)),
        "artichoke": ("Artichoke (Cynara) extract", ("compositae",)),
        "centella_asiatica": ("Centella asiatica extract", ("apiaceae",)),
        "melilotus": ("Sweet clover (Melilotus) extract", ("fabaceae",)),
        "ginkgo_biloba": ("Ginkgo biloba extract", ("ginkgoaceae",)),
        "hyaluronic_acid": ("Hyaluronic acid, non-cross-linked", ("hyaluronic_acid",)),
        "glutathione": ("Glutathione", ()),
        "alpha_lipoic_acid": ("Alpha-lipoic acid", ()),
        "phosphatidylcholine": ("Phosphatidylcholine (soy-derived)", ("fabaceae",)),
        "sodium_deoxycholate": ("Sodium deoxycholate", ("deoxycholates",)),
        "caffeine": ("Caffeine", ("xanthines",)),
        "copper_tripeptide": ("Copper tripeptide-1 (GHK-Cu)", ("copper_compounds", "peptides")),
        "biotinoyl_tripeptide": ("Biotinoyl tripeptide-1", ("b_vitamins", "peptides")),
        "lidocaine_cream": ("Lidocaine numbing cream (topical)", ("amide_local_anaesthetics",)),
        # further substances met in mesotherapy blends and sessions
        "lidocaine": ("Lidocaine", ("amide_local_anaesthetics",)),
        "mepivacaine": ("Mepivacaine", ("amide_local_anaesthetics",)),
        "procaine": ("Procaine", ("ester_local_anaesthetics",)),
        "cyanocobalamin": ("Vitamin B12 (cyanocobalamin)", ("b_vitamins",)),
        "pyridoxine": ("Vitamin B6 (pyridoxine)", ("b_vitamins",)),
        "niacinamide": ("Niacinamide (vitamin B3)", ("b_vitamins",)),
        "thiamine": ("Vitamin B1 (thiamine)", ("b_vitamins",)),
        "retinol": ("Retinol (vitamin A)", ("retinoids",)),
        "tocopherol": ("Tocopherol (vitamin E)", ("tocopherols",)),
        "aminophylline": ("Aminophylline", ("xanthines",)),
        "dmae": ("DMAE (dimethylaminoethanol)", ()),
        "collagen": ("Collagen (bovine)", ("bovine_derived",)),
        "elastin": ("Elastin", ()),
        "coenzyme_q10": ("Coenzyme Q10", ()),
        "chlorhexidine": ("Chlorhexidine (skin disinfection)", ("chlorhexidine",)),
    }
)

CONDITIONS: Mapping[str, str] = MappingProxyType(
    {
        # the guide: "if you have skin infections or blood coagulation disorders, be sure to
        # consult your doctor first"
        "active_skin_infection": "Active skin infection",
        "blood_coagulation_disorder": "Blood coagulation disorder",
        "pregnancy": "Pregnancy",
        "breastfeeding": "Breastfeeding",
        "herpes_simplex_recurrent": "Recurrent herpes simplex",
        "autoimmune_disease": "Autoimmune disease",
        "immunosuppression": "Immunosuppression",
        "diabetes": "Diabetes",
        "keloid_tendency": "Tendency to keloid or hypertrophic scars",
        "active_cancer": "Active cancer or cancer treatment",
        "cardiovascular_disease": "Cardiovascular disease",
        "liver_disease": "Liver disease",
        "kidney_disease": "Kidney disease",
        "thyroid_disorder": "Thyroid disorder",
        "epilepsy": "Epilepsy",
        "history_of_anaphylaxis": "History of anaphylaxis",
    }
)

MEDICATION_CLASSES: Mapping[str, str] = MappingProxyType(
    {
        "anticoagulant": "Anticoagulant",
        "antiplatelet": "Antiplatelet agent",
        "nsaid": "Non-steroidal anti-inflammatory drug",
        "corticosteroid": "Corticosteroid",
        "immunosuppressant": "Immunosuppressant",
        "oral_retinoid": "Oral retinoid (e.g. isotretinoin)",
        "photosensitising": "Photosensitising medication",
        "antibiotic": "Antibiotic",
        "antiviral": "Antiviral",
        "hormonal_therapy": "Hormonal therapy or contraception",
        "chemotherapy": "Chemotherapy",
        "herbal_supplement": "Herbal or dietary supplement",
    }
)

ADVERSE_EVENT_KINDS: Mapping[str, str] = MappingProxyType(
    {
        # the guide's list of common side effects and risks, in its order
        "swelling": "Swelling",
        "redness": "Redness",
        "bruising": "Bruising",
        "itching": "Itching",
        "soreness": "Soreness",
        "allergic_reaction": "Allergic reaction",
        "pigmentation_change": "Pigmentation change",
        "infection": "Infection",
        "nodule": "Nodule formation",
    }
)

ADVERSE_EVENT_SEVERITIES: tuple[str, ...] = ("mild", "moderate", "severe")
ALLERGY_SEVERITIES: tuple[str, ...] = ("mild", "moderate", "severe", "anaphylaxis")
ALLERGY_STATUSES: tuple[str, ...] = ("active", "resolved")

INDICATIONS: Mapping[str, str] = MappingProxyType(
    {
        "skin_rejuvenation": "Skin rejuvenation",
        "hair_loss": "Hair loss",
        "fat_reduction": "Localised fat reduction",
        "cellulite": "Cellulite",
        "scars_stretch_marks": "Scars and stretch marks",
        "pigmentation": "Pigmentation",
    }
)

# The areas booking's treatment types use (services/booking/domain/treatments.py).
TREATMENT_AREAS: Mapping[str, str] = MappingProxyType(
    {
        "face": "Face",
        "neck": "Neck",
        "decollete": "Décolleté",
        "scalp": "Scalp",
        "abdomen": "Abdomen",
        "flanks": "Flanks",
        "thighs": "Thighs",
        "buttocks": "Buttocks",
        "arms": "Arms",
        "hands": "Hands",
    }
)


def allergen_kind(code: str) -> AllergenKind | None:
    """Whether an allergy code names an allergen class, an ingredient, or nothing known.

    A code that is both (e.g. `hyaluronic_acid`) is reported as the class, the broader match.
    """
    if code in ALLERGEN_CLASSES:
        return "allergen_class"
    if code in INGREDIENTS:
        return "ingredient"
    return None


def is_allergen_code(code: str) -> bool:
    return allergen_kind(code) is not None


def is_condition(code: str) -> bool:
    return code in CONDITIONS


def is_medication_class(code: str) -> bool:
    return code in MEDICATION_CLASSES


def is_adverse_event_kind(code: str) -> bool:
    return code in ADVERSE_EVENT_KINDS


def is_indication(code: str) -> bool:
    return code in INDICATIONS


def is_treatment_area(code: str) -> bool:
    return code in TREATMENT_AREAS


def ingredient_classes(code: str) -> tuple[str, ...]:
    """The allergen classes an ingredient belongs to (empty for unknown codes)."""
    entry = INGREDIENTS.get(code)
    return entry[1] if entry else ()


def label(code: str) -> str | None:
    """A human label for any code of the vocabulary."""
    for table in (
        ALLERGEN_CLASSES,
        CONDITIONS,
        MEDICATION_CLASSES,
        ADVERSE_EVENT_KINDS,
        INDICATIONS,
        TREATMENT_AREAS,
    ):
        if code in table:
            return table[code]
    entry = INGREDIENTS.get(code)
    return entry[0] if entry else None


# -- timezones ---------------------------------------------------------------------------------

TIMEZONE_AREAS: frozenset[str] = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)
"""The geographic areas of the IANA tz database: the first part of every zone of zone.tab."""

UTC_ZONE = "UTC"


@cache
def canonical_timezones() -> frozenset[str]:
    """The timezones a clinic, a patient or a preference may name: `UTC`, and the IANA names of
    the form Area/Location (`Europe/Paris`, `America/Argentina/Buenos_Aires`) whose Area is one
    of the tz database's geographic areas (`TIMEZONE_AREAS`) — the zone.tab style of name.

    `zoneinfo.available_timezones()` lists every file of the tz database, and much of it is not
    a place: the `posix/` and `right/` copies (`right/` counts leap seconds, so its clock is not
    civil time), `localtime` (whatever the server's clock is set to), `Factory` (a placeholder
    with the abbreviation "-00"), the POSIX-style rule names (`EST5EDT`, `CST6CDT`, `MST7MDT`,
    `PST8PDT`, `EST`, `MST`, `HST`, `CET`, `WET`…, which apply one country's rules of some year
    to everyone), `Etc/` (fixed offsets, with the sign inverted: `Etc/GMT+5` is UTC-5) and the
    old country-style aliases (`US/Eastern`, `Japan`, `GB`). None of these is refused by
    `ZoneInfo`, so each would be stored and later read as a place; all are refused here.

    Old names kept in the database's `backward` file under a geographic area (`Asia/Calcutta`,
    `Europe/Kiev`) are accepted: browsers and ICU still report several of them (CLDR keeps the
    old identifiers), and each resolves to the same zone as its current name. Which names exist
    is the tz database installed with the service (`zoneinfo`); this rule only narrows it.
    """
    return frozenset(
        name
        for name in available_timezones()
        if name == UTC_ZONE or ("/" in name and name.split("/", 1)[0] in TIMEZONE_AREAS)
    )


def is_canonical_timezone(name: str) -> bool:
    """Whether `name` is a timezone a request may name (see `canonical_timezones`)."""
    return name in canonical_timezones()
