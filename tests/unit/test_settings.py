"""Settings: the shared block, per-service prefixes, and refusing the development secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.booking.settings import Settings as BookingSettings
from services.notifications.settings import Settings as NotificationsSettings
from shared.settings import DEVELOPMENT_JWT_SECRET, PlatformSettings, database_on_server


def test_the_development_secret_refuses_to_start_in_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MESOCARE_ENV", "production")
    monkeypatch.delenv("MESOCARE_JWT_SECRET", raising=False)
    with pytest.raises(ValidationError, match="development default"):
        PlatformSettings()


def test_production_starts_with_a_real_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESOCARE_ENV", "production")
    monkeypatch.setenv("MESOCARE_JWT_SECRET", "s" * 48)
    assert PlatformSettings().jwt_secret == "s" * 48


def test_the_development_secret_is_the_default_in_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MESOCARE_ENV", raising=False)
    monkeypatch.delenv("MESOCARE_JWT_SECRET", raising=False)
    assert PlatformSettings().jwt_secret == DEVELOPMENT_JWT_SECRET


def test_a_short_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESOCARE_JWT_SECRET", "short")
    with pytest.raises(ValidationError, match="at least 32"):
        PlatformSettings()


def test_each_service_reads_its_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKING_PORT", "9101")
    monkeypatch.setenv("NOTIFICATIONS_PORT", "9104")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    booking, notifications = BookingSettings(), NotificationsSettings()
    assert (booking.port, notifications.port) == (9101, 9104)
    assert booking.platform.kafka_bootstrap_servers == "kafka:9092"


def test_each_service_gets_its_own_database_on_the_shared_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/postgres?sslmode=require")
    monkeypatch.delenv("BOOKING_DATABASE_URL", raising=False)
    assert BookingSettings().dsn() == "postgresql://u:p@db:5432/mesocare_booking?sslmode=require"


def test_a_service_database_url_overrides_the_shared_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOOKING_DATABASE_URL", "postgresql://other/bookings")
    assert BookingSettings().dsn() == "postgresql://other/bookings"


def test_database_on_server_keeps_credentials_and_options() -> None:
    assert (
        database_on_server("postgresql://a:b@h:1/x?host=/tmp", "y")
        == "postgresql://a:b@h:1/y?host=/tmp"
    )
