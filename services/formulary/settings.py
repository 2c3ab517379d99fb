"""Settings of the formulary service: the platform block plus `FORMULARY_`-prefixed options."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FORMULARY_", extra="ignore")

    service: str = "formulary"
    port: int = 8003
