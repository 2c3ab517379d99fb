"""The shared input rules (shared/inputs.py, shared/vocabulary.py's timezones): each bad value
is a validation error naming its field, never something PostgreSQL or date arithmetic refuses
later."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import pytest
from pydantic import ValidationError

from shared import vocabulary
from shared.inputs import Day, Instant, Name, Omittable, Strict, Timezone


class Body(Strict):
    name: Name = "x"
    nickname: Omittable[Name] = None
    note: str | None = None
    tags: list[str] = []
    labels: dict[str, str] = {}
    timezone: Timezone = "UTC"
    day: Day | None = None
    at: Instant | None = None


def refused(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        Body.model_validate(data)
    return [".".join(str(p) for p in e["loc"]) for e in caught.value.errors()]


class TestTimezones:
    @pytest.mark.parametrize(
        "name",
        [
            "localtime",
            "Factory",
            "EST5EDT",
            "CST6CDT",
            "MST7MDT",
            "PST8PDT",
            "EST",
            "MST",
            "HST",
            "CET",
            "posix/Europe/Paris",
            "right/Europe/Paris",
            "posixrules",
            "Etc/GMT+5",
            "Etc/UTC",
            "US/Eastern",
            "Japan",
            "GMT",
            "Europe/Atlantis",
            "europe/paris",
        ],
    )
    def test_names_that_are_not_canonical_places_are_refused(self, name: str) -> None:
        assert not vocabulary.is_canonical_timezone(name)
        assert refused({"timezone": name}) == ["timezone"]

    @pytest.mark.parametrize(
        "name",
        [
            "UTC",
            "Europe/Paris",
            "America/New_York",
            "America/Argentina/Buenos_Aires",
            "Asia/Kolkata",
        ],
    )
    def test_canonical_names_are_accepted(self, name: str) -> None:
        assert Body.model_validate({"timezone": name}).timezone == name

    def test_every_canonical_name_is_a_zone_of_a_geographic_area_or_utc(self) -> None:
        names = vocabulary.canonical_timezones()
        assert names <= available_timezones()
        assert len(names) > 300
        for name in names:
            assert name == "UTC" or name.split("/")[0] in vocabulary.TIMEZONE_AREAS
            ZoneInfo(name)


class TestText:
    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"name": "a\x00"}, "name"),
            ({"note": "\x00"}, "note"),
            ({"tags": ["ok", "b\x00"]}, "tags"),
            ({"labels": {"k\x00": "v"}}, "labels"),
            ({"labels": {"k": "\x00"}}, "labels"),
        ],
    )
    def test_a_nul_character_anywhere_is_refused_naming_the_field(
        self, data: dict[str, Any], field: str
    ) -> None:
        assert refused(data) == [field]

    @pytest.mark.parametrize("blank", ["", " ", "\t\n", "\u00a0", "\u200b", "\u2028", "\ufeff "])
    def test_a_blank_name_is_refused(self, blank: str) -> None:
        assert refused({"name": blank}) == ["name"]

    def test_a_name_is_kept_without_the_spaces_around_it(self) -> None:
        assert Body.model_validate({"name": "  Clinique  Nord "}).name == "Clinique  Nord"


class TestDates:
    @pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"])
    def test_days_outside_1900_to_2999_are_refused(self, day: str) -> None:
        assert refused({"day": day}) == ["day"]

    @pytest.mark.parametrize(
        "at", ["9999-12-31T23:45:00+00:00", "0001-01-01T00:00:00+01:00", "3000-01-01T00:00:00Z"]
    )
    def test_instants_outside_1900_to_2999_are_refused(self, at: str) -> None:
        assert refused({"at": at}) == ["at"]

    def test_the_ends_of_the_range_are_accepted(self) -> None:
        body = Body.model_validate({"day": "1900-01-01", "at": "2999-12-31T23:59:59-12:00"})
        assert body.day == date(1900, 1, 1)
        assert isinstance(body.at, datetime)


class TestChanges:
    def test_an_omittable_field_may_be_left_out_but_not_null(self) -> None:
        assert Body.model_validate({}).nickname is None
        assert Body.model_validate({"nickname": " Bo "}).nickname == "Bo"
        assert refused({"nickname": None}) == ["nickname"]

    def test_its_json_schema_does_not_offer_null(self) -> None:
        nickname = Body.model_json_schema()["properties"]["nickname"]
        assert nickname["type"] == "string"
        assert "anyOf" not in nickname


class TestWrittenOutDates:
    @pytest.mark.parametrize("value", [0, 0.5, "0.5", "1700000000", " 12 ", "1e9"])
    def test_a_number_is_not_taken_for_a_date_or_a_time(self, value: Any) -> None:
        assert refused({"day": value}) == ["day"]
        assert refused({"at": value}) == ["at"]

    def test_written_out_ones_are(self) -> None:
        body = Body.model_validate({"day": "2026-11-24", "at": "2026-11-24T18:00:00+01:00"})
        assert body.day == date(2026, 11, 24)
