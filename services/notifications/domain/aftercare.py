"""The aftercare plan: the guide's care instructions for the treated areas, and when to call."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from .aftercare_text import CATALOGS, EN

DEFAULT_LOCALE = "en"


class AreaGroup(StrEnum):
    """How an area is cared for: facial skin, the scalp and its hair, or skin elsewhere."""

    FACE = "face"
    SCALP = "scalp"
    BODY = "body"


class Section(StrEnum):
    """A heading of the aftercare message, in the order the message shows them."""

    SKIN = "skin"
    HAIR = "hair"
    EVERYONE = "everyone"


_G = AreaGroup
AREA_GROUPS: Mapping[str, AreaGroup] = MappingProxyType(
    {
        "face": _G.FACE,
        "forehead": _G.FACE,
        "cheeks": _G.FACE,
        "chin": _G.FACE,
        "jawline": _G.FACE,
        "periorbital": _G.FACE,
        "perioral": _G.FACE,
        # Neck and décolleté get the face's care: their skin is treated and made up like it.
        "neck": _G.FACE,
        "decollete": _G.FACE,
        "scalp": _G.SCALP,
        "hands": _G.BODY,
        "arms": _G.BODY,
        "abdomen": _G.BODY,
        "flanks": _G.BODY,
        "waist": _G.BODY,
        "hips": _G.BODY,
        "back": _G.BODY,
        "thighs": _G.BODY,
        "knees": _G.BODY,
        "legs": _G.BODY,
        "buttocks": _G.BODY,
    }
)
"""Every area the plan knows, by its canonical code."""

_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "decolletage": "decollete",
        "under_eyes": "periorbital",
        "eyes": "periorbital",
        "eye_area": "periorbital",
        "mouth": "perioral",
        "hair": "scalp",
        "hairline": "scalp",
        "crown": "scalp",
        "upper_arms": "arms",
        "hand": "hands",
        "arm": "arms",
        "belly": "abdomen",
        "stomach": "abdomen",
        "love_handles": "flanks",
        "thigh": "thighs",
        "inner_thighs": "thighs",
        "outer_thighs": "thighs",
        "knee": "knees",
        "leg": "legs",
        "glutes": "buttocks",
        "buttock": "buttocks",
    }
)

UNRECOGNISED_AREA_GROUP = AreaGroup.BODY
"""An area the plan does not know gets the care that suits any treated skin and nothing more:
no makeup advice (not known to be facial) and no hair advice (not known to be the scalp)."""


@dataclass(frozen=True, slots=True)
class _Rule:
    code: str
    section: Section
    groups: frozenset[AreaGroup]


def _rule(code: str, section: Section, *groups: AreaGroup) -> _Rule:
    return _Rule(code, section, frozenset(groups or AreaGroup))


# The guide's bullet list, split by what each bullet is about, in the guide's order per section.
_RULES: tuple[_Rule, ...] = (
    _rule("skin.mild_products", Section.SKIN, _G.FACE, _G.BODY),
    _rule("skin.fragrance_free_moisturizer", Section.SKIN, _G.FACE, _G.BODY),
    _rule("face.no_makeup_24h", Section.SKIN, _G.FACE),
    _rule("skin.gentle_routine", Section.SKIN, _G.FACE, _G.BODY),
    _rule("hair.gentle_shampoo", Section.HAIR, _G.SCALP),
    _rule("hair.no_coloring_or_perming", Section.HAIR, _G.SCALP),
    _rule("hair.minimize_heat_styling", Section.HAIR, _G.SCALP),
    _rule("hair.no_tight_hairstyles", Section.HAIR, _G.SCALP),
    _rule("hair.gentle_routine", Section.HAIR, _G.SCALP),
    _rule("everyone.sun_protection", Section.EVERYONE),
    _rule("everyone.no_heavy_workouts", Section.EVERYONE),
    _rule("everyone.no_chlorine_or_sauna", Section.EVERYONE),
    _rule("everyone.diet_and_hydration", Section.EVERYONE),
    _rule("everyone.follow_up_sessions", Section.EVERYONE),
)

EVERYONE_INSTRUCTIONS: tuple[str, ...] = tuple(
    r.code for r in _RULES if r.section is Section.EVERYONE
)
GROUP_INSTRUCTIONS: Mapping[AreaGroup, tuple[str, ...]] = MappingProxyType(
    {
        g: tuple(r.code for r in _RULES if g in r.groups and r.section is not Section.EVERYONE)
        for g in AreaGroup
    }
)
"""The instructions each area group adds to the ones for everyone."""

SIDE_EFFECTS: tuple[str, ...] = (
    "side_effect.redness_swelling",
    "side_effect.bruising",
    "side_effect.itching_soreness",
    "side_effect.pigmentation_changes",
    "side_effect.nodules",
)
"""Every passing side effect and risk the guide names, in its order; allergic reactions and
infection are not here but in CALL_THE_CLINIC_IF, since they need the clinic at once."""

DARKER_SKIN_TYPES = frozenset({4, 5, 6})
"""Fitzpatrick IV-VI: the guide's "darker skin types", with a slight risk of pigmentation change."""

_DARKER_SKIN_ONLY = frozenset({"side_effect.pigmentation_changes"})
CALL_THE_CLINIC_IF: tuple[str, ...] = (
    "call.unusual_or_prolonged",
    "call.allergic_reaction",
    "call.infection",
)


@dataclass(frozen=True, slots=True)
class Instruction:
    code: str
    text: str

    def as_context(self) -> dict[str, str]:
        return {"code": self.code, "text": self.text}


@dataclass(frozen=True, slots=True)
class AftercareSection:
    key: Section
    title: str
    instructions: tuple[Instruction, ...]

    def as_context(self) -> dict[str, Any]:
        return {
            "key": str(self.key),
            "title": self.title,
            "instructions": [i.as_context() for i in self.instructions],
        }


@dataclass(frozen=True, slots=True)
class AftercarePlan:
    """What a patient is told after a session, for the areas that were treated."""

    locale: str
    areas: tuple[str, ...]
    """Canonical area codes, in the order given, without repeats; unrecognised ones as cleaned."""
    area_names: tuple[str, ...]
    groups: frozenset[AreaGroup]
    sections: tuple[AftercareSection, ...]
    side_effects: tuple[Instruction, ...]
    call_the_clinic_if: tuple[Instruction, ...]
    unrecognised_areas: tuple[str, ...]
    """Areas the plan did not know and treated as body skin; worth a log line."""

    @property
    def instruction_codes(self) -> tuple[str, ...]:
        return tuple(i.code for s in self.sections for i in s.instructions)

    def section(self, key: Section) -> AftercareSection | None:
        return next((s for s in self.sections if s.key is key), None)

    def as_context(self) -> dict[str, Any]:
        """The aftercare and side_effect_checkin template variables this plan provides."""
        return {
            "treated_areas": list(self.area_names),
            "sections": [s.as_context() for s in self.sections],
            "side_effects": [i.as_context() for i in self.side_effects],
            "call_the_clinic_if": [i.as_context() for i in self.call_the_clinic_if],
        }


def normalise_area(name: str) -> str:
    """The canonical code of an area name: 'Décolleté' -> 'decollete', 'upper arms' -> 'arms'."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    code = re.sub(r"[\s\-]+", "_", ascii_only.strip().lower())
    return _ALIASES.get(code, code)


def area_group(area: str) -> AreaGroup | None:
    """The group of a known area, or None for an area the plan does not know."""
    return AREA_GROUPS.get(normalise_area(area))


def catalog_locale(locale: str | None) -> str:
    """The locale whose wording is used: the language of `locale` if it has a catalog, else en."""
    language = re.split(r"[-_]", (locale or "").strip().lower(), maxsplit=1)[0]
    return language if language in CATALOGS else DEFAULT_LOCALE


def _text(code: str, catalog: Mapping[str, str]) -> str:
    return catalog.get(code) or EN[code]


def side_effects_for(skin_type: int | None) -> tuple[str, ...]:
    """The side effects to name to a patient of Fitzpatrick `skin_type` (None: not known).

    The guide puts the risk of pigmentation changes on darker skin types; telling it to
    everyone would worry patients it does not concern, and an unknown type is not assumed dark.
    """
    darker = skin_type in DARKER_SKIN_TYPES
    return tuple(c for c in SIDE_EFFECTS if darker or c not in _DARKER_SKIN_ONLY)


def aftercare_plan(
    areas: Iterable[str],
    *,
    locale: str | None = DEFAULT_LOCALE,
    skin_type: int | None = None,
) -> AftercarePlan:
    """The instructions for the groups of the treated areas plus those for everyone.

    No areas at all gives only the instructions for everyone. `skin_type` (Fitzpatrick 1-6,
    None when not known) decides whether pigmentation changes are named.
    """
    resolved = catalog_locale(locale)
    catalog = CATALOGS[resolved]
    codes: list[str] = []
    unrecognised: list[str] = []
    for raw in areas:
        code = normalise_area(raw)
        if not code or code in codes:
            continue
        codes.append(code)
        if code not in AREA_GROUPS:
            unrecognised.append(code)
    groups = frozenset(AREA_GROUPS.get(c, UNRECOGNISED_AREA_GROUP) for c in codes)

    sections: list[AftercareSection] = []
    for key in Section:
        chosen = tuple(
            Instruction(r.code, _text(r.code, catalog))
            for r in _RULES
            if r.section is key and (key is Section.EVERYONE or r.groups & groups)
        )
        if chosen:
            sections.append(AftercareSection(key, _text(f"section.{key}", catalog), chosen))

    return AftercarePlan(
        locale=resolved,
        areas=tuple(codes),
        area_names=tuple(
            catalog.get(f"area.{c}") or EN.get(f"area.{c}") or c.replace("_", " ") for c in codes
        ),
        groups=groups,
        sections=tuple(sections),
        side_effects=tuple(Instruction(c, _text(c, catalog)) for c in side_effects_for(skin_type)),
        call_the_clinic_if=tuple(Instruction(c, _text(c, catalog)) for c in CALL_THE_CLINIC_IF),
        unrecognised_areas=tuple(unrecognised),
    )
