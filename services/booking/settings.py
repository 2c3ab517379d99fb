"""Settings of the booking service: the platform block plus `BOOKING_`-prefixed options."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKING_", extra="ignore")

    service: str = "booking"
    port: int = 8001
    records_url: str = Field(
        "http://127.0.0.1:8002", description="Records, asked when the patient replica misses"
    )
    records_timeout_seconds: float = 2.0
    formulary_url: str = Field(
        "http://127.0.0.1:8003", description="Formulary, asked for the cross-check at start"
    )
    formulary_timeout_seconds: float = Field(
        2.0, description="Short: a session start waits on it, and a timeout fails closed (503)"
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8080",
        description=(
            "Where calendar apps reach the gateway (its public origin): calendar feed URLs are "
            "{public_base_url}/api/booking/v1/calendar-feeds/{secret}.ics"
        ),
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
    )
