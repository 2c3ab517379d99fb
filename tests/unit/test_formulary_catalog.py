"""Catalog rules the formulary API relies on, and the demo catalog loaded by `make run`."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from services.formulary import demo_catalog
from services.formulary.domain import (
    AllergenClass,
    Allergy,
    AllergySeverity,
    Blend,
    Category,
    Certainty,
    ExpiredLot,
    Indication,
    Ingredient,
    IngredientStatus,
    InvalidBlend,
    InvalidCatalogEntry,
    InvalidPlan,
    Lot,
    LotStatus,
    PlannedComponent,
    SafetyProfile,
    UnknownCode,
    Verdict,
    classes_flagged_by,
    cross_check,
    effective_approved_codes,
    recall_lot,
    validate_allergen_class,
    validate_blend,
    validate_blend_components,
    validate_new_ingredient,
    validate_new_lot,
    validate_planned_areas,
)

TODAY = date(2026, 11, 25)

CLASSES = {
    "asteraceae": AllergenClass("asteraceae", "Asteraceae", {"apiaceae": Certainty.POSSIBLE}),
    "apiaceae": AllergenClass("apiaceae", "Apiaceae"),
}
INGREDIENTS = {
    i.code: i
    for i in (
        Ingredient("chamomile", "Chamomile", Category.PLANT_EXTRACT, frozenset({"asteraceae"}),
                   Decimal("1"), "ml"),
        Ingredient("biotin", "Biotin", Category.VITAMIN, frozenset(), Decimal("10"), "mg"),
        Ingredient("collagenase", "Collagenase", Category.ENZYME, frozenset(), Decimal("5"), "IU",
                   status=IngredientStatus.WITHDRAWN),
        Ingredient("glutathione", "Glutathione", Category.ANTIOXIDANT, frozenset(),
                   Decimal("600"), "mg"),
    )
}  # fmt: skip
APPROVED = frozenset({"chamomile", "biotin", "collagenase"})


def components(*pairs: tuple[str, str | None]) -> list[PlannedComponent]:
    return [PlannedComponent(code, None if a is None else Decimal(a)) for code, a in pairs]


def refused_fields(error: pytest.ExceptionInfo[InvalidBlend]) -> list[str]:
    return [e["field"] for e in error.value.extra["errors"]]


class TestBlendComponents:
    def test_approved_ingredients_within_their_limits_are_accepted(self) -> None:
        validate_blend_components(
            components(("chamomile", "1"), ("biotin", "0.5")), INGREDIENTS, APPROVED
        )

    @pytest.mark.parametrize(
        ("code", "amount", "field", "message"),
        [
            ("unicorn", "1", "ingredient_code", "No ingredient 'unicorn'."),
            ("collagenase", "1", "ingredient_code", "Collagenase has been withdrawn."),
            ("glutathione", "1", "ingredient_code", "Glutathione is not approved here."),
            ("chamomile", "1", "ingredient_code", "Chamomile is listed twice."),
            ("biotin", None, "amount", "Each ingredient of a blend needs an amount."),
            ("biotin", "0", "amount", "The amount must be more than zero."),
            ("biotin", "-2", "amount", "The amount must be more than zero."),
            ("biotin", "NaN", "amount", "The amount must be a finite number."),
            ("biotin", "10.01", "amount", "More than the 10 mg per session."),
        ],
    )
    def test_an_offending_component_is_refused_naming_its_field(
        self, code: str, amount: str | None, field: str, message: str
    ) -> None:
        with pytest.raises(InvalidBlend) as refused:
            validate_blend_components(
                components(("chamomile", "1"), (code, amount)), INGREDIENTS, APPROVED
            )
        assert refused.value.status == 422
        assert refused.value.extra["errors"] == [
            {"field": f"components[1].{field}", "message": message}
        ]

    def test_every_offending_field_is_listed_at_once(self) -> None:
        with pytest.raises(InvalidBlend) as refused:
            validate_blend_components(
                components(("glutathione", "1"), ("biotin", "50"), ("biotin", "1")),
                INGREDIENTS,
                APPROVED,
            )
        assert refused_fields(refused) == [
            "components[0].ingredient_code",
            "components[1].amount",
            "components[2].ingredient_code",
        ]

    def test_a_blend_without_components_is_refused(self) -> None:
        with pytest.raises(InvalidBlend) as refused:
            validate_blend_components([], INGREDIENTS, APPROVED)
        assert refused_fields(refused) == ["components"]


class TestBlend:
    def test_a_blend_needs_a_name_and_distinct_areas(self) -> None:
        blend = Blend(" ", Indication.HAIR_LOSS, ("scalp", "scalp", ""), ())
        with pytest.raises(InvalidBlend) as refused:
            validate_blend(blend, ingredients=INGREDIENTS, approved_codes=APPROVED)
        assert refused_fields(refused) == ["name", "areas[1]", "areas[2]", "components"]

    def test_a_blend_needs_at_least_one_area(self) -> None:
        blend = Blend("Hair", Indication.HAIR_LOSS, (), tuple(components(("biotin", "1"))))
        with pytest.raises(InvalidBlend) as refused:
            validate_blend(blend, ingredients=INGREDIENTS, approved_codes=APPROVED)
        assert refused_fields(refused) == ["areas"]

    def test_planned_areas_must_be_areas_the_blend_treats(self) -> None:
        validate_planned_areas(["scalp"], allowed_areas=("scalp",))
        with pytest.raises(InvalidPlan) as refused:
            validate_planned_areas(["scalp", "face"], allowed_areas=("scalp",))
        assert refused.value.extra["errors"][0]["field"] == "areas[1]"


class TestLots:
    def test_a_lot_already_expired_cannot_be_received(self) -> None:
        with pytest.raises(ExpiredLot) as refused:
            validate_new_lot(TODAY - timedelta(days=1), TODAY)
        assert refused.value.status == 422
        assert refused.value.extra["errors"][0]["field"] == "expires_on"

    def test_a_lot_expiring_today_can_be_received(self) -> None:
        validate_new_lot(TODAY, TODAY)

    def test_recalling_twice_has_no_second_effect(self) -> None:
        lot = Lot("L1", "biotin", TODAY, supplier="Demo")
        recalled, changed = recall_lot(lot)
        assert (recalled.status, changed) == (LotStatus.RECALLED, True)
        assert recall_lot(recalled) == (recalled, False)
        assert recalled.supplier == "Demo"


class TestCatalogEntries:
    def test_a_clinic_list_narrows_the_network_list_but_never_widens_it(self) -> None:
        network = frozenset({"a", "b"})
        assert effective_approved_codes(network, None) == network
        assert effective_approved_codes(network, frozenset({"b", "c"})) == {"b"}

    def test_a_new_ingredient_needs_a_code_a_positive_limit_and_a_unit(self) -> None:
        bad = Ingredient("Bad Code", " ", Category.VITAMIN, frozenset(), Decimal(0), "")
        with pytest.raises(InvalidCatalogEntry) as refused:
            validate_new_ingredient(bad, allergen_classes=CLASSES)
        assert [e["field"] for e in refused.value.extra["errors"]] == [
            "code",
            "name",
            "max_amount_per_session",
            "unit",
        ]

    def test_a_new_ingredient_may_only_name_known_allergen_classes(self) -> None:
        new = Ingredient(
            "arnica",
            "Arnica",
            Category.PLANT_EXTRACT,
            frozenset({"asteraceae", "unicorn"}),
            Decimal(1),
            "ml",
        )
        with pytest.raises(UnknownCode) as refused:
            validate_new_ingredient(new, allergen_classes=CLASSES)
        assert refused.value.extra["errors"] == [
            {"field": "allergen_classes", "message": "No allergen class 'unicorn'."}
        ]

    def test_a_class_cannot_cross_react_with_itself(self) -> None:
        with pytest.raises(InvalidCatalogEntry) as refused:
            AllergenClass("apiaceae", "Apiaceae", {"apiaceae": Certainty.POSSIBLE})
        assert refused.value.extra["errors"][0]["field"] == "cross_reacts_with.apiaceae"

    @pytest.mark.parametrize("certainty", ["definite", "likely"])
    def test_cross_reactivity_is_only_probable_or_possible(self, certainty: str) -> None:
        with pytest.raises(InvalidCatalogEntry):
            AllergenClass("a", "A", {"b": certainty})  # type: ignore[dict-item]

    def test_a_class_may_only_cross_to_known_classes(self) -> None:
        new = AllergenClass(
            "fabaceae",
            "Fabaceae",
            {"asteraceae": Certainty.POSSIBLE, "unicorn": Certainty.PROBABLE},
        )
        with pytest.raises(UnknownCode) as refused:
            validate_allergen_class(new, allergen_classes=CLASSES)
        assert refused.value.extra["errors"][0]["field"] == "cross_reacts_with.unicorn"

    def test_a_class_allergy_flags_itself_and_both_directions_of_crossing(self) -> None:
        assert classes_flagged_by(
            "apiaceae", ingredients=INGREDIENTS, allergen_classes=CLASSES
        ) == {
            "apiaceae": Certainty.DEFINITE,
            "asteraceae": Certainty.POSSIBLE,
        }

    def test_an_ingredient_allergy_flags_its_classes_as_possible(self) -> None:
        flagged = classes_flagged_by("chamomile", ingredients=INGREDIENTS, allergen_classes=CLASSES)
        assert flagged["asteraceae"] == Certainty.POSSIBLE


DEMO_INGREDIENTS = {i.code: i for i in demo_catalog.DEMO_INGREDIENTS}
DEMO_CLASSES = {c.code: c for c in demo_catalog.DEMO_ALLERGEN_CLASSES}


class TestDemoCatalog:
    def test_the_demo_notice_says_it_is_demo_data_and_not_clinical_guidance(self) -> None:
        notice = demo_catalog.DEMO_NOTICE.lower()
        assert "demo data" in notice and "not clinical guidance" in notice
        assert "not clinical guidance" in (demo_catalog.__doc__ or "")

    def test_every_category_has_an_approved_demo_ingredient(self) -> None:
        approved = [
            i for i in DEMO_INGREDIENTS.values() if i.code in demo_catalog.DEMO_APPROVED_CODES
        ]
        assert {i.category for i in approved} == set(Category)

    def test_every_indication_has_a_demo_blend(self) -> None:
        assert {b.indication for b in demo_catalog.DEMO_BLENDS} == set(Indication)

    @pytest.mark.parametrize("blend", demo_catalog.DEMO_BLENDS, ids=lambda b: b.name)
    def test_every_demo_blend_passes_blend_validation(self, blend: Blend) -> None:
        validate_blend_components(
            blend.components, DEMO_INGREDIENTS, demo_catalog.DEMO_APPROVED_CODES
        )
        validate_blend(
            blend, ingredients=DEMO_INGREDIENTS, approved_codes=demo_catalog.DEMO_APPROVED_CODES
        )

    def test_every_demo_catalog_entry_passes_catalog_validation(self) -> None:
        for allergen_class in DEMO_CLASSES.values():
            validate_allergen_class(allergen_class, allergen_classes=DEMO_CLASSES)
        for ingredient in DEMO_INGREDIENTS.values():
            validate_new_ingredient(ingredient, allergen_classes=DEMO_CLASSES)
        assert len(DEMO_INGREDIENTS) == len(demo_catalog.DEMO_INGREDIENTS)

    def test_the_demo_has_a_cross_reacting_asteraceae_family(self) -> None:
        relatives = classes_flagged_by(
            "compositae", ingredients=DEMO_INGREDIENTS, allergen_classes=DEMO_CLASSES
        )
        assert set(relatives.values()) == {Certainty.DEFINITE, Certainty.PROBABLE, "possible"}
        members = [i for i in DEMO_INGREDIENTS.values() if "compositae" in i.allergen_classes]
        assert len(members) >= 2

    def test_the_demo_has_a_lidocaine_numbing_cream_lipolytics_and_hyaluronic_acid(self) -> None:
        cream = DEMO_INGREDIENTS["lidocaine_cream"]
        assert (cream.category, cream.allergen_classes) == (
            Category.ANAESTHETIC,
            {"amide_local_anaesthetics"},
        )
        categories = [i.category for i in DEMO_INGREDIENTS.values()]
        assert categories.count(Category.LIPOLYTIC) >= 2
        assert Category.HYALURONIC_ACID in categories

    def test_demo_lots_are_receivable_except_the_one_that_expired_on_the_shelf(self) -> None:
        lots = demo_catalog.demo_lots(TODAY)
        refused = []
        for lot in lots:
            assert lot.ingredient_code in demo_catalog.DEMO_APPROVED_CODES
            try:
                validate_new_lot(lot.expires_on, TODAY)
            except ExpiredLot:
                refused.append(lot.lot_number)
        assert refused == ["DEMO-EXPIRED-001"]
        assert len({lot.lot_number for lot in lots}) == len(lots)

    @pytest.mark.parametrize("blend", demo_catalog.DEMO_BLENDS, ids=lambda b: b.name)
    def test_an_allergy_to_any_class_in_a_demo_blend_or_crossing_to_it_is_never_ok(
        self, blend: Blend
    ) -> None:
        present = {
            c
            for p in blend.components
            for c in DEMO_INGREDIENTS[p.ingredient_code].allergen_classes
        }
        edges = {(c.code, other) for c in DEMO_CLASSES.values() for other in c.cross_reacts_with}
        reaching = (
            present | {a for a, b in edges if b in present} | {b for a, b in edges if a in present}
        )
        for allergen in sorted(reaching):
            profile = SafetyProfile(
                patient_id=UUID(int=1),
                version=1,
                fitzpatrick_skin_type=1,
                allergies=(Allergy(allergen, "rash", AllergySeverity.MILD),),
            )
            result = cross_check(
                profile=profile,
                components=blend.components,
                ingredients=DEMO_INGREDIENTS,
                allergen_classes=DEMO_CLASSES,
                approved_codes=demo_catalog.DEMO_APPROVED_CODES,
                today=TODAY,
            )
            assert result.verdict in (Verdict.CAUTION, Verdict.CONTRAINDICATED), allergen

    def test_the_demo_blends_are_ok_for_a_patient_with_nothing_on_file(self) -> None:
        clean = SafetyProfile(patient_id=UUID(int=1), version=1, fitzpatrick_skin_type=2)
        for blend in demo_catalog.DEMO_BLENDS:
            result = cross_check(
                profile=clean,
                components=blend.components,
                ingredients=DEMO_INGREDIENTS,
                allergen_classes=DEMO_CLASSES,
                approved_codes=demo_catalog.DEMO_APPROVED_CODES,
                lots=[
                    lot
                    for lot in demo_catalog.demo_lots(TODAY)[:-1]
                    if lot.ingredient_code in {p.ingredient_code for p in blend.components}
                ],
                today=TODAY,
            )
            assert result.verdict == Verdict.OK, blend.name
