"""Each message kind says who it is for, whether it is promotional or urgent, and its variables."""

from __future__ import annotations

import pytest

from services.notifications.domain import (
    ADMIN_ALERTS,
    KIND_SPECS,
    Audience,
    MessageKind,
    Purpose,
    UnknownMessageKind,
    allowed_variables,
    kind_spec,
)


class TestKindSpecs:
    def test_every_kind_has_a_spec(self) -> None:
        assert set(KIND_SPECS) == set(MessageKind)

    def test_only_the_safety_alerts_practitioner_recall_and_admin_alerts_go_to_staff(
        self,
    ) -> None:
        staff = {k for k, s in KIND_SPECS.items() if s.audience is Audience.STAFF}
        assert staff == {
            MessageKind.ADVERSE_EVENT_ALERT,
            MessageKind.UNCHECKED_ADMINISTRATION_ALERT,
            MessageKind.RECALL_NOTICE_PRACTITIONER,
            *ADMIN_ALERTS,
        }

    def test_a_disabled_webhook_endpoint_is_told_to_admins_with_what_the_caller_knows(
        self,
    ) -> None:
        spec = kind_spec("webhook_endpoint_disabled")
        assert MessageKind.WEBHOOK_ENDPOINT_DISABLED in ADMIN_ALERTS
        assert (spec.audience, spec.purpose, spec.urgent) == (
            Audience.STAFF,
            Purpose.TRANSACTIONAL,
            False,
        )
        assert set(spec.variables) == {
            "endpoint_url",
            "endpoint_id",
            "endpoint_description",
            "reason",
            "failing_since",
        }
        assert spec.optional == {"endpoint_description"}

    def test_only_staff_safety_messages_bypass_quiet_hours(self) -> None:
        urgent = {k for k, s in KIND_SPECS.items() if s.urgent}
        assert urgent == {
            MessageKind.ADVERSE_EVENT_ALERT,
            MessageKind.UNCHECKED_ADMINISTRATION_ALERT,
            MessageKind.RECALL_NOTICE_PRACTITIONER,
        }

    def test_no_kind_is_promotional_maintenance_reminders_are_care(self) -> None:
        promotional = {k for k, s in KIND_SPECS.items() if s.purpose is Purpose.PROMOTIONAL}
        assert promotional == set()
        assert kind_spec("maintenance_reminder").purpose is Purpose.TRANSACTIONAL
        assert not kind_spec("maintenance_reminder").needs_marketing_consent

    def test_a_consultation_summary_is_a_patient_message_whose_plan_may_be_absent(self) -> None:
        spec = kind_spec("consultation_summary")
        assert spec.audience is Audience.PATIENT
        assert not spec.urgent
        assert spec.optional == {
            "plan_treatment_name",
            "plan_sessions",
            "plan_interval_days",
            "plan_maintenance_interval_days",
        }

    @pytest.mark.parametrize("kind", list(MessageKind))
    def test_every_kind_may_use_the_branding_and_the_greeting(self, kind: MessageKind) -> None:
        assert {
            "network_name",
            "clinic_name",
            "clinic_phone",
            "signature",
            "recipient_name",
        } <= allowed_variables(kind)

    def test_a_kind_may_not_use_another_kinds_variables(self) -> None:
        assert "lot_number" in allowed_variables("recall_notice_patient")
        assert "lot_number" not in allowed_variables("aftercare")

    def test_optional_variables_are_variables_of_the_kind(self) -> None:
        for spec in KIND_SPECS.values():
            assert spec.optional <= set(spec.variables)


class TestUnknownKind:
    def test_is_a_422_naming_the_kind_field(self) -> None:
        with pytest.raises(UnknownMessageKind) as caught:
            kind_spec("birthday_greeting")
        problem = caught.value.to_problem()
        assert problem["status"] == 422
        assert problem["errors"][0]["field"] == "kind"
        assert "birthday_greeting" in problem["detail"]
