"""The cross-check engine, case by case: every reason, every verdict, and bad input."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from services.formulary.domain import (
    AllergenClass,
    Allergy,
    AllergySeverity,
    AllergyStatus,
    Blend,
    Category,
    Certainty,
    CrossCheckResult,
    Finding,
    Indication,
    Ingredient,
    IngredientStatus,
    InvalidPlan,
    InvalidSafetyProfile,
    Lot,
    LotStatus,
    Medication,
    PlannedComponent,
    Reason,
    SafetyProfile,
    Severity,
    UnknownCode,
    Verdict,
    check_lots_given,
    cross_check,
    supersedes_stored_profile,
)

TODAY = date(2026, 11, 25)
PATIENT = UUID("00000000-0000-4000-8000-000000000001")

CLASSES = {
    c.code: c
    for c in (
        AllergenClass(
            "asteraceae",
            "Asteraceae",
            {"sesquiterpene_lactones": Certainty.PROBABLE, "apiaceae": Certainty.POSSIBLE},
        ),
        AllergenClass("sesquiterpene_lactones", "Sesquiterpene lactones"),
        AllergenClass("apiaceae", "Apiaceae"),
        AllergenClass("amino_acids", "Amino acids"),
        AllergenClass("b_vitamins", "B vitamins"),
        AllergenClass("hyaluronic_acid", "Hyaluronic acid"),
    )
}


def _ingredient(
    code: str,
    category: Category,
    classes: Sequence[str] = (),
    max_amount: str = "10",
    *,
    conditions: Sequence[str] = (),
    pigmentation_risk: bool = False,
    status: IngredientStatus = IngredientStatus.APPROVED,
) -> Ingredient:
    return Ingredient(
        code=code,
        name=code.replace("_", " ").capitalize(),
        category=category,
        allergen_classes=frozenset(classes),
        max_amount_per_session=Decimal(max_amount),
        unit="mg",
        contraindicated_conditions=frozenset(conditions),
        pigmentation_risk=pigmentation_risk,
        status=status,
    )


INGREDIENTS = {
    i.code: i
    for i in (
        _ingredient("arnica", Category.PLANT_EXTRACT, ["sesquiterpene_lactones"]),
        _ingredient("chamomile", Category.PLANT_EXTRACT, ["asteraceae"]),
        _ingredient("calendula", Category.PLANT_EXTRACT, ["asteraceae", "sesquiterpene_lactones"]),
        _ingredient("centella", Category.PLANT_EXTRACT, ["apiaceae"]),
        _ingredient("glycine", Category.AMINO_ACID, ["amino_acids"]),
        _ingredient("biotin", Category.VITAMIN, ["b_vitamins"]),
        _ingredient("hyaluronic_acid", Category.HYALURONIC_ACID, ["hyaluronic_acid"]),
        _ingredient("silicon", Category.MINERAL),
        _ingredient("melatonin", Category.HORMONE, conditions=["pregnancy"]),
        _ingredient("deoxycholate", Category.LIPOLYTIC, pigmentation_risk=True),
        _ingredient("collagenase", Category.ENZYME, status=IngredientStatus.WITHDRAWN),
        _ingredient("glutathione", Category.ANTIOXIDANT),
    )
}
APPROVED = frozenset(INGREDIENTS) - {"glutathione"}


def allergy(
    code: str, *, status: AllergyStatus = AllergyStatus.ACTIVE, reaction: str = "hives"
) -> Allergy:
    return Allergy(code, reaction, AllergySeverity.MODERATE, status)


def profile(
    *,
    allergies: Sequence[Allergy] = (),
    conditions: Sequence[str] = (),
    medications: Sequence[Medication] = (),
    skin_type: int | None = 2,
) -> SafetyProfile:
    return SafetyProfile(
        patient_id=PATIENT,
        version=7,
        fitzpatrick_skin_type=skin_type,
        allergies=tuple(allergies),
        conditions=frozenset(conditions),
        medications=tuple(medications),
    )


def check(
    *components: str | tuple[str, str],
    patient: SafetyProfile | None = profile(),
    lots: Sequence[Lot] = (),
    areas: Sequence[str] = (),
    allergen_classes: dict[str, AllergenClass] | None = None,
    blend: Blend | None = None,
    indication: str | None = None,
) -> CrossCheckResult:
    planned = [
        PlannedComponent(c) if isinstance(c, str) else PlannedComponent(*_amount(c))
        for c in components
    ]
    return cross_check(
        profile=patient,
        components=planned,
        ingredients=INGREDIENTS,
        allergen_classes=CLASSES if allergen_classes is None else allergen_classes,
        approved_codes=APPROVED,
        lots=lots,
        areas=areas,
        blend=blend,
        indication=indication,
        today=TODAY,
    )


def _amount(component: tuple[str, ...]) -> tuple[str, Decimal, str | None]:
    code, amount, *unit = component
    return code, Decimal(amount), unit[0] if unit else None


def only(result: CrossCheckResult) -> Finding:
    assert len(result.findings) == 1, result.findings
    return result.findings[0]


def lot(ingredient: str, *, expires_on: date = TODAY, status: LotStatus = LotStatus.ACTIVE) -> Lot:
    return Lot(f"L-{ingredient}", ingredient, expires_on, status)


class TestVerdicts:
    def test_clean_profile_and_approved_blend_is_ok_with_the_profile_version(self) -> None:
        result = check(("hyaluronic_acid", "5"), "silicon", lots=[lot("silicon")])
        assert result == CrossCheckResult(Verdict.OK, 7, ())

    def test_no_profile_is_unknown_patient_without_a_version(self) -> None:
        result = check("silicon", patient=None)
        assert (result.verdict, result.profile_version, result.findings) == (
            Verdict.UNKNOWN_PATIENT,
            None,
            (),
        )

    def test_no_profile_still_lists_catalog_findings_but_stays_unknown_patient(self) -> None:
        result = check(
            "collagenase", "silicon", patient=None, lots=[lot("silicon", status=LotStatus.RECALLED)]
        )
        assert result.verdict == Verdict.UNKNOWN_PATIENT
        assert [f.reason for f in result.findings] == [Reason.NOT_APPROVED, Reason.RECALLED_LOT]

    def test_no_profile_skips_patient_rules(self) -> None:
        assert check("deoxycholate", patient=None).findings == ()

    def test_a_caution_and_a_contraindication_make_contraindicated(self) -> None:
        result = check(
            "centella",
            "melatonin",
            patient=profile(allergies=[allergy("asteraceae")], conditions=["pregnancy"]),
        )
        assert result.verdict == Verdict.CONTRAINDICATED
        assert [f.severity for f in result.findings] == [
            Severity.CONTRAINDICATED,
            Severity.CAUTION,
        ]

    def test_only_cautions_make_caution(self) -> None:
        result = check("silicon", patient=profile(conditions=["blood_coagulation_disorder"]))
        assert result.verdict == Verdict.CAUTION


class TestAllergies:
    def test_allergy_to_an_ingredient_contraindicates_it_definitely(self) -> None:
        finding = only(check("glycine", "silicon", patient=profile(allergies=[allergy("glycine")])))
        assert (finding.code, finding.ingredient, finding.reason) == (
            "allergy.glycine",
            "glycine",
            Reason.ALLERGY,
        )
        assert (finding.severity, finding.certainty) == (Severity.CONTRAINDICATED, "definite")

    @pytest.mark.parametrize(
        ("allergen_class", "ingredient"),
        [
            ("asteraceae", "chamomile"),  # a plant extract
            ("amino_acids", "glycine"),
            ("b_vitamins", "biotin"),
            ("hyaluronic_acid", "hyaluronic_acid"),
        ],
    )
    def test_allergy_to_a_class_contraindicates_its_members_definitely(
        self, allergen_class: str, ingredient: str
    ) -> None:
        result = check(ingredient, patient=profile(allergies=[allergy(allergen_class)]))
        finding = only(result)
        assert result.verdict == Verdict.CONTRAINDICATED
        assert (finding.code, finding.reason, finding.certainty) == (
            f"allergy.{allergen_class}",
            Reason.ALLERGY,
            Certainty.DEFINITE,
        )

    def test_allergy_to_asteraceae_flags_arnica_as_probable_cross_reaction(self) -> None:
        result = check("arnica", patient=profile(allergies=[allergy("asteraceae")]))
        finding = only(result)
        assert result.verdict == Verdict.CONTRAINDICATED
        assert (finding.code, finding.reason, finding.certainty, finding.severity) == (
            "cross_reactivity.asteraceae",
            Reason.CROSS_REACTIVITY,
            Certainty.PROBABLE,
            Severity.CONTRAINDICATED,
        )
        assert "Sesquiterpene lactones" in finding.explanation

    def test_cross_reactivity_is_read_back_from_the_class_that_does_not_list_it(self) -> None:
        # Only Asteraceae lists the lactones; an allergy to the lactones still flags chamomile.
        finding = only(
            check("chamomile", patient=profile(allergies=[allergy("sesquiterpene_lactones")]))
        )
        assert (finding.reason, finding.certainty) == (Reason.CROSS_REACTIVITY, "probable")

    def test_possible_cross_reaction_is_a_caution(self) -> None:
        result = check("centella", patient=profile(allergies=[allergy("asteraceae")]))
        finding = only(result)
        assert result.verdict == Verdict.CAUTION
        assert (finding.certainty, finding.severity) == (Certainty.POSSIBLE, Severity.CAUTION)

    def test_allergy_to_an_ingredient_flags_relatives_sharing_its_class_as_possible(
        self,
    ) -> None:
        finding = only(check("calendula", patient=profile(allergies=[allergy("chamomile")])))
        assert (finding.code, finding.reason, finding.certainty, finding.severity) == (
            "cross_reactivity.chamomile",
            Reason.CROSS_REACTIVITY,
            Certainty.POSSIBLE,
            Severity.CAUTION,
        )
        assert "shares the Asteraceae allergen class" in finding.explanation

    def test_one_allergy_gives_one_finding_per_ingredient_from_the_strongest_link(self) -> None:
        # Calendula is Asteraceae itself and also holds lactones Asteraceae crosses to.
        finding = only(check("calendula", patient=profile(allergies=[allergy("asteraceae")])))
        assert (finding.reason, finding.certainty) == (Reason.ALLERGY, Certainty.DEFINITE)

    def test_two_allergies_reaching_one_ingredient_give_two_findings(self) -> None:
        result = check(
            "calendula",
            patient=profile(allergies=[allergy("asteraceae"), allergy("sesquiterpene_lactones")]),
        )
        assert [f.code for f in result.findings] == [
            "allergy.asteraceae",
            "allergy.sesquiterpene_lactones",
        ]

    def test_resolved_allergy_is_ignored(self) -> None:
        resolved = allergy("asteraceae", status=AllergyStatus.RESOLVED)
        assert check("chamomile", patient=profile(allergies=[resolved])).verdict == Verdict.OK

    def test_allergy_to_a_substance_outside_the_catalog_flags_nothing(self) -> None:
        assert check("chamomile", patient=profile(allergies=[allergy("penicillin")])).findings == ()

    def test_cross_reactivity_reaches_one_hop_only(self) -> None:
        chain = {
            "a": AllergenClass("a", "A", {"b": Certainty.PROBABLE}),
            "b": AllergenClass("b", "B", {"apiaceae": Certainty.PROBABLE}),
        }
        result = check(
            "centella", patient=profile(allergies=[allergy("a")]), allergen_classes=chain
        )
        assert result.verdict == Verdict.OK

    def test_the_stronger_certainty_counts_when_two_classes_disagree(self) -> None:
        disagreeing = {
            "apiaceae": AllergenClass("apiaceae", "Apiaceae", {"asteraceae": Certainty.PROBABLE}),
            "asteraceae": AllergenClass("asteraceae", "Asteraceae", {"apiaceae": "possible"}),  # type: ignore[dict-item]
        }
        finding = only(
            check(
                "centella",
                patient=profile(allergies=[allergy("asteraceae")]),
                allergen_classes=disagreeing,
            )
        )
        assert finding.certainty == Certainty.PROBABLE

    def test_explanation_names_the_reaction_and_what_to_do(self) -> None:
        finding = only(check("biotin", patient=profile(allergies=[allergy("biotin", reaction="")])))
        assert finding.explanation == (
            "The patient has an active moderate allergy to Biotin; do not inject Biotin."
        )


class TestConditionsAndMedication:
    def test_active_skin_infection_contraindicates_the_whole_session(self) -> None:
        result = check("silicon", "glycine", patient=profile(conditions=["active_skin_infection"]))
        finding = only(result)
        assert result.verdict == Verdict.CONTRAINDICATED
        assert (finding.code, finding.ingredient, finding.reason) == (
            "contraindicated_condition.active_skin_infection",
            None,
            Reason.CONTRAINDICATED_CONDITION,
        )
        assert "consulted their doctor" in finding.explanation

    def test_blood_coagulation_disorder_is_a_caution_for_the_session(self) -> None:
        finding = only(check("silicon", patient=profile(conditions=["blood_coagulation_disorder"])))
        assert (finding.ingredient, finding.severity) == (None, Severity.CAUTION)
        assert "acknowledge" in finding.explanation

    def test_anticoagulant_medication_is_a_caution_naming_the_medicines(self) -> None:
        medications = [
            Medication("Warfarin", frozenset({"anticoagulant"})),
            Medication("Apixaban", frozenset({"anticoagulant"})),
            Medication("Cetirizine", frozenset({"antihistamine"})),
        ]
        result = check("silicon", patient=profile(medications=medications))
        finding = only(result)
        assert result.verdict == Verdict.CAUTION
        assert (finding.code, finding.reason) == (
            "medication_interaction.anticoagulant",
            Reason.MEDICATION_INTERACTION,
        )
        assert "Apixaban, Warfarin (anticoagulant)" in finding.explanation
        assert "Cetirizine" not in finding.explanation

    def test_medication_of_another_class_is_ignored(self) -> None:
        antihistamine = Medication("Cetirizine", frozenset({"antihistamine"}))
        assert check("silicon", patient=profile(medications=[antihistamine])).verdict == "ok"

    def test_ingredient_contraindicated_in_pregnancy_is_contraindicated_for_a_pregnant_patient(
        self,
    ) -> None:
        result = check("melatonin", "silicon", patient=profile(conditions=["pregnancy"]))
        finding = only(result)
        assert (finding.code, finding.ingredient, finding.severity) == (
            "contraindicated_condition.pregnancy",
            "melatonin",
            Severity.CONTRAINDICATED,
        )

    def test_a_condition_no_planned_ingredient_lists_is_ignored(self) -> None:
        assert check("silicon", patient=profile(conditions=["pregnancy"])).verdict == Verdict.OK

    def test_an_ingredient_listing_active_skin_infection_adds_no_second_finding(self) -> None:
        infected = {
            "silicon": _ingredient(
                "silicon", Category.MINERAL, conditions=["active_skin_infection"]
            )
        }
        result = cross_check(
            profile=profile(conditions=["active_skin_infection"]),
            components=[PlannedComponent("silicon")],
            ingredients=infected,
            allergen_classes={},
            approved_codes=frozenset({"silicon"}),
            today=TODAY,
        )
        assert only(result).ingredient is None

    def test_an_ingredient_contraindicated_in_a_coagulation_disorder_escalates_for_it(
        self,
    ) -> None:
        bleeding = {
            "silicon": _ingredient(
                "silicon", Category.MINERAL, conditions=["blood_coagulation_disorder"]
            )
        }
        result = cross_check(
            profile=profile(conditions=["blood_coagulation_disorder"]),
            components=[PlannedComponent("silicon")],
            ingredients=bleeding,
            allergen_classes={},
            approved_codes=frozenset({"silicon"}),
            today=TODAY,
        )
        assert result.verdict == Verdict.CONTRAINDICATED
        assert [(f.ingredient, f.severity) for f in result.findings] == [
            ("silicon", Severity.CONTRAINDICATED),
            (None, Severity.CAUTION),
        ]


class TestSkinType:
    @pytest.mark.parametrize(("skin_type", "roman"), [(4, "IV"), (5, "V"), (6, "VI")])
    def test_pigmentation_risk_is_a_caution_for_darker_skin_types(
        self, skin_type: int, roman: str
    ) -> None:
        result = check("deoxycholate", patient=profile(skin_type=skin_type))
        finding = only(result)
        assert result.verdict == Verdict.CAUTION
        assert (finding.code, finding.reason, finding.certainty) == (
            "skin_type_risk.pigmentation",
            Reason.SKIN_TYPE_RISK,
            Certainty.DEFINITE,
        )
        assert f"Fitzpatrick type {roman};" in finding.explanation

    @pytest.mark.parametrize("skin_type", [1, 2, 3])
    def test_pigmentation_risk_is_not_flagged_for_lighter_skin_types(self, skin_type: int) -> None:
        assert check("deoxycholate", patient=profile(skin_type=skin_type)).verdict == Verdict.OK

    def test_unrecorded_skin_type_is_a_possible_risk_asking_for_the_fact(self) -> None:
        finding = only(check("deoxycholate", patient=profile(skin_type=None)))
        assert (finding.code, finding.severity, finding.certainty) == (
            "skin_type_risk.unrecorded",
            Severity.CAUTION,
            Certainty.POSSIBLE,
        )

    def test_darker_skin_type_alone_flags_nothing(self) -> None:
        assert check("silicon", patient=profile(skin_type=6)).verdict == Verdict.OK

    def test_skin_type_outside_fitzpatrick_scale_is_refused(self) -> None:
        with pytest.raises(InvalidSafetyProfile) as refused:
            profile(skin_type=7)
        assert refused.value.extra["errors"][0]["field"] == "fitzpatrick_skin_type"


class TestCatalogRules:
    def test_ingredient_not_on_the_approved_list_is_contraindicated(self) -> None:
        finding = only(check("glutathione"))
        assert (finding.code, finding.reason, finding.severity) == (
            "not_approved.not_on_approved_list",
            Reason.NOT_APPROVED,
            Severity.CONTRAINDICATED,
        )

    def test_withdrawn_ingredient_is_contraindicated_even_if_still_listed(self) -> None:
        assert "collagenase" in APPROVED
        finding = only(check("collagenase"))
        assert (finding.code, finding.reason) == ("not_approved.withdrawn", Reason.NOT_APPROVED)

    def test_amount_over_the_limit_is_contraindicated(self) -> None:
        finding = only(check(("silicon", "10.5")))
        assert (finding.code, finding.reason, finding.severity) == (
            "dose_limit.max_amount_per_session",
            Reason.DOSE_LIMIT,
            Severity.CONTRAINDICATED,
        )
        assert "10.5 mg" in finding.explanation and "maximum of 10 mg" in finding.explanation

    def test_amount_at_the_limit_is_ok(self) -> None:
        assert check(("silicon", "10.00")).verdict == Verdict.OK

    def test_an_ingredient_listed_twice_counts_its_amounts_together(self) -> None:
        finding = only(check(("silicon", "6"), ("silicon", "6")))
        assert finding.reason == Reason.DOSE_LIMIT and "12 mg" in finding.explanation

    def test_expired_lot_is_contraindicated(self) -> None:
        finding = only(check("silicon", lots=[lot("silicon", expires_on=TODAY - timedelta(1))]))
        assert (finding.code, finding.ingredient, finding.reason) == (
            "expired_lot.L-silicon",
            "silicon",
            Reason.EXPIRED_LOT,
        )

    def test_lot_expiring_today_is_still_usable(self) -> None:
        assert check("silicon", lots=[lot("silicon", expires_on=TODAY)]).verdict == Verdict.OK

    def test_recalled_lot_is_contraindicated(self) -> None:
        finding = only(check("silicon", lots=[lot("silicon", status=LotStatus.RECALLED)]))
        assert (finding.code, finding.reason) == ("recalled_lot.L-silicon", Reason.RECALLED_LOT)

    def test_expired_and_recalled_lot_gives_both_findings(self) -> None:
        stale = lot("silicon", expires_on=TODAY - timedelta(30), status=LotStatus.RECALLED)
        assert [f.reason for f in check("silicon", lots=[stale]).findings] == [
            Reason.EXPIRED_LOT,
            Reason.RECALLED_LOT,
        ]


class TestEveryReasonAtOnce:
    def everything(self) -> CrossCheckResult:
        return check(
            "arnica",
            "chamomile",
            "centella",
            ("melatonin", "20"),
            "collagenase",
            "glutathione",
            "deoxycholate",
            patient=profile(
                allergies=[allergy("asteraceae")],
                conditions=["active_skin_infection", "blood_coagulation_disorder", "pregnancy"],
                medications=[Medication("Warfarin", frozenset({"anticoagulant"}))],
                skin_type=5,
            ),
            lots=[lot("chamomile", expires_on=TODAY - timedelta(1), status=LotStatus.RECALLED)],
            areas=["face", "scalp"],
            blend=Blend("Glow", Indication.PIGMENTATION, ("face",), ()),
            indication="skin_rejuvenation",
        )

    def test_every_reason_is_reported_with_its_stable_code(self) -> None:
        found = [(f.severity, f.code, f.ingredient) for f in self.everything().findings]
        contraindicated, caution = Severity.CONTRAINDICATED, Severity.CAUTION
        assert found == [
            (contraindicated, "allergy.asteraceae", "chamomile"),
            (contraindicated, "cross_reactivity.asteraceae", "arnica"),
            (contraindicated, "contraindicated_condition.active_skin_infection", None),
            (contraindicated, "contraindicated_condition.pregnancy", "melatonin"),
            (contraindicated, "not_approved.withdrawn", "collagenase"),
            (contraindicated, "not_approved.not_on_approved_list", "glutathione"),
            (contraindicated, "dose_limit.max_amount_per_session", "melatonin"),
            (contraindicated, "expired_lot.L-chamomile", "chamomile"),
            (contraindicated, "recalled_lot.L-chamomile", "chamomile"),
            (caution, "cross_reactivity.asteraceae", "centella"),
            (caution, "contraindicated_condition.blood_coagulation_disorder", None),
            (caution, "medication_interaction.anticoagulant", None),
            (caution, "skin_type_risk.pigmentation", "deoxycholate"),
            (caution, "indication_mismatch", None),
            (caution, "area_mismatch.scalp", None),
        ]
        assert {f.reason for f in self.everything().findings} == set(Reason)

    def test_every_explanation_is_one_plain_sentence(self) -> None:
        for finding in self.everything().findings:
            sentence = finding.explanation
            assert sentence[0].isupper() and sentence.endswith("."), sentence
            assert ". " not in sentence and "_" not in sentence, sentence

    def test_the_same_request_gives_the_same_findings_in_the_same_order(self) -> None:
        assert self.everything() == self.everything()

    def test_a_fact_given_twice_is_reported_once(self) -> None:
        recalled = lot("silicon", status=LotStatus.RECALLED)
        result = check(
            "chamomile",
            "silicon",
            patient=profile(allergies=[allergy("asteraceae"), allergy("asteraceae")]),
            lots=[recalled, recalled],
        )
        assert [f.code for f in result.findings] == [
            "allergy.asteraceae",
            "recalled_lot.L-silicon",
        ]


class TestBadInput:
    def test_unknown_ingredient_code_is_refused_naming_the_component(self) -> None:
        with pytest.raises(UnknownCode) as refused:
            check("silicon", "unicorn_dust")
        assert refused.value.status == 422
        assert refused.value.extra["errors"] == [
            {"field": "components[1].ingredient_code", "message": "No ingredient 'unicorn_dust'."}
        ]

    @pytest.mark.parametrize("amount", ["0", "-1", "NaN", "Infinity"])
    def test_amount_that_is_not_a_positive_number_is_refused(self, amount: str) -> None:
        with pytest.raises(InvalidPlan) as refused:
            check("silicon", ("glycine", amount))
        assert [e["field"] for e in refused.value.extra["errors"]] == ["components[1].amount"]

    def test_an_empty_plan_is_refused(self) -> None:
        with pytest.raises(InvalidPlan) as refused:
            check()
        assert refused.value.extra["errors"][0]["field"] == "components"

    def test_a_lot_of_an_ingredient_not_planned_is_refused(self) -> None:
        with pytest.raises(InvalidPlan) as refused:
            check("silicon", lots=[lot("silicon"), lot("glycine")])
        assert refused.value.extra["errors"][0]["field"] == "lots[1].ingredient_code"

    def test_a_blank_area_is_refused(self) -> None:
        with pytest.raises(InvalidPlan) as refused:
            check("silicon", areas=["face", " "])
        assert refused.value.extra["errors"][0]["field"] == "areas[1]"


class TestProfileReplica:
    @pytest.mark.parametrize(
        ("incoming", "stored", "replaces"),
        [(1, None, True), (4, 3, True), (3, 3, False), (2, 3, False)],
    )
    def test_only_a_newer_profile_replaces_the_stored_one(
        self, incoming: int, stored: int | None, replaces: bool
    ) -> None:
        assert (
            supersedes_stored_profile(incoming_version=incoming, stored_version=stored) is replaces
        )


class TestWhatWasGiven:
    def test_an_amount_in_another_unit_is_refused_not_converted(self) -> None:
        with pytest.raises(InvalidPlan) as refused:
            check(("melatonin", "2", "ml"))
        assert refused.value.extra["errors"][0]["field"] == "components[0].unit"

    def test_the_ingredients_own_unit_in_any_case_is_accepted(self) -> None:
        assert check(("melatonin", "2", "MG")).verdict == Verdict.OK

    def test_a_lot_of_another_ingredient_is_a_wrong_record(self) -> None:
        with pytest.raises(InvalidPlan) as refused:
            check_lots_given(["silicon", "caffeine"], [lot("x"), lot("silicon"), lot("silicon")])
        assert [e["field"] for e in refused.value.extra["errors"]] == ["lots[2].lot_number"]

    def test_each_lot_of_its_own_ingredient_passes(self) -> None:
        check_lots_given(["silicon"], [lot("silicon")])


class TestTheBlendAgainstTheSession:
    FACE = Blend("Glow", Indication.SKIN_REJUVENATION, ("face", "neck"), ())

    def test_no_indication_named_compares_only_areas(self) -> None:
        assert check("silicon", blend=self.FACE, areas=["face"]).verdict == Verdict.OK

    def test_each_area_outside_the_blend_is_one_caution(self) -> None:
        result = check("silicon", blend=self.FACE, areas=["face", "scalp", "arms", "scalp"])
        assert [f.code for f in result.findings] == ["area_mismatch.arms", "area_mismatch.scalp"]
        assert result.verdict == Verdict.CAUTION

    def test_without_a_blend_nothing_is_compared(self) -> None:
        assert check("silicon", areas=["scalp"], indication="hair_loss").verdict == Verdict.OK
