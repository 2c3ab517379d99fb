"""The consultation's forms read into records' and booking's bodies, and when a consultation
is being held (from booking's answer, never a rule of the console's own)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.booking.domain import Status, allowed_actions
from services.gateway.console.clients.booking import Appointment
from services.gateway.console.clients.calls import FieldError
from services.gateway.console.forms.consultation import (
    history_body,
    history_field_errors,
    plan_body,
    plan_field_errors,
)
from services.gateway.console.pages.consultation import held


def consultation(status: Status, kind: str = "consultation") -> Appointment:
    return Appointment(
        id=str(uuid4()),
        clinic_id=str(uuid4()),
        practitioner_id=str(uuid4()),
        patient_id=str(uuid4()),
        treatment_type_id=str(uuid4()),
        kind=kind,
        indication="hair_loss",
        status=status.value,
        allowed_actions=[a.path for a in allowed_actions(status)],
        start="2026-12-14T09:00:00+01:00",
        end="2026-12-14T09:30:00+01:00",
    )


class TestWhenAConsultationIsHeld:
    @pytest.mark.parametrize("status", list(Status), ids=str)
    def test_from_check_in_until_it_completes(self, status: Status) -> None:
        expected = status in (Status.checked_in, Status.in_progress)
        assert held(consultation(status)) is expected

    def test_a_treatment_is_not_a_consultation(self) -> None:
        assert not held(consultation(Status.in_progress, kind="treatment"))


class TestTheHistoryForm:
    def test_reads_the_texts_the_ticked_codes_the_version_and_the_consultation(self) -> None:
        errors: dict[str, str] = {}
        body = history_body(
            {
                "medical_history": "  None of note. ",
                "treatment_goals": "Thicker hair",
                "indication_hair_loss": "1",
                "area_scalp": "1",
                "area_nowhere": "1",
                "version": "3",
            },
            "a1",
            errors,
        )
        assert errors == {}
        assert body.as_json() == {
            "medical_history": "None of note.",
            "treatment_goals": "Thicker hair",
            "indications": ["hair_loss"],
            "areas": ["scalp"],
            "consultation_appointment_id": "a1",
            "expected_version": 3,
        }

    def test_too_long_is_told_at_its_field(self) -> None:
        errors: dict[str, str] = {}
        history_body({"treatment_goals": "x" * 5001, "version": "0"}, "a1", errors)
        assert set(errors) == {"treatment_goals"}

    def test_records_field_messages_land_on_the_groups(self) -> None:
        errors = history_field_errors(
            [FieldError(field="indications.0", message="Value error, unknown indication")]
        )
        assert errors == {"indications": "Unknown indication."}


class TestThePlanForm:
    def test_reads_the_numbers_and_prices_the_plan_at_the_clinic(self) -> None:
        errors: dict[str, str] = {}
        body = plan_body(
            {"treatment_type_id": "t1", "sessions_planned": "6", "interval_days": "21"},
            patient_id="p1",
            clinic_id="c1",
            offered=["t1"],
            errors=errors,
        )
        assert errors == {}
        assert body is not None
        assert body.as_json() == {
            "patient_id": "p1",
            "treatment_type_id": "t1",
            "clinic_id": "c1",
            "sessions_planned": 6,
            "interval_days": 21,
        }

    def test_what_is_missing_or_not_a_number_is_told_at_its_field(self) -> None:
        errors: dict[str, str] = {}
        body = plan_body(
            {
                "treatment_type_id": "t9",
                "sessions_planned": "",
                "interval_days": "two weeks",
                "maintenance_interval_days": "-5",
            },
            patient_id="p1",
            clinic_id="c1",
            offered=["t1"],
            errors=errors,
        )
        assert body is None
        assert set(errors) == {
            "treatment_type_id",
            "sessions_planned",
            "interval_days",
            "maintenance_interval_days",
        }

    def test_bookings_range_is_bookings_to_say_at_the_field(self) -> None:
        errors = plan_field_errors(
            [
                FieldError(
                    field="sessions_planned", message="Input should be less than or equal to 52"
                )
            ]
        )
        assert errors == {"sessions_planned": "Input should be less than or equal to 52."}
