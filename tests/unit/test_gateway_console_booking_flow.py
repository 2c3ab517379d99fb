"""The console's booking flow reads booking's and formulary's answers and writes no rule: the
treatment types a clinic's practitioners give, the blends formulary says are made for the
appointment, the only valid lot, a plan filling in what the Book page leaves out, and the last
session the start form starts from."""

from __future__ import annotations

from datetime import date, timedelta

from services.gateway.console.clients.booking import (
    PlanProgress,
    Practitioner,
    TreatmentPlan,
    TreatmentType,
)
from services.gateway.console.clients.formulary import Blend, Lot
from services.gateway.console.clients.records import Treatment
from services.gateway.console.forms.session import IngredientRow
from services.gateway.console.pages.appointment import Injectables, _from_previous
from services.gateway.console.pages.booking import Choice, _from_plan, _offered
from services.gateway.console.pages.injectables import blends_fitting, only_lot


def kind_of(name: str, indication: str) -> TreatmentType:
    return TreatmentType(id=name, name=name, kind="treatment", indication=indication)


def blend(name: str, indication: str, *areas: str) -> Blend:
    return Blend(id=name, name=name, version=1, indication=indication, areas=list(areas))


def lot(number: str, expires_on: str) -> Lot:
    return Lot(
        id=number,
        lot_number=number,
        ingredient_code="organic_silicon",
        supplier="Demo",
        expires_on=expires_on,
        status="active",
        expired=False,
    )


ROW = IngredientRow(
    code="organic_silicon",
    name="Organic silicon",
    unit="mg",
    planned=True,
    planned_amount="50",
    lot="",
    amount="50",
)


def test_a_clinic_offers_the_types_its_practitioners_treat() -> None:
    types = [kind_of("Scalp", "hair_loss"), kind_of("Face", "skin_rejuvenation")]
    staffed = [Practitioner(id="p", name="Dr R", indications=["skin_rejuvenation"])]
    assert [t.name for t in _offered(types, staffed)] == ["Face"]
    assert _offered(types, None) == types  # no clinic, or its practitioners unread: all


def test_the_blends_made_for_the_indication_and_every_area_come_apart() -> None:
    fitting, others = blends_fitting(
        [
            blend("Even tone", "pigmentation", "face", "neck"),
            blend("Revitalising face", "skin_rejuvenation", "face", "neck", "decollete"),
            blend("Face only", "skin_rejuvenation", "face"),
        ],
        "skin_rejuvenation",
        ["face", "neck"],
    )
    assert [b.name for b in fitting] == ["Revitalising face"]
    assert [b.name for b in others] == ["Even tone", "Face only"]


def test_only_the_one_valid_lot_is_filled_in() -> None:
    assert only_lot(ROW, {"organic_silicon": [lot("SIL-1", "2030-01-01")]}).lot == "SIL-1"
    several = {"organic_silicon": [lot("SIL-1", "2030-01-01"), lot("SIL-2", "2031-01-01")]}
    assert only_lot(ROW, several).lot == ""
    assert only_lot(ROW, {}).lot == ""


def test_a_plan_fills_in_what_the_choice_leaves_out() -> None:
    due = (date.today() + timedelta(days=10)).isoformat()
    plan = TreatmentPlan(
        id="plan",
        patient_id="patient",
        treatment_type_id="type",
        clinic_id="clinic",
        indication="skin_rejuvenation",
        sessions_planned=4,
        interval_days=14,
        progress=PlanProgress(completed=1, planned=4, remaining=3),
        next_session_due=due,
    )
    filled = _from_plan(Choice(treatment_plan_id="plan"), plan)
    assert (filled.patient_id, filled.treatment_type_id, filled.clinic_id, filled.date) == (
        "patient",
        "type",
        "clinic",
        due,
    )
    assert _from_plan(Choice(treatment_plan_id="plan", date="2031-01-06"), plan).date == (
        "2031-01-06"
    )
    assert _from_plan(Choice(treatment_plan_id="gone"), None).treatment_plan_id == ""


def test_the_start_form_starts_from_the_last_session_of_the_treatment() -> None:
    last = Treatment(
        clinic_id="c",
        clinic_name="Paris",
        practitioner_name="Dr M",
        treatment_name="Face and neck revitalisation",
        kind="treatment",
        areas=["face"],
        blend_id="Revitalising face",
        technique="nappage",
        depth_mm="1.5",
        completed_at="2026-11-30T10:00:00Z",
    )
    known = Injectables(blends=[blend("Revitalising face", "skin_rejuvenation", "face")])
    assert _from_previous(last, known) == {
        "areas_offered": "1",
        "area_face": "1",
        "blend_id": "Revitalising face",
        "technique": "nappage",
        "depth_mm": "1.5",
    }
    # A blend formulary no longer lists is not chosen.
    assert "blend_id" not in _from_previous(last, Injectables())
