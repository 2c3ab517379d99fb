"""The console's time words: a day's zone, named as its times are."""

from __future__ import annotations

from datetime import date

from services.gateway.console.clock import day_zones


class TestTheZoneOfADay:
    def test_a_winter_and_a_summer_day_in_paris(self) -> None:
        assert day_zones("2026-12-14", "Europe/Paris") == "CET"
        assert day_zones(date(2026, 7, 14), "Europe/Paris") == "CEST"

    def test_the_day_the_clocks_go_back_names_both(self) -> None:
        assert day_zones("2026-10-25", "Europe/Paris") == "CEST, then CET"
        assert day_zones("2026-03-08", "America/New_York") == "EST, then EDT"

    def test_a_week_names_both_when_the_clocks_change_within_it(self) -> None:
        assert day_zones("2026-10-19", "Europe/Paris", 7) == "CEST, then CET"
        assert day_zones("2026-12-14", "Europe/Paris", 7) == "CET"

    def test_a_zone_without_letters_is_named_by_its_offset(self) -> None:
        assert day_zones("2026-12-14", "Asia/Dubai") == "UTC+04"

    def test_no_zone_is_utc(self) -> None:
        assert day_zones("2026-12-14", None) == "UTC"
