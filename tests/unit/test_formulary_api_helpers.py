"""Pure helpers around the formulary API: the replica's mapping, field names, the vocabulary."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest

from services.formulary import demo_catalog
from services.formulary.api.views import plain
from services.formulary.domain import AllergySeverity, AllergyStatus, InvalidPlan, UnknownCode
from services.formulary.schemas import CrossCheckRequest
from services.formulary.usecases.cross_checks import _in_request_terms
from services.formulary.usecases.profiles import allergy_of, profile_of
from shared import vocabulary
from shared.events.records import AllergyFact, MedicationFact, PatientSafetyProfileChanged


class TestReplicaMapping:
    @pytest.mark.parametrize(
        ("severity", "expected"),
        [
            ("mild", AllergySeverity.MILD),
            ("moderate", AllergySeverity.MODERATE),
            ("severe", AllergySeverity.SEVERE),
            ("anaphylaxis", AllergySeverity.SEVERE),
        ],
    )
    def test_every_records_severity_maps_onto_the_engines(
        self, severity: str, expected: AllergySeverity
    ) -> None:
        assert allergy_of(AllergyFact(code="caffeine", severity=severity)).severity == expected

    def test_anaphylaxis_is_kept_in_the_reaction_for_the_practitioner(self) -> None:
        bare = allergy_of(AllergyFact(code="caffeine", severity="anaphylaxis"))
        with_reaction = allergy_of(
            AllergyFact(code="caffeine", severity="anaphylaxis", reaction="throat swelling")
        )
        said = allergy_of(
            AllergyFact(code="caffeine", severity="anaphylaxis", reaction="Anaphylaxis")
        )
        assert (bare.reaction, with_reaction.reaction, said.reaction) == (
            "anaphylaxis",
            "anaphylaxis; throat swelling",
            "Anaphylaxis",
        )

    def test_a_whole_event_becomes_the_engines_profile(self) -> None:
        patient = uuid4()
        profile = profile_of(
            PatientSafetyProfileChanged(
                network_id=uuid4(),
                patient_id=patient,
                version=7,
                fitzpatrick_skin_type=5,
                allergies=[AllergyFact(code="compositae", status="resolved")],
                conditions=["pregnancy"],
                medications=[MedicationFact(name="Warfarin", classes=["anticoagulant"])],
            )
        )
        assert (profile.patient_id, profile.version, profile.fitzpatrick_skin_type) == (
            patient,
            7,
            5,
        )
        assert profile.allergies[0].status == AllergyStatus.RESOLVED
        assert profile.allergies[0].reaction == ""
        assert profile.conditions == {"pregnancy"}
        assert profile.medications[0].classes == {"anticoagulant"}


def _request(**body: object) -> CrossCheckRequest:
    return CrossCheckRequest.model_validate({"patient_id": str(uuid4()), **body})


GIVEN = {"ingredient_code": "caffeine", "lot_number": "L-1", "amount": "1", "unit": "mg"}


class TestFieldNames:
    def test_the_engines_fields_are_named_as_the_request_names_them(self) -> None:
        error = UnknownCode(
            "x",
            errors=[
                {"field": "components[2].ingredient_code", "message": "a"},
                {"field": "components[0].amount", "message": "b"},
                {"field": "lots[1].ingredient_code", "message": "c"},
                {"field": "areas[0]", "message": "d"},
            ],
        )
        body = _request(ingredient_codes=["a", "b", "c"], lot_numbers=["L-1", "L-2"])
        renamed = _in_request_terms(error, body)
        assert isinstance(renamed, UnknownCode)
        assert [e["field"] for e in renamed.extra["errors"]] == [
            "ingredient_codes[2]",
            "amounts[0]",
            "lot_numbers[1]",
            "areas[0]",
        ]
        assert "ingredient_codes[2]: a" in renamed.detail

    def test_with_a_blend_its_components_are_the_blend(self) -> None:
        error = InvalidPlan("x", field="components")
        body = _request(blend_id=str(uuid4()))
        assert _in_request_terms(error, body).extra["errors"][0]["field"] == "blend_id"

    def test_what_was_given_is_named_item_by_item_after_the_lots_listed(self) -> None:
        error = InvalidPlan(
            "x",
            errors=[
                {"field": "components[1].unit", "message": "a"},
                {"field": "lots[0].lot_number", "message": "b"},
                {"field": "lots[2].lot_number", "message": "c"},
            ],
        )
        body = _request(lot_numbers=["L-9"], administered=[GIVEN, GIVEN])
        assert [e["field"] for e in _in_request_terms(error, body).extra["errors"]] == [
            "administered[1].unit",
            "lot_numbers[0]",
            "administered[1].lot_number",
        ]


def test_amounts_read_without_trailing_zeros_or_exponents() -> None:
    assert [str(plain(v)) for v in (Decimal("10.500"), Decimal("1E+2"), "0.0010")] == [
        "10.5",
        "100",
        "0.001",
    ]


def test_every_demo_ingredient_is_in_at_least_the_vocabularys_classes() -> None:
    """Records shows an allergy by these memberships; the cross-check must flag at least them."""
    classes = {c.code for c in demo_catalog.DEMO_ALLERGEN_CLASSES}
    for ingredient in demo_catalog.DEMO_INGREDIENTS:
        expected = set(vocabulary.ingredient_classes(ingredient.code))
        assert expected <= ingredient.allergen_classes, ingredient.code
        assert ingredient.allergen_classes <= classes, ingredient.code
