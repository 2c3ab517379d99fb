"""Properties of the cross-check over random catalogs, plans and safety profiles (hypothesis)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from services.formulary.domain import (
    AllergenClass,
    Allergy,
    AllergySeverity,
    AllergyStatus,
    Category,
    Certainty,
    CrossCheckResult,
    Ingredient,
    IngredientStatus,
    Lot,
    LotStatus,
    Medication,
    PlannedComponent,
    Reason,
    SafetyProfile,
    Severity,
    Verdict,
    cross_check,
)

TODAY = date(2026, 11, 25)
CLASS_CODES = [f"class_{n}" for n in range(5)]
INGREDIENT_CODES = [f"ingredient_{n}" for n in range(4)]
CONDITIONS = ["active_skin_infection", "blood_coagulation_disorder", "pregnancy", "diabetes"]
MEDICATION_CLASSES = ["anticoagulant", "antihistamine", "retinoid"]
RANK = {Verdict.OK: 0, Verdict.CAUTION: 1, Verdict.CONTRAINDICATED: 2}

examples = settings(max_examples=80, database=None, deadline=None)
fewer_examples = settings(examples, max_examples=40)


@dataclass(frozen=True)
class Scenario:
    """Everything one cross-check is given, so a property can change one fact at a time."""

    classes: dict[str, AllergenClass]
    ingredients: dict[str, Ingredient]
    approved: frozenset[str]
    components: tuple[PlannedComponent, ...]
    profile: SafetyProfile
    lots: tuple[Lot, ...] = field(default=())

    def check(self) -> CrossCheckResult:
        return cross_check(
            profile=self.profile,
            components=self.components,
            ingredients=self.ingredients,
            allergen_classes=self.classes,
            approved_codes=self.approved,
            lots=self.lots,
            today=TODAY,
        )

    @property
    def planned(self) -> list[str]:
        return [c.ingredient_code for c in self.components]

    def with_ingredient(self, ingredient: Ingredient) -> Scenario:
        return dataclasses.replace(
            self, ingredients={**self.ingredients, ingredient.code: ingredient}
        )

    def with_profile(self, **changes: object) -> Scenario:
        return dataclasses.replace(self, profile=dataclasses.replace(self.profile, **changes))


# Strategies are built once: building them inside draws dominated the run time.
codes_of_classes = st.sampled_from(tuple(CLASS_CODES))
certainties = st.sampled_from((Certainty.PROBABLE, Certainty.POSSIBLE))
conditions = st.sampled_from(tuple(CONDITIONS))
class_links = st.dictionaries(
    st.tuples(codes_of_classes, codes_of_classes).filter(lambda pair: pair[0] != pair[1]),
    certainties,
    max_size=6,
)
ingredient_facts = st.fixed_dictionaries(
    {
        "category": st.sampled_from(tuple(Category)),
        "allergen_classes": st.frozensets(codes_of_classes, max_size=3),
        "max_amount_per_session": st.integers(1, 100).map(Decimal),
        "contraindicated_conditions": st.frozensets(conditions, max_size=2),
        "pigmentation_risk": st.booleans(),
        # Mostly approved, so that the patient rules get to matter.
        "status": st.sampled_from((IngredientStatus.APPROVED,) * 5 + (IngredientStatus.WITHDRAWN,)),
    }
)
allergy_codes = st.sampled_from((*CLASS_CODES, *INGREDIENT_CODES, "penicillin"))
reactions = st.sampled_from(("hives", "swelling", ""))
allergy_severities = st.sampled_from(tuple(AllergySeverity))


def allergies(status: st.SearchStrategy[AllergyStatus]) -> st.SearchStrategy[Allergy]:
    return st.builds(
        Allergy, code=allergy_codes, reaction=reactions, severity=allergy_severities, status=status
    )


active_allergies = allergies(st.just(AllergyStatus.ACTIVE))
medications = st.builds(
    Medication,
    name=st.sampled_from(("Warfarin", "Cetirizine", "Isotretinoin")),
    classes=st.frozensets(st.sampled_from(tuple(MEDICATION_CLASSES)), max_size=2),
)
profiles = st.builds(
    SafetyProfile,
    patient_id=st.just(UUID(int=1)),
    version=st.integers(1, 50),
    fitzpatrick_skin_type=st.none() | st.integers(1, 6),
    allergies=st.lists(allergies(st.sampled_from(tuple(AllergyStatus))), max_size=4).map(tuple),
    conditions=st.frozensets(conditions, max_size=2),
    medications=st.lists(medications, max_size=2).map(tuple),
)
amounts = st.none() | st.integers(1, 120).map(Decimal)
lot_facts = st.fixed_dictionaries(
    {
        "lot_number": st.sampled_from(("A1", "B2", "C3")),
        "expires_on": st.integers(-3, 3).map(lambda days: TODAY + timedelta(days=days)),
        "status": st.sampled_from(tuple(LotStatus)),
    }
)
plans = st.lists(st.sampled_from(tuple(INGREDIENT_CODES)), min_size=1, max_size=4, unique=True)
positions = st.integers(0, 3)
class_pairs = st.lists(codes_of_classes, min_size=2, max_size=2, unique=True)


def allergen_classes(links: dict[tuple[str, str], Certainty]) -> dict[str, AllergenClass]:
    return {
        code: AllergenClass(code, code.title(), {b: c for (a, b), c in links.items() if a == code})
        for code in CLASS_CODES
    }


def pick(draw: st.DrawFn, choices: Sequence[str]) -> str:
    return choices[draw(positions) % len(choices)]


def lot_of(draw: st.DrawFn, code: str) -> Lot:
    return Lot(ingredient_code=code, **draw(lot_facts))


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    planned = draw(plans)
    catalog = {
        code: Ingredient(
            code=code, name=code.replace("_", " ").capitalize(), unit="mg", **draw(ingredient_facts)
        )
        for code in INGREDIENT_CODES
    }
    unapproved = {pick(draw, planned)} if draw(st.booleans()) else set()
    return Scenario(
        classes=allergen_classes(draw(class_links)),
        ingredients=catalog,
        approved=frozenset(INGREDIENT_CODES) - unapproved,
        components=tuple(PlannedComponent(code, draw(amounts)) for code in planned),
        profile=draw(profiles),
        lots=tuple(lot_of(draw, pick(draw, planned)) for _ in range(draw(st.integers(0, 2)))),
    )


@st.composite
def scenarios_with_an_allergy_reaching_a_planned_class(draw: st.DrawFn) -> tuple[Scenario, str]:
    """A planned ingredient holds a class; the patient is allergic to it, or to a class that
    crosses to it, with the link recorded on either side (each route equally often)."""
    scenario = draw(scenarios())
    target = pick(draw, scenario.planned)
    held, other = draw(class_pairs)
    ingredient = scenario.ingredients[target]
    scenario = scenario.with_ingredient(
        dataclasses.replace(ingredient, allergen_classes=ingredient.allergen_classes | {held})
    )
    route = draw(routes)
    if route == "direct":
        return with_allergy(scenario, held), target
    lister, listed = (other, held) if route == "listed_by_the_allergen" else (held, other)
    links = dict(scenario.classes[lister].cross_reacts_with)
    links.setdefault(listed, draw(certainties))
    classes = {**scenario.classes, lister: AllergenClass(lister, lister, links)}
    return with_allergy(dataclasses.replace(scenario, classes=classes), other), target


routes = st.sampled_from(("direct", "listed_by_the_allergen", "listed_by_the_planned_class"))


def with_allergy(scenario: Scenario, code: str) -> Scenario:
    allergy = Allergy(code, "hives", AllergySeverity.MODERATE)
    return scenario.with_profile(allergies=(*scenario.profile.allergies, allergy))


@given(scenarios_with_an_allergy_reaching_a_planned_class())
@examples
def test_an_active_allergy_to_a_planned_class_or_a_class_crossing_to_it_is_never_ok(
    case: tuple[Scenario, str],
) -> None:
    scenario, target = case
    result = scenario.check()
    assert result.verdict in (Verdict.CAUTION, Verdict.CONTRAINDICATED)
    assert any(
        f.ingredient == target and f.reason in (Reason.ALLERGY, Reason.CROSS_REACTIVITY)
        for f in result.findings
    )


@given(scenarios())
@examples
def test_the_verdict_is_the_most_severe_finding(scenario: Scenario) -> None:
    result = scenario.check()
    severities = [f.severity for f in result.findings]
    expected = (
        Verdict.CONTRAINDICATED
        if Severity.CONTRAINDICATED in severities
        else Verdict.CAUTION
        if Severity.CAUTION in severities
        else Verdict.OK
    )
    assert result.verdict == expected
    assert result.profile_version == scenario.profile.version
    assert severities == sorted(severities, key=lambda s: s != Severity.CONTRAINDICATED)


@given(scenarios())
@fewer_examples
def test_without_a_profile_the_verdict_is_unknown_patient(scenario: Scenario) -> None:
    result = cross_check(
        profile=None,
        components=scenario.components,
        ingredients=scenario.ingredients,
        allergen_classes=scenario.classes,
        approved_codes=scenario.approved,
        lots=scenario.lots,
        today=TODAY,
    )
    assert (result.verdict, result.profile_version) == (Verdict.UNKNOWN_PATIENT, None)
    assert {f.reason for f in result.findings} <= {
        Reason.NOT_APPROVED,
        Reason.DOSE_LIMIT,
        Reason.EXPIRED_LOT,
        Reason.RECALLED_LOT,
    }


Change = Callable[[Scenario], Scenario]
fact_kinds = st.integers(0, 10)
extra_amounts = st.integers(1, 200)


@st.composite
def finding_causing_facts(draw: st.DrawFn, scenario: Scenario) -> Change:
    """One more fact that can only add reasons to worry: patient, plan or catalog."""
    target = pick(draw, scenario.planned)
    ingredient = scenario.ingredients[target]
    kind = draw(fact_kinds)
    if kind == 0:
        allergy = draw(active_allergies)
        return lambda s: s.with_profile(allergies=(*s.profile.allergies, allergy))
    if kind == 1:
        condition = draw(conditions)
        return lambda s: s.with_profile(conditions=s.profile.conditions | {condition})
    if kind == 2:
        medication = draw(medications)
        return lambda s: s.with_profile(medications=(*s.profile.medications, medication))
    if kind == 3:
        lot = lot_of(draw, target)
        return lambda s: dataclasses.replace(s, lots=(*s.lots, lot))
    if kind == 4:
        return lambda s: dataclasses.replace(s, approved=s.approved - {target})
    if kind == 5:
        withdrawn = dataclasses.replace(ingredient, status=IngredientStatus.WITHDRAWN)
        return lambda s: s.with_ingredient(withdrawn)
    if kind == 6:
        extra = Decimal(draw(extra_amounts))
        return lambda s: dataclasses.replace(
            s, components=(*s.components, PlannedComponent(target, extra))
        )
    if kind == 7:
        allergen_class = draw(codes_of_classes)
        more = dataclasses.replace(
            ingredient, allergen_classes=ingredient.allergen_classes | {allergen_class}
        )
        return lambda s: s.with_ingredient(more)
    if kind == 8:
        condition = draw(conditions)
        more = dataclasses.replace(
            ingredient,
            contraindicated_conditions=ingredient.contraindicated_conditions | {condition},
        )
        return lambda s: s.with_ingredient(more)
    if kind == 9:
        return lambda s: s.with_ingredient(dataclasses.replace(ingredient, pigmentation_risk=True))
    one, other = draw(class_pairs)
    certainty = draw(certainties)

    def cross(s: Scenario) -> Scenario:
        links = {**s.classes[one].cross_reacts_with}
        if links.get(other) != Certainty.PROBABLE:
            links[other] = certainty
        return dataclasses.replace(s, classes={**s.classes, one: AllergenClass(one, one, links)})

    return cross


@given(st.data())
@examples
def test_adding_a_finding_causing_fact_never_makes_the_verdict_less_severe(
    data: st.DataObject,
) -> None:
    scenario = data.draw(scenarios())
    change = data.draw(finding_causing_facts(scenario))
    before, after = scenario.check(), change(scenario).check()
    assert RANK[after.verdict] >= RANK[before.verdict]


@given(st.data())
@fewer_examples
def test_the_order_of_the_planned_components_does_not_change_the_result(
    data: st.DataObject,
) -> None:
    scenario = data.draw(scenarios())
    shuffled = data.draw(st.permutations(scenario.components))
    assert dataclasses.replace(scenario, components=tuple(shuffled)).check() == scenario.check()
