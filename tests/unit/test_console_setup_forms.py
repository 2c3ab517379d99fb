"""The Admin setup forms: a week's rows and booking's row messages, prices typed in major units,
a time off typed in the clinic's zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.gateway.console.forms import setup as forms


class TestTheWeek:
    def test_blank_rows_are_left_out_and_a_half_typed_row_is_named(self) -> None:
        form = {
            "weekday_0": "0",
            "start_0": "09:00",
            "end_0": "13:00",
            "weekday_1": "0",
            "weekday_2": "2",
            "start_2": "14:00",
        }
        lines = forms.hours_lines(form)
        errors: dict[str, str] = {}
        week = forms.week_body(lines, errors)
        assert [(r.weekday, r.start, r.end) for r in week.hours] == [
            (0, "09:00", "13:00"),
            (2, "14:00", ""),
        ]
        assert errors == {"end_2": "Enter the end time, e.g. 09:00."}

    def test_bookings_row_message_lands_on_the_form_row_it_came_from(self) -> None:
        form = {"start_0": "09:00", "end_0": "13:00", "start_3": "12:00", "end_3": "14:00"}
        lines = forms.hours_lines(form)
        errors = forms.week_errors({"hours.1": "Working hours overlap."}, lines)
        assert errors == {"row_3": "Working hours overlap."}


class TestAPrice:
    def test_is_typed_in_major_units(self) -> None:
        errors: dict[str, str] = {}
        assert forms.amount_minor({"amount": "160,5"}, errors) == 16050
        assert forms.amount_minor({"amount": "150"}, errors) == 15000
        assert errors == {}

    def test_more_than_cents_or_words_are_named(self) -> None:
        for typed in ("1.005", "abc", "NaN"):
            errors: dict[str, str] = {}
            assert forms.amount_minor({"amount": typed}, errors) == 0
            assert "amount" in errors, typed


class TestATimeOff:
    def test_is_read_in_the_clinics_zone(self) -> None:
        errors: dict[str, str] = {}
        body = forms.time_off_body(
            {"start": "2027-06-07T11:00", "end": "2027-06-07T12:00"},
            ZoneInfo("Europe/Paris"),
            errors,
        )
        assert (body.start, body.end) == ("2027-06-07T11:00:00+02:00", "2027-06-07T12:00:00+02:00")
        assert errors == {}
