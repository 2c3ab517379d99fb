"""Treatment types: durations by area size, cleaning buffers, and the consultation rule."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from services.booking.domain import (
    AREA_SIZE,
    Area,
    AreaSize,
    ConsultationRequired,
    Indication,
    TreatmentKind,
    TreatmentType,
    check_buffer,
    check_consultation_completed,
    check_duration,
    define_treatment_type,
    requires_completed_consultation,
    suggested_duration,
)
from shared.errors import DomainError, Invalid

MIN = timedelta(minutes=1)


class TestSuggestedDuration:
    @pytest.mark.parametrize(
        ("areas", "minutes"),
        [
            ({Area.neck}, 30),
            ({Area.hands}, 30),
            ({Area.face}, 45),
            ({Area.scalp}, 45),
            ({Area.abdomen}, 60),
            ({Area.neck, Area.hands}, 45),
            ({Area.face, Area.neck}, 60),
            ({Area.thighs, Area.buttocks, Area.abdomen}, 60),
        ],
    )
    def test_a_treatment_takes_longer_for_larger_areas(
        self, areas: set[Area], minutes: int
    ) -> None:
        assert suggested_duration(TreatmentKind.treatment, areas) == minutes * MIN

    def test_every_suggested_treatment_lies_within_the_guides_30_to_60_minutes(self) -> None:
        for area in Area:
            assert 30 * MIN <= suggested_duration(TreatmentKind.treatment, {area}) <= 60 * MIN
        assert suggested_duration(TreatmentKind.treatment, set(Area)) == 60 * MIN

    def test_consultations_and_follow_ups_are_shorter_and_ignore_areas(self) -> None:
        assert suggested_duration(TreatmentKind.consultation, {Area.thighs}) == 30 * MIN
        assert suggested_duration(TreatmentKind.follow_up, ()) == 15 * MIN

    def test_every_area_has_a_size(self) -> None:
        assert set(AREA_SIZE) == set(Area)
        assert AREA_SIZE[Area.hands] is AreaSize.small
        assert AREA_SIZE[Area.buttocks] is AreaSize.large


class TestDurationLimits:
    @pytest.mark.parametrize("minutes", [30, 45, 60])
    def test_a_treatment_of_30_to_60_minutes_is_accepted(self, minutes: int) -> None:
        check_duration(TreatmentKind.treatment, minutes * MIN)

    @pytest.mark.parametrize("minutes", [15, 29, 61, 90])
    def test_a_treatment_outside_30_to_60_minutes_names_the_duration_field(
        self, minutes: int
    ) -> None:
        with pytest.raises(Invalid) as caught:
            check_duration(TreatmentKind.treatment, minutes * MIN)
        assert caught.value.extra["errors"][0]["field"] == "duration"

    def test_a_consultation_may_be_15_minutes_but_not_10(self) -> None:
        check_duration(TreatmentKind.consultation, 15 * MIN)
        with pytest.raises(Invalid):
            check_duration(TreatmentKind.consultation, 10 * MIN)

    def test_a_duration_with_seconds_is_refused(self) -> None:
        with pytest.raises(Invalid, match="whole number of minutes"):
            check_duration(TreatmentKind.treatment, timedelta(minutes=45, seconds=30))


class TestCleaningBuffer:
    def test_a_treatment_defaults_to_15_minutes_of_cleaning_and_a_consultation_to_5(
        self,
    ) -> None:
        session = define_treatment_type(
            id=uuid4(),
            kind=TreatmentKind.treatment,
            indication=Indication.cellulite,
            areas=[Area.thighs],
        )
        talk = define_treatment_type(
            id=uuid4(), kind=TreatmentKind.consultation, indication=Indication.cellulite
        )
        assert session.buffer == 15 * MIN
        assert session.occupies == 75 * MIN
        assert talk.buffer == 5 * MIN

    @pytest.mark.parametrize("buffer", [timedelta(0), 60 * MIN])
    def test_a_buffer_from_0_to_60_minutes_is_accepted(self, buffer: timedelta) -> None:
        check_buffer(buffer)

    @pytest.mark.parametrize("buffer", [-MIN, 61 * MIN, timedelta(seconds=30)])
    def test_another_buffer_names_the_buffer_field(self, buffer: timedelta) -> None:
        with pytest.raises(Invalid) as caught:
            check_buffer(buffer)
        assert caught.value.extra["errors"][0]["field"] == "buffer"


class TestTreatmentTypes:
    def test_defaults_follow_the_areas(self) -> None:
        kind = define_treatment_type(
            id=uuid4(),
            kind=TreatmentKind.treatment,
            indication=Indication.hair_loss,
            areas=[Area.scalp],
        )
        assert kind.duration == 45 * MIN
        assert kind.areas == frozenset({Area.scalp})

    def test_an_explicit_duration_wins_when_it_is_allowed(self) -> None:
        kind = define_treatment_type(
            id=uuid4(),
            kind=TreatmentKind.treatment,
            indication=Indication.hair_loss,
            areas=[Area.scalp],
            duration=60 * MIN,
            buffer=20 * MIN,
        )
        assert (kind.duration, kind.buffer) == (60 * MIN, 20 * MIN)

    def test_a_treatment_without_areas_is_refused(self) -> None:
        with pytest.raises(Invalid) as caught:
            define_treatment_type(
                id=uuid4(), kind=TreatmentKind.treatment, indication=Indication.pigmentation
            )
        assert caught.value.extra["errors"][0]["field"] == "areas"

    def test_a_stored_type_with_a_too_long_duration_is_refused(self) -> None:
        with pytest.raises(Invalid):
            TreatmentType(
                id=uuid4(),
                kind=TreatmentKind.treatment,
                indication=Indication.fat_reduction,
                areas=frozenset({Area.abdomen}),
                duration=90 * MIN,
                buffer=15 * MIN,
            )


class TestConsultationFirst:
    def test_only_a_treatment_requires_a_completed_consultation(self) -> None:
        assert requires_completed_consultation(TreatmentKind.treatment)
        assert not requires_completed_consultation(TreatmentKind.consultation)
        assert not requires_completed_consultation(TreatmentKind.follow_up)

    def test_a_treatment_after_a_consultation_for_the_same_indication_is_allowed(self) -> None:
        check_consultation_completed(
            kind=TreatmentKind.treatment,
            indication=Indication.hair_loss,
            completed_consultations=[Indication.skin_rejuvenation, Indication.hair_loss],
        )

    def test_a_treatment_after_a_consultation_for_another_indication_is_a_422(self) -> None:
        with pytest.raises(ConsultationRequired) as caught:
            check_consultation_completed(
                kind=TreatmentKind.treatment,
                indication=Indication.hair_loss,
                completed_consultations=[Indication.skin_rejuvenation],
            )
        assert isinstance(caught.value, DomainError)
        assert caught.value.status == 422
        assert caught.value.to_problem()["type"].endswith("/consultation-required")
        assert caught.value.extra["indication"] == "hair_loss"

    def test_a_first_consultation_needs_nothing_before_it(self) -> None:
        check_consultation_completed(
            kind=TreatmentKind.consultation,
            indication=Indication.cellulite,
            completed_consultations=[],
        )
