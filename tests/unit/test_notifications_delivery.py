"""Messages take a channel the recipient can and will receive, and failures retry sensibly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifications.domain import (
    MAX_ATTEMPTS,
    Channel,
    FailureKind,
    GiveUp,
    MessageKind,
    RetryAt,
    Skip,
    SkipReason,
    after_failure,
    choose_channel,
    classify_http_status,
    classify_smtp_reply,
    retry_delay,
)

EMAIL = "ana@example.test"
PHONE = "+34600000000"
AFTERCARE = MessageKind.AFTERCARE


class TestRetryDelay:
    def test_starts_at_thirty_seconds_and_doubles(self) -> None:
        assert [retry_delay(n) for n in range(1, 6)] == [
            timedelta(seconds=30),
            timedelta(minutes=1),
            timedelta(minutes=2),
            timedelta(minutes=4),
            timedelta(minutes=8),
        ]

    def test_never_exceeds_the_cap(self) -> None:
        assert retry_delay(20) == timedelta(hours=1)
        assert retry_delay(1_000_000) == timedelta(hours=1)

    def test_base_and_cap_can_be_chosen(self) -> None:
        base, cap = timedelta(seconds=10), timedelta(seconds=50)
        delays = [retry_delay(n, base=base, cap=cap) for n in range(1, 5)]
        assert delays == [timedelta(seconds=s) for s in (10, 20, 40, 50)]

    @settings(max_examples=50, deadline=None)
    @given(st.integers(1, 10_000))
    def test_never_shrinks_from_one_attempt_to_the_next(self, attempt: int) -> None:
        assert retry_delay(attempt) <= retry_delay(attempt + 1)

    def test_refuses_attempt_zero(self) -> None:
        with pytest.raises(ValueError):
            retry_delay(0)


class TestAfterFailure:
    failed_at = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

    def test_a_temporary_failure_is_retried_after_the_backoff(self) -> None:
        outcome = after_failure(3, FailureKind.TEMPORARY, self.failed_at)
        assert outcome == RetryAt(self.failed_at + timedelta(minutes=2))

    def test_a_permanent_failure_gives_up_at_once_with_the_reason(self) -> None:
        outcome = after_failure(1, FailureKind.PERMANENT, self.failed_at, detail="550 no mailbox")
        assert isinstance(outcome, GiveUp)
        assert "550 no mailbox" in outcome.reason

    def test_a_temporary_failure_on_the_last_attempt_gives_up(self) -> None:
        outcome = after_failure(MAX_ATTEMPTS, FailureKind.TEMPORARY, self.failed_at)
        assert isinstance(outcome, GiveUp)
        assert str(MAX_ATTEMPTS) in outcome.reason

    def test_all_attempts_together_span_about_an_hour(self) -> None:
        total = sum((retry_delay(n) for n in range(1, MAX_ATTEMPTS)), timedelta())
        assert timedelta(minutes=45) <= total <= timedelta(hours=2)


class TestFailureClassification:
    @pytest.mark.parametrize("code", [421, 450, 451, 452, None])
    def test_smtp_4xx_and_a_lost_connection_are_temporary(self, code: int | None) -> None:
        assert classify_smtp_reply(code) is FailureKind.TEMPORARY

    @pytest.mark.parametrize("code", [550, 551, 552, 553, 554])
    def test_smtp_5xx_is_permanent(self, code: int) -> None:
        assert classify_smtp_reply(code) is FailureKind.PERMANENT

    @pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 425, 429, None])
    def test_http_server_errors_timeouts_and_rate_limits_are_temporary(
        self, status: int | None
    ) -> None:
        assert classify_http_status(status) is FailureKind.TEMPORARY

    @pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
    def test_other_http_client_errors_are_permanent(self, status: int) -> None:
        assert classify_http_status(status) is FailureKind.PERMANENT

    def test_a_success_code_is_not_a_failure(self) -> None:
        with pytest.raises(ValueError):
            classify_smtp_reply(250)
        with pytest.raises(ValueError):
            classify_http_status(202)


class TestChannelChoice:
    def test_the_preferred_channel_is_used_when_possible(self) -> None:
        assert choose_channel(Channel.SMS, EMAIL, PHONE, set(), AFTERCARE) is Channel.SMS
        assert choose_channel(Channel.EMAIL, EMAIL, PHONE, set(), AFTERCARE) is Channel.EMAIL

    def test_without_a_preference_email_comes_first(self) -> None:
        assert choose_channel(None, EMAIL, PHONE, set(), AFTERCARE) is Channel.EMAIL

    def test_an_opted_out_preference_falls_back_to_the_other_channel(self) -> None:
        assert choose_channel("email", EMAIL, PHONE, {"email"}, AFTERCARE) is Channel.SMS
        assert choose_channel("sms", EMAIL, PHONE, {Channel.SMS}, AFTERCARE) is Channel.EMAIL

    def test_a_missing_contact_falls_back_to_the_other_channel(self) -> None:
        assert choose_channel("email", None, PHONE, set(), AFTERCARE) is Channel.SMS
        assert choose_channel("sms", EMAIL, "  ", set(), AFTERCARE) is Channel.EMAIL

    def test_no_contact_details_at_all_is_skipped_saying_so(self) -> None:
        assert choose_channel("email", None, "", set(), AFTERCARE) == Skip(
            SkipReason.NO_CONTACT_DETAILS, "email: no email address; sms: no phone number"
        )

    def test_opted_out_of_the_only_channel_with_details_is_skipped_as_opted_out(self) -> None:
        assert choose_channel("email", EMAIL, None, {"email"}, AFTERCARE) == Skip(
            SkipReason.OPTED_OUT, "email: opted out; sms: no phone number"
        )

    def test_opted_out_of_both_is_skipped_as_opted_out(self) -> None:
        outcome = choose_channel("sms", EMAIL, PHONE, {"email", "sms"}, AFTERCARE)
        assert outcome == Skip(SkipReason.OPTED_OUT, "sms: opted out; email: opted out")

    def test_opt_outs_of_other_channels_do_not_matter(self) -> None:
        assert choose_channel("email", EMAIL, PHONE, {"webhook"}, AFTERCARE) is Channel.EMAIL


class TestMarketingConsent:
    def test_a_maintenance_reminder_is_care_and_needs_no_marketing_consent(self) -> None:
        outcome = choose_channel("email", EMAIL, PHONE, set(), MessageKind.MAINTENANCE_REMINDER)
        assert outcome is Channel.EMAIL

    def test_an_opt_out_still_holds_for_a_maintenance_reminder(self) -> None:
        kind = MessageKind.MAINTENANCE_REMINDER
        assert choose_channel("email", EMAIL, PHONE, {"email"}, kind) is Channel.SMS
        outcome = choose_channel("email", EMAIL, PHONE, {"email", "sms"}, kind)
        assert isinstance(outcome, Skip)
        assert outcome.reason is SkipReason.OPTED_OUT

    @pytest.mark.parametrize("kind", list(MessageKind))
    def test_no_message_needs_marketing_consent(self, kind: MessageKind) -> None:
        assert choose_channel("email", EMAIL, PHONE, set(), kind) is Channel.EMAIL
