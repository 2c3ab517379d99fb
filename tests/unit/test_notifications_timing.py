"""Follow-ups land at the right local moment, and quiet hours hold patient messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifications.domain import (
    FollowUpPolicy,
    MessageKind,
    NaiveDatetime,
    PlannedMessage,
    QuietHours,
    is_quiet,
    next_allowed_time,
    plan_after_session,
    release_time,
    reminder_due,
    reminder_send_time,
)

MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")
NIGHT = QuietHours(time(21, 0), time(8, 0))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(tz: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=tz, fold=fold)


def allowed(due: datetime, tz: ZoneInfo, quiet: QuietHours = NIGHT) -> datetime:
    return next_allowed_time(due, tz, quiet.start, quiet.end)


class TestQuietHoursAcrossMidnight:
    def test_a_message_due_late_evening_waits_for_next_morning(self) -> None:
        assert allowed(local(MADRID, 2026, 5, 12, 23, 15), MADRID) == utc(2026, 5, 13, 6, 0)

    def test_a_message_due_after_midnight_waits_until_the_same_morning(self) -> None:
        assert allowed(local(MADRID, 2026, 5, 13, 2, 0), MADRID) == utc(2026, 5, 13, 6, 0)

    def test_the_start_of_quiet_hours_is_already_quiet(self) -> None:
        assert allowed(local(MADRID, 2026, 5, 12, 21, 0), MADRID) == utc(2026, 5, 13, 6, 0)

    def test_the_end_of_quiet_hours_is_allowed(self) -> None:
        due = local(MADRID, 2026, 5, 13, 8, 0)
        assert allowed(due, MADRID) == due

    def test_a_message_due_in_the_day_goes_at_once_in_utc(self) -> None:
        result = allowed(local(MADRID, 2026, 5, 12, 20, 59), MADRID)
        assert result == utc(2026, 5, 12, 18, 59)
        assert result.tzinfo is UTC

    def test_a_daytime_window_holds_until_its_end_the_same_day(self) -> None:
        siesta = QuietHours(time(14, 0), time(16, 30))
        assert allowed(local(MADRID, 2026, 5, 12, 15, 0), MADRID, siesta) == utc(
            2026, 5, 12, 14, 30
        )

    def test_equal_start_and_end_mean_no_quiet_hours(self) -> None:
        due = local(MADRID, 2026, 5, 12, 3, 0)
        assert allowed(due, MADRID, QuietHours(time(0, 0), time(0, 0))) == due

    def test_the_patients_zone_decides_not_utc(self) -> None:
        due = utc(2026, 5, 13, 1, 0)  # 03:00 in Madrid, 21:00 the evening before in New York
        assert allowed(due, MADRID) == utc(2026, 5, 13, 6, 0)
        assert allowed(due, NEW_YORK) == utc(2026, 5, 13, 12, 0)

    def test_a_naive_due_time_is_refused(self) -> None:
        with pytest.raises(NaiveDatetime):
            allowed(datetime(2026, 5, 12, 23, 0), MADRID)


class TestQuietHoursAcrossDaylightSaving:
    def test_madrid_spring_forward_night_ends_at_eight_summer_time(self) -> None:
        due = local(MADRID, 2026, 3, 28, 22, 30)  # CET, UTC+1
        assert allowed(due, MADRID) == utc(2026, 3, 29, 6, 0)  # 08:00 CEST, UTC+2

    def test_madrid_fall_back_night_ends_at_eight_winter_time(self) -> None:
        due = local(MADRID, 2026, 10, 24, 23, 0)  # CEST
        assert allowed(due, MADRID) == utc(2026, 10, 25, 7, 0)  # 08:00 CET

    def test_new_york_spring_forward_night_ends_at_eight_daylight_time(self) -> None:
        due = local(NEW_YORK, 2026, 3, 7, 23, 0)  # EST, UTC-5
        assert allowed(due, NEW_YORK) == utc(2026, 3, 8, 12, 0)  # 08:00 EDT, UTC-4

    def test_new_york_fall_back_night_ends_at_eight_standard_time(self) -> None:
        due = local(NEW_YORK, 2026, 10, 31, 22, 0)  # EDT
        assert allowed(due, NEW_YORK) == utc(2026, 11, 1, 13, 0)  # 08:00 EST

    def test_an_end_inside_the_skipped_hour_releases_when_clocks_jump(self) -> None:
        quiet = QuietHours(time(22, 0), time(2, 30))  # 02:30 does not exist on 8 March 2026
        due = local(NEW_YORK, 2026, 3, 8, 1, 0)
        assert allowed(due, NEW_YORK, quiet) == utc(2026, 3, 8, 7, 0)  # 03:00 EDT

    def test_an_end_inside_the_repeated_hour_releases_at_its_first_pass(self) -> None:
        quiet = QuietHours(time(23, 0), time(1, 30))
        first_pass = local(NEW_YORK, 2026, 11, 1, 1, 10, fold=0)  # EDT
        assert allowed(first_pass, NEW_YORK, quiet) == utc(2026, 11, 1, 5, 30)

    def test_a_message_due_in_the_repeated_hour_is_not_sent_into_the_past(self) -> None:
        quiet = QuietHours(time(23, 0), time(1, 30))
        second_pass = local(NEW_YORK, 2026, 11, 1, 1, 10, fold=1)  # EST
        assert allowed(second_pass, NEW_YORK, quiet) == utc(2026, 11, 1, 6, 30)


windows = st.tuples(
    st.integers(0, 23), st.integers(0, 59), st.integers(0, 23), st.integers(0, 59)
).map(lambda t: QuietHours(time(t[0], t[1]), time(t[2], t[3])))
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


class TestNextAllowedTimeAlways:
    @settings(max_examples=200, deadline=None)
    @given(due=instants, quiet=windows, tz=st.sampled_from([MADRID, NEW_YORK]))
    def test_is_the_first_moment_outside_quiet_hours(
        self, due: datetime, quiet: QuietHours, tz: ZoneInfo
    ) -> None:
        result = next_allowed_time(due, tz, quiet.start, quiet.end)
        assert result >= due
        assert result - due <= timedelta(hours=25)
        assert not is_quiet(result, tz, quiet.start, quiet.end)
        if result > due:
            assert is_quiet(due + (result - due) / 2, tz, quiet.start, quiet.end)
            assert is_quiet(result - timedelta(seconds=1), tz, quiet.start, quiet.end)


class TestUrgentMessages:
    def test_an_adverse_event_alert_is_not_held_by_quiet_hours(self) -> None:
        due = local(MADRID, 2026, 5, 13, 3, 0)
        assert release_time(MessageKind.ADVERSE_EVENT_ALERT, due, MADRID, NIGHT) == due

    def test_patient_aftercare_is_held_until_morning(self) -> None:
        due = local(MADRID, 2026, 5, 13, 3, 0)
        assert release_time(MessageKind.AFTERCARE, due, MADRID, NIGHT) == utc(2026, 5, 13, 6, 0)

    def test_without_quiet_hours_nothing_is_held(self) -> None:
        due = local(MADRID, 2026, 5, 13, 3, 0)
        assert release_time(MessageKind.AFTERCARE, due, MADRID, None) == due


class TestPlanAfterSession:
    def test_plans_aftercare_now_checkin_next_day_and_both_reminders(self) -> None:
        completed = local(MADRID, 2026, 4, 14, 12, 0)
        plan = plan_after_session(completed, date(2026, 5, 12), date(2026, 10, 1), MADRID)
        assert plan == [
            PlannedMessage(MessageKind.AFTERCARE, utc(2026, 4, 14, 10, 0)),
            PlannedMessage(MessageKind.SIDE_EFFECT_CHECKIN, utc(2026, 4, 15, 10, 0)),
            PlannedMessage(MessageKind.NEXT_SESSION_DUE, utc(2026, 5, 9, 8, 0)),
            PlannedMessage(MessageKind.MAINTENANCE_REMINDER, utc(2026, 9, 24, 8, 0)),
        ]

    def test_the_checkin_keeps_the_local_time_across_a_clock_change(self) -> None:
        completed = local(MADRID, 2026, 3, 28, 18, 0)  # CET; clocks go forward that night
        plan = plan_after_session(completed, None, None, MADRID)
        assert [p.kind for p in plan] == [MessageKind.AFTERCARE, MessageKind.SIDE_EFFECT_CHECKIN]
        assert plan[1].due_at == utc(2026, 3, 29, 16, 0)  # 18:00 CEST

    def test_a_reminder_date_is_read_in_the_patients_zone(self) -> None:
        completed = local(NEW_YORK, 2026, 3, 1, 15, 0)
        plan = plan_after_session(completed, date(2026, 3, 12), None, NEW_YORK)
        assert plan[-1] == PlannedMessage(MessageKind.NEXT_SESSION_DUE, utc(2026, 3, 9, 14, 0))

    def test_lead_days_and_send_time_are_configurable(self) -> None:
        policy = FollowUpPolicy(
            checkin_after=timedelta(hours=36),
            next_session_lead_days=5,
            reminder_local_time=time(9, 30),
        )
        completed = local(MADRID, 2026, 6, 1, 10, 0)
        plan = plan_after_session(completed, date(2026, 6, 30), None, MADRID, policy=policy)
        assert plan[1] == PlannedMessage(MessageKind.SIDE_EFFECT_CHECKIN, utc(2026, 6, 2, 20, 0))
        assert plan[2] == PlannedMessage(MessageKind.NEXT_SESSION_DUE, utc(2026, 6, 25, 7, 30))

    def test_a_reminder_whose_moment_has_passed_goes_with_the_aftercare(self) -> None:
        completed = local(MADRID, 2026, 6, 1, 17, 0)
        plan = plan_after_session(completed, date(2026, 6, 2), None, MADRID)
        reminder = next(p for p in plan if p.kind is MessageKind.NEXT_SESSION_DUE)
        assert reminder.due_at == completed

    def test_nothing_injected_plans_a_consultation_summary_and_no_aftercare_or_check_in(
        self,
    ) -> None:
        completed = local(MADRID, 2026, 4, 14, 12, 0)
        plan = plan_after_session(completed, date(2026, 5, 12), None, MADRID, injected=False)
        assert plan == [
            PlannedMessage(MessageKind.CONSULTATION_SUMMARY, utc(2026, 4, 14, 10, 0)),
            PlannedMessage(MessageKind.NEXT_SESSION_DUE, utc(2026, 5, 9, 8, 0)),
        ]

    def test_an_early_check_in_comes_that_many_hours_later(self) -> None:
        completed = local(MADRID, 2026, 4, 14, 12, 0)
        plan = plan_after_session(completed, None, None, MADRID, early_checkin=timedelta(hours=4))
        assert plan == [
            PlannedMessage(MessageKind.AFTERCARE, utc(2026, 4, 14, 10, 0)),
            PlannedMessage(MessageKind.SIDE_EFFECT_CHECKIN, utc(2026, 4, 14, 14, 0)),
        ]

    def test_an_early_check_in_counts_real_hours_across_a_clock_change(self) -> None:
        completed = local(MADRID, 2026, 3, 29, 0, 30)  # CET; at 02:00 clocks jump to 03:00
        plan = plan_after_session(completed, None, None, MADRID, early_checkin=timedelta(hours=4))
        assert plan[1].due_at - plan[0].due_at == timedelta(hours=4)

    def test_a_naive_completion_time_is_refused(self) -> None:
        with pytest.raises(NaiveDatetime) as caught:
            plan_after_session(datetime(2026, 6, 1, 17, 0), None, None, MADRID)
        assert caught.value.extra["errors"][0]["field"] == "completed_at"


class TestAppointmentReminder:
    def test_is_due_the_lead_before_the_start(self) -> None:
        start = local(MADRID, 2026, 5, 20, 11, 0)
        assert reminder_due(start, timedelta(hours=24)) == utc(2026, 5, 19, 9, 0)

    def test_is_not_sent_when_booked_inside_the_lead(self) -> None:
        start = local(MADRID, 2026, 5, 20, 11, 0)
        booked = local(MADRID, 2026, 5, 20, 9, 0)
        assert reminder_due(start, timedelta(hours=24), booked_at=booked) is None

    def test_due_at_night_moves_to_morning_when_that_leaves_enough_notice(self) -> None:
        start = local(MADRID, 2026, 5, 20, 12, 0)
        sent = reminder_send_time(start, timedelta(hours=6), MADRID, NIGHT)
        assert sent == utc(2026, 5, 20, 6, 0)  # 08:00 local, 4 h before

    def test_due_at_night_before_an_early_appointment_moves_to_the_evening_before(self) -> None:
        start = local(MADRID, 2026, 5, 20, 8, 30)
        sent = reminder_send_time(start, timedelta(hours=2), MADRID, NIGHT)
        assert sent == utc(2026, 5, 19, 18, 59)  # 20:59 local, the last minute before quiet

    def test_booked_after_the_evening_cutoff_it_goes_in_the_morning_before_the_start(
        self,
    ) -> None:
        start = local(MADRID, 2026, 5, 20, 8, 30)
        booked = local(MADRID, 2026, 5, 19, 22, 0)
        sent = reminder_send_time(start, timedelta(hours=2), MADRID, NIGHT, booked_at=booked)
        assert sent == utc(2026, 5, 20, 6, 0)

    def test_outside_quiet_hours_it_is_unchanged(self) -> None:
        start = local(MADRID, 2026, 5, 20, 17, 0)
        sent = reminder_send_time(start, timedelta(hours=24), MADRID, NIGHT)
        assert sent == utc(2026, 5, 19, 15, 0)
