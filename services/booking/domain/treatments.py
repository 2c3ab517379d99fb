"""Treatment types: what is done, for which concern, on which areas, and for how long.

Decisions (the guide: "Expect your treatment to last between 30 and 60 minutes, depending on
the size of the area being treated"):
- A `treatment` (an injection session, whether part of a course or a maintenance session)
  lasts 30-60 min. Its suggested duration grows with the total size of the areas: small areas
  count 1, medium 2, large 3; 15 min plus 15 min per unit, capped at 60 (neck alone 30 min,
  face 45, abdomen 60, face + neck 60).
- A `consultation` (assessment, medical history, goals, the plan) and a `follow_up` (a review
  of results and side effects, no injections) involve no injection time, so they may be
  shorter: 15-60 min; suggested 30 and 15 min.
- After every appointment the room and devices are cleaned and disinfected: the buffer, 15 min
  after a treatment (needles, sharps, injection sites), 5 min after the other kinds. A clinic may
  set any buffer from 0 to 60 min on the treatment type.
- Only a `treatment` needs a consultation for the same indication first (the rule is in
  `consultations`): the guide's consultation is where the practitioner takes the medical history
  before anything is injected. A follow-up injects nothing, so it needs none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType
from uuid import UUID

from shared.errors import Invalid


class TreatmentKind(StrEnum):
    consultation = "consultation"
    treatment = "treatment"
    follow_up = "follow_up"


class Indication(StrEnum):
    skin_rejuvenation = "skin_rejuvenation"
    hair_loss = "hair_loss"
    fat_reduction = "fat_reduction"
    cellulite = "cellulite"
    scars_stretch_marks = "scars_stretch_marks"
    pigmentation = "pigmentation"


class Area(StrEnum):
    face = "face"
    neck = "neck"
    decollete = "decollete"
    scalp = "scalp"
    hands = "hands"
    arms = "arms"
    abdomen = "abdomen"
    flanks = "flanks"
    thighs = "thighs"
    buttocks = "buttocks"


class AreaSize(StrEnum):
    small = "small"
    medium = "medium"
    large = "large"


AREA_SIZE = MappingProxyType(
    {
        Area.neck: AreaSize.small,
        Area.hands: AreaSize.small,
        Area.face: AreaSize.medium,
        Area.decollete: AreaSize.medium,
        Area.scalp: AreaSize.medium,
        Area.arms: AreaSize.medium,
        Area.flanks: AreaSize.medium,
        Area.abdomen: AreaSize.large,
        Area.thighs: AreaSize.large,
        Area.buttocks: AreaSize.large,
    }
)

_SIZE_UNITS = MappingProxyType({AreaSize.small: 1, AreaSize.medium: 2, AreaSize.large: 3})

DURATION_BOUNDS = MappingProxyType(
    {
        TreatmentKind.treatment: (timedelta(minutes=30), timedelta(minutes=60)),
        TreatmentKind.consultation: (timedelta(minutes=15), timedelta(minutes=60)),
        TreatmentKind.follow_up: (timedelta(minutes=15), timedelta(minutes=60)),
    }
)

DEFAULT_BUFFER = MappingProxyType(
    {
        TreatmentKind.treatment: timedelta(minutes=15),
        TreatmentKind.consultation: timedelta(minutes=5),
        TreatmentKind.follow_up: timedelta(minutes=5),
    }
)

MAX_BUFFER = timedelta(minutes=60)

_SUGGESTED_WITHOUT_INJECTIONS = MappingProxyType(
    {
        TreatmentKind.consultation: timedelta(minutes=30),
        TreatmentKind.follow_up: timedelta(minutes=15),
    }
)


def suggested_duration(kind: TreatmentKind, areas: Iterable[Area]) -> timedelta:
    """How long to book, from the kind and the total size of the treated areas."""
    if kind is not TreatmentKind.treatment:
        return _SUGGESTED_WITHOUT_INJECTIONS[kind]
    units = sum(_SIZE_UNITS[AREA_SIZE[area]] for area in set(areas))
    low, high = DURATION_BOUNDS[kind]
    return min(max(timedelta(minutes=15 + 15 * units), low), high)


def check_duration(kind: TreatmentKind, duration: timedelta) -> None:
    """Raise Invalid (field `duration`) unless whole minutes within the kind's bounds."""
    low, high = DURATION_BOUNDS[kind]
    if duration % timedelta(minutes=1):
        raise Invalid("duration must be a whole number of minutes.", field="duration")
    if not low <= duration <= high:
        raise Invalid(
            f"A {kind.value} lasts {low.seconds // 60}-{high.seconds // 60} min.",
            field="duration",
        )


def check_buffer(buffer: timedelta) -> None:
    """Raise Invalid (field `buffer`) unless whole minutes from 0 to 60."""
    if buffer % timedelta(minutes=1) or not timedelta(0) <= buffer <= MAX_BUFFER:
        raise Invalid(
            "The cleaning buffer is a whole number of minutes from 0 to 60.", field="buffer"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TreatmentType:
    """A bookable service of a network; `define_treatment_type` fills in the defaults."""

    id: UUID
    kind: TreatmentKind
    indication: Indication
    areas: frozenset[Area]
    duration: timedelta
    buffer: timedelta

    def __post_init__(self) -> None:
        if self.kind is TreatmentKind.treatment and not self.areas:
            raise Invalid("A treatment names at least one area.", field="areas")
        check_duration(self.kind, self.duration)
        check_buffer(self.buffer)

    @property
    def occupies(self) -> timedelta:
        """How long practitioner and room are taken: treatment plus cleaning buffer."""
        return self.duration + self.buffer


def define_treatment_type(
    *,
    id: UUID,
    kind: TreatmentKind,
    indication: Indication,
    areas: Iterable[Area] = (),
    duration: timedelta | None = None,
    buffer: timedelta | None = None,
) -> TreatmentType:
    """A validated treatment type; duration from the areas and buffer from the kind by default."""
    area_set = frozenset(areas)
    return TreatmentType(
        id=id,
        kind=kind,
        indication=indication,
        areas=area_set,
        duration=suggested_duration(kind, area_set) if duration is None else duration,
        buffer=DEFAULT_BUFFER[kind] if buffer is None else buffer,
    )
