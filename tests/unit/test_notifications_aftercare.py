"""The aftercare plan gives each treated area its own care from the guide, and nothing else."""

from __future__ import annotations

import pytest

from services.notifications.domain import (
    AreaGroup,
    Section,
    aftercare_plan,
    area_group,
    side_effects_for,
)
from services.notifications.domain.aftercare_text import EN, ES

EVERYONE = [
    "everyone.sun_protection",
    "everyone.no_heavy_workouts",
    "everyone.no_chlorine_or_sauna",
    "everyone.diet_and_hydration",
    "everyone.follow_up_sessions",
]
FACE = [
    "skin.mild_products",
    "skin.fragrance_free_moisturizer",
    "face.no_makeup_24h",
    "skin.gentle_routine",
]
BODY = ["skin.mild_products", "skin.fragrance_free_moisturizer", "skin.gentle_routine"]
SCALP = [
    "hair.gentle_shampoo",
    "hair.no_coloring_or_perming",
    "hair.minimize_heat_styling",
    "hair.no_tight_hairstyles",
    "hair.gentle_routine",
]


def all_text(plan) -> str:
    return " ".join(i.text for s in plan.sections for i in s.instructions).lower()


class TestFaceSession:
    def test_gets_exactly_the_skin_and_makeup_instructions_then_everyones(self) -> None:
        assert list(aftercare_plan(["face"]).instruction_codes) == FACE + EVERYONE

    def test_mentions_nothing_about_hair_or_the_scalp(self) -> None:
        text = all_text(aftercare_plan(["face", "neck", "decollete"]))
        for word in ("hair", "scalp", "shampoo", "perming", "coloring"):
            assert word not in text

    def test_tells_the_patient_to_avoid_makeup_for_24_hours(self) -> None:
        plan = aftercare_plan(["face"])
        skin = plan.section(Section.SKIN)
        assert skin is not None
        assert any("makeup for at least 24 hours" in i.text for i in skin.instructions)


class TestScalpSession:
    def test_gets_exactly_the_hair_instructions_then_everyones(self) -> None:
        assert list(aftercare_plan(["scalp"]).instruction_codes) == SCALP + EVERYONE

    def test_mentions_no_makeup_or_skincare_products(self) -> None:
        text = all_text(aftercare_plan(["scalp"]))
        for word in ("makeup", "moisturizer", "retinoid", "exfoliat", "skincare"):
            assert word not in text

    def test_has_no_skin_section(self) -> None:
        assert aftercare_plan(["scalp"]).section(Section.SKIN) is None


class TestBodySession:
    @pytest.mark.parametrize("area", ["abdomen", "flanks", "thighs", "buttocks", "arms", "hands"])
    def test_gets_skin_care_without_makeup_or_hair(self, area: str) -> None:
        assert list(aftercare_plan([area]).instruction_codes) == BODY + EVERYONE


class TestMixedSession:
    def test_face_and_scalp_get_both_sets_once_each(self) -> None:
        plan = aftercare_plan(["scalp", "face"])
        assert list(plan.instruction_codes) == FACE + SCALP + EVERYONE

    def test_face_and_body_share_the_skin_instructions_without_repeating_them(self) -> None:
        plan = aftercare_plan(["abdomen", "face", "thighs"])
        assert list(plan.instruction_codes) == FACE + EVERYONE
        assert len(plan.instruction_codes) == len(set(plan.instruction_codes))

    def test_sections_come_skin_then_hair_then_everyone(self) -> None:
        plan = aftercare_plan(["scalp", "abdomen"])
        assert [s.key for s in plan.sections] == [Section.SKIN, Section.HAIR, Section.EVERYONE]


EVERYONES_SIDE_EFFECTS = [
    "side_effect.redness_swelling",
    "side_effect.bruising",
    "side_effect.itching_soreness",
    "side_effect.nodules",
]
DARKER_SKINS_SIDE_EFFECTS = [
    "side_effect.redness_swelling",
    "side_effect.bruising",
    "side_effect.itching_soreness",
    "side_effect.pigmentation_changes",
    "side_effect.nodules",
]


class TestSideEffectsTheGuideNames:
    @pytest.mark.parametrize("skin_type", [None, 1, 2, 3])
    def test_a_lighter_or_unknown_skin_type_hears_of_nodules_but_not_pigmentation(
        self, skin_type: int | None
    ) -> None:
        plan = aftercare_plan(["face"], skin_type=skin_type)
        assert [i.code for i in plan.side_effects] == EVERYONES_SIDE_EFFECTS

    @pytest.mark.parametrize("skin_type", [4, 5, 6])
    def test_fitzpatrick_iv_to_vi_also_hear_of_pigmentation_changes(self, skin_type: int) -> None:
        plan = aftercare_plan(["scalp"], skin_type=skin_type)
        assert [i.code for i in plan.side_effects] == DARKER_SKINS_SIDE_EFFECTS
        assert side_effects_for(skin_type) == tuple(DARKER_SKINS_SIDE_EFFECTS)

    def test_the_wording_is_the_guide_s(self) -> None:
        assert EN["side_effect.nodules"] == (
            "Small nodules or lumps may form under the skin. These will go away over time."
        )
        assert (
            "slight risk of skin pigmentation changes, particularly for darker skin types"
            in (EN["side_effect.pigmentation_changes"])
        )

    def test_allergic_reactions_and_infection_stay_reasons_to_call_the_clinic(self) -> None:
        plan = aftercare_plan(["face"], skin_type=6)
        side_effects = " ".join(i.text for i in plan.side_effects).lower()
        assert "allergic" not in side_effects
        assert "infection" not in side_effects
        assert [i.code for i in plan.call_the_clinic_if] == [
            "call.unusual_or_prolonged",
            "call.allergic_reaction",
            "call.infection",
        ]

    def test_spanish_names_them_too(self) -> None:
        plan = aftercare_plan(["face"], locale="es", skin_type=5)
        texts = {i.code: i.text for i in plan.side_effects}
        assert texts["side_effect.nodules"] == ES["side_effect.nodules"]
        assert texts["side_effect.pigmentation_changes"] == ES["side_effect.pigmentation_changes"]
        assert all(texts[c] != EN[c] for c in texts)


class TestEveryPlan:
    @pytest.mark.parametrize("areas", [["face"], ["scalp"], ["thighs"], []])
    def test_lists_the_side_effects_and_when_to_call(self, areas: list[str]) -> None:
        plan = aftercare_plan(areas)
        assert [i.code for i in plan.side_effects] == EVERYONES_SIDE_EFFECTS
        assert [i.code for i in plan.call_the_clinic_if] == [
            "call.unusual_or_prolonged",
            "call.allergic_reaction",
            "call.infection",
        ]

    def test_side_effects_say_they_usually_go_away_in_hours_or_days(self) -> None:
        redness = aftercare_plan(["face"]).side_effects[0]
        assert "redness" in redness.text.lower()
        assert "swelling" in redness.text.lower()
        assert "few hours or days" in redness.text

    def test_no_areas_gives_only_the_instructions_for_everyone(self) -> None:
        assert list(aftercare_plan([]).instruction_codes) == EVERYONE


class TestAreaNames:
    @pytest.mark.parametrize(
        ("name", "group"),
        [
            ("Face", AreaGroup.FACE),
            ("Décolleté", AreaGroup.FACE),
            ("decolletage", AreaGroup.FACE),
            ("neck", AreaGroup.FACE),
            ("under eyes", AreaGroup.FACE),
            ("SCALP", AreaGroup.SCALP),
            ("hairline", AreaGroup.SCALP),
            ("love-handles", AreaGroup.BODY),
            ("inner thighs", AreaGroup.BODY),
            ("buttocks", AreaGroup.BODY),
        ],
    )
    def test_are_recognised_whatever_their_spelling(self, name: str, group: AreaGroup) -> None:
        assert area_group(name) is group

    def test_repeated_areas_are_listed_once(self) -> None:
        assert aftercare_plan(["face", "Face", " face "]).areas == ("face",)

    def test_an_unknown_area_gets_skin_care_only_and_is_reported(self) -> None:
        plan = aftercare_plan(["earlobes"])
        assert list(plan.instruction_codes) == BODY + EVERYONE
        assert plan.unrecognised_areas == ("earlobes",)
        assert plan.area_names == ("earlobes",)


class TestSpanishPlan:
    def test_has_the_same_instructions_as_english_in_spanish(self) -> None:
        en = aftercare_plan(["face", "scalp"], locale="en")
        es = aftercare_plan(["face", "scalp"], locale="es-ES")
        assert es.locale == "es"
        assert es.instruction_codes == en.instruction_codes
        texts = {i.code: i.text for s in es.sections for i in s.instructions}
        assert texts["face.no_makeup_24h"].startswith("No se maquille durante al menos 24 horas")
        assert es.area_names == ("cara", "cuero cabelludo")

    def test_every_spanish_text_differs_from_the_english_one(self) -> None:
        en = aftercare_plan(["face", "scalp"], locale="en").as_context()
        es = aftercare_plan(["face", "scalp"], locale="es").as_context()
        assert en["sections"] != es["sections"]
        pairs = zip(
            [i["text"] for s in en["sections"] for i in s["instructions"]],
            [i["text"] for s in es["sections"] for i in s["instructions"]],
            strict=True,
        )
        assert all(a != b for a, b in pairs)

    def test_a_locale_without_wording_falls_back_to_english(self) -> None:
        assert aftercare_plan(["face"], locale="fr").locale == "en"


class TestPlanAsTemplateContext:
    def test_carries_areas_sections_side_effects_and_when_to_call(self) -> None:
        context = aftercare_plan(["scalp"]).as_context()
        assert context["treated_areas"] == ["scalp"]
        assert [s["key"] for s in context["sections"]] == ["hair", "everyone"]
        assert context["sections"][0]["instructions"][0] == {
            "code": "hair.gentle_shampoo",
            "text": "Use a gentle shampoo.",
        }
        assert len(context["side_effects"]) == 4
        assert len(context["call_the_clinic_if"]) == 3
