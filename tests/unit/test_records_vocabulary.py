"""The shared coded vocabulary: what records validates against and formulary builds on."""

from __future__ import annotations

import re

from shared import vocabulary
from shared.events.records import AdverseEventReported

CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def test_every_allergen_class_of_the_demo_catalog_is_in_the_vocabulary() -> None:
    from services.formulary.demo_catalog import DEMO_ALLERGEN_CLASSES, DEMO_INGREDIENTS

    for allergen_class in DEMO_ALLERGEN_CLASSES:
        assert vocabulary.allergen_kind(allergen_class.code) == "allergen_class"
    for ingredient in DEMO_INGREDIENTS:
        assert vocabulary.is_allergen_code(ingredient.code), ingredient.code
        assert set(ingredient.allergen_classes) <= set(vocabulary.ALLERGEN_CLASSES)


def test_every_code_is_lower_snake_case() -> None:
    tables = [
        vocabulary.ALLERGEN_CLASSES,
        vocabulary.INGREDIENTS,
        vocabulary.CONDITIONS,
        vocabulary.MEDICATION_CLASSES,
        vocabulary.ADVERSE_EVENT_KINDS,
        vocabulary.INDICATIONS,
        vocabulary.TREATMENT_AREAS,
    ]
    for table in tables:
        for code in table:
            assert CODE.match(code), code


def test_ingredients_belong_only_to_known_classes() -> None:
    for code, (_label, classes) in vocabulary.INGREDIENTS.items():
        assert set(classes) <= set(vocabulary.ALLERGEN_CLASSES), code


def test_the_guides_side_effects_are_the_adverse_event_kinds_of_the_event_contract() -> None:
    contract = set(AdverseEventReported.model_fields["kind"].annotation.__args__)  # type: ignore[union-attr]
    assert set(vocabulary.ADVERSE_EVENT_KINDS) == contract


def test_the_conditions_the_guide_names_are_there() -> None:
    for code in ("active_skin_infection", "blood_coagulation_disorder", "pregnancy"):
        assert vocabulary.is_condition(code)
    assert vocabulary.is_medication_class("anticoagulant")


def test_lookups() -> None:
    assert vocabulary.allergen_kind("arnica_montana") == "ingredient"
    assert vocabulary.allergen_kind("hyaluronic_acid") == "allergen_class"
    assert vocabulary.allergen_kind("peanut") is None
    assert vocabulary.ingredient_classes("arnica_montana") == (
        "compositae",
        "sesquiterpene_lactones",
    )
    assert vocabulary.ingredient_classes("nothing") == ()
    assert vocabulary.label("scalp") == "Scalp"
    assert vocabulary.label("nothing") is None
    assert vocabulary.is_indication("hair_loss") and not vocabulary.is_indication("weight_loss")
    assert vocabulary.is_treatment_area("decollete")
    assert vocabulary.is_adverse_event_kind("nodule")


def test_the_codes_formularys_rules_know_by_name_are_in_the_vocabulary() -> None:
    from services.formulary import domain as formulary

    assert {c.value for c in formulary.Condition} <= set(vocabulary.CONDITIONS)
    assert {m.value for m in formulary.MedicationClass} <= set(vocabulary.MEDICATION_CLASSES)
    assert {i.value for i in formulary.Indication} == set(vocabulary.INDICATIONS)


def test_indications_and_areas_are_the_ones_booking_books() -> None:
    from services.booking.domain import treatments as booking

    assert {i.value for i in booking.Indication} == set(vocabulary.INDICATIONS)
    assert {a.value for a in booking.Area} == set(vocabulary.TREATMENT_AREAS)
