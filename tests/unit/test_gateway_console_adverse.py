"""The console's adverse event form, pure: the onset is a local wall-clock time in the zone the
form names, sent with that zone's offset (summer or winter); a time the clocks skipped, an
offset typed by hand or no time at all is named on the onset field; records' `onset_at`
message lands there too."""

from __future__ import annotations

from services.gateway.console.forms import adverse as forms

PARIS = "Europe/Paris"


def test_the_onset_carries_the_offset_of_the_zone_on_that_day() -> None:
    errors: dict[str, str] = {}

    assert forms.onset_at("2026-01-15T16:30", PARIS, errors) == "2026-01-15T16:30:00+01:00"
    assert forms.onset_at("2026-07-15T16:30", PARIS, errors) == "2026-07-15T16:30:00+02:00"
    assert forms.onset_at("2026-07-15T16:30", "America/New_York", errors).endswith("-04:00")
    assert errors == {}


def test_a_time_the_clocks_skipped_is_named_on_the_onset() -> None:
    errors: dict[str, str] = {}

    # Paris went from 02:00 to 03:00 on 29 March 2026.
    assert forms.onset_at("2026-03-29T02:30", PARIS, errors) == ""
    assert errors == {
        "onset": "This time did not exist in Europe/Paris: the clocks went forward then."
    }


def test_no_time_a_malformed_one_or_an_offset_is_named_on_the_onset() -> None:
    for typed in ("", "yesterday", "2026-01-15T16:30+01:00"):
        errors: dict[str, str] = {}
        assert forms.onset_at(typed, PARIS, errors) == ""
        assert set(errors) == {"onset"}, typed


def test_records_messages_land_on_the_form_fields() -> None:
    assert forms.field_errors(
        {"onset_at": "Value error, the onset is in the future", "description": "too long"}
    ) == {"onset": "The onset is in the future.", "description": "Too long."}
