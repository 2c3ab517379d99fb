"""Treatment types: durations by area size, cleaning buffers, and the consultation rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.booking.domain import (
    AREA_SIZE,
    Area,
    AreaSize,
    Consultation,
    ConsultationNotCompleted,
    ConsultationRequired,
    Indication,
    Status,
    TreatmentKind,
    TreatmentType,
    check_buffer,
    check_duration,
    check_startable,
    consultation_for_booking,
    define_treatment_type,
    requires_consultation,
    suggested_duration,
)
from shared.errors import DomainError, Invalid

MIN = timedelta(minutes=1)
MONDAY = datetime(2030, 6, 3, tzinfo=UTC)


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


def _consultation(
    status: Status, hour: int, indication: Indication = Indication.hair_loss
) -> Consultation:
    return Consultation(
        id=uuid4(), indication=indication, status=status, starts_at=MONDAY.replace(hour=hour)
    )


class TestConsultationFirst:
    def test_only_a_treatment_requires_a_consultation(self) -> None:
        assert requires_consultation(TreatmentKind.treatment)
        assert not requires_consultation(TreatmentKind.consultation)
        assert not requires_consultation(TreatmentKind.follow_up)

    @pytest.mark.parametrize(
        "status", [Status.booked, Status.checked_in, Status.in_progress, Status.completed]
    )
    def test_a_treatment_may_be_booked_after_a_consultation_that_stands(
        self, status: Status
    ) -> None:
        consultation = _consultation(status, 9)
        assert (
            consultation_for_booking(
                kind=TreatmentKind.treatment,
                indication=Indication.hair_loss,
                starts_at=MONDAY.replace(hour=10),
                consultations=[consultation],
            )
            == consultation
        )

    @pytest.mark.parametrize("status", [Status.cancelled, Status.no_show])
    def test_a_cancelled_or_missed_consultation_does_not_count(self, status: Status) -> None:
        with pytest.raises(ConsultationRequired) as caught:
            consultation_for_booking(
                kind=TreatmentKind.treatment,
                indication=Indication.hair_loss,
                starts_at=MONDAY.replace(hour=10),
                consultations=[_consultation(status, 9)],
            )
        assert isinstance(caught.value, DomainError)
        assert caught.value.status == 422
        assert caught.value.to_problem()["type"].endswith("/consultation-required")
        assert caught.value.extra["indication"] == "hair_loss"

    def test_a_completed_consultation_counts_whenever_it_was_booked(self) -> None:
        # It has been held, and nothing is booked in the past: it is before any treatment.
        completed = _consultation(Status.completed, 11)
        assert (
            consultation_for_booking(
                kind=TreatmentKind.treatment,
                indication=Indication.hair_loss,
                starts_at=MONDAY.replace(hour=10),
                consultations=[completed],
            )
            == completed
        )

    def test_a_consultation_still_to_come_must_start_before_the_treatment(self) -> None:
        with pytest.raises(ConsultationRequired):
            consultation_for_booking(
                kind=TreatmentKind.treatment,
                indication=Indication.hair_loss,
                starts_at=MONDAY.replace(hour=10),
                consultations=[_consultation(Status.booked, 10), _consultation(Status.booked, 11)],
            )

    def test_a_consultation_for_another_indication_does_not_count(self) -> None:
        with pytest.raises(ConsultationRequired):
            consultation_for_booking(
                kind=TreatmentKind.treatment,
                indication=Indication.hair_loss,
                consultations=[_consultation(Status.completed, 9, Indication.cellulite)],
            )

    def test_without_a_time_any_standing_one_will_do_a_completed_one_first(self) -> None:
        booked, completed = _consultation(Status.booked, 8), _consultation(Status.completed, 9)
        found = consultation_for_booking(
            kind=TreatmentKind.treatment,
            indication=Indication.hair_loss,
            consultations=[booked, completed],
        )
        assert found == completed

    def test_a_first_consultation_or_follow_up_needs_nothing_before_it(self) -> None:
        for kind in (TreatmentKind.consultation, TreatmentKind.follow_up):
            assert (
                consultation_for_booking(
                    kind=kind, indication=Indication.cellulite, consultations=[]
                )
                is None
            )
            check_startable(kind=kind, indication=Indication.cellulite, consultations=[])


class TestStartNeedsTheConsultationCompleted:
    def test_a_completed_consultation_lets_the_treatment_start(self) -> None:
        check_startable(
            kind=TreatmentKind.treatment,
            indication=Indication.hair_loss,
            consultations=[_consultation(Status.booked, 8), _consultation(Status.completed, 9)],
        )

    def test_a_booked_consultation_is_named_in_a_409(self) -> None:
        open_one = _consultation(Status.checked_in, 9)
        with pytest.raises(ConsultationNotCompleted) as caught:
            check_startable(
                kind=TreatmentKind.treatment,
                indication=Indication.hair_loss,
                consultations=[_consultation(Status.cancelled, 8), open_one],
            )
        problem = caught.value.to_problem()
        assert problem["status"] == 409
        assert problem["type"].endswith("/consultation-not-completed")
        assert problem["consultation_id"] == str(open_one.id)
        assert problem["consultation_status"] == "checked_in"
        assert str(open_one.id) in problem["detail"]

    def test_no_standing_consultation_is_a_consultation_required(self) -> None:
        with pytest.raises(ConsultationRequired):
            check_startable(
                kind=TreatmentKind.treatment,
                indication=Indication.hair_loss,
                consultations=[_consultation(Status.no_show, 9)],
            )
