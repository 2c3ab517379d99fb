"""The demo network's formulary: allergen classes, ingredients, blends and lots.

DEMO DATA. Everything here is illustrative, loaded into the demo network by `make run` so the
console and the cross-check have something to show. The substances are real names, but the
per-session limits, allergen-class memberships, cross-reactivity links, contraindicated
conditions and pigmentation-risk flags are placeholders chosen to exercise every rule of
`services.formulary.domain.cross_check`. They are not clinical guidance and must never be used
as a network's real formulary.

Lots depend on the day they are seeded, so they come from `demo_lots(today)`. It includes one
lot that expired yesterday: the seeding code writes it straight to the repository, as a lot
received earlier that has since run out on the shelf, so a cross-check can show `expired_lot`.
Posting it through the API would be refused (`validate_new_lot`), which is the point of that
rule. No lot is seeded as recalled: a recall goes through `POST /v1/lots/{id}/recall` so that
its events are emitted.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from services.formulary.domain import (
    AllergenClass,
    Blend,
    Category,
    Certainty,
    Condition,
    Indication,
    Ingredient,
    IngredientStatus,
    Lot,
    PlannedComponent,
)

DEMO_NOTICE = (
    "Demo data: this catalog is illustrative, made up to demonstrate MesoCare. Its limits, "
    "allergen classes and contraindications are not clinical guidance."
)

DEMO_ALLERGEN_CLASSES: tuple[AllergenClass, ...] = (
    AllergenClass(
        "compositae",
        "Asteraceae (Compositae) plant family",
        {"sesquiterpene_lactones": Certainty.PROBABLE, "apiaceae": Certainty.POSSIBLE},
    ),
    AllergenClass("sesquiterpene_lactones", "Sesquiterpene lactones"),
    AllergenClass("apiaceae", "Apiaceae (Umbelliferae) plant family"),
    AllergenClass("fabaceae", "Fabaceae (legume) plant family, soy included"),
    AllergenClass("ginkgoaceae", "Ginkgo (Ginkgoaceae)"),
    AllergenClass("amide_local_anaesthetics", "Amide local anaesthetics"),
    AllergenClass("b_vitamins", "B vitamins"),
    AllergenClass("ascorbic_acid", "Vitamin C (ascorbic acid)"),
    AllergenClass("amino_acids", "Amino acids"),
    AllergenClass("hyaluronic_acid", "Hyaluronic acid"),
    AllergenClass("animal_derived_enzymes", "Animal-derived enzymes"),
    AllergenClass("copper_compounds", "Copper compounds"),
    # The rest of the shared vocabulary's classes that demo ingredients belong to, and the two
    # umbrella classes ("plant extracts", "vitamins") a patient may be recorded as allergic to.
    AllergenClass("zinc_compounds", "Zinc compounds"),
    AllergenClass("xanthines", "Xanthines (caffeine, aminophylline, theophylline)"),
    AllergenClass("deoxycholates", "Deoxycholates"),
    AllergenClass("peptides", "Synthetic peptides"),
    AllergenClass("plant_extracts", "Plant extracts (any)"),
    AllergenClass("vitamins", "Vitamins (any)"),
)


def _ingredient(
    code: str,
    name: str,
    category: Category,
    classes: tuple[str, ...],
    max_amount: str,
    unit: str,
    *,
    contraindicated_in: tuple[str, ...] = (),
    pigmentation_risk: bool = False,
    status: IngredientStatus = IngredientStatus.APPROVED,
) -> Ingredient:
    return Ingredient(
        code=code,
        name=name,
        category=category,
        allergen_classes=frozenset(classes),
        max_amount_per_session=Decimal(max_amount),
        unit=unit,
        contraindicated_conditions=frozenset(contraindicated_in),
        pigmentation_risk=pigmentation_risk,
        status=status,
    )


_PREGNANCY = (Condition.PREGNANCY,)

DEMO_INGREDIENTS: tuple[Ingredient, ...] = (
    # vitamins
    _ingredient("ascorbic_acid", "Vitamin C (ascorbic acid)", Category.VITAMIN,
                ("ascorbic_acid", "vitamins"), "200", "mg"),
    _ingredient("biotin", "Biotin (vitamin B7)", Category.VITAMIN, ("b_vitamins", "vitamins"),
                "10", "mg"),
    _ingredient("dexpanthenol", "Dexpanthenol (pro-vitamin B5)", Category.VITAMIN,
                ("b_vitamins", "vitamins"), "250", "mg"),
    # minerals
    _ingredient("organic_silicon", "Organic silicon", Category.MINERAL, (), "100", "mg"),
    _ingredient("zinc_gluconate", "Zinc gluconate", Category.MINERAL, ("zinc_compounds",), "10",
                "mg"),
    # amino acids
    _ingredient("amino_acid_complex", "Amino acid complex (glycine, proline, lysine)",
                Category.AMINO_ACID, ("amino_acids",), "50", "mg"),
    _ingredient("l_carnitine", "L-carnitine", Category.AMINO_ACID, ("amino_acids",), "500", "mg"),
    _ingredient("tranexamic_acid", "Tranexamic acid", Category.AMINO_ACID, (), "50", "mg"),
    # enzymes
    _ingredient("hyaluronidase", "Hyaluronidase", Category.ENZYME,
                ("animal_derived_enzymes",), "1500", "IU"),
    _ingredient("collagenase", "Collagenase", Category.ENZYME, ("animal_derived_enzymes",),
                "100", "IU", status=IngredientStatus.WITHDRAWN),
    # hormones
    _ingredient("melatonin", "Melatonin", Category.HORMONE, (), "5", "mg",
                contraindicated_in=_PREGNANCY),
    # plant extracts: three Asteraceae relatives, and an Apiaceae extract they may cross to
    _ingredient("arnica_montana", "Arnica montana extract", Category.PLANT_EXTRACT,
                ("compositae", "sesquiterpene_lactones", "plant_extracts"), "1", "ml"),
    _ingredient("chamomile", "Chamomile (Matricaria) extract", Category.PLANT_EXTRACT,
                ("compositae", "plant_extracts"), "1", "ml"),
    _ingredient("artichoke", "Artichoke (Cynara) extract", Category.PLANT_EXTRACT,
                ("compositae", "plant_extracts"), "2", "ml"),
    _ingredient("centella_asiatica", "Centella asiatica extract", Category.PLANT_EXTRACT,
                ("apiaceae", "plant_extracts"), "2", "ml"),
    _ingredient("melilotus", "Sweet clover (Melilotus) extract", Category.PLANT_EXTRACT,
                ("fabaceae", "plant_extracts"), "2", "ml"),
    _ingredient("ginkgo_biloba", "Ginkgo biloba extract", Category.PLANT_EXTRACT,
                ("ginkgoaceae", "plant_extracts"), "1", "ml"),
    # hyaluronic acid
    _ingredient("hyaluronic_acid", "Hyaluronic acid, non-cross-linked", Category.HYALURONIC_ACID,
                ("hyaluronic_acid",), "20", "mg"),
    # antioxidants
    _ingredient("glutathione", "Glutathione", Category.ANTIOXIDANT, (), "600", "mg"),
    _ingredient("alpha_lipoic_acid", "Alpha-lipoic acid", Category.ANTIOXIDANT, (), "50", "mg"),
    # lipolytics
    _ingredient("phosphatidylcholine", "Phosphatidylcholine (soy-derived)", Category.LIPOLYTIC,
                ("fabaceae",), "500", "mg", contraindicated_in=_PREGNANCY,
                pigmentation_risk=True),
    _ingredient("sodium_deoxycholate", "Sodium deoxycholate", Category.LIPOLYTIC,
                ("deoxycholates",), "100", "mg", contraindicated_in=_PREGNANCY,
                pigmentation_risk=True),
    _ingredient("caffeine", "Caffeine", Category.LIPOLYTIC, ("xanthines",), "100", "mg"),
    # peptides
    _ingredient("copper_tripeptide", "Copper tripeptide-1 (GHK-Cu)", Category.PEPTIDE,
                ("copper_compounds", "peptides"), "2", "mg"),
    _ingredient("biotinoyl_tripeptide", "Biotinoyl tripeptide-1", Category.PEPTIDE,
                ("b_vitamins", "peptides"), "2", "mg"),
    # anaesthetics: the numbing cream applied before injecting, not injected itself
    _ingredient("lidocaine_cream", "Lidocaine numbing cream (topical)", Category.ANAESTHETIC,
                ("amide_local_anaesthetics",), "5", "g"),
)  # fmt: skip

DEMO_APPROVED_CODES: frozenset[str] = frozenset(
    i.code for i in DEMO_INGREDIENTS if i.status == IngredientStatus.APPROVED
)


def _blend(
    name: str, indication: Indication, areas: tuple[str, ...], *components: tuple[str, str]
) -> Blend:
    return Blend(
        name=name,
        indication=indication,
        areas=areas,
        components=tuple(PlannedComponent(code, Decimal(amount)) for code, amount in components),
    )


_FACE = ("face", "neck", "decollete")
_BODY = ("abdomen", "thighs", "buttocks", "arms")

DEMO_BLENDS: tuple[Blend, ...] = (
    _blend("Revitalising face", Indication.SKIN_REJUVENATION, _FACE,
           ("hyaluronic_acid", "10"), ("ascorbic_acid", "100"), ("amino_acid_complex", "20"),
           ("organic_silicon", "50"), ("chamomile", "0.5")),
    _blend("Hair density", Indication.HAIR_LOSS, ("scalp",),
           ("biotin", "5"), ("dexpanthenol", "100"), ("copper_tripeptide", "1"),
           ("zinc_gluconate", "5"), ("ginkgo_biloba", "0.5"), ("biotinoyl_tripeptide", "1"),
           ("melatonin", "2")),
    _blend("Body contour", Indication.FAT_REDUCTION, _BODY,
           ("phosphatidylcholine", "250"), ("sodium_deoxycholate", "50"), ("l_carnitine", "250"),
           ("caffeine", "50")),
    _blend("Cellulite drainage", Indication.CELLULITE, ("abdomen", "thighs", "buttocks"),
           ("caffeine", "50"), ("melilotus", "1"), ("artichoke", "1"),
           ("centella_asiatica", "1")),
    _blend("Scar and stretch mark repair", Indication.SCARS_STRETCH_MARKS, ("face", *_BODY),
           ("centella_asiatica", "1"), ("hyaluronic_acid", "10"), ("copper_tripeptide", "1"),
           ("amino_acid_complex", "20")),
    _blend("Even tone", Indication.PIGMENTATION, _FACE,
           ("tranexamic_acid", "20"), ("ascorbic_acid", "100"), ("glutathione", "300"),
           ("alpha_lipoic_acid", "25")),
)  # fmt: skip

DEMO_SUPPLIERS = ("Demo Pharma Supply", "Demo Botanicals")


def demo_lots(today: date) -> tuple[Lot, ...]:
    """One unexpired lot per approved ingredient, and one lot that expired yesterday."""
    approved = [i for i in DEMO_INGREDIENTS if i.status == IngredientStatus.APPROVED]
    lots = [
        Lot(
            lot_number=f"DEMO-{n:03d}",
            ingredient_code=ingredient.code,
            expires_on=today + timedelta(days=180 + 30 * (n % 12)),
            supplier=DEMO_SUPPLIERS[n % 2],
        )
        for n, ingredient in enumerate(approved, start=1)
    ]
    lots.append(
        Lot(
            lot_number="DEMO-EXPIRED-001",
            ingredient_code="hyaluronic_acid",
            expires_on=today - timedelta(days=1),
            supplier=DEMO_SUPPLIERS[0],
        )
    )
    return tuple(lots)
