"""The safety gate's rules: what formulary's answer lets a practitioner do, before and after."""

from __future__ import annotations

import pytest

from services.booking.domain.safety import (
    Acknowledgement,
    CautionNotAcknowledged,
    Contraindicated,
    CrossCheck,
    CrossCheckUnknownPatient,
    Finding,
    Given,
    UncheckedAdministration,
    deviations,
    passing,
    require_acknowledged,
)

ALLERGY = Finding("allergy.compositae", "allergy", "contraindicated", "chamomile")
SKIN = Finding("skin_type_risk.pigmentation", "skin_type_risk", "caution", "deoxycholate")
BLEEDING = Finding("medication_interaction.anticoagulant", "medication_interaction", "caution")
RECALLED = Finding("recalled_lot.L-7", "recalled_lot", "contraindicated", "hyaluronic_acid")


def answer(*findings: Finding, verdict: str | None = None) -> CrossCheck:
    if verdict is None:
        severities = {f.severity for f in findings}
        verdict = (
            "contraindicated"
            if "contraindicated" in severities
            else "caution"
            if findings
            else "ok"
        )
    return CrossCheck(verdict, 3, findings)  # type: ignore[arg-type]


def ack(*codes: str) -> Acknowledgement:
    return Acknowledgement("Discussed with the patient", frozenset(codes))


class TestBeforeInjecting:
    def test_ok_passes_without_an_acknowledgement(self) -> None:
        assert passing(answer(), None) is None

    def test_contraindicated_never_passes_even_acknowledged(self) -> None:
        with pytest.raises(Contraindicated) as refused:
            passing(answer(ALLERGY), ack(ALLERGY.code))
        assert refused.value.extra["findings"][0]["code"] == ALLERGY.code

    def test_an_unknown_patient_never_passes(self) -> None:
        with pytest.raises(CrossCheckUnknownPatient):
            passing(answer(verdict="unknown_patient"), None)

    def test_a_caution_needs_every_code_acknowledged(self) -> None:
        with pytest.raises(CautionNotAcknowledged) as refused:
            passing(answer(SKIN, BLEEDING), ack(SKIN.code))
        assert refused.value.extra["unacknowledged_codes"] == [BLEEDING.code]
        assert passing(answer(SKIN, BLEEDING), ack(SKIN.code, BLEEDING.code)) is not None


GIVEN = [
    Given("hyaluronic_acid", "L-7"),
    Given("chamomile", "C-1"),
    Given("hyaluronic_acid", "L-8"),
]


class TestAfterInjecting:
    def test_nothing_found_is_no_deviation(self) -> None:
        assert deviations(answer(), covered=[], given=GIVEN) == ()

    def test_a_caution_acknowledged_before_injecting_is_covered(self) -> None:
        assert deviations(answer(BLEEDING), covered=[BLEEDING.code], given=GIVEN) == ()

    def test_a_caution_not_acknowledged_before_is_a_deviation(self) -> None:
        found = deviations(answer(SKIN, BLEEDING), covered=[BLEEDING.code], given=GIVEN)
        assert [(d.ingredient_code, d.codes) for d in found] == [(None, (SKIN.code,))]

    def test_a_contraindication_is_never_covered_and_names_the_lots(self) -> None:
        found = deviations(
            answer(RECALLED, ALLERGY), covered=[RECALLED.code, ALLERGY.code], given=GIVEN
        )
        assert [(d.ingredient_code, d.lot_numbers, d.codes) for d in found] == [
            ("hyaluronic_acid", ("L-7", "L-8"), (RECALLED.code,)),
            ("chamomile", ("C-1",), (ALLERGY.code,)),
        ]

    def test_an_unknown_patient_is_a_deviation_of_the_whole_session(self) -> None:
        found = deviations(answer(verdict="unknown_patient"), covered=[], given=GIVEN)
        assert [(d.ingredient_code, d.codes) for d in found] == [(None, ("unknown_patient",))]
        assert found[0].findings[0].contraindicated

    def test_deviations_refuse_until_every_code_is_acknowledged(self) -> None:
        found = deviations(answer(ALLERGY, SKIN), covered=[], given=GIVEN)
        with pytest.raises(UncheckedAdministration) as refused:
            require_acknowledged(found, ack(ALLERGY.code))
        problem = refused.value.extra
        assert problem["unacknowledged_codes"] == [SKIN.code]
        assert [d["ingredient_code"] for d in problem["deviations"]] == [None, "chamomile"]
        assert require_acknowledged(found, ack(ALLERGY.code, SKIN.code)) is not None

    def test_no_deviation_needs_no_acknowledgement(self) -> None:
        assert require_acknowledged((), None) is None
