"""How a calendar feed is written (RFC 5545): initials, escaping, folding, VTIMEZONE rules, and
times in the repeated hour of a fall-back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from services.booking.domain import feeds

NOW = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


def event(start: datetime, **overrides: object) -> feeds.FeedEvent:
    values: dict[str, object] = {
        "appointment_id": "a1",
        "revision": 0,
        "cancelled": False,
        "starts_at": start,
        "ends_at": start + timedelta(minutes=30),
        "timezone": "Europe/Paris",
        "last_modified": NOW,
        "summary": "C. D. · Consultation",
        "location": "Clinique Opéra, 12 rue de la Paix",
        "description": "Room: 1",
    }
    values.update(overrides)
    return feeds.FeedEvent(**values)  # type: ignore[arg-type]


class TestInitials:
    @pytest.mark.parametrize(
        ("given", "family", "expected"),
        [
            ("Amélie", "Durand", "A. D."),
            ("Jean-Pierre", "de la Tour", "J.-P. D."),
            ("  camille ", "martin", "C. M."),
            (None, "Durand", "D."),
            ("", "", ""),
        ],
    )
    def test_initials(self, given: str | None, family: str | None, expected: str) -> None:
        assert feeds.initials(given, family) == expected

    def test_an_unknown_name_is_patient_and_full_names_only_when_chosen(self) -> None:
        assert feeds.patient_label(None, None, full_names=False) == "Patient"
        assert feeds.patient_label("Amélie", "Durand", full_names=True) == "Amélie Durand"
        assert feeds.patient_label("Amélie", "Durand", full_names=False) == "A. D."


class TestWriting:
    def test_text_is_escaped_and_long_lines_folded_at_75_octets_between_characters(
        self,
    ) -> None:
        body = feeds.calendar(
            "Dr Leroy",
            [event(datetime(2027, 1, 5, 9, tzinfo=UTC), summary="é" * 80, location="A; B, C\\D")],
            feeds.FeedWindow.around(NOW),
        )
        lines = body.split("\r\n")
        assert all(len(line.encode()) <= 75 for line in lines)
        assert "LOCATION:A\\; B\\, C\\\\D" in lines
        parsed = icalendar.Calendar.from_ical(body)
        (vevent,) = parsed.walk("VEVENT")
        assert str(vevent["SUMMARY"]) == "é" * 80
        assert str(vevent["LOCATION"]) == "A; B, C\\D"

    def test_the_repeated_hour_of_a_fall_back_is_written_in_utc(self) -> None:
        # 01:30 in New York on 2027-11-07 happens twice; the second is 06:30Z.
        second = datetime(2027, 11, 7, 6, 30, tzinfo=UTC)
        lines = feeds.vevent(event(second, timezone="America/New_York"))
        assert "DTSTART:20271107T063000Z" in lines
        first = datetime(2027, 11, 7, 5, 30, tzinfo=UTC)
        lines = feeds.vevent(event(first, timezone="America/New_York"))
        assert "DTSTART;TZID=America/New_York:20271107T013000" in lines


class TestTimezones:
    def test_a_zone_without_changes_has_one_observance(self) -> None:
        rules = feeds.observances("Asia/Tokyo", date(2026, 11, 6), date(2027, 6, 6))
        assert len(rules) == 1
        assert rules[0].offset_from == rules[0].offset_to == timedelta(hours=9)

    def test_paris_springs_forward_at_one_utc_on_the_last_sunday_of_march(self) -> None:
        rules = feeds.observances("Europe/Paris", date(2026, 11, 6), date(2027, 6, 6))
        assert [(r.onset, r.offset_to, r.name, r.daylight) for r in rules[1:]] == [
            (datetime(2027, 3, 28, 1, tzinfo=UTC), timedelta(hours=2), "CEST", True)
        ]
        lines = feeds.vtimezone("Europe/Paris", date(2026, 11, 6), date(2027, 6, 6))
        assert "DTSTART:20270328T020000" in lines  # 01:00Z in the CET that ends then

    @pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Australia/Sydney"])
    def test_every_hour_of_a_year_converts_as_zoneinfo_does(self, zone: str) -> None:
        first, last = date(2027, 1, 1), date(2028, 1, 1)
        rules = feeds.observances(zone, first, last)
        tz = ZoneInfo(zone)
        at = datetime(2027, 1, 1, 12, tzinfo=UTC)
        while at < datetime(2027, 12, 31, tzinfo=UTC):
            in_force = [r for r in rules if r.onset <= at][-1]
            assert in_force.offset_to == at.astimezone(tz).utcoffset(), at
            at += timedelta(hours=1)
