"""Settings of the booking service: the platform block plus `BOOKING_`-prefixed options."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKING_", extra="ignore")

    service: str = "booking"
    port: int = 8001
